"""SQLite calls made in one turn of the event loop reach their thread in one hand-over."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from soul_framework.errors import StorageUnavailable
from soul_plugins.storage_sqlite.batches import Batches


class CountingPool(ThreadPoolExecutor):
    """A real pool that counts the hand-overs it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.handed = 0

    def submit(self, *args, **kwargs):
        self.handed += 1
        return super().submit(*args, **kwargs)


@pytest.fixture
def pool():
    running = CountingPool()
    yield running
    running.shutdown(wait=True)


async def test_calls_made_together_go_in_one_hand_over_each_with_its_outcome(pool):
    batches = Batches(pool)
    ran: list[int] = []
    threads: set[str] = set()

    def work(n: int) -> int:
        threads.add(threading.current_thread().name)
        ran.append(n)
        if n == 2:
            raise ValueError("two")
        return n * 10

    async def call(n: int) -> int:
        return await batches.submit(lambda: work(n))

    outcomes = await asyncio.gather(*(call(n) for n in range(5)), return_exceptions=True)
    assert pool.handed == 1
    assert ran == [0, 1, 2, 3, 4]  # in the order made
    assert outcomes[:2] == [0, 10]
    assert outcomes[3:] == [30, 40]
    assert isinstance(outcomes[2], ValueError)  # one failing call fails only itself
    assert threading.current_thread().name not in threads

    assert await call(7) == 70  # a later turn: a batch of its own
    assert pool.handed == 2


async def test_a_call_whose_caller_stopped_waiting_is_not_run(pool):
    batches = Batches(pool)
    release = threading.Event()
    ran: list[str] = []
    blocker = batches.submit(lambda: release.wait(5))
    await asyncio.sleep(0.05)  # the pool's thread is busy with it
    dropped = batches.submit(lambda: ran.append("dropped"))
    kept = batches.submit(lambda: ran.append("kept"))
    await asyncio.sleep(0)
    dropped.cancel()
    release.set()
    await asyncio.gather(blocker, kept)
    assert ran == ["kept"]


async def test_calls_after_the_pool_closed_are_storage_unavailable(pool):
    batches = Batches(pool)
    pool.shutdown(wait=True)
    with pytest.raises(StorageUnavailable):
        await batches.submit(lambda: 1)
