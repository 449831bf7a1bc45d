"""Who is asking: the bearer of a valid access token whose session is still good."""

from __future__ import annotations

from quart import g, request

from soul_framework.api.state import app_state
from soul_framework.auth.client_address import client_address
from soul_framework.auth.tokens import Principal
from soul_framework.domain.ids import utcnow
from soul_framework.errors import AuthFailed


def bearer_token(*, allow_query: bool = False) -> str | None:
    """The token of ``Authorization: Bearer``, or (for EventSource, which cannot send
    headers) of the ``access_token`` query parameter where a route allows it."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if allow_query:
        return request.args.get("access_token") or None
    return None


async def require_principal(*, allow_query: bool = False) -> Principal:
    """The signed-in principal, or 401 ``missing_token`` / ``invalid_token`` /
    ``session_revoked`` / ``session_expired``."""
    token = bearer_token(allow_query=allow_query)
    if token is None:
        raise AuthFailed("missing_token", "An access token is required.")
    principal = await app_state().auth.authenticate(token, utcnow())
    g.principal = principal
    return principal


async def optional_principal() -> Principal | None:
    """The principal when a valid token is sent; None when none is sent."""
    if bearer_token() is None:
        return None
    return await require_principal()


def current_client() -> str:
    """The client's address for rate limits (see ``TRUSTED_PROXIES``)."""
    trusted = app_state().auth.trusted_proxies
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted)


async def limit_per_user(name: str, principal: Principal, rate: str) -> bool:
    """Count one request of this user against ``rate`` (e.g. ``SOUL_RATE_LIMIT_SUBMIT``);
    False when Redis could not be asked (the request is let through)."""
    return await app_state().auth.limits.hit(name, principal.user_id, rate)
