"""The SQLite store passes the store contract, plus what only SQLite promises."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import sys
from datetime import timedelta

import pytest

from soul_framework.domain.memory import MemoryScope, Thought
from soul_framework.testing.store_contract import (
    T0,
    StoreContract,
    a_memory,
    a_message,
    a_session,
    a_user,
    add_joy,
    an_agent,
)
from soul_plugins.storage_sqlite.database import Database
from soul_plugins.storage_sqlite.store import SQLiteStore


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    async def store(self, make_settings):
        store = SQLiteStore(make_settings())
        await store.open()
        yield store
        await store.close()


def _agent_updater_script(data_dir: str, count: int) -> str:
    return f"""
import asyncio, dataclasses
from pathlib import Path
from soul_framework.config import Settings
from soul_plugins.storage_sqlite.store import SQLiteStore

def add_joy(agent):
    values = dict(agent.emotions.values)
    values["joy"] += 1.0
    return dataclasses.replace(agent, emotions=dataclasses.replace(agent.emotions, values=values))

async def main():
    store = SQLiteStore(Settings(_env_file=None, soul_data_dir=Path({data_dir!r})))
    await store.open()
    await asyncio.gather(*(store.update_agent("jasmine", add_joy) for _ in range({count})))
    await store.close()

asyncio.run(main())
"""


async def test_concurrent_processes_lose_no_update(make_settings, tmp_path):
    """API and workers are separate processes on one file: the write lock spans them."""
    settings = make_settings(soul_data_dir=tmp_path / "shared")
    store = SQLiteStore(settings)
    await store.open()
    await store.ensure_agent(an_agent())
    script = _agent_updater_script(str(settings.soul_data_dir), 25)
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", script) for _ in range(2)
    ]
    codes = [await p.wait() for p in processes]
    assert codes == [0, 0]
    agent = await store.get_agent("jasmine")
    assert agent.emotions.values["joy"] == 10.0 + 50
    assert agent.version == 50
    await store.close()


async def test_the_event_loop_keeps_running_during_store_work(make_settings):
    """Work runs on the store's threads: a ticker on the loop keeps ticking meanwhile."""
    store = SQLiteStore(make_settings())
    await store.open()
    await store.ensure_agent(an_agent())
    ticks = 0
    done = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    for i in range(200):
        await store.add_memory(a_memory("u1", f"memory number {i} about apples"))
    await store.search_memories("jasmine", MemoryScope("u1"), "apples", limit=10)
    done.set()
    await task
    await store.close()
    assert ticks > 200  # the loop ran between (and during) the 201 store calls


async def test_prune_applies_the_retention_settings(make_settings):
    store = SQLiteStore(make_settings(soul_emotion_history_days=1, soul_message_retention_days=2))
    await store.open()
    await store.ensure_agent(an_agent())
    conversation = await store.conversation("jasmine", "u1", at=T0)
    await store.append_message(a_message(conversation.id, "old", 0))
    await store.append_message(a_message(conversation.id, "new", 3 * 86400))
    await store.update_agent("jasmine", add_joy(1))  # a sample at T0 (the first: at birth)
    report = await store.prune(T0 + timedelta(days=3))
    assert report == {"sessions": 0, "emotion_samples": 2, "messages": 1}
    page = await store.list_messages(conversation.id, limit=10, before_seq=None)
    assert [m.message for m in page] == ["new"]
    await store.close()


async def test_emotion_history_is_trimmed_as_samples_arrive(make_settings):
    store = SQLiteStore(make_settings(soul_emotion_history_days=1))
    await store.open()
    await store.ensure_agent(an_agent())
    for day in range(4):

        def change(agent, day=day):
            values = {**agent.emotions.values, "joy": 20.0 + day}
            moment = T0 + timedelta(days=day)
            emotions = dataclasses.replace(agent.emotions, values=values, at=moment)
            return dataclasses.replace(agent, emotions=emotions)

        await store.update_agent("jasmine", change)
    history = await store.emotion_history("jasmine", since=None, limit=10)
    assert [s.values["joy"] for s in history] == [22.0, 23.0]
    await store.close()


async def test_search_uses_bm25_ranking(make_settings):
    store = SQLiteStore(make_settings())
    await store.open()
    await store.add_memory(a_memory("u1", "tea " * 1 + "and many other unrelated words " * 5))
    await store.add_memory(a_memory("u1", "tea tea tea"))
    hits = await store.search_memories("jasmine", MemoryScope("u1"), "tea", limit=5)
    assert hits[0].memory.event == "tea tea tea"  # term frequency and length both count
    await store.close()


async def test_every_query_path_uses_an_index(make_settings):
    """Run each store operation, then ask SQLite how it ran each statement: no table scans."""
    statements: list[str] = []
    store = SQLiteStore(make_settings())
    store.db = Database(store.path, trace=statements.append)
    await store.open()
    statements.clear()  # migrations are not query paths
    scope = MemoryScope("u1")
    await store.create_user(a_user("someone", email="s@example.org"))
    await store.find_user_by_email("s@example.org")
    await store.find_user_by_username("someone")
    session = a_session("u1")
    await store.create_session(session)
    await store.rotate_session(session.id, "h0", a_session("u1"), T0)
    await store.revoke_user_sessions("u1", T0)
    await store.ensure_agent(an_agent())
    await store.update_agent("jasmine", add_joy(1))
    await store.emotion_history("jasmine", since=T0, limit=10)
    await store.update_relationship("jasmine", "u1", lambda r: r, at=T0)
    await store.recent_relationships("jasmine", since=T0, limit=5)
    conversation = await store.conversation("jasmine", "u1", at=T0)
    await store.append_message(a_message(conversation.id, "hello"))
    await store.list_messages(conversation.id, limit=10, before_seq=5)
    await store.last_agent_initiated(conversation.id)
    memory = a_memory("u1", "apples and pears", tags=("fruit",))
    await store.add_memory(memory)
    await store.search_memories("jasmine", scope, "apples", limit=10)
    await store.recent_memories("jasmine", scope, limit=10)
    await store.mark_recalled([memory.id], T0)
    await store.importance_since("jasmine", scope, T0, max_level=0)
    await store.add_thought(Thought("t1", "jasmine", "hmm", T0))
    await store.latest_thought("jasmine")
    await store.prune(T0)
    await store.close()

    plans: dict[str, list[str]] = {}
    connection = sqlite3.connect(store.path)
    for statement in statements:
        if "memories_fts_" in statement:  # FTS5's own bookkeeping
            continue
        if statement.split(None, 1)[0].upper() in {"SELECT", "UPDATE", "DELETE", "INSERT"}:
            plans[statement] = [
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")
            ]
    connection.close()
    scans = {
        statement: plan
        for statement, plan in plans.items()
        if any(
            step.startswith("SCAN") and "VIRTUAL TABLE" not in step and "(subquery" not in step
            for step in plan
        )
    }
    assert len(plans) > 20
    assert scans == {}, "\n".join(f"{s[:150]} -> {p}" for s, p in scans.items())
