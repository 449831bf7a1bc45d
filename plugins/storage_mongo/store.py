"""The MongoDB store, on PyMongo's ``AsyncMongoClient`` (Motor is deprecated).

The URI comes from ``MONGO_MODE`` (``MONGO_CONNECTION_LOCAL`` or ``MONGO_CONNECTION_HOSTED``,
falling back to the legacy ``MONGO_CONNECTION``); its options (TLS, replica set, timeouts)
pass through to the driver unchanged. One client per process.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from soul_framework.config import Settings
from soul_framework.errors import ConfigError, StorageUnavailable

DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000


class MongoStore:
    name = "mongo"

    def __init__(self, settings: Settings) -> None:
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
        self._client: AsyncMongoClient[dict[str, Any]] | None = None

    @property
    def client(self) -> AsyncMongoClient[dict[str, Any]]:
        if self._client is None:
            options: dict[str, Any] = {"tz_aware": True, "appname": "synthetic-soul"}
            if "serverselectiontimeoutms" not in self.uri.lower():
                options["serverSelectionTimeoutMS"] = DEFAULT_SERVER_SELECTION_TIMEOUT_MS
            self._client = AsyncMongoClient(self.uri, **options)
        return self._client

    async def open(self) -> None:
        # The client connects lazily; creating it here checks the URI at start.
        try:
            _ = self.client
        except (PyMongoError, ValueError) as exc:
            raise ConfigError(f"The MongoDB URI is not valid: {exc}") from exc

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def ping(self) -> None:
        try:
            await self.client[self.database_name].command("ping")
        except PyMongoError as exc:
            raise StorageUnavailable(f"MongoDB is unreachable: {type(exc).__name__}") from exc
