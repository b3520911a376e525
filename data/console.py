"""The command line's shared plumbing: the home folder, one-line errors, dates, Prefect's home.

``claimscreen.flows.cli`` (the ``claimscreen`` group), ``claimscreen.flows.models_cli``
and ``claimscreen.review.cli`` all build their commands from these. They live in the
lowest layer so that every stage's commands may use them without importing each other
(docs/architecture.md): a wrong input or command ends with exit status 2 and one line
on standard error, any other failure with exit status 1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from claimscreen.data.errors import EXIT_BAD_INPUT, EXIT_FAILED, ClaimscreenError, safe_message
from claimscreen.data.settings import HOME_ENV, resolve_home

F = TypeVar("F", bound=Callable[..., Any])
#: ``--verbose``: an unexpected error also prints where it happened (the frames, never the data).
VERBOSE_ENV = "CLAIMSCREEN_VERBOSE"


class Home:
    """The resolved home folder, shared by every subcommand."""

    def __init__(self, given: str | None) -> None:
        self.path = resolve_home(given)
        self.explicit = given is not None or HOME_ENV in os.environ
        self.prefect_home_chosen = False


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"claimscreen: error: {message}", err=True)
    sys.exit(code)


def reports_errors(func: F) -> F:
    """Turn any error into one line on standard error and a non-zero exit: a claimscreen
    error with its own message and exit status, anything else as ``unexpected error``
    with :func:`safe_message`'s line (a library's message may quote a claim's data)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ClaimscreenError as exc:
            fail(safe_message(exc), code=exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get(VERBOSE_ENV):
                click.echo("".join(traceback.format_tb(exc.__traceback__)).rstrip(), err=True)
            fail(f"unexpected error: {safe_message(exc)}", code=EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


class OneLineErrors(click.Group):
    """A group whose usage errors are one line on standard error, exit status 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "claimscreen"
            fail(f"{exc.format_message()} (see: {where} --help)", code=exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message(), code=exc.exit_code)
        except click.Abort:
            fail("aborted", code=1)


def make_prefect_home() -> None:
    """Create PREFECT_HOME before Prefect is imported (it does not create missing parents)."""
    with contextlib.suppress(OSError):
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


__all__ = [
    "VERBOSE_ENV",
    "Home",
    "OneLineErrors",
    "fail",
    "make_prefect_home",
    "parse_date",
    "reports_errors",
]
