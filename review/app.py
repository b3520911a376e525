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
import hmac
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import anyio
import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import escape
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimscreen.data.settings import load_settings
from claimscreen.review import auth, oidc
from claimscreen.review import cases as work
from claimscreen.review.alerts import CHECK_LABELS, QUEUE_LABEL, verification_of
from claimscreen.review.auth import authenticate, role_at_least
from claimscreen.review.dashboard import dashboard
from claimscreen.review.db import is_postgres, open_database, reading, statements, writing
from claimscreen.review.network import KIND_LABELS, ring_picture
from claimscreen.review.notices import NOTICE_OUTCOMES, draft_notice, render_letter
from claimscreen.review.publish import FIRST_PAYMENT_DAYS
from claimscreen.review.search import query_terms

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
SESSION_COOKIE = "claimscreen_session"
LOGIN_COOKIE = "claimscreen_login"  # the sign-in form's CSRF token, before there is a session
FLASH_COOKIE = "claimscreen_flash"
#: A session's last-use time is written at most this often (the idle timeout's resolution).
TOUCH_SECONDS = 60
#: How long a server process keeps the list of active user names (the assignee lists).
NAMES_CACHE_SECONDS = 5.0
#: How long a server process keeps the list of reason codes (the queue's reason list).
CODES_CACHE_SECONDS = 60.0
MAX_BODY_BYTES = 256 * 1024
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
MAX_FILTER_LENGTH = 64
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

CaseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Filter = Annotated[str, Query(max_length=MAX_FILTER_LENGTH)]


class LoginRequired(Exception):
    def __init__(self, expired: bool = False) -> None:
        self.expired = expired


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class Throttled(Exception):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


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
    app.state.idle_seconds = 60 * (idle_minutes or idle_minutes_default())
    app.state.lifetime_seconds = 3600 * _positive_env(SESSION_HOURS_ENV, auth.SESSION_LIFETIME_HOURS)
    app.state.secure_cookies = secure_cookies
    app.state.no_response_days = load_settings(Path(home)).verification.no_response_days
    app.state.origin = os.environ.get(ORIGIN_ENV, "").rstrip("/")
    app.state.proxies = {a.strip() for a in os.environ.get(PROXY_ADDRESSES_ENV, "").split(",") if a.strip()}
    app.state.clock = time.time
    app.state.names = None  # (active user names, clock when read): see _active_names
    app.state.codes = None  # (reason codes, clock when read): see _reason_codes
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
    app.state.router = _routes()
    app.include_router(app.state.router)
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


# --- sessions, login, CSRF ---------------------------------------------------


def _clock_time(request: Request) -> dt.datetime:
    return dt.datetime.fromtimestamp(request.app.state.clock(), dt.UTC)


def _session(request: Request) -> dict[str, Any] | None:
    """The request's session with its account (read once per request), or None. A session
    past its idle timeout or lifetime is deleted, and remembered as expired."""
    if hasattr(request.state, "session"):
        return request.state.session
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token and len(token) <= 128:
        engine = request.app.state.engine
        with statements(engine) as conn:
            found = auth.read_session(conn, token)
        if found is not None:
            state, at = request.app.state, _clock_time(request)
            idle = (at - found["seen_at"]).total_seconds() > state.idle_seconds
            old = (at - found["created_at"]).total_seconds() > state.lifetime_seconds
            if idle or old or not found["active"]:
                with writing(engine) as conn:
                    auth.end_session(conn, found["sid"])
                request.state.expired = idle or old
                found = None
            elif (at - found["seen_at"]).total_seconds() >= TOUCH_SECONDS:
                with writing(engine) as conn:
                    auth.touch_session(conn, found["sid"], at)
    request.state.session = found
    return found


def current_user(request: Request) -> dict[str, Any]:
    """The signed-in account; else a redirect to /login (saying so after the idle timeout)."""
    found = _session(request)
    if found is None:
        raise LoginRequired(expired=getattr(request.state, "expired", False))
    return {"id": found["id"], "username": found["username"], "role": found["role"]}


def _reason_codes(request: Request, conn: Any) -> list[str]:
    """The reason codes cases have (the queue's reason list), read at most every
    CODES_CACHE_SECONDS per process."""
    return _cached(request, "codes", CODES_CACHE_SECONDS, lambda: work.reason_codes(conn))


