"""Signing in and out: the login form and its throttled password check, sign-in through the
state's identity provider (OpenID Connect), sign-out; and the health check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import escape

from claimscreen.review import auth, oidc
from claimscreen.review import cases as work
from claimscreen.review.auth import authenticate
from claimscreen.review.db import reading, writing
from claimscreen.review.web import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Forbidden,
    Throttled,
    callback_url,
    check_csrf,
    client_address,
    clock_time,
    identity_provider,
    put_cookie,
    render_page,
    safe_next,
    session_of,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/healthz", include_in_schema=False)
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/queue", expired: str = "") -> HTMLResponse:
    message = "Your session expired after a period of inactivity. Please sign in again." if expired else None
    return render_page(request, "login.html", {"next": safe_next(next), "message": message}, None)


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
    at = clock_time(request)
    keys = auth.throttle_keys(username, client_address(request))
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
        context = {"next": safe_next(next), "message": "Wrong user name or password."}
        return render_page(request, "login.html", context, None, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    put_cookie(response, request, SESSION_COOKIE, token, request.app.state.lifetime_seconds)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.get("/login/oidc")
def oidc_start(request: Request, next: str = "/queue") -> Response:
    """To the identity provider, with this browser's state in a cookie (SameSite=Lax: it
    must come back on the provider's redirect, a cross-site navigation)."""
    settings, provider = identity_provider(request)
    url, state = oidc.begin(
        request.app.state.engine, provider, settings, callback_url(request), safe_next(next),
        clock_time(request),
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
    settings, provider = identity_provider(request)
    engine, at = request.app.state.engine, clock_time(request)
    params = {k: v[:2048] for k, v in request.query_params.items()}
    account, next_path = oidc.finish(
        engine, provider, settings, params, request.cookies.get(oidc.PENDING_COOKIE, ""),
        callback_url(request), at,
    )  # fmt: skip
    with writing(engine) as conn:
        work.audit(conn, account, "login", after={"via": "oidc"})
        token = auth.open_session(conn, account["id"], at)
    target = escape(safe_next(next_path))
    response = HTMLResponse(
        f'<!doctype html><meta http-equiv="refresh" content="0;url={target}"><title>Signed in</title>'
        f'<p>Signed in. <a href="{target}">Continue</a></p>'
    )
    put_cookie(response, request, SESSION_COOKIE, token, request.app.state.lifetime_seconds)
    response.delete_cookie(oidc.PENDING_COOKIE, path="/login/oidc")
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser) -> Response:
    found = session_of(request)
    with writing(request.app.state.engine) as conn:
        if found is not None:
            auth.end_session(conn, found["sid"])
        work.audit(conn, user, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
