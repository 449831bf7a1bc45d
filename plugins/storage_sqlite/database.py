"""Threads that own the SQLite connections, so the event loop never waits on disk.

One writer thread holds the only writing connection of this process (SQLite allows one writer
at a time anyway; other processes wait on the file lock, up to ``BUSY_TIMEOUT_MS``). A small
pool of reader threads, each with its own read-only connection, reads concurrently thanks to
WAL mode. Calls made in the same turn of the event loop go to their thread together
(:mod:`.batches`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from soul_framework.errors import StorageUnavailable
from soul_framework.private_files import private_file, private_folder, tighten
from soul_plugins.storage_sqlite.batches import Batches
from soul_plugins.storage_sqlite.migrations import migrate

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
READER_THREADS = 2
_UNAVAILABLE_WORDS = ("locked", "busy", "disk", "unable to open", "readonly", "i/o")


def connect(
    path: Path, *, read_only: bool = False, trace: Callable[[str], None] | None = None
) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    if trace is not None:
        connection.set_trace_callback(trace)
    connection.row_factory = sqlite3.Row
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys=ON")
    if read_only:
        connection.execute("PRAGMA query_only=1")
    else:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    return connection


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the database's write lock at once (no upgrade races)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class Database:
    def __init__(
        self,
        path: Path,
        readers: int = READER_THREADS,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        """``trace`` receives every SQL statement run, with its values (for diagnostics)."""
        self.path = path
        self._trace = trace
        self._readers = readers
        self._writer: ThreadPoolExecutor | None = None
        self._reader_pool: ThreadPoolExecutor | None = None
        self._writes: Batches | None = None
        self._reads: Batches | None = None
        self._write_connection: sqlite3.Connection | None = None
        self._read_connections: list[sqlite3.Connection] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._write_connection is not None

    async def open(self) -> None:
        if self.is_open:
            return
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="soul-sqlite-write")
        self._reader_pool = ThreadPoolExecutor(
            max_workers=self._readers, thread_name_prefix="soul-sqlite-read"
        )
        self._writes = Batches(self._writer)
        self._reads = Batches(self._reader_pool)
        loop = asyncio.get_running_loop()
        try:
            self._write_connection = await loop.run_in_executor(self._writer, self._connect)
        except sqlite3.Error as exc:
            await self.close()
            raise StorageUnavailable(f"SQLite could not open {self.path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        # Password hashes and every message: the owner's only. SQLite gives its -wal and -shm
        # files the database file's mode, so creating that one 0600 covers them.
        private_folder(self.path.parent)
        private_file(self.path)
        for suffix in ("-wal", "-shm", "-journal"):
            tighten(self.path.with_name(self.path.name + suffix))
        connection = connect(self.path, trace=self._trace)
        migrate(connection)
        return connection

    async def close(self) -> None:
        for pool in (self._writer, self._reader_pool):
            if pool is not None:
                pool.shutdown(wait=True)
        self._writer = self._reader_pool = None
        self._writes = self._reads = None
        for connection in [self._write_connection, *self._read_connections]:
            if connection is not None:
                connection.close()
        self._write_connection = None
        self._read_connections = []
        self._local = threading.local()

    async def write(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(connection, *args)`` on the writer thread."""
        if self._writes is None or self._write_connection is None:
            raise StorageUnavailable("The SQLite store is not open.")
        return await self._run(self._writes, partial(work, self._write_connection, *args))

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(connection, *args)`` on a reader thread with its own connection."""
        if self._reads is None:
            raise StorageUnavailable("The SQLite store is not open.")
        return await self._run(self._reads, partial(self._read_here, work, *args))

    def _read_here(self, work: Callable[..., T], *args: Any) -> T:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path, read_only=True, trace=self._trace)
            self._local.connection = connection
            with self._lock:
                self._read_connections.append(connection)
        return work(connection, *args)

    @staticmethod
    async def _run(batches: Batches, call: Callable[[], T]) -> T:
        try:
            return await batches.submit(call)  # type: ignore[no-any-return]
        except sqlite3.OperationalError as exc:
            # Locks held too long, a full or vanished disk: the database, not the query.
            if any(word in str(exc).lower() for word in _UNAVAILABLE_WORDS):
                raise StorageUnavailable(f"SQLite is unavailable: {exc}") from exc
            raise
