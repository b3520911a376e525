"""The investigators' web application: FastAPI routes over server-rendered Jinja2 pages.

Every page but the login form needs a signed-in account. Sessions are signed cookies
(Starlette's SessionMiddleware, key in ``HOME/review-session.key``, mode 0600) that
expire after an idle timeout. Each server process keeps the accounts it read for
ACCOUNT_CACHE_SECONDS: a deactivated account or a changed password ends its sessions
within that many seconds (a refusal is never taken from the cache: it is re-read).
Every POST carries the session's CSRF token. Jinja2 escapes all output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware

from claimscreen.review import cases as work
from claimscreen.review.auth import authenticate, role_at_least, session_secret
from claimscreen.review.dashboard import dashboard
from claimscreen.review.db import is_postgres, open_database, reading, statements, users, writing
from claimscreen.review.network import KIND_LABELS, ring_picture
from claimscreen.review.notices import NOTICE_OUTCOMES, draft_notice
from claimscreen.review.publish import FIRST_PAYMENT_DAYS

IDLE_MINUTES_ENV = "CLAIMSCREEN_REVIEW_IDLE_MINUTES"
SECURE_COOKIES_ENV = "CLAIMSCREEN_REVIEW_SECURE_COOKIES"
DEFAULT_IDLE_MINUTES = 30
#: How long a server process trusts an account it read (active, role, password) before
#: reading it again: deactivation or a new password ends sessions within this time.
ACCOUNT_CACHE_SECONDS = 5.0
HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class LoginRequired(Exception):
    def __init__(self, expired: bool = False) -> None:
        self.expired = expired


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def idle_minutes_default() -> int:
    value = os.environ.get(IDLE_MINUTES_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_IDLE_MINUTES


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
    app.state.clock = time.time
    app.state.accounts = {}  # user id -> (account row, clock when read): see current_user
    app.state.names = None  # (active user names, clock when read): see _active_names
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.globals.update(
        outcome_labels=work.OUTCOME_LABELS, kind_labels=KIND_LABELS, standard=FIRST_PAYMENT_DAYS
    )
    env.filters.update(days_since=_days_since, when=_when)
    app.state.templates = Jinja2Templates(env=env)
    app.state.router = _routes()
    app.include_router(app.state.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(Path(home)),
        session_cookie="claimscreen_session",
        max_age=app.state.idle_seconds,
        same_site="strict",
        https_only=secure_cookies,
    )
    app.add_middleware(SecureHeaders)
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(work.CaseError, _case_error)  # type: ignore[arg-type]
    return app


def app_from_environment() -> FastAPI:
    """The application for ``CLAIMSCREEN_HOME`` (uvicorn's factory when serving with several workers)."""
    from claimscreen.data.settings import resolve_home

    return create_app(resolve_home(None), secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1")


class SecureHeaders:
    """Headers on every response: no framing, no sniffing, a strict CSP, no caching of pages."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Content-Security-Policy"] = CSP
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


# --- sessions, login, CSRF ---------------------------------------------------


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


async def current_user(request: Request) -> dict[str, Any]:
    """The signed-in account; else a redirect to /login (also after the idle timeout).

    The account is read from the database at most every ACCOUNT_CACHE_SECONDS per process
    (an async dependency: a cached account costs no thread hop and no query). Only a pass
    is taken from the cache: an account that the cache says is inactive or has another
    password is read again before the session is ended, so a fresh login is never refused."""
    session = request.session
    state = request.app.state
    clock = state.clock()
    if "uid" not in session:
        raise LoginRequired()
    if clock - session.get("seen", 0) > state.idle_seconds:
        session.clear()
        raise LoginRequired(expired=True)
    uid = session["uid"]
    cached = state.accounts.get(uid)
    row = cached[0] if cached and clock - cached[1] <= ACCOUNT_CACHE_SECONDS else None
    if row is None or not _admits(row, session):
        row = await anyio.to_thread.run_sync(_read_account, state.engine, uid)
        if row is None:
            state.accounts.pop(uid, None)
        else:
            state.accounts[uid] = (row, clock)
    if row is None or not _admits(row, session):
        session.clear()
        raise LoginRequired()
    if int(clock) != session.get("seen"):
        session["seen"] = int(clock)
    return {"id": row["id"], "username": row["username"], "role": row["role"]}


def _active_names(request: Request, conn: Any) -> list[str]:
    """The active accounts' names (the assignee and reassign lists), read at most every
    ACCOUNT_CACHE_SECONDS per process."""
    state = request.app.state
    clock = state.clock()
    cached = state.names
    if cached is None or clock - cached[1] > ACCOUNT_CACHE_SECONDS:
        cached = state.names = (work.active_users(conn), clock)
    return list(cached[0])


def _admits(account: dict[str, Any], session: Any) -> bool:
    return bool(account["active"]) and account["fingerprint"] == session.get("pw")


def _read_account(engine: Engine, uid: int) -> dict[str, Any] | None:
    with reading(engine) as conn:
        row = conn.execute(select(users).where(users.c.id == uid)).mappings().first()
    if row is None:
        return None
    return {**row, "fingerprint": _fingerprint(row["password_hash"])}


CurrentUser = Annotated[dict[str, Any], Depends(current_user)]


def supervisor(user: CurrentUser) -> dict[str, Any]:
    if not role_at_least(user["role"], "supervisor"):
        raise Forbidden("This page is for supervisors.")
    return user


Supervisor = Annotated[dict[str, Any], Depends(supervisor)]


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return str(request.session["csrf"])


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's CSRF token (403 otherwise)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    given = str(form.get("csrf_token", ""))
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(given.encode(), str(expected).encode()):
        raise Forbidden(
            "The form was stale or not sent from this application (CSRF check). Reload and retry."
        )


async def _to_login(request: Request, exc: LoginRequired) -> Response:
    query = {"next": request.url.path} if request.method == "GET" else {}
    if exc.expired:
        query["expired"] = "1"
    return RedirectResponse(f"/login?{urlencode(query)}" if query else "/login", status_code=303)


async def _forbidden(request: Request, exc: Forbidden) -> Response:
    return _page(request, "error.html", {"title": "Not allowed", "message": exc.message}, None, status=403)


async def _case_error(request: Request, exc: work.CaseError) -> Response:
    return _page(request, "error.html", {"title": "Not done", "message": str(exc)}, None, status=exc.status)


def _page(
    request: Request, name: str, context: dict[str, Any], user: dict[str, Any] | None, status: int = 200
) -> HTMLResponse:
    flash = request.session.pop("flash", None)
    context = {"user": user, "csrf": csrf_token(request), "flash": flash, **context}
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    if flash:
        request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/queue"


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
        engine = request.app.state.engine
        account = authenticate(engine, username, password)
        with writing(engine) as conn:
            work.audit(conn, {"username": username[:64]}, "login" if account else "login_failed")
        if account is None:
            context = {"next": _safe_next(next), "message": "Wrong user name or password."}
            return _page(request, "login.html", context, None, status=401)
        request.session.clear()  # a new session: no fixation
        request.session.update(
            uid=account["id"],
            pw=_fingerprint(account["password_hash"]),
            seen=int(request.app.state.clock()),
            csrf=secrets.token_urlsafe(32),
        )
        return RedirectResponse(_safe_next(next), status_code=303)

    @router.post("/logout")
    def logout(request: Request, user: CurrentUser) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @router.get("/")
    def root(user: CurrentUser) -> Response:
        return RedirectResponse("/queue", status_code=303)

    @router.get("/queue", response_class=HTMLResponse)
    def queue(
        request: Request,
        user: CurrentUser,
        status: str = "open",
        reason: str = "",
        ring: str = "",
        night: str = "",
        assignee: str = "",
        page: int = 1,
    ) -> HTMLResponse:
        chosen = work.QueueFilter(
            status, reason.strip(), ring.strip(), _date_or_none(night), assignee.strip()
        )
        with statements(request.app.state.engine) as conn:
            rows, total, exact = work.list_queue(conn, chosen, user, page)
            names = _active_names(request, conn)
        pages = max(1, -(-total // work.PAGE_SIZE))
        query = {"status": status, "reason": reason, "ring": ring, "night": night, "assignee": assignee}
        context = {
            "rows": rows, "total": total, "exact": exact, "page": page, "pages": pages, "chosen": chosen,
            "query": urlencode({k: v for k, v in query.items() if v}), "names": names,
            "statuses": work.STATUSES, "night": night, "first": (page - 1) * work.PAGE_SIZE,
        }  # fmt: skip
        return _page(request, "queue.html", context, user)

    @router.post("/queue/next")
    def next_case(request: Request, user: CurrentUser) -> Response:
        case_id = work.claim_next(request.app.state.engine, user)
        if case_id is None:
            return _redirect(request, "/queue", "No unassigned open case is left.")
        return _redirect(request, f"/cases/{case_id}", "The case is yours.")

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_page(request: Request, case_id: int, user: CurrentUser) -> HTMLResponse:
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
                   "notice_outcomes": NOTICE_OUTCOMES}  # fmt: skip
        return _page(request, "case.html", context, user)

    @router.post("/cases/{case_id}/assign")
    def assign(request: Request, case_id: int, user: CurrentUser) -> Response:
        with writing(request.app.state.engine) as conn:
            work.assign_to_me(conn, user, case_id)
        return _redirect(request, f"/cases/{case_id}", "The case is yours.")

    @router.post("/cases/{case_id}/unassign")
    def unassign(request: Request, case_id: int, user: CurrentUser) -> Response:
        with writing(request.app.state.engine) as conn:
            work.unassign(conn, user, case_id)
        return _redirect(request, "/queue", f"Case {case_id} is back in the queue.")

    @router.post("/cases/{case_id}/reassign")
    def reassign(request: Request, case_id: int, to: Annotated[str, Form()], user: Supervisor) -> Response:
        with writing(request.app.state.engine) as conn:
            work.reassign(conn, user, case_id, to)
        return _redirect(request, f"/cases/{case_id}", f"Case {case_id} given to {to}.")

    @router.post("/cases/{case_id}/reopen")
    def reopen(request: Request, case_id: int, user: Supervisor) -> Response:
        with writing(request.app.state.engine) as conn:
            work.reopen(conn, user, case_id)
        return _redirect(request, f"/cases/{case_id}", "The case is open again.")

    @router.post("/cases/{case_id}/decide")
    async def decide(request: Request, case_id: int, user: CurrentUser) -> Response:
        form = await request.form()
        outcome = str(form.get("outcome", ""))
        exceptions = {
            key.removeprefix("exception:"): str(value)
            for key, value in form.items()
            if key.startswith("exception:") and value
        }
        note = str(form.get("note", ""))
        with writing(request.app.state.engine) as conn:
            status = work.decide(conn, user, case_id, outcome, exceptions, note)
        return _redirect(request, f"/cases/{case_id}", f"Decision recorded; the case is now {status}.")

    @router.post("/cases/{case_id}/notes")
    def add_note(
        request: Request, case_id: int, user: CurrentUser, body: Annotated[str, Form()] = ""
    ) -> Response:
        with writing(request.app.state.engine) as conn:
            work.add_note(conn, user, case_id, body)
        return _redirect(request, f"/cases/{case_id}", "Note added.")

    @router.get("/cases/{case_id}/notice/{claim_id}", response_class=HTMLResponse)
    def notice(request: Request, case_id: int, claim_id: str, user: CurrentUser) -> HTMLResponse:
        with writing(request.app.state.engine) as conn:
            detail = work.case_detail(conn, case_id)
            claim = next((c for c in detail["claims"] if c["claim_id"] == claim_id), None) if detail else None
            if claim is None:
                raise work.CaseError("no such claim in this case", 404)
            decision = claim["decision"]
            if decision is None or decision["outcome"] not in NOTICE_OUTCOMES:
                raise work.CaseError("a notice is drafted for a claim sent to verification or found fraud")
            work.audit(conn, user, "notice_drafted", case_id, claim_id=claim_id)
        draft = draft_notice(claim, decision["outcome"], dt.date.today())
        return _page(request, "notice.html", {"notice": draft, "case_id": case_id}, user)

    @router.get("/supervisor", response_class=HTMLResponse)
    def supervisor_page(request: Request, user: Supervisor) -> HTMLResponse:
        with reading(request.app.state.engine) as conn:
            figures = dashboard(conn)
        return _page(request, "dashboard.html", {"figures": figures}, user)

    @router.get("/supervisor/audit", response_class=HTMLResponse)
    def audit_page(request: Request, user: Supervisor, page: int = 1, case: str = "") -> HTMLResponse:
        case_id = int(case) if case.isdigit() else None
        with reading(request.app.state.engine) as conn:
            events, total = work.audit_log(conn, page, case_id)
        pages = max(1, -(-total // work.PAGE_SIZE))
        context = {"events": events, "total": total, "page": page, "pages": pages, "case": case}
        return _page(request, "audit.html", context, user)

    return router


def _date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _days_since(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    return max(0, (dt.datetime.now(dt.UTC) - moment).days)


def _when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()
