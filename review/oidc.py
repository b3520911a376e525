"""Sign-in through the agency's identity provider (OpenID Connect), beside local accounts.

The authorization code flow with PKCE (S256), a ``state`` and a ``nonce``: ``GET /login/oidc``
sends the browser to the provider, and the provider sends it back to the redirect URL
(``/login/oidc/callback``) with a code, which is exchanged for tokens. The ID token is checked
by authlib (its signature against the provider's JWKS, fetched again once when a key id is
unknown; issuer, audience, expiry, issue time, nonce, ``at_hash``). The discovery document's
issuer must be the configured one, and so must the ``iss`` of the authorization response when
the provider sends it (RFC 9207, mix-up defence).

**Where the flow's secrets wait**: the state, nonce and PKCE verifier of a sign-in under way
are a row of ``oidc_logins`` (its id the SHA-256 of the state), written when it starts and
deleted when the browser comes back (one use), refused after PENDING_SECONDS. The browser
holds the state in a cookie of its own (HttpOnly, SameSite=Lax so that it comes back on the
provider's redirect), and the callback's state must equal it: a code sent to someone else's
browser (login CSRF) is refused. Not Starlette's SessionMiddleware (a signed cookie, what
authlib's Starlette integration keeps them in): the verifier and nonce never leave the
server, a callback cannot be replayed, and every server process and host sees the same rows
without sharing a signing key.

**Accounts**: the role comes from a claim (ROLE_CLAIM_ENV, e.g. ``groups`` or ``roles``)
mapped by ROLES_ENV; the highest mapped role wins, and no mapped role is a refusal. The first
sign-in of an (issuer, subject) creates an account marked external (``auth_source`` "oidc",
no usable password: local sign-in refuses it); later sign-ins reuse it and set its role from
the claim again. A deactivated account stays refused whatever the provider says. Sign-in
opens the same server-side session as a password does (claimscreen.review.auth).

Configuration is by environment (see docs/state-it.md, "Sign-in through the agency's
identity provider"); the client secret comes from CLIENT_SECRET_ENV or a file of mode 0600
named by CLIENT_SECRET_FILE_ENV, never from settings.toml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.errors import JoseError
from sqlalchemy import Engine, delete, insert, select, update

from claimscreen.data.errors import InputError
from claimscreen.review.auth import EXTERNAL_PASSWORD, MAX_USERNAME_LENGTH, ROLES
from claimscreen.review.db import oidc_logins, users, writing

__all__ = [
    "AUTH_METHOD_ENV",
    "CALLBACK_PATH",
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "CLIENT_SECRET_FILE_ENV",
    "ISSUER_ENV",
    "LOCAL_ACCOUNTS_ENV",
    "NAME_ENV",
    "PENDING_COOKIE",
    "PENDING_SECONDS",
    "ROLES_ENV",
    "SCOPES_ENV",
    "OidcSettings",
    "Provider",
    "SignInRefused",
    "begin",
    "finish",
    "make_provider",
    "parse_roles",
    "role_from",
    "settings_from_environment",
    "username_from",
]

PREFIX = "CLAIMSCREEN_REVIEW_OIDC_"
ISSUER_ENV = PREFIX + "ISSUER"
CLIENT_ID_ENV = PREFIX + "CLIENT_ID"
CLIENT_SECRET_ENV = PREFIX + "CLIENT_SECRET"
CLIENT_SECRET_FILE_ENV = PREFIX + "CLIENT_SECRET_FILE"
REDIRECT_URL_ENV = PREFIX + "REDIRECT_URL"
ROLE_CLAIM_ENV = PREFIX + "ROLE_CLAIM"
ROLES_ENV = PREFIX + "ROLES"
USERNAME_CLAIM_ENV = PREFIX + "USERNAME_CLAIM"
SCOPES_ENV = PREFIX + "SCOPES"
AUTH_METHOD_ENV = PREFIX + "AUTH_METHOD"
ACR_VALUES_ENV = PREFIX + "ACR_VALUES"
NAME_ENV = PREFIX + "NAME"
#: "0" turns password sign-in off (only when a provider is configured).
LOCAL_ACCOUNTS_ENV = "CLAIMSCREEN_REVIEW_LOCAL_ACCOUNTS"

CALLBACK_PATH = "/login/oidc/callback"
PENDING_COOKIE = "claimscreen_oidc"
PENDING_SECONDS = 600
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
HTTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    roles: dict[str, str]  # a value of the role claim -> a role
    redirect_url: str = ""  # "" : this application's own /login/oidc/callback
    role_claim: str = "groups"
    username_claim: str = "preferred_username"
    scopes: str = "openid profile email"
    auth_method: str = "client_secret_basic"
    acr_values: str = ""
    name: str = "your agency's sign-in"
    local_accounts: bool = True


class SignInRefused(Exception):
    """The sign-in did not happen: ``message`` is for the person, ``reason`` for the audit log."""

    def __init__(self, message: str, reason: str, username: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.username = username


def settings_from_environment(environ: Mapping[str, str] = os.environ) -> OidcSettings | None:
    """The provider's settings, or None when ISSUER_ENV is unset (local accounts only). A
    setting missing or wrong is an InputError naming it."""
    issuer = environ.get(ISSUER_ENV, "").strip().rstrip("/")
    if not issuer:
        return None
    if not issuer.startswith("https://") and not re.match(
        r"http://(127\.0\.0\.1|localhost)[:/]", issuer + "/"
    ):
        raise InputError(f"{ISSUER_ENV}: an identity provider is reached over https://")
    client_id = environ.get(CLIENT_ID_ENV, "").strip()
    if not client_id:
        raise InputError(f"{ISSUER_ENV} is set but {CLIENT_ID_ENV} is not")
    method = environ.get(AUTH_METHOD_ENV, "").strip() or "client_secret_basic"
    if method not in AUTH_METHODS:
        raise InputError(f"{AUTH_METHOD_ENV}={method!r}: must be one of {', '.join(AUTH_METHODS)}")
    secret = "" if method == "none" else _client_secret(environ)
    roles = parse_roles(environ.get(ROLES_ENV, ""))
    if not roles:
        raise InputError(
            f"{ROLES_ENV} is empty: map at least one claim value to a role, e.g. ops=investigator"
        )
    optional = {
        "redirect_url": environ.get(REDIRECT_URL_ENV, "").strip(),
        "role_claim": environ.get(ROLE_CLAIM_ENV, "").strip(),
        "username_claim": environ.get(USERNAME_CLAIM_ENV, "").strip(),
        "scopes": " ".join(environ.get(SCOPES_ENV, "").split()),
        "acr_values": environ.get(ACR_VALUES_ENV, "").strip(),
        "name": environ.get(NAME_ENV, "").strip(),
    }
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        roles=roles,
        auth_method=method,
        local_accounts=environ.get(LOCAL_ACCOUNTS_ENV, "1").strip() != "0",
        **{k: v for k, v in optional.items() if v},
    )


def _client_secret(environ: Mapping[str, str]) -> str:
    """The client secret (a PEM private key for private_key_jwt): CLIENT_SECRET_ENV, else the
    file CLIENT_SECRET_FILE_ENV names, which only its owner may read (0600 or 0400)."""
    if environ.get(CLIENT_SECRET_ENV):
        return environ[CLIENT_SECRET_ENV]
    name = environ.get(CLIENT_SECRET_FILE_ENV, "")
    if not name:
        raise InputError(f"set {CLIENT_SECRET_ENV} or {CLIENT_SECRET_FILE_ENV} (a file of mode 0600)")
    path = Path(name)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"{CLIENT_SECRET_FILE_ENV}: cannot read {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise InputError(f"{path}: mode {mode:04o}; the client secret file must be 0600 (chmod 600 {path})")
    if not text:
        raise InputError(f"{path} is empty")
    return text


def parse_roles(text: str) -> dict[str, str]:
    """``VALUE=ROLE`` pairs separated by commas or new lines (a value holds no comma)."""
    mapping = {}
    for pair in re.split(r"[,\n]", text):
        if not pair.strip():
            continue
        value, sep, role = pair.rpartition("=")
        value, role = value.strip(), role.strip()
        if not sep or not value or role not in ROLES:
            raise InputError(
                f"{ROLES_ENV}: {pair.strip()!r} is not VALUE=ROLE with ROLE one of {', '.join(ROLES)}"
            )
        mapping[value] = role
    return mapping


def role_from(claims: Mapping[str, Any], settings: OidcSettings) -> str | None:
    """The highest role that the role claim's values map to (a claim is a string or a list)."""
    given = claims.get(settings.role_claim)
    values = given if isinstance(given, list) else [given] if given is not None else []
    mapped = [settings.roles[str(v)] for v in values if str(v) in settings.roles]
    return max(mapped, key=ROLES.index, default=None)


