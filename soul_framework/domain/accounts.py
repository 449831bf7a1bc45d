"""Accounts and their sign-in sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class User:
    """An account. A guest has no email or password until it is claimed."""

    id: str
    username: str
    created_at: datetime
    email: str | None = None
    """Stored lower-cased; unique among accounts that have one."""
    password_hash: str | None = None
    claimed_at: datetime | None = None

    @property
    def is_guest(self) -> bool:
        return self.email is None


@dataclass(frozen=True, slots=True)
class Session:
    """One sign-in: the refresh token's keyed hash, never the token itself.

    Rotation revokes a session and points ``replaced_by`` at its successor, so presenting a
    rotated session's token again is recognisable as a replay.
    """

    id: str
    user_id: str
    refresh_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    replaced_by: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