def _cached(request: Request, name: str, seconds: float, read: Any) -> list[str]:
    """A list the process keeps in ``app.state.<name>`` as (list, clock when read), read again
    with ``read()`` when older than ``seconds``."""
    state = request.app.state
    clock = state.clock()
    cached = getattr(state, name)
    if cached is None or clock - cached[1] > seconds:
        cached = (read(), clock)
        setattr(state, name, cached)
    return list(cached[0])


def reason_label(code: str) -> str:
    """A reason code in words for the reason list: ``SHARED_BANK_ACCOUNT`` "Shared bank account"."""
    words = code.replace("_", " ").strip().lower()
    for short, long in (("ssn", "SSN"), ("ip ", "IP "), ("ui ", "UI ")):
        words = words.replace(short, long)
    return words[:1].upper() + words[1:]


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


def _active_names(request: Request, conn: Any) -> list[str]:
    """The active accounts' names (the assignee and reassign lists), read at most every
    NAMES_CACHE_SECONDS per process."""
    return _cached(request, "names", NAMES_CACHE_SECONDS, lambda: work.active_users(conn))


CurrentUser = Annotated[dict[str, Any], Depends(current_user)]


def supervisor(user: CurrentUser) -> dict[str, Any]:
    if not role_at_least(user["role"], "supervisor"):
        raise Forbidden("This page is for supervisors.")
    return user


Supervisor = Annotated[dict[str, Any], Depends(supervisor)]


def csrf_token(request: Request) -> str:
    """The token a form must carry: the session's, else (the sign-in form) the login cookie's."""
    found = _session(request)
    if found is not None:
        return str(found["csrf"])
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not 20 <= len(token) <= 64:
        token = getattr(request.state, "new_login_token", "") or secrets.token_urlsafe(32)
        request.state.new_login_token = token
    return token


def _same_origin(request: Request) -> bool:
    """A state-changing request comes from the application's own pages: its Origin header, or
    else its Referer, names this origin (ORIGIN_ENV, else the Host the request was sent to).
    A request with neither (not a browser) passes: the CSRF token still guards it."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    parts = urlsplit(claimed)
    if not parts.scheme or not parts.netloc:
        return False  # "null" and other opaque origins
    own = request.app.state.origin
    if own:
        return f"{parts.scheme}://{parts.netloc}" == own
    return parts.netloc == request.headers.get("host", "")


async def check_csrf(request: Request) -> None:
    """Every state-changing request comes from this application's origin and carries the
    session's CSRF token (403 otherwise)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not _same_origin(request):
        raise Forbidden("The form was not sent from this application (its origin is another site).")
    form = await request.form()
    given = str(form.get("csrf_token", ""))
    expected = await anyio.to_thread.run_sync(csrf_token, request)
    if getattr(request.state, "new_login_token", "") or not hmac.compare_digest(
        given.encode(), expected.encode()
    ):
        raise Forbidden(
            "The form was stale or not sent from this application (CSRF check). Reload and retry."
        )


def _client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    if peer in request.app.state.proxies:
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        return forwarded[-1] if forwarded else peer
    return peer


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.app.state.secure_cookies,
    )  # fmt: skip


async def _to_login(request: Request, exc: LoginRequired) -> Response:
    query = {"next": request.url.path} if request.method == "GET" else {}
    if exc.expired:
        query["expired"] = "1"
    response = RedirectResponse(f"/login?{urlencode(query)}" if query else "/login", status_code=303)
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _forbidden(request: Request, exc: Forbidden) -> Response:
    return await _error(request, "Not allowed", exc.message, 403)


async def _throttled(request: Request, exc: Throttled) -> Response:
    minutes = max(1, round(exc.seconds / 60))
    message = (
        f"Too many failed sign-ins. Try again in about {minutes} minute{'s' if minutes > 1 else ''}, "
        "or ask state IT to unlock your account."
    )
    context = {"next": "/queue", "message": message}
    response = await anyio.to_thread.run_sync(lambda: _page(request, "login.html", context, None, 429))
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
    response = await _error(request, "Not signed in", exc.message, status)
    response.delete_cookie(oidc.PENDING_COOKIE, path="/login/oidc")
    return response