def username_from(claims: Mapping[str, Any], settings: OidcSettings) -> str:
    """A user name of the local rule (letters, digits, '.', '-') from the username claim, else
    the email, else the subject: "j_doe@agency.gov" -> "j-doe.agency.gov"."""
    raw = next((str(claims[c]) for c in (settings.username_claim, "email", "sub") if claims.get(c)), "user")
    name = re.sub(r"[^A-Za-z0-9.-]", "-", raw.replace("@", ".")).strip(".-")
    return name[: MAX_USERNAME_LENGTH - 3] or "user"


# --- the provider (authlib) ----------------------------------------------------


class _NoFramework:
    """authlib's apps call their framework on a token refresh: sign-in refreshes none."""

    def update_token(self, *args: Any, **kwargs: Any) -> None:
        pass


class Provider(OAuth2Mixin, OpenIDMixin, BaseApp):
    """authlib's framework-free OAuth 2 / OpenID client (the one its Starlette integration
    wraps): discovery, PKCE, the code exchange and the ID token's validation. Its discovery
    document is read once per process, on the first sign-in."""

    client_cls = OAuth2Session

    def load_server_metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = super().load_server_metadata()
        if metadata.get("issuer", "").rstrip("/") != self.issuer.rstrip("/"):
            self.server_metadata: dict[str, Any] = {}
            raise SignInRefused(
                "The identity provider's configuration names another issuer.", "oidc_issuer_mismatch"
            )
        return metadata


