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


def _required_token(*, allow_query: bool = False) -> str:
    token = bearer_token(allow_query=allow_query)
    if token is None:
        raise AuthFailed("missing_token", "An access token is required.")
    return token


async def require_principal(*, allow_query: bool = False) -> Principal:
    """The signed-in principal, or 401 ``missing_token`` / ``invalid_token`` /
    ``session_revoked`` / ``session_expired``; 503 ``storage_unavailable`` when neither Redis
    nor the store can say whether the session is still good (never let through unchecked)."""
    principal = await app_state().auth.authenticate(
        _required_token(allow_query=allow_query), utcnow()
    )
    g.principal = principal
    return principal


async def require_counted_principal(
    limit: str, rate: str, *, allow_query: bool = False
) -> tuple[Principal, bool]:
    """:func:`require_principal`, and one request of the principal counted against ``rate``
    (e.g. ``SOUL_RATE_LIMIT_SUBMIT``; 429 ``rate_limited`` when over), with one wait for
    Redis. Also returns whether Redis answered the limiter (the request is let through when
    it could not be asked)."""
    principal, counted = await app_state().auth.authenticate_counted(
        _required_token(allow_query=allow_query), utcnow(), limit, rate
    )
    g.principal = principal
    return principal, counted


async def optional_principal() -> Principal | None:
    """The principal when a valid token is sent; None when none is sent."""
    if bearer_token() is None:
        return None
    return await require_principal()


def current_client() -> str:
    """The client's address for rate limits (see ``TRUSTED_PROXIES``)."""
    trusted = app_state().auth.trusted_proxies
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted)
