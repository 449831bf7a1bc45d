"""The MongoDB store, on PyMongo's ``AsyncMongoClient`` (Motor is deprecated).

The URI comes from ``MONGO_MODE`` (``MONGO_CONNECTION_LOCAL`` or ``MONGO_CONNECTION_HOSTED``,
falling back to the legacy ``MONGO_CONNECTION``); its options (TLS, replica set, timeouts)
pass through to the driver unchanged. One client per store, made on first use.

Indexes are created when the store first reaches the server: at ``open`` if the server answers
then, else on the first call after it is back. The domain operations live in the parts this
class combines (accounts, agents, conversations, memories); this module holds the connection,
the preparation and retention.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from soul_framework.config import Settings
from soul_framework.errors import ConfigError, StorageUnavailable
from soul_plugins.storage_mongo.accounts import Accounts
from soul_plugins.storage_mongo.agents import Agents
from soul_plugins.storage_mongo.base import Collection
from soul_plugins.storage_mongo.conversations import Conversations
from soul_plugins.storage_mongo.errors import translate_errors
from soul_plugins.storage_mongo.indexes import Retention, ensure_indexes
from soul_plugins.storage_mongo.memories import Memories

DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000


class MongoStore(Accounts, Agents, Conversations, Memories):
    """The store on a MongoDB server (or one speaking its wire protocol).

    ``text_search=False`` never uses a text index for memory search, only the stored terms: the
    path servers without text indexes take anyway.
    """

    name = "mongo"

    def __init__(self, settings: Settings, *, text_search: bool = True) -> None:
        uri = settings.mongo_uri
        if not uri:
            variable = (
                "MONGO_CONNECTION_HOSTED"
                if settings.mongo_mode == "hosted"
                else "MONGO_CONNECTION_LOCAL"
            )
            raise ConfigError(
                f"STORAGE_BACKEND=mongo needs a MongoDB URI: set {variable} "
                "(or the legacy MONGO_CONNECTION)."
            )
        self.uri = uri
        self.database_name = settings.database_name
        self.retention = Retention(
            history_days=settings.soul_emotion_history_days,
            message_days=settings.soul_message_retention_days,
        )
        self.text_search = text_search
        self.text_index = False
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._prepared = False
        self._preparing = asyncio.Lock()
        self._attempts = 0

    @property
    def client(self) -> AsyncMongoClient[dict[str, Any]]:
        if self._client is None:
            options: dict[str, Any] = {
                "tz_aware": True,
                "tzinfo": UTC,
                "appname": "synthetic-soul",
            }
            if "serverselectiontimeoutms" not in self.uri.lower():
                options["serverSelectionTimeoutMS"] = DEFAULT_SERVER_SELECTION_TIMEOUT_MS
            self._client = AsyncMongoClient(self.uri, **options)
        return self._client

    @property
    def database(self) -> AsyncDatabase[dict[str, Any]]:
        return self.client[self.database_name]

    async def open(self) -> None:
        # The client connects lazily; creating it here checks the URI at start.
        try:
            _ = self.client
        except (PyMongoError, ValueError) as exc:
            raise ConfigError(f"The MongoDB URI is not valid: {exc}") from exc
        await self._prepare()

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def ping(self) -> None:
        try:
            await self.database.command("ping")
        except PyMongoError as exc:
            raise StorageUnavailable(f"MongoDB is unreachable: {type(exc).__name__}") from exc

    async def collection(self, name: str) -> Collection:
        """The named collection, after the indexes exist (made now if they could not be
        made before, because the server was away)."""
        if not self._prepared:
            await self._prepare()
        return self.database[name]

    @translate_errors
    async def _prepare(self) -> None:
        attempt = self._attempts
        async with self._preparing:
            if self._prepared:
                return
            if self._attempts != attempt:
                # An attempt failed while this call waited for it; failing fast keeps callers
                # from queueing one server-selection timeout each behind the lock.
                raise StorageUnavailable("MongoDB is unreachable: the store is not prepared yet")
            self._attempts += 1
            self.text_index = await ensure_indexes(
                self.database, self.retention, text_index=self.text_search
            )
            self._prepared = True

    # --- retention ----------------------------------------------------------------------------

    @translate_errors
    async def prune(self, now: datetime) -> dict[str, int]:
        """Delete expired sessions, emotion samples older than ``SOUL_EMOTION_HISTORY_DAYS``
        and, unless ``SOUL_MESSAGE_RETENTION_DAYS`` is 0, older messages. The TTL indexes do
        the same on the server's own schedule; this makes it happen now."""
        report = {"sessions": 0, "emotion_samples": 0, "messages": 0}
        sessions = await self.collection("sessions")
        deleted = await sessions.delete_many({"expires_at": {"$lte": now}})
        report["sessions"] = deleted.deleted_count
        history_cutoff = cutoff(now, self.retention.history_days)
        if history_cutoff is not None:
            history = await self.collection("emotion_history")
            deleted = await history.delete_many({"at": {"$lt": history_cutoff}})
            report["emotion_samples"] = deleted.deleted_count
        message_cutoff = cutoff(now, self.retention.message_days)
        if self.retention.message_days > 0 and message_cutoff is not None:
            messages = await self.collection("messages")
            deleted = await messages.delete_many({"timestamp": {"$lt": message_cutoff}})
            report["messages"] = deleted.deleted_count
        return report


def cutoff(now: datetime, days: float) -> datetime | None:
    """``days`` before ``now``; None when that is before the calendar begins (keep all)."""
    try:
        return now - timedelta(days=days)
    except OverflowError:
        return None
