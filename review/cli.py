"""`claimscreen review ...`: the investigators' web application (docs/reference.md, "Commands")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from claimscreen.data.console import Home, parse_date, reports_errors

__all__ = ["review"]


def _run(func: Any, *args: Any) -> Any:
    """Call ``func`` under the command line's one-line error reporting, a review database
    error as a wrong input."""
    from sqlalchemy.exc import SQLAlchemyError

    from claimscreen.data.errors import InputError

    def guarded() -> Any:
        try:
            return func(*args)
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise InputError(f"review database: {first}") from exc

    return reports_errors(guarded)()


@click.group()
def review() -> None:
    """The investigators' web application and its accounts.

    The database is HOME/review.db (SQLite) unless CLAIMSCREEN_DATABASE_URL names
    another, e.g. postgresql+psycopg://user@host:5432/claimscreen. Every command
    brings its schema up to date first.
    """


@review.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port.")
@click.option(
    "--idle-minutes",
    type=click.IntRange(1, 24 * 60),
    default=None,
    help="Sign a user out after this many idle minutes [env CLAIMSCREEN_REVIEW_IDLE_MINUTES; default 30].",
)
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind TLS).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (one per core).",
)
@click.pass_obj
def serve(
    home: Home, host: str, port: int, idle_minutes: int | None, secure_cookies: bool, workers: int
) -> None:
    """Serve the review application (open http://HOST:PORT/ and sign in)."""

    def start() -> None:
        import os

        import uvicorn

        from claimscreen.review.app import IDLE_MINUTES_ENV, SECURE_COOKIES_ENV, create_app
        from claimscreen.review.db import open_database

        _check_can_listen(host, port)  # one line, not uvicorn's log and exit status 3
        open_database(home.path).dispose()  # migrate once, before any worker starts
        click.echo(f"claimscreen review: http://{host}:{port}/ (home {home.path})")
        if workers == 1:
            app = create_app(home.path, idle_minutes=idle_minutes, secure_cookies=secure_cookies)
            uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
            return
        os.environ["CLAIMSCREEN_HOME"] = str(home.path)
        os.environ[SECURE_COOKIES_ENV] = "1" if secure_cookies else "0"
        if idle_minutes:
            os.environ[IDLE_MINUTES_ENV] = str(idle_minutes)
        uvicorn.run(
            "claimscreen.review.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,
        )

    _run(start)


def _check_can_listen(host: str, port: int) -> None:
    """InputError unless HOST:PORT can be bound now (a port in use, a host not of this machine).

    Binds and closes a socket as uvicorn will (SO_REUSEADDR): a port that another server
    listens on is refused, one left in TIME_WAIT by a server just stopped is not.
    """
    import errno
    import socket

    from claimscreen.data.errors import InputError

    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except socket.gaierror:
        raise InputError(f"{host} is not an address to listen on; choose another --host") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"{where} is already in use; choose another --port") from None
        raise InputError(
            f"cannot listen on {where}: {exc.strerror}; choose another --host or --port"
        ) from None


@review.command()
@click.pass_obj
def migrate(home: Home) -> None:
    """Create or upgrade the review database's schema (Alembic migrations)."""

    def run() -> None:
        from claimscreen.review.db import current_revision, database_url, open_database

        engine = open_database(home.path)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        click.echo(f"review database at revision {revision} ({_masked(database_url(home.path))})")

    _run(run)


@review.command("add-user")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["investigator", "supervisor", "admin"]),
    required=True,
    help="investigator: works cases; supervisor: also reassigns, reopens, reads the audit log; admin: all.",
)
@click.pass_obj
def add_user(home: Home, name: str, role: str) -> None:
    """Add the account NAME. The password is read from standard input when it is not a
    terminal, else asked for twice: 12 to 1024 characters, not only spaces, not one
    character repeated, not one of the 10,000 most common passwords."""

    def run() -> None:
        from claimscreen.review.auth import add_user as create
        from claimscreen.review.auth import check_new_user
        from claimscreen.review.db import open_database

        password = _read_password()
        check_new_user(name, role, password)
        engine = open_database(home.path)
        try:
            create(engine, name, role, password)
        finally:
            engine.dispose()
        click.echo(f"user {name} added ({role})")

    _run(run)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@review.command()
@click.option("--date", "date_", required=True, help="The night whose queue to publish (YYYY-MM-DD).")
@click.pass_obj
def publish(home: Home, date_: str) -> None:
    """Import a night's review queue into the database (a claim already there is skipped), with
    the night's look-back alerts and the verification outcomes imported so far."""

    def run() -> None:
        from claimscreen.review.publish import publish_night

        night = parse_date(date_)
        assert night is not None
        counts = publish_night(home.path, night)
        click.echo(
            f"night {night}: {counts['published']} claims published, {counts['skipped']} already there; "
            f"{counts['cases_opened']} cases opened, {counts['claims_joined']} claims joined open ring "
            f"cases; {counts['lookback_alerts']} look-back alerts "
            f"({counts['lookback_cases_opened']} cases opened, {counts['lookback_cases_joined']} joined "
            "existing cases); "
            f"{counts['verification_outcomes']} verification outcomes copied"
        )

    _run(run)


@review.command("export-dispositions")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="CSV file to write.")
@click.pass_obj
def export_dispositions(home: Home, out: str) -> None:
    """Write investigators' decisions as dispositions: claim_id, outcome, decided_at, source,
    decided_by, overpayment (the latest decision per claim; needs_verification is not a label
    yet; overpayment: dollars recorded on a look-back alert, else empty)."""

    def run() -> None:
        from claimscreen.review.dispositions import export_dispositions as export

        rows = export(home.path, Path(out))
        click.echo(f"{rows} dispositions written to {out}")

    _run(run)


def _masked(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@review.command("deactivate-user")
@click.argument("name")
@click.pass_obj
def deactivate_user(home: Home, name: str) -> None:
    """Deactivate the account NAME: it can no longer sign in, and its open sessions end at once.
    Its cases stay assigned (a supervisor reassigns them); its decisions and audit rows stay."""

    def run() -> None:
        from claimscreen.review.auth import deactivate_user as deactivate

        ended = _on_database(home, deactivate, name)
        click.echo(f"user {name} deactivated; {ended} session(s) ended")

    _run(run)


@review.command("reset-password")
@click.argument("name")
@click.pass_obj
def reset_password(home: Home, name: str) -> None:
    """Give the account NAME a new password (read from standard input when it is not a terminal,
    else asked for twice; the password rule of add-user applies), end its open sessions and
    unlock it."""

    def run() -> None:
        from claimscreen.review.auth import check_password
        from claimscreen.review.auth import reset_password as reset

        password = _read_password()
        check_password(password)
        ended = _on_database(home, reset, name, password)
        click.echo(f"password of {name} reset; {ended} session(s) ended")

    _run(run)


@review.command("unlock-user")
@click.argument("name")
@click.pass_obj
def unlock_user(home: Home, name: str) -> None:
    """Forget the failed sign-ins of the account NAME, ending its lock now (a lock lasts 15
    minutes at most by itself)."""

    def run() -> None:
        from claimscreen.review.auth import unlock_user as unlock

        _on_database(home, unlock, name)
        click.echo(f"user {name} unlocked")

    _run(run)


def _on_database(home: Home, func: Any, *args: Any) -> Any:
    """``func(engine, *args)`` on the review database (migrated first), closed after."""
    from claimscreen.review.db import open_database

    engine = open_database(home.path)
    try:
        return func(engine, *args)
    finally:
        engine.dispose()
