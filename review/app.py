"""The investigators' web application: FastAPI routes over server-rendered Jinja2 pages.

Every page but the login form needs a signed-in account. The session cookie is an opaque
random token naming a row of ``sessions`` (claimscreen.review.auth), read on every request:
sign-out, a password reset and deactivation end sessions at once, and a session ends after
the idle timeout or SESSION_LIFETIME_HOURS. Failed sign-ins are throttled per account and per
client address (auth.py). Every POST carries the session's CSRF token, and one whose Origin
(or Referer) is another site is refused. Every response, an error too, carries the security
headers; a request body over MAX_BODY_BYTES is refused. Jinja2 escapes all output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimscreen.data.settings import load_settings
from claimscreen.review import auth, oidc
from claimscreen.review import cases as work
from claimscreen.review.alerts import CHECK_LABELS, QUEUE_LABEL
from claimscreen.review.db import open_database, writing
from claimscreen.review.publish import FIRST_PAYMENT_DAYS
from claimscreen.review.ring_picture import KIND_LABELS
from claimscreen.review.routes import ROUTERS
from claimscreen.review.web import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Forbidden,
    LoginRequired,
    Throttled,
    error_page,
    render_page,
)

__all__ = [
    "IDLE_MINUTES_ENV",
    "LOGIN_COOKIE",
    "ORIGIN_ENV",
    "PROXY_ADDRESSES_ENV",
    "SECURE_COOKIES_ENV",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "SESSION_HOURS_ENV",
    "SecureHeaders",
    "app_from_environment",
    "create_app",
    "idle_minutes_default",
]

IDLE_MINUTES_ENV = "CLAIMSCREEN_REVIEW_IDLE_MINUTES"
SECURE_COOKIES_ENV = "CLAIMSCREEN_REVIEW_SECURE_COOKIES"
#: The application's own origin (e.g. ``https://review.agency.gov``) when a proxy in front
#: does not pass the browser's Host header on; by default a POST's Origin must match Host.
ORIGIN_ENV = "CLAIMSCREEN_REVIEW_ORIGIN"
#: Addresses of the reverse proxy in front (comma-separated): a request from one of them is
#: throttled by the last address of its X-Forwarded-For header instead.
PROXY_ADDRESSES_ENV = "CLAIMSCREEN_REVIEW_PROXY_ADDRESSES"
SESSION_HOURS_ENV = "CLAIMSCREEN_REVIEW_SESSION_HOURS"
DEFAULT_IDLE_MINUTES = 30
MAX_BODY_BYTES = 256 * 1024
HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the
    # application's own form posts, and the Origin check needs the real one.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}
log = logging.getLogger(__name__)


def _positive_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def idle_minutes_default() -> int:
    return _positive_env(IDLE_MINUTES_ENV, DEFAULT_IDLE_MINUTES)


def create_app(
    home: Path,
    engine: Engine | None = None,
    idle_minutes: int | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The application for ``home`` (its database is migrated here if needed). An engine it
    opens itself is closed when the server shuts down; one given to it is the caller's."""
    owned = engine is None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            app.state.engine.dispose()

    app = FastAPI(
        title="claimscreen review", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.engine = engine or open_database(Path(home))
    app.state.home = Path(home)  # the run reports the dashboard reads (HOME/runs)
    app.state.idle_seconds = 60 * (idle_minutes or idle_minutes_default())
    app.state.lifetime_seconds = 3600 * _positive_env(SESSION_HOURS_ENV, auth.SESSION_LIFETIME_HOURS)
    app.state.secure_cookies = secure_cookies
    app.state.no_response_days = load_settings(Path(home)).verification.no_response_days
    app.state.origin = os.environ.get(ORIGIN_ENV, "").rstrip("/")
    app.state.proxies = {a.strip() for a in os.environ.get(PROXY_ADDRESSES_ENV, "").split(",") if a.strip()}
    app.state.clock = time.time
    app.state.names = None  # (active user names, clock when read): see active_names
    app.state.codes = None  # (reason codes, clock when read): see reason_codes_cached
    _keep_searches_out_of_access_log()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.globals.update(
        outcome_labels=work.OUTCOME_LABELS, kind_labels=KIND_LABELS, standard=FIRST_PAYMENT_DAYS,
        note_max=work.NOTE_MAX_CHARS, paid_label=QUEUE_LABEL, check_labels=CHECK_LABELS,
    )  # fmt: skip
    env.filters.update(days_since=_days_since, business_days=_business_days, when=_when, dollars=work.dollars)
    app.state.oidc = oidc.settings_from_environment()
    app.state.oidc_provider = oidc.make_provider(app.state.oidc) if app.state.oidc else None
    env.globals.update(sign_in=app.state.oidc)  # the login page's "Sign in with ..." button
    app.state.templates = Jinja2Templates(env=env)
    app.state.routers = ROUTERS
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SecureHeaders)
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(Throttled, _throttled)  # type: ignore[arg-type]
    app.add_exception_handler(oidc.SignInRefused, _sign_in_refused)  # type: ignore[arg-type]
    app.add_exception_handler(work.CaseError, _case_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


def app_from_environment() -> FastAPI:
    """The application for ``CLAIMSCREEN_HOME`` (uvicorn's factory when serving with several workers)."""
    from claimscreen.data.settings import resolve_home

    return create_app(resolve_home(None), secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1")


class _TooLarge(Exception):
    pass


class SecureHeaders:
    """Headers on every response, an error's too: no framing, no sniffing, a strict CSP, no
    caching of pages. A request body over MAX_BODY_BYTES is answered 413, and an exception
    that no handler took a plain 500 page (logged), both with the same headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")
        started = False
        received = 0

        async def with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        async def counted() -> Any:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise _TooLarge()
            return message

        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        try:
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                raise _TooLarge()
            await self.app(scope, counted, with_headers)
        except Exception as exc:
            if started:
                raise
            if isinstance(exc, _TooLarge):
                status, text = 413, "The request is too large."
            else:
                log.exception("review application error on %s %s", scope.get("method"), scope["path"])
                status, text = 500, "Something went wrong; the error was logged. Go back and retry."
            page = HTMLResponse(f"<!doctype html><title>Error</title><p>{text}</p>", status_code=status)
            await page(scope, receive, with_headers)


class _NoSearchInAccessLog(logging.Filter):
    """Drops the query of a queue search (names, phone numbers, SSN digits) from access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "q=" in args[2]:
            path, _, query = args[2].partition("?")
            kept = "&".join(p if not p.startswith("q=") else "q=[search]" for p in query.split("&"))
            record.args = (*args[:2], f"{path}?{kept}", *args[3:])
        return True


def _keep_searches_out_of_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoSearchInAccessLog) for f in access.filters):
        access.addFilter(_NoSearchInAccessLog())