def make_provider(settings: OidcSettings) -> Provider:
    methods = [PrivateKeyJWT()] if settings.auth_method == "private_key_jwt" else None
    provider = Provider(
        _NoFramework(),
        name="oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret or None,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": settings.auth_method,
            "timeout": HTTP_TIMEOUT_SECONDS,
        },
        client_auth_methods=methods,
    )
    provider.issuer = settings.issuer
    return provider


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin(
    engine: Engine,
    provider: Provider,
    settings: OidcSettings,
    redirect_url: str,
    next_path: str,
    at: dt.datetime,
) -> tuple[str, str]:
    """Start a sign-in: (the provider's authorization URL, the state for the browser's cookie)."""
    # 43 characters each: Login.gov asks for at least 22, more than authlib's defaults (20).
    extra = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32)}
    if settings.acr_values:
        extra["acr_values"] = settings.acr_values
    try:
        started = provider.create_authorization_url(redirect_url, **extra)
    except (OSError, ValueError, OAuthError) as exc:  # requests' errors are OSErrors
        raise _unreachable(settings, exc) from exc
    with writing(engine) as conn:
        conn.execute(
            delete(oidc_logins).where(oidc_logins.c.created_at < at - dt.timedelta(seconds=PENDING_SECONDS))
        )
        conn.execute(
            insert(oidc_logins).values(
                id=_digest(started["state"]),
                nonce=started["nonce"],
                code_verifier=started["code_verifier"],
                next=next_path,
                created_at=at,
            )
        )
    return str(started["url"]), str(started["state"])


def _unreachable(settings: OidcSettings, exc: Exception) -> SignInRefused:
    return SignInRefused(
        f"{settings.name} could not be reached or answered with an error. Try again in a minute.",
        f"oidc_error:{type(exc).__name__}",
    )


