"""Calls for a thread pool, gathered over one turn of the event loop and sent over together.

Handing a call to another thread and getting its answer back costs about a tenth of a
millisecond here, more than most of our queries take. A reply reads half a dozen things at
once and writes three; sent one by one, the hand-overs cost more than the queries. A batch
goes to the pool in one hand-over and its answers come back in one: the calls still run one
after another, in the order made, each with its own outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from soul_framework.errors import StorageUnavailable

Call = Callable[[], Any]
Outcome = tuple["asyncio.Future[Any]", Any, BaseException | None]


class Batches:
    def __init__(self, pool: Executor) -> None:
        self.pool = pool
        self._pending: list[tuple[Call, asyncio.Future[Any]]] = []

    def submit(self, call: Call) -> asyncio.Future[Any]:
        """Run ``call`` on the pool with the others made in this turn of the loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self._pending:
            loop.call_soon(self._send, loop)
        self._pending.append((call, future))
        return future

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._pending = self._pending, []
        try:
            self.pool.submit(_run, loop, batch)
        except RuntimeError:  # the pool was shut down: the store is closing
            closed = StorageUnavailable("The SQLite store is closed.")
            _settle([(future, None, closed) for _, future in batch])


def _run(loop: asyncio.AbstractEventLoop, batch: list[tuple[Call, asyncio.Future[Any]]]) -> None:
    outcomes: list[Outcome] = []
    for call, future in batch:
        if future.cancelled():  # its caller stopped waiting before it ran
            continue
        try:
            outcomes.append((future, call(), None))
        except BaseException as exc:  # handed to the caller, as it is
            outcomes.append((future, None, exc))
    if outcomes:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(_settle, outcomes)


def _settle(outcomes: list[Outcome]) -> None:
    for future, result, error in outcomes:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
