"""Refresh and CSRF tokens: random, kept only as keyed hashes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

REFRESH_TOKEN_BYTES = 32
CSRF_TOKEN_BYTES = 24


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_TOKEN_BYTES)


def refresh_key(jwt_secret: str) -> bytes:
    """A key for hashing refresh tokens, derived from (but not equal to) the signing key."""
    return hmac.new(
        jwt_secret.encode(), b"synthetic-soul refresh-token hash", hashlib.sha256
    ).digest()


def hash_refresh_token(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time equality of two texts."""
    return hmac.compare_digest(a.encode(), b.encode())
