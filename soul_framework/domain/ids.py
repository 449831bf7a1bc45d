"""Identifiers and the clock, the same for every backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A random 128-bit identifier as 32 hex characters."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)