def finish(
    engine: Engine,
    provider: Provider,
    settings: OidcSettings,
    params: Mapping[str, str],
    cookie_state: str,
    redirect_url: str,
    at: dt.datetime,
) -> tuple[dict[str, Any], str]:
    """Complete a sign-in from the callback's query ``params``: (the account, where to go).
    SignInRefused says why not."""
    state = params.get("state", "")
    pending = _take_pending(engine, state, cookie_state, at)
    if params.get("error"):
        raise SignInRefused(
            f"{settings.name} did not sign you in ({params['error'][:64]}).", f"oidc_{params['error'][:20]}"
        )
    if params.get("iss") and params["iss"].rstrip("/") != settings.issuer:
        raise SignInRefused("The answer came from another identity provider.", "oidc_issuer_mismatch")
    try:
        token = provider.fetch_access_token(
            redirect_url, code=params.get("code", ""), code_verifier=pending["code_verifier"]
        )
        claims = dict(provider.parse_id_token(token, nonce=pending["nonce"]))
        if settings.role_claim not in claims or settings.username_claim not in claims:
            claims = {**_userinfo(provider, token, claims["sub"]), **claims}
    except SignInRefused:
        raise
    except (JoseError, OAuthError) as exc:
        raise SignInRefused(
            f"{settings.name} answered with a sign-in that could not be checked.",
            f"oidc_invalid:{type(exc).__name__}",
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise _unreachable(settings, exc) from exc
    return _account(engine, settings, claims, at), pending["next"]


def _take_pending(engine: Engine, state: str, cookie_state: str, at: dt.datetime) -> dict[str, Any]:
    """The pending sign-in of ``state``, deleted (one use); refused unless the browser's cookie
    holds the same state and the sign-in began at most PENDING_SECONDS ago."""
    if not state or len(state) > 128 or not hmac.compare_digest(state.encode(), cookie_state.encode()):
        raise SignInRefused(
            "This sign-in was not started from this browser, or it was already used. Start again.",
            "oidc_state_mismatch",
        )
    with writing(engine) as conn:
        row = conn.execute(select(oidc_logins).where(oidc_logins.c.id == _digest(state))).mappings().first()
        conn.execute(delete(oidc_logins).where(oidc_logins.c.id == _digest(state)))
    if row is None or (at - row["created_at"]).total_seconds() > PENDING_SECONDS:
        raise SignInRefused(
            "This sign-in took too long or was already used. Start again.", "oidc_state_expired"
        )
    return dict(row)


def _userinfo(provider: Provider, token: dict[str, Any], subject: str) -> dict[str, Any]:
    """The UserInfo claims (for a provider that keeps the role or name claims out of the ID
    token, e.g. Login.gov); they must be the ID token's subject's."""
    if not provider.load_server_metadata().get("userinfo_endpoint"):
        return {}
    info = dict(provider.userinfo(token=token))
    if info.get("sub") != subject:
        raise SignInRefused(
            "The identity provider's user information is of another person.", "oidc_sub_mismatch"
        )
    return info


def _account(
    engine: Engine, settings: OidcSettings, claims: Mapping[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """The account of this (issuer, subject), created at its first sign-in, its role set from
    the claim; refused when no role is mapped or the account is deactivated."""
    subject = str(claims["sub"])[:255]
    role = role_from(claims, settings)
    wanted = username_from(claims, settings)
    with writing(engine) as conn:
        found = (
            conn.execute(
                select(users).where(
                    users.c.external_issuer == settings.issuer, users.c.external_subject == subject
                )
            )
            .mappings()
            .first()
        )
        name = found["username"] if found else wanted
        if found is not None and not found["active"]:
            raise SignInRefused(
                "This account is deactivated. Ask state IT to reactivate it.", "oidc_deactivated", name
            )
        if role is None:
            raise SignInRefused(
                f"You are signed in at {settings.name}, but none of your {settings.role_claim} gives you "
                "a role in claimscreen review. Ask your supervisor or state IT to add you to the "
                "investigators' group.",
                "oidc_no_role",
                name,
            )
        if found is not None:
            if found["role"] != role:
                conn.execute(update(users).where(users.c.id == found["id"]).values(role=role))
            return {**found, "role": role}
        name = _free_name(conn, wanted)
        row = (
            conn.execute(
                insert(users)
                .values(
                    username=name,
                    role=role,
                    password_hash=EXTERNAL_PASSWORD,
                    active=True,
                    created_at=at,
                    auth_source="oidc",
                    external_issuer=settings.issuer,
                    external_subject=subject,
                )
                .returning(users)
            )
            .mappings()
            .one()
        )
    return dict(row)


def _free_name(conn: Any, wanted: str) -> str:
    """``wanted``, else ``wanted-2``, ``-3``...: an external account never takes a name in use."""
    taken = set(conn.execute(select(users.c.username).where(users.c.username.like(f"{wanted}%"))).scalars())
    return next(n for n in [wanted, *(f"{wanted}-{i}" for i in range(2, 1000))] if n not in taken)
