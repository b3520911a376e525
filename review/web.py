"""What the review application's routers share: the session of a request (read once, the idle
timeout and lifetime enforced), the signed-in account and role checks, the CSRF and Origin
checks every router runs on a POST, rendering a page, a redirect with a flash message, and the
bounds of the addresses and forms the routes take. The routers are :mod:`claimscreen.review.routes`;
:mod:`claimscreen.review.app` assembles them.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

import anyio
from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from claimscreen.review import auth, oidc
from claimscreen.review import cases as work
from claimscreen.review.auth import role_at_least
from claimscreen.review.db import statements, writing

__all__ = [
    "LOGIN_COOKIE",
    "MAX_ID",
    "SESSION_COOKIE",
    "CaseId",
    "CurrentUser",
    "Filter",
    "Forbidden",
    "LoginRequired",
    "PageNumber",
    "Supervisor",
    "Throttled",
    "active_names",
    "callback_url",
    "check_csrf",
    "client_address",
    "clock_time",
    "date_or_none",
    "error_page",
    "form_version",
    "identity_provider",
    "known_code",
    "put_cookie",
    "reason_codes_cached",
    "reason_label",
    "redirect_to",
    "render_page",
    "safe_next",
    "session_of",
]

SESSION_COOKIE = "claimscreen_session"
LOGIN_COOKIE = "claimscreen_login"  # the sign-in form's CSRF token, before there is a session
FLASH_COOKIE = "claimscreen_flash"
#: A session's last-use time is written at most this often (the idle timeout's resolution).
TOUCH_SECONDS = 60
#: How long a server process keeps the list of active user names (the assignee lists).
NAMES_CACHE_SECONDS = 5.0
#: How long a server process keeps the list of reason codes (the queue's reason list).
CODES_CACHE_SECONDS = 60.0
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
MAX_FILTER_LENGTH = 64

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


def clock_time(request: Request) -> dt.datetime:
    return dt.datetime.fromtimestamp(request.app.state.clock(), dt.UTC)


def session_of(request: Request) -> dict[str, Any] | None:
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
            state, at = request.app.state, clock_time(request)
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
    found = session_of(request)
    if found is None:
        raise LoginRequired(expired=getattr(request.state, "expired", False))
    return {"id": found["id"], "username": found["username"], "role": found["role"]}


CurrentUser = Annotated[dict[str, Any], Depends(current_user)]


def supervisor(user: CurrentUser) -> dict[str, Any]:
    if not role_at_least(user["role"], "supervisor"):
        raise Forbidden("This page is for supervisors.")
    return user


Supervisor = Annotated[dict[str, Any], Depends(supervisor)]


def csrf_token(request: Request) -> str:
    """The token a form must carry: the session's, else (the sign-in form) the login cookie's."""
    found = session_of(request)
    if found is not None:
        return str(found["csrf"])
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not 20 <= len(token) <= 64:
        token = getattr(request.state, "new_login_token", "") or secrets.token_urlsafe(32)
        request.state.new_login_token = token
    return token


def same_origin(request: Request) -> bool:
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
    if not same_origin(request):
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


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    if peer in request.app.state.proxies:
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        return forwarded[-1] if forwarded else peer
    return peer


def put_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.app.state.secure_cookies,
    )  # fmt: skip


def reason_codes_cached(request: Request, conn: Any) -> list[str]:
    """The reason codes cases have (the queue's reason list), read at most every
    CODES_CACHE_SECONDS per process."""
    return cached_list(request, "codes", CODES_CACHE_SECONDS, lambda: work.reason_codes(conn))


def active_names(request: Request, conn: Any) -> list[str]:
    """The active accounts' names (the assignee and reassign lists), read at most every
    NAMES_CACHE_SECONDS per process."""
    return cached_list(request, "names", NAMES_CACHE_SECONDS, lambda: work.active_users(conn))


def cached_list(request: Request, name: str, seconds: float, read: Any) -> list[str]:
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


async def error_page(
    request: Request, title: str, message: str, status: int, case_id: int | None = None
) -> Response:
    def render() -> HTMLResponse:
        user = session_of(request)
        context = {"title": title, "message": message, "case_id": case_id}
        return render_page(request, "error.html", context, user, status=status)

    return await anyio.to_thread.run_sync(render)


def render_page(
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
        put_cookie(response, request, LOGIN_COOKIE, request.state.new_login_token, None)
    return response


def redirect_to(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash:
        put_cookie(response, request, FLASH_COOKIE, quote(flash[:500]), 60)
    return response


def safe_next(target: str) -> str:
    ok = target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) <= 2048
    return target if ok else "/queue"


def identity_provider(request: Request) -> tuple[oidc.OidcSettings, oidc.Provider]:
    if request.app.state.oidc is None:
        raise work.CaseError("sign-in through an identity provider is not set up here", 404)
    return request.app.state.oidc, request.app.state.oidc_provider


def callback_url(request: Request) -> str:
    """Where the provider sends the browser back: the setting, else this application's own."""
    settings = request.app.state.oidc
    own = request.app.state.origin or str(request.base_url).rstrip("/")
    return str(settings.redirect_url or own + oidc.CALLBACK_PATH)


def form_version(form: Any, required: bool) -> int | None:
    """The case version a form was rendered with (a stale form is then a 409)."""
    value = str(form.get("version", ""))
    if value.isdigit() and len(value) <= 9:
        return int(value)
    if required or value:
        raise work.CaseError("the form does not say which version of the case it was made from; reload", 400)
    return None


def known_code(reason: str, codes: list[str]) -> str:
    """The reason code asked for, matched to a known one whatever its case ("deceased")."""
    if not reason or reason in codes:
        return reason
    return next((c for c in codes if c.lower() == reason.lower()), reason)


def date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
