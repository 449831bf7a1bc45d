"""Access tokens: JWT signed with HS256 and nothing else.

Claims: ``iss``, ``aud``, ``sub`` (user id), ``sid`` (session id), ``username``, ``iat``,
``exp``. Verification pins the algorithm, so ``none`` or an RS/HS switch can never pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from soul_framework.errors import AuthFailed

ISSUER = "synthetic-soul-api"
AUDIENCE = "synthetic-soul-client"
ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "sid", "iat", "exp"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for."""

    user_id: str
    username: str
    session_id: str
    expires_at: int | None = None
    """The token's ``exp``, seconds since the epoch (None for a principal not read from one)."""


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    secret: str
    lifetime: timedelta

    def issue(self, principal: Principal, now: datetime, not_after: datetime) -> tuple[str, int]:
        """A token for ``principal``; it never outlives its session (``not_after``).

        Returns the token and its lifetime in seconds.
        """
        expires = min(now + self.lifetime, not_after)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": principal.user_id,
            "sid": principal.session_id,
            "username": principal.username,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(claims, self.secret, algorithm=ALGORITHM)
        return token, max(0, int((expires - now).total_seconds()))

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; ``AuthFailed('invalid_token')`` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthFailed("invalid_token", "The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise AuthFailed("invalid_token") from exc
        if not isinstance(claims["sub"], str) or not isinstance(claims["sid"], str):
            raise AuthFailed("invalid_token")
        return Principal(
            claims["sub"], str(claims.get("username", "")), claims["sid"], int(claims["exp"])
        )