async def _to_login(request: Request, exc: LoginRequired) -> Response:
    query = {"next": request.url.path} if request.method == "GET" else {}
    if exc.expired:
        query["expired"] = "1"
    response = RedirectResponse(f"/login?{urlencode(query)}" if query else "/login", status_code=303)
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _forbidden(request: Request, exc: Forbidden) -> Response:
    return await error_page(request, "Not allowed", exc.message, 403)


async def _throttled(request: Request, exc: Throttled) -> Response:
    minutes = max(1, round(exc.seconds / 60))
    message = (
        f"Too many failed sign-ins. Try again in about {minutes} minute{'s' if minutes > 1 else ''}, "
        "or ask state IT to unlock your account."
    )
    context = {"next": "/queue", "message": message}
    response = await anyio.to_thread.run_sync(lambda: render_page(request, "login.html", context, None, 429))
    response.headers["Retry-After"] = str(int(exc.seconds) + 1)
    return response


async def _sign_in_refused(request: Request, exc: oidc.SignInRefused) -> Response:
    """A sign-in through the identity provider that did not happen: audited, then said why."""

    def record() -> None:
        with writing(request.app.state.engine) as conn:
            who = {"username": exc.username} if exc.username else None
            work.audit(conn, who, "login_failed", after={"via": "oidc", "reason": exc.reason[:64]})

    await anyio.to_thread.run_sync(record)
    status = 502 if exc.reason.startswith("oidc_error") else 403
    response = await error_page(request, "Not signed in", exc.message, status)
    response.delete_cookie(oidc.PENDING_COOKIE, path="/login/oidc")
    return response


async def _case_error(request: Request, exc: work.CaseError) -> Response:
    title = "Changed meanwhile" if exc.status == 409 and exc.case_id else "Not done"
    return await error_page(request, title, str(exc), exc.status, exc.case_id)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An address with no page (404), a method a page does not take (405): the error page, with
    the top bar."""
    title = "Not found" if exc.status_code == 404 else "Not done"
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    return await error_page(request, title, message, exc.status_code)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    where = ", ".join(str(e.get("loc", ("?",))[-1]) for e in exc.errors()[:3])
    return await error_page(request, "Not understood", f"The address or form was not valid ({where}).", 400)


def _days_since(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    return max(0, (dt.datetime.now(dt.UTC) - moment).days)


def _business_days(moment: dt.datetime | None) -> int:
    """Working days (Monday to Friday) from the day after ``moment`` to today, UTC."""
    if moment is None:
        return 0
    start, end = moment.astimezone(dt.UTC).date(), dt.datetime.now(dt.UTC).date()
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    return 5 * weeks + sum(1 for k in range(1, extra + 1) if (start + dt.timedelta(days=k)).weekday() < 5)


def _when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()