async def _case_error(request: Request, exc: work.CaseError) -> Response:
    title = "Changed meanwhile" if exc.status == 409 and exc.case_id else "Not done"
    return await _error(request, title, str(exc), exc.status, exc.case_id)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An address with no page (404), a method a page does not take (405): the error page, with
    the top bar."""
    title = "Not found" if exc.status_code == 404 else "Not done"
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    return await _error(request, title, message, exc.status_code)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    where = ", ".join(str(e.get("loc", ("?",))[-1]) for e in exc.errors()[:3])
    return await _error(request, "Not understood", f"The address or form was not valid ({where}).", 400)


async def _error(
    request: Request, title: str, message: str, status: int, case_id: int | None = None
) -> Response:
    def render() -> HTMLResponse:
        user = _session(request)
        context = {"title": title, "message": message, "case_id": case_id}
        return _page(request, "error.html", context, user, status=status)

    return await anyio.to_thread.run_sync(render)


def _page(
    request: Request, name: str, context: dict[str, Any], user: dict[str, Any] | None, status: int = 200
) -> HTMLResponse:
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:500] or None
    context = {"user": user, "csrf": csrf_token(request), "flash": flash, **context}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    if getattr(request.state, "new_login_token", ""):
        _cookie(response, request, LOGIN_COOKIE, request.state.new_login_token, None)
    return response


def _redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash:
        _cookie(response, request, FLASH_COOKIE, quote(flash[:500]), 60)
    return response


def _safe_next(target: str) -> str:
    ok = target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) <= 2048
    return target if ok else "/queue"


def _identity_provider(request: Request) -> tuple[oidc.OidcSettings, oidc.Provider]:
    if request.app.state.oidc is None:
        raise work.CaseError("sign-in through an identity provider is not set up here", 404)
    return request.app.state.oidc, request.app.state.oidc_provider


def _callback_url(request: Request) -> str:
    """Where the provider sends the browser back: the setting, else this application's own."""
    settings = request.app.state.oidc
    own = request.app.state.origin or str(request.base_url).rstrip("/")
    return str(settings.redirect_url or own + oidc.CALLBACK_PATH)


def _version(form: Any, required: bool) -> int | None:
    """The case version a form was rendered with (a stale form is then a 409)."""
    value = str(form.get("version", ""))
    if value.isdigit() and len(value) <= 9:
        return int(value)
    if required or value:
        raise work.CaseError("the form does not say which version of the case it was made from; reload", 400)
    return None


# --- routes ------------------------------------------------------------------


