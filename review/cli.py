"""`claimscreen review ...`: the investigators' web application (CONTRACT.md section 5)."""

from __future__ import annotations

import click


@click.group()
def review() -> None:
    """The investigators' web application and its accounts."""
