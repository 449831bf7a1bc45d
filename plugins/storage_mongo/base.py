"""What the store's parts share: access to a prepared collection and the retry pace."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from soul_framework.errors import StorageUnavailable

Collection = AsyncCollection[dict[str, Any]]

MAX_ATTEMPTS = 100
"""How often an optimistic read-modify-write is tried before giving up."""

BACKOFF_SECONDS = 0.002
"""Unit of the jittered pause after a lost race; the pause grows to at most ten units."""


async def backoff(attempt: int) -> None:
    """Pause after losing race number ``attempt`` (0-based), with jitter so that the writers
    that lost together do not collide again."""
    await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt + 1, 10)))


def contention(what: str) -> StorageUnavailable:
    """The error when ``MAX_ATTEMPTS`` writes all lost to concurrent writers."""
    return StorageUnavailable(f"Too many concurrent changes to {what}; try again shortly.")


class StorePart:
    """Base of the store's parts: each reaches its collections through ``collection``."""

    async def collection(self, name: str) -> Collection:
        """The named collection, once the store's indexes exist."""
        raise NotImplementedError