def _routes() -> APIRouter:
    router = APIRouter(dependencies=[Depends(check_csrf)])

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/queue", expired: str = "") -> HTMLResponse:
        message = (
            "Your session expired after a period of inactivity. Please sign in again." if expired else None
        )
        return _page(request, "login.html", {"next": _safe_next(next), "message": message}, None)

    @router.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        settings = request.app.state.oidc
        if settings is not None and not settings.local_accounts:
            raise Forbidden(f"Sign-in with a password is turned off here: sign in with {settings.name}.")
        engine = request.app.state.engine
        at = _clock_time(request)
        keys = auth.throttle_keys(username, _client_address(request))
        with reading(engine) as conn:
            wait = auth.locked_for(conn, keys, at)
        if wait > 0:
            raise Throttled(wait)  # not counted, the password not checked: a lock is not extended
        account = authenticate(engine, username, password)
        with writing(engine) as conn:
            work.audit(conn, {"username": username[:64]}, "login" if account else "login_failed")
            if account is None:
                auth.record_failure(conn, keys, at)
            else:
                auth.clear_failures(conn, username)
                old = request.cookies.get(SESSION_COOKIE, "")
                previous = auth.read_session(conn, old) if old and len(old) <= 128 else None
                if previous is not None:  # a new session: no fixation
                    auth.end_session(conn, previous["sid"])
                token = auth.open_session(conn, account["id"], at)
        if account is None:
            context = {"next": _safe_next(next), "message": "Wrong user name or password."}
            return _page(request, "login.html", context, None, status=401)
        response = RedirectResponse(_safe_next(next), status_code=303)
        _cookie(response, request, SESSION_COOKIE, token, request.app.state.lifetime_seconds)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.get("/login/oidc")
    def oidc_start(request: Request, next: str = "/queue") -> Response:
        """To the identity provider, with this browser's state in a cookie (SameSite=Lax: it
        must come back on the provider's redirect, a cross-site navigation)."""
        settings, provider = _identity_provider(request)
        url, state = oidc.begin(
            request.app.state.engine, provider, settings, _callback_url(request), _safe_next(next),
            _clock_time(request),
        )  # fmt: skip
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(
            oidc.PENDING_COOKIE, state, max_age=oidc.PENDING_SECONDS, path="/login/oidc", httponly=True,
            samesite="lax", secure=request.app.state.secure_cookies,
        )  # fmt: skip
        return response

    @router.get(oidc.CALLBACK_PATH)
    def oidc_callback(request: Request) -> Response:
        """Back from the identity provider: the account, a new session, and a page that goes on
        to ``next`` by itself. Not a redirect: the browser came here from another site, and
        would not send the SameSite=Strict session cookie along a redirect from here; a
        navigation this page starts is same-site."""
        settings, provider = _identity_provider(request)
        engine, at = request.app.state.engine, _clock_time(request)
        params = {k: v[:2048] for k, v in request.query_params.items()}
        account, next_path = oidc.finish(
            engine, provider, settings, params, request.cookies.get(oidc.PENDING_COOKIE, ""),
            _callback_url(request), at,
        )  # fmt: skip
        with writing(engine) as conn:
            work.audit(conn, account, "login", after={"via": "oidc"})
            token = auth.open_session(conn, account["id"], at)
        target = escape(_safe_next(next_path))
        response = HTMLResponse(
            f'<!doctype html><meta http-equiv="refresh" content="0;url={target}"><title>Signed in</title>'
            f'<p>Signed in. <a href="{target}">Continue</a></p>'
        )
        _cookie(response, request, SESSION_COOKIE, token, request.app.state.lifetime_seconds)
        response.delete_cookie(oidc.PENDING_COOKIE, path="/login/oidc")
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    def logout(request: Request, user: CurrentUser) -> Response:
        found = _session(request)
        with writing(request.app.state.engine) as conn:
            if found is not None:
                auth.end_session(conn, found["sid"])
            work.audit(conn, user, "logout")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/")
    def root(user: CurrentUser) -> Response:
        return RedirectResponse("/queue", status_code=303)

    @router.get("/queue", response_class=HTMLResponse)
    def queue(
        request: Request,
        user: CurrentUser,
        status: Filter = "",
        reason: Filter = "",
        ring: Filter = "",
        night: Filter = "",
        assignee: Filter = "",
        q: Filter = "",
        sort: Filter = "",
        kind: Filter = "",
        page: PageNumber = 1,
    ) -> HTMLResponse:
        lookback = kind == "lookback"
        terms, kind = query_terms(q)
        status = status or ("all" if q.strip() else "open")  # a search looks at every case
        with statements(request.app.state.engine) as conn:
            codes = _reason_codes(request, conn)
            reason = _known_code(reason.strip(), codes)
            chosen = work.QueueFilter(
                status, reason, ring.strip(), _date_or_none(night), assignee.strip(), tuple(terms),
                bool(q.strip()), sort if sort in work.SORTS else "", lookback,
            )  # fmt: skip
            rows, total, exact = work.list_queue(conn, chosen, user, page)
            names = _active_names(request, conn)
        pages = max(1, -(-total // work.PAGE_SIZE))
        shown_q = "" if kind == "full_ssn" else q.strip()
        query = {"q": shown_q, "status": status, "reason": reason, "ring": ring, "night": night,
                 "assignee": assignee, "kind": "lookback" if lookback else ""}  # fmt: skip
        filters = urlencode({k: v for k, v in query.items() if v})
        context = {
            "rows": rows, "total": total, "exact": exact, "page": page, "pages": pages, "chosen": chosen,
            "query": urlencode({k: v for k, v in {**query, "sort": chosen.sort}.items() if v}),
            "filters": filters, "names": names, "q": shown_q, "full_ssn": kind == "full_ssn",
            "reasons": [(c, reason_label(c)) for c in codes], "sorts": work.SORTS,
            "statuses": work.STATUSES, "night": night, "first": (page - 1) * work.PAGE_SIZE,
            "boss": role_at_least(user["role"], "supervisor"),
        }  # fmt: skip
        return _page(request, "queue.html", context, user)

    @router.post("/queue/assign")
    async def bulk_assign(request: Request, user: Supervisor) -> Response:
        form = await request.form()
        to = str(form.get("to", ""))[:64]
        versions: dict[int, int] = {}
        for value in form.getlist("case")[: work.PAGE_SIZE]:
            case_id, _, version = str(value).partition(":")
            if case_id.isdigit() and version.isdigit() and int(case_id) <= MAX_ID and len(version) <= 9:
                versions[int(case_id)] = int(version)
        if not to or not versions:
            raise work.CaseError("choose the cases and the person to give them to", 400)
        engine = request.app.state.engine
        refused = await anyio.to_thread.run_sync(lambda: work.reassign_many(engine, user, versions, to))
        done = len(versions) - len(refused)
        message = f"{done} case{'' if done == 1 else 's'} given to {to}."
        if refused:
            message += " Not done: " + "; ".join(refused[:3]) + (" ..." if len(refused) > 3 else "")
        back = str(form.get("back", ""))
        return _redirect(request, _safe_next(back) if back.startswith("/queue") else "/queue", message)

    @router.post("/queue/next")
    def next_case(request: Request, user: CurrentUser) -> Response:
        case_id = work.claim_next(request.app.state.engine, user)
        if case_id is None:
            return _redirect(request, "/queue", "No unassigned open case is left.")
        return _redirect(request, f"/cases/{case_id}", "The case is yours.")

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_page(request: Request, case_id: CaseId, user: CurrentUser) -> HTMLResponse:
        engine = request.app.state.engine
        boss = role_at_least(user["role"], "supervisor")
        postgres = is_postgres(engine)
        # Read first, then record the view. On PostgreSQL on the same connection, each statement
        # committing on its own (no BEGIN or COMMIT round trip); on SQLite in a short write
        # transaction of its own, so that SQLite's write lock is held for one INSERT, not for
        # the whole page's reads.
        with statements(engine) as conn:
            detail = work.case_detail(conn, case_id)
            if detail is None:
                raise work.CaseError("no such case", 404)
            trail = work.audit_log(conn, 1, case_id)[0] if boss else []
            names = _active_names(request, conn)
            checks = verification_of(conn, detail["claims"], request.app.state.no_response_days)
            if postgres:
                work.record_view(conn, user, case_id)
        if not postgres:
            with writing(engine) as conn:
                work.record_view(conn, user, case_id)
        ring = detail["ring"]
        picture = None
        if ring:
            focus = {c["claim_id"] for c in detail["claims"]}
            picture = ring_picture(ring["members"], ring["links"], focus)
        context = {**detail, "picture": picture, "trail": trail, "names": names, "outcomes": work.OUTCOMES,
                   "notice_outcomes": NOTICE_OUTCOMES, "verification": checks}  # fmt: skip
        return _page(request, "case.html", context, user)

    @router.post("/cases/{case_id}/assign")
    def assign(request: Request, case_id: CaseId, user: CurrentUser) -> Response:
        with writing(request.app.state.engine) as conn:
            work.assign_to_me(conn, user, case_id)
        return _redirect(request, f"/cases/{case_id}", "The case is yours.")

    @router.post("/cases/{case_id}/unassign")
    def unassign(
        request: Request, case_id: CaseId, user: CurrentUser, version: Annotated[str, Form()] = ""
    ) -> Response:
        with writing(request.app.state.engine) as conn:
            work.unassign(conn, user, case_id, _version({"version": version}, False))
        return _redirect(request, "/queue", f"Case {case_id} is back in the queue.")

    @router.post("/cases/{case_id}/reassign")
    def reassign(
        request: Request,
        case_id: CaseId,
        to: Annotated[str, Form(max_length=64)],
        user: Supervisor,
        version: Annotated[str, Form()] = "",
    ) -> Response:
        with writing(request.app.state.engine) as conn:
            work.reassign(conn, user, case_id, to, _version({"version": version}, True))
        return _redirect(request, f"/cases/{case_id}", f"Case {case_id} given to {to}.")

    @router.post("/cases/{case_id}/reopen")
    def reopen(
        request: Request, case_id: CaseId, user: Supervisor, version: Annotated[str, Form()] = ""
    ) -> Response:
        with writing(request.app.state.engine) as conn:
            work.reopen(conn, user, case_id, _version({"version": version}, False))
        return _redirect(request, f"/cases/{case_id}", "The case is open again.")

    @router.post("/cases/{case_id}/decide")
    async def decide(request: Request, case_id: CaseId, user: CurrentUser) -> Response:
        form = await request.form()
        outcome = str(form.get("outcome", ""))
        exceptions = {
            key.removeprefix("exception:"): str(value)
            for key, value in form.items()
            if key.startswith("exception:") and value
        }
        note = str(form.get("note", ""))
        version = _version(form, True)
        overpayment_text = str(form.get("overpayment", ""))[:32]
        overpayment = work.parse_overpayment(overpayment_text)
        if form.get("confirmed") != "yes":  # a decision on several claims is confirmed first

            def summarize() -> dict[str, Any]:
                with statements(request.app.state.engine) as conn:
                    return work.decision_summary(
                        conn, user, case_id, outcome, exceptions, version, overpayment
                    )

            summary = await anyio.to_thread.run_sync(summarize)
            if summary["claims"] > 1:
                context = {
                    "summary": summary, "case": summary["case"], "outcome": outcome, "chosen": exceptions,
                    "note": note, "overpayment": overpayment_text, "version": version,
                }  # fmt: skip
                return _page(request, "confirm.html", context, user)

        def record() -> str:
            with writing(request.app.state.engine) as conn:
                return work.decide(conn, user, case_id, outcome, exceptions, note, version, overpayment)

        status = await anyio.to_thread.run_sync(record)
        return _redirect(request, f"/cases/{case_id}", f"Decision recorded; the case is now {status}.")

    @router.post("/cases/{case_id}/notes")
    def add_note(
        request: Request, case_id: CaseId, user: CurrentUser, body: Annotated[str, Form()] = ""
    ) -> Response:
        with writing(request.app.state.engine) as conn:
            work.add_note(conn, user, case_id, body)
        return _redirect(request, f"/cases/{case_id}", "Note added.")

    @router.get("/cases/{case_id}/notice/{claim_id}", response_class=HTMLResponse)
    def notice(
        request: Request,
        case_id: CaseId,
        claim_id: Annotated[str, PathParam(max_length=64)],
        user: CurrentUser,
    ) -> HTMLResponse:
        with writing(request.app.state.engine) as conn:
            detail = work.case_detail(conn, case_id)
            claim = next((c for c in detail["claims"] if c["claim_id"] == claim_id), None) if detail else None
            if claim is None:
                raise work.CaseError("no such claim in this case", 404)
            decision = claim["decision"]
            if decision is None or decision["outcome"] not in NOTICE_OUTCOMES:
                raise work.CaseError("a notice is drafted for a claim sent to verification or found fraud")
            draft = draft_notice(claim, decision["outcome"], dt.date.today())
            work.audit(
                conn, user, "notice_drafted", case_id, claim_id=claim_id, after={"language": draft.language}
            )
        context = {"notice": draft, "letter": render_letter(draft), "case_id": case_id}
        return _page(request, "notice.html", context, user)

    @router.get("/supervisor", response_class=HTMLResponse)
    def supervisor_page(request: Request, user: Supervisor) -> HTMLResponse:
        with reading(request.app.state.engine) as conn:
            figures = dashboard(conn)
        return _page(request, "dashboard.html", {"figures": figures}, user)

    @router.get("/supervisor/audit", response_class=HTMLResponse)
    def audit_page(
        request: Request, user: Supervisor, page: PageNumber = 1, case: Filter = ""
    ) -> HTMLResponse:
        case_id = int(case) if case.isdigit() and int(case) <= MAX_ID else None
        with reading(request.app.state.engine) as conn:
            events, total = work.audit_log(conn, page, case_id)
        pages = max(1, -(-total // work.PAGE_SIZE))
        context = {"events": events, "total": total, "page": page, "pages": pages, "case": case}
        return _page(request, "audit.html", context, user)

    return router


def _known_code(reason: str, codes: list[str]) -> str:
    """The reason code asked for, matched to a known one whatever its case ("deceased")."""
    if not reason or reason in codes:
        return reason
    return next((c for c in codes if c.lower() == reason.lower()), reason)


def _date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
