"""Refresh and CSRF tokens: random, kept only as keyed hashes, compared in constant time.

A rotation's successor token is not drawn at random but derived from the token it replaces
(keyed with a key of the server's own), so that a request presenting the old token again within
the reuse grace window can be handed the same successor without its token being stored anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

REFRESH_TOKEN_BYTES = 32
CSRF_TOKEN_BYTES = 24


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_TOKEN_BYTES)


def successor_refresh_token(key: bytes, session_id: str, token: str) -> str:
    """The refresh token of the session that succeeds ``session_id`` (whose token is ``token``):
    as unguessable as a random one to anyone without ``key`` and the old token."""
    message = b"successor\x00" + session_id.encode() + b"\x00" + token.encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:REFRESH_TOKEN_BYTES]).rstrip(b"=").decode()


def refresh_key(jwt_secret: str) -> bytes:
    """A key for hashing refresh tokens, derived from (but not equal to) the signing key."""
    return hmac.new(
        jwt_secret.encode(), b"synthetic-soul refresh-token hash", hashlib.sha256
    ).digest()


def derivation_key(jwt_secret: str) -> bytes:
    """A key for deriving successor tokens, apart from the hashing key."""
    return hmac.new(
        jwt_secret.encode(), b"synthetic-soul refresh-token derivation", hashlib.sha256
    ).digest()


def hash_refresh_token(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time equality of two texts."""
    return hmac.compare_digest(a.encode(), b.encode())
