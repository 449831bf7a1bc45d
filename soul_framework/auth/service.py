"""The account flows, free of HTTP: guest, login, claim, refresh, logout, and checking a token.

The API layer turns what these return into the contract's replies and cookies.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio

from soul_framework.auth.client_address import trusted_networks
from soul_framework.auth.passwords import Passwords
from soul_framework.auth.rate_limits import RateLimiter
from soul_framework.auth.refresh import (
    derivation_key,
    hash_refresh_token,
    new_csrf_token,
    new_refresh_token,
    refresh_key,
    same,
    successor_refresh_token,
)
from soul_framework.auth.revocation import Revocations
from soul_framework.auth.stream_slots import StreamSlots
from soul_framework.auth.tokens import Principal, TokenIssuer
from soul_framework.config import Settings
from soul_framework.domain.accounts import Session, User
from soul_framework.domain.ids import new_id
from soul_framework.errors import AlreadyClaimed, AuthFailed, ConfigError
from soul_framework.protocols import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Grant:
    """A signed-in session: what the client gets in the body and in cookies."""

    access_token: str
    username: str
    expires_in: int
    session_id: str
    refresh_token: str
    csrf_token: str


def signing_secrets(settings: Settings) -> tuple[str, str]:
    """The JWT secret and pepper; in development, random per process when not configured."""
    jwt_secret = settings.jwt_secret_env.get_secret_value() if settings.jwt_secret_env else ""
    pepper = settings.argon2_pepper_env.get_secret_value() if settings.argon2_pepper_env else ""
    if not jwt_secret or not pepper:
        # check_secrets() has refused this outside development.
        log.warning(
            "JWT_SECRET_ENV or ARGON2_PEPPER_ENV is not set: using random ones for this process "
            "(sessions and passwords will not survive a restart)"
        )
        jwt_secret = jwt_secret or secrets.token_urlsafe(48)
        pepper = pepper or secrets.token_urlsafe(24)
    return jwt_secret, pepper


class AuthService:
    def __init__(self, settings: Settings, store: Store, client: redis.asyncio.Redis) -> None:
        jwt_secret, pepper = signing_secrets(settings)
        self.settings = settings
        self.store = store
        self.tokens = TokenIssuer(jwt_secret, timedelta(minutes=settings.access_ttl_min))
        self.passwords = Passwords(pepper)
        self.refresh_ttl = timedelta(days=settings.refresh_ttl_days)
        self._refresh_key = refresh_key(jwt_secret)
        self._derivation_key = derivation_key(jwt_secret)
        self.refresh_grace = timedelta(seconds=settings.soul_refresh_grace_seconds)
        self.revocations = Revocations(
            client, store, settings.access_ttl_min * 60, settings.soul_session_cache_seconds
        )
        self.limits = RateLimiter(client)
        self.streams = StreamSlots(client)
        try:
            self.trusted_proxies = trusted_networks(settings.trusted_proxies)
        except ValueError as exc:
            raise ConfigError(f"TRUSTED_PROXIES: {exc}") from exc

    # --- flows --------------------------------------------------------------------------------

    async def guest(self, client: str, now: datetime) -> Grant:
        """A new guest account and session; cheap on purpose (no password hashing)."""
        await self.limits.hit("guest", client, self.settings.soul_rate_limit_guest)
        user = User(id=new_id(), username=f"guest_{new_id()[:12]}", created_at=now)
        await self.store.create_user(user)
        return await self._start_session(user, now)

    async def login(self, email: str, password: str, client: str, now: datetime) -> Grant:
        await self.limits.hit("login-ip", client, self.settings.soul_rate_limit_login_ip)
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        await self.limits.hit("login-account", account, self.settings.soul_rate_limit_login_account)
        user = await self.store.find_user_by_email(email.strip())
        # Unknown email or wrong password: the same answer after the same amount of work.
        if not await self.passwords.verify(user.password_hash if user else None, password):
            raise AuthFailed("invalid_credentials", "Invalid email or password.")
        assert user is not None
        return await self._start_session(user, now)

    async def claim(
        self,
        principal: Principal,
        *,
        email: str,
        username: str,
        password: str,
        client: str,
        now: datetime,
    ) -> Grant:
        """Turn the signed-in guest into a password account; its old session ends."""
        await self.limits.hit("claim", client, self.settings.soul_rate_limit_claim)
        user = await self.store.get_user(principal.user_id)
        if user is None:
            raise AuthFailed("invalid_token")
        if not user.is_guest:
            raise AlreadyClaimed()
        password_hash = await self.passwords.hash(password)
        user = await self.store.claim_user(
            user.id, email=email.strip(), username=username, password_hash=password_hash, at=now
        )
        await self._end_sessions([principal.session_id], now)
        return await self._start_session(user, now)

    async def refresh(
        self,
        *,
        session_id: str | None,
        refresh_token: str | None,
        csrf_cookie: str | None,
        csrf_header: str | None,
        now: datetime,
    ) -> Grant:
        """Rotate: the presented session ends and a new one starts.

        A token presented again within ``SOUL_REFRESH_GRACE_SECONDS`` of its rotation gets the
        same successor, and nothing is revoked: a page whose parts refresh at the same moment
        sends the same cookies twice. Presented later, it was stolen (or replayed): every
        session of its user ends. The CSRF token stays that of the sign-in: a browser may send
        the second request with the cookies the first answer set, while the page's script read
        the CSRF cookie for both before either left.
        """
        if not session_id or not refresh_token or not csrf_cookie:
            raise AuthFailed("no_refresh", "No refresh cookies were sent.")
        if not csrf_header or not same(csrf_header, csrf_cookie):
            raise AuthFailed("csrf_mismatch", "The CSRF token does not match.")
        session = await self.store.get_session(session_id)
        presented = hash_refresh_token(self._refresh_key, refresh_token)
        if session is None or not same(presented, session.refresh_hash):
            raise AuthFailed("bad_refresh", "The refresh token is not valid.")
        if session.revoked_at is not None:
            return await self._presented_again(session, refresh_token, csrf_cookie, now)
        if session.expires_at <= now:
            raise AuthFailed("expired", "The session has expired.")
        user = await self.store.get_user(session.user_id)
        if user is None:
            raise AuthFailed("bad_refresh", "The refresh token is not valid.")
        token = successor_refresh_token(self._derivation_key, session.id, refresh_token)
        successor = self._session_for(user, token, now)
        if not await self.store.rotate_session(session.id, presented, successor, now):
            # Another request rotated this token a moment ago (the store lets only one win).
            rotated = await self.store.get_session(session.id)
            if rotated is None:
                raise AuthFailed("bad_refresh", "The refresh token is not valid.")
            if rotated.revoked_at is None:  # it expired at this very moment
                raise AuthFailed("expired", "The session has expired.")
            return await self._presented_again(rotated, refresh_token, csrf_cookie, now)
        await self.revocations.revoked([session.id])
        return self._grant(user, successor, token, now, csrf_cookie)

    async def _presented_again(
        self, session: Session, refresh_token: str, csrf_token: str, now: datetime
    ) -> Grant:
        """The reply to a revoked session's (valid) refresh token: its successor within the
        grace window, else ``revoked`` (and, for a rotated session, the end of its family)."""
        assert session.revoked_at is not None
        if session.replaced_by is None:  # logged out, or ended with its family
            raise AuthFailed("revoked", "The session has been revoked.")
        if now - session.revoked_at > self.refresh_grace:
            await self._end_family(session.user_id, now)
            raise AuthFailed("revoked", "The session has been revoked.")
        token = successor_refresh_token(self._derivation_key, session.id, refresh_token)
        successor = await self.store.get_session(session.replaced_by)
        user = await self.store.get_user(session.user_id)
        if (
            successor is None
            or user is None
            or not successor.is_active(now)
            or not same(hash_refresh_token(self._refresh_key, token), successor.refresh_hash)
        ):
            # The successor has ended (signed out, or rotated in turn): nothing to hand out,
            # and within the window no sign of theft either.
            raise AuthFailed("revoked", "The session has been revoked.")
        return self._grant(user, successor, token, now, csrf_token)

    async def logout(
        self,
        principal: Principal | None,
        *,
        session_id: str | None,
        refresh_token: str | None,
        now: datetime,
    ) -> None:
        """End the session the token names, or the one the refresh cookies prove."""
        if principal is not None:
            await self._end_sessions([principal.session_id], now)
            return
        if not session_id or not refresh_token:
            return
        session = await self.store.get_session(session_id)
        presented = hash_refresh_token(self._refresh_key, refresh_token)
        if session is not None and same(presented, session.refresh_hash):
            await self._end_sessions([session.id], now)

    async def authenticate(self, token: str, now: datetime) -> Principal:
        """The principal of a valid access token whose session is still good."""
        principal = self.tokens.verify(token)
        await self.revocations.check(principal.session_id, now)
        return principal

    async def authenticate_counted(
        self, token: str, now: datetime, limit: str, rate: str
    ) -> tuple[Principal, bool]:
        """:meth:`authenticate`, and one request of the principal counted against ``rate``
        (see :meth:`RateLimiter.hit`, whose answer comes second). The session check and the
        count go to Redis together; a bad session is refused before a reached limit.
        """
        principal = self.tokens.verify(token)
        checked, counted = await asyncio.gather(
            self.revocations.check(principal.session_id, now),
            self.limits.hit(limit, principal.user_id, rate),
            return_exceptions=True,
        )
        for outcome in (checked, counted):
            if isinstance(outcome, BaseException):
                raise outcome
        return principal, bool(counted)

    # --- sessions -----------------------------------------------------------------------------

    def _session_for(self, user: User, refresh_token: str, now: datetime) -> Session:
        return Session(
            id=new_id(),
            user_id=user.id,
            refresh_hash=hash_refresh_token(self._refresh_key, refresh_token),
            created_at=now,
            expires_at=now + self.refresh_ttl,
        )

    async def _start_session(self, user: User, now: datetime) -> Grant:
        token = new_refresh_token()
        session = self._session_for(user, token, now)
        await self.store.create_session(session)
        return self._grant(user, session, token, now)

    def _grant(
        self,
        user: User,
        session: Session,
        refresh_token: str,
        now: datetime,
        csrf_token: str | None = None,
    ) -> Grant:
        """The session's tokens; a new CSRF token unless one is carried over from a refresh."""
        principal = Principal(user.id, user.username, session.id)
        access_token, expires_in = self.tokens.issue(principal, now, session.expires_at)
        return Grant(
            access_token=access_token,
            username=user.username,
            expires_in=expires_in,
            session_id=session.id,
            refresh_token=refresh_token,
            csrf_token=csrf_token or new_csrf_token(),
        )

    async def _end_sessions(self, session_ids: list[str], now: datetime) -> None:
        for session_id in session_ids:
            await self.store.revoke_session(session_id, now)
        await self.revocations.revoked(session_ids)

    async def _end_family(self, user_id: str, now: datetime) -> None:
        log.warning("refresh token replayed: revoking every session of user %s", user_id)
        await self.revocations.revoked(await self.store.revoke_user_sessions(user_id, now))

    def close(self) -> None:
        self.revocations.close()
        self.passwords.close()
