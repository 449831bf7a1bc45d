"""The SQLite store: one database file in the data folder, in WAL mode.

sqlite3 calls block, so every call runs on one dedicated thread that owns the connection; the
event loop only awaits it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from soul_framework.config import Settings
from soul_framework.errors import StorageUnavailable
from soul_plugins.storage_sqlite.migrations import migrate

T = TypeVar("T")


class SQLiteStore:
    name = "sqlite"

    def __init__(self, settings: Settings) -> None:
        self.path: Path = settings.soul_data_dir / "soul.db"
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    async def _run(self, call: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None or self._connection is None:
            raise StorageUnavailable("The SQLite store is not open.")
        connection = self._connection
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, call, connection)
        except sqlite3.OperationalError as exc:
            raise StorageUnavailable(f"SQLite failed: {exc}") from exc

    async def open(self) -> None:
        if self._connection is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="soul-sqlite")
        loop = asyncio.get_running_loop()
        self._connection = await loop.run_in_executor(self._executor, self._connect)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA busy_timeout=5000")
        migrate(connection)
        return connection

    async def close(self) -> None:
        if self._connection is None or self._executor is None:
            return
        connection, self._connection = self._connection, None
        await asyncio.get_running_loop().run_in_executor(self._executor, connection.close)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def ping(self) -> None:
        await self._run(lambda c: c.execute("SELECT 1").fetchone())

    async def schema_version(self) -> int:
        row = await self._run(
            lambda c: c.execute("SELECT MAX(version) FROM schema_version").fetchone()
        )
        return int(row[0] or 0)
