"""The `claimscreen` command (CONTRACT.md section 5)."""

from __future__ import annotations

import click


@click.group()
@click.option("--home", type=click.Path(file_okay=False), default=None)
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """claimscreen."""
    ctx.obj = home
