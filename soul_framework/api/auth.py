"""``/v1/auth/*``: guest, login, claim, refresh, logout, me."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema
from quart import Blueprint, Response, after_this_request, request
from quart_schema import security_scheme, tag, validate_request, validate_response

from soul_framework.api.guard import current_client, optional_principal, require_principal
from soul_framework.api.state import app_state
from soul_framework.auth.service import Grant
from soul_framework.domain.ids import utcnow
from soul_framework.errors import AuthFailed

blueprint = Blueprint("auth", __name__, url_prefix="/v1/auth")

AUTH_COOKIE_PATH = "/v1/auth"
USERNAME = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_\-.]{2,31}$")
# An address character is anything but "@", white space and control characters. The ranges are
# spelled out because "\s" differs between Python's re and the ECMA-262 patterns of the OpenAPI
# document (U+001C..U+001F and U+0085 are space only to Python, U+FEFF only to ECMA-262); with
# them, both read the same set.
_ADDRESS_CHARACTER = r"[^@\s\x00-\x1f\x7f-\x9f\ufeff]"
EMAIL = re.compile(rf"^{_ADDRESS_CHARACTER}{{1,64}}@{_ADDRESS_CHARACTER}+\.{_ADDRESS_CHARACTER}+$")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise ValueError("not a valid email address")
    return value


def _username(value: str) -> str:
    if not USERNAME.fullmatch(value):
        raise ValueError(
            "3 to 32 characters: letters, digits, '_', '-' or '.', not starting with '-' or '.'"
        )
    return value


# The documented schemas say what the validators enforce, so that a client (or a fuzzer) that
# follows /openapi.json never sends an address or a name the API then refuses.
Email = Annotated[
    str,
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "maxLength": 254, "pattern": EMAIL.pattern}),
]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Username = Annotated[
    str, AfterValidator(_username), WithJsonSchema({"type": "string", "pattern": USERNAME.pattern})
]


class LoginBody(BaseModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=128)]


class ClaimBody(BaseModel):
    email: Email
    password: Password
    username: Username


class TokenReply(BaseModel):
    access_token: str
    username: str
    expires_in: int
    csrf_token: str


class Ok(BaseModel):
    ok: bool = True


class Me(BaseModel):
    user_id: str
    username: str
    sid: str


def _reply_with_cookies(grant: Grant) -> TokenReply:
    """The token reply; the refresh cookies are added to the response on its way out."""
    settings = app_state().runtime.settings
    max_age = settings.refresh_ttl_days * 86400
    secure = not settings.is_development

    @after_this_request
    async def set_cookies(response: Response) -> Response:
        for name, value, path, http_only in (
            ("sid", grant.session_id, AUTH_COOKIE_PATH, True),
            ("rtoken", grant.refresh_token, AUTH_COOKIE_PATH, True),
            # Readable by the page's script, which sends it back as X-CSRF-Token.
            ("refresh_csrf", grant.csrf_token, "/", False),
        ):
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path=path,
                secure=secure,
                httponly=http_only,
                samesite="Lax",
            )
        response.headers["Cache-Control"] = "no-store"
        return response

    return TokenReply(
        access_token=grant.access_token,
        username=grant.username,
        expires_in=grant.expires_in,
        csrf_token=grant.csrf_token,
    )


@blueprint.post("/guest")
@tag(["auth"])
@validate_response(TokenReply)
async def guest() -> TokenReply:
    """Create a guest account and sign it in (rate-limited per client address)."""
    grant = await app_state().auth.guest(current_client(), utcnow())
    return _reply_with_cookies(grant)


@blueprint.post("/login")
@tag(["auth"])
@validate_request(LoginBody)
@validate_response(TokenReply)
async def login(data: LoginBody) -> TokenReply:
    """Sign in with email and password."""
    grant = await app_state().auth.login(data.email, data.password, current_client(), utcnow())
    return _reply_with_cookies(grant)


@blueprint.post("/claim")
@tag(["auth"])
@security_scheme([{"bearerAuth": []}])
@validate_request(ClaimBody)
@validate_response(TokenReply)
async def claim(data: ClaimBody) -> TokenReply:
    """Turn the signed-in guest account into a password account, keeping its history."""
    principal = await require_principal()
    grant = await app_state().auth.claim(
        principal,
        email=data.email,
        username=data.username,
        password=data.password,
        client=current_client(),
        now=utcnow(),
    )
    return _reply_with_cookies(grant)


@blueprint.post("/refresh")
@tag(["auth"])
@validate_response(TokenReply)
async def refresh() -> TokenReply:
    """Rotate the refresh cookies (send ``X-CSRF-Token`` equal to the ``refresh_csrf`` cookie)."""
    grant = await app_state().auth.refresh(
        session_id=request.cookies.get("sid"),
        refresh_token=request.cookies.get("rtoken"),
        csrf_cookie=request.cookies.get("refresh_csrf"),
        csrf_header=request.headers.get("X-CSRF-Token"),
        now=utcnow(),
    )
    return _reply_with_cookies(grant)


@blueprint.post("/logout")
@tag(["auth"])
@validate_response(Ok)
async def logout() -> Ok:
    """End the session (named by the token, or proven by the refresh cookies); clear cookies."""
    try:
        principal = await optional_principal()
    except AuthFailed:  # an expired or revoked token still lets its owner log out
        principal = None
    await app_state().auth.logout(
        principal,
        session_id=request.cookies.get("sid"),
        refresh_token=request.cookies.get("rtoken"),
        now=utcnow(),
    )
    secure = not app_state().runtime.settings.is_development

    @after_this_request
    async def clear_cookies(response: Response) -> Response:
        for name, path, http_only in (
            ("sid", AUTH_COOKIE_PATH, True),
            ("rtoken", AUTH_COOKIE_PATH, True),
            ("refresh_csrf", "/", False),
        ):
            response.delete_cookie(
                name, path=path, secure=secure, httponly=http_only, samesite="Lax"
            )
        return response

    return Ok()


@blueprint.get("/me")
@tag(["auth"])
@security_scheme([{"bearerAuth": []}])
@validate_response(Me)
async def me() -> Me:
    """Who the access token belongs to."""
    principal = await require_principal()
    return Me(user_id=principal.user_id, username=principal.username, sid=principal.session_id)
