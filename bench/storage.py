"""Store benchmark: bulk memory inserts, text-search latency as memories grow, atomic deltas.

    python -m bench.storage [--backend sqlite|mongo|all] [--sizes 1000,10000,100000]

For mongo it uses MONGO_TEST_URL when set, else starts a SecantusDB server (a MongoDB
wire-protocol stand-in, much slower than mongod; its figures describe the stand-in, not
MongoDB). Each size is searched ``--queries`` times, or fewer once its searches have taken a
minute (at least 20: the stand-in needs seconds per search at 100k). Figures are printed as
they come, then a summary table.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent, EmotionalState
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.memory import Memory, MemoryScope
from soul_framework.protocols import Store
from soul_framework.testing import free_port

VOCABULARY_SIZE = 5000
QUERIES = 200
MIN_QUERIES = 20
SEARCH_SECONDS_PER_SIZE = 60.0
"""Searching one size stops after this long once ``MIN_QUERIES`` were timed."""
DELTAS = 500
INSERT_BATCH = 200
USER = "bench-user"
AGENT = "jasmine"


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 9))))
    return sorted(words)


def sentence(rng: random.Random, words: list[str], length: int) -> str:
    # Zipf-like: a few words are common, most are rare, as in real text.
    return " ".join(
        words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)]
        if rng.random() < 0.5
        else rng.choice(words)
        for _ in range(length)
    )


def make_memory(rng: random.Random, words: list[str]) -> Memory:
    now = utcnow()
    return Memory(
        id=new_id(),
        agent_id=AGENT,
        user_id=USER,
        event=sentence(rng, words, rng.randint(8, 20)),
        thoughts=sentence(rng, words, rng.randint(4, 12)),
        importance=rng.randint(1, 10),
        created_at=now,
        last_accessed=now,
        tags=tuple(rng.sample(words[:200], 2)),
    )


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@asynccontextmanager
async def sqlite_store() -> AsyncIterator[Store]:
    from soul_plugins.storage_sqlite.store import SQLiteStore

    with tempfile.TemporaryDirectory(prefix="soul-bench-") as folder:
        store = SQLiteStore(Settings(_env_file=None, soul_data_dir=Path(folder)))
        await store.open()
        try:
            yield store
        finally:
            await store.close()


@asynccontextmanager
async def mongo_store() -> AsyncIterator[Store]:
    from soul_plugins.storage_mongo.store import MongoStore
    from soul_plugins.storage_mongo.testing import StandInServer

    url = os.environ.get("MONGO_TEST_URL")
    with tempfile.TemporaryDirectory(prefix="soul-bench-") as folder:
        server = None
        if not url:
            server = StandInServer(free_port(), ":memory:", Path(folder) / "server.log").start()
            url = server.url
        database = f"bench_{new_id()[:8]}"
        store = MongoStore(Settings(_env_file=None, mongo_connection=url, database_name=database))
        await store.open()
        try:
            yield store
        finally:
            with suppress(Exception):
                await store.client.drop_database(database)
            await store.close()
            if server is not None:
                server.stop()


async def run_backend(
    name: str, store: Store, sizes: list[int], queries: int = QUERIES
) -> dict[str, object]:
    rng = random.Random(7)
    words = vocabulary(rng)
    scope = MemoryScope(USER)
    figures: dict[str, object] = {"backend": name}
    inserted = 0
    insert_seconds = 0.0
    for size in sizes:
        started = time.perf_counter()
        while inserted < size:
            batch = [make_memory(rng, words) for _ in range(min(INSERT_BATCH, size - inserted))]
            await asyncio.gather(*(store.add_memory(m) for m in batch))
            inserted += len(batch)
        insert_seconds += time.perf_counter() - started
        latencies: list[float] = []
        searching_since = time.perf_counter()
        for _ in range(queries):
            if (
                len(latencies) >= MIN_QUERIES
                and time.perf_counter() - searching_since > SEARCH_SECONDS_PER_SIZE
            ):
                break  # a slow server (the stand-in at 100k) gives its percentiles sooner
            query = " ".join(rng.sample(words[:1000], 2))
            started = time.perf_counter()
            await store.search_memories(AGENT, scope, query, limit=10)
            latencies.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        figures[f"search_p50_ms@{size}"] = round(p50, 2)
        figures[f"search_p95_ms@{size}"] = round(p95, 2)
        print(
            f"  {name}: {size:>7} memories: search top-10 p50 {p50:.2f} ms, p95 {p95:.2f} ms "
            f"({len(latencies)} searches)",
            flush=True,
        )
    figures["insert_seconds"] = round(insert_seconds, 2)
    figures["inserted"] = inserted
    print(
        f"  {name}: inserting {inserted} memories took {insert_seconds:.1f} s "
        f"({inserted / insert_seconds:.0f}/s)",
        flush=True,
    )

    now = utcnow()
    await store.ensure_agent(
        Agent(
            id=AGENT,
            name="Jasmine",
            mode="lite",
            identity="",
            personality={},
            emotions=EmotionalState(values={"joy": 10.0}, at=now),
            birthdate=now,
        )
    )

    def add_joy(agent: Agent) -> Agent:
        values = {**agent.emotions.values, "joy": agent.emotions.values["joy"] + 0.01}
        return dataclasses.replace(
            agent, emotions=dataclasses.replace(agent.emotions, values=values)
        )

    latencies = []
    for _ in range(DELTAS):
        started = time.perf_counter()
        await store.update_agent(AGENT, add_joy)
        latencies.append((time.perf_counter() - started) * 1000)
    figures["emotion_delta_p50_ms"] = round(statistics.median(latencies), 3)
    print(
        f"  {name}: one atomic emotion delta p50 {figures['emotion_delta_p50_ms']} ms", flush=True
    )
    return figures


async def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "mongo", "all"], default="all")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=QUERIES, help="searches per size")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    results = []
    backends = ["sqlite", "mongo"] if args.backend == "all" else [args.backend]
    for backend in backends:
        print(f"{backend}:", flush=True)
        factory = sqlite_store if backend == "sqlite" else mongo_store
        async with factory() as store:
            results.append(await run_backend(backend, store, sizes, args.queries))
    print()
    for figures in results:
        print(" | ".join(f"{k}={v}" for k, v in figures.items()))
    return results


if __name__ == "__main__":
    asyncio.run(main())
