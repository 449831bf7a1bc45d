"""When to distil memories, and the memory a distilled insight becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from soul_framework.config import Settings
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import Memory, MemoryScope
from soul_framework.mind.memory_distillation import (
    distilled_memory,
    should_distil,
    significance_of,
)
from soul_plugins.storage_sqlite.store import SQLiteStore

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)
AGENT = "jasmine"


def a_memory(
    event: str = "something", *, user: str | None = "u1", importance: int = 5, **values: object
) -> Memory:
    fields: dict[str, object] = {
        "id": new_id(),
        "agent_id": AGENT,
        "user_id": user,
        "event": event,
        "thoughts": "",
        "importance": importance,
        "created_at": NOW - timedelta(hours=1),
        "last_accessed": NOW - timedelta(hours=1),
    }
    fields.update(values)
    return Memory(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def store(tmp_path):
    opened = SQLiteStore(Settings(_env_file=None, soul_data_dir=tmp_path / "data"))  # type: ignore[call-arg]
    await opened.open()
    yield opened
    await opened.close()


async def distil_now(store, scope=None) -> bool:
    return await should_distil(
        store, AGENT, scope or MemoryScope("u1", include_own=False), since=SINCE, threshold=150
    )


# --- the trigger ----------------------------------------------------------------------------


async def test_should_distil_crosses_at_the_threshold(store):
    for _ in range(14):
        await store.add_memory(a_memory(importance=10))
    await store.add_memory(a_memory(importance=9))
    assert await distil_now(store) is False  # 149
    await store.add_memory(a_memory(importance=1))
    assert await distil_now(store) is True  # 150


async def test_only_new_observed_memories_in_scope_count(store):
    await store.add_memory(a_memory(importance=10, created_at=SINCE - timedelta(seconds=1)))
    await store.add_memory(a_memory(importance=10, level=1))  # distilled already
    await store.add_memory(a_memory(importance=10, user="u2"))  # someone else's
    await store.add_memory(a_memory(importance=10, user=None))  # the agent's own
    await store.add_memory(a_memory(importance=10, agent_id="orion"))
    for _ in range(13):
        await store.add_memory(a_memory(importance=10))
    assert await distil_now(store) is False  # 130 of u1's own, new and observed
    assert await distil_now(store, MemoryScope("u1", include_own=True)) is False  # 140
    await store.add_memory(a_memory(importance=10, created_at=SINCE))  # at since: counts
    assert await distil_now(store, MemoryScope("u1", include_own=True)) is True  # 150


async def test_the_default_threshold_is_the_papers():
    assert Settings(_env_file=None).soul_memory_reflection_threshold == 150  # type: ignore[call-arg]


# --- the distilled memory -------------------------------------------------------------------


def test_a_distilled_memory_sits_one_level_above_its_sources():
    sources = [a_memory(level=0), a_memory(level=2), a_memory(level=1)]
    memory = distilled_memory(
        sources, insight=" They love gardening. ", thoughts="ask about it", importance=8, now=NOW
    )
    assert memory.level == 3
    assert memory.event == "They love gardening."
    assert memory.thoughts == "ask about it"
    assert memory.importance == 8
    assert memory.significance == "high"
    assert memory.created_at == memory.last_accessed == NOW
    assert memory.recall_count == 0
    assert memory.embedding is None
    assert (memory.agent_id, memory.user_id) == (AGENT, "u1")


def test_a_distilled_memory_belongs_to_the_one_user_its_sources_are_about():
    about_u1 = distilled_memory(
        [a_memory(user=None), a_memory(user="u1")], insight="x", importance=5, now=NOW
    )
    assert about_u1.user_id == "u1"
    own = distilled_memory(
        [a_memory(user=None), a_memory(user=None)], insight="x", importance=5, now=NOW
    )
    assert own.user_id is None


def test_a_distilled_memory_never_mixes_users_or_agents():
    with pytest.raises(ValueError, match="more than one user"):
        distilled_memory(
            [a_memory(user="u1"), a_memory(user="u2")], insight="x", importance=5, now=NOW
        )
    with pytest.raises(ValueError, match="agents"):
        distilled_memory(
            [a_memory(), a_memory(agent_id="orion")], insight="x", importance=5, now=NOW
        )
    with pytest.raises(ValueError, match="drawn from"):
        distilled_memory([], insight="x", importance=5, now=NOW)


def test_tags_are_cleaned_and_at_most_three():
    memory = distilled_memory(
        [a_memory()],
        insight="x",
        importance=5,
        now=NOW,
        tags=[" Garden", "garden", "", "family", "music", "rain"],
    )
    assert memory.tags == ("garden", "family", "music")


def test_without_tags_the_sources_most_used_are_taken():
    sources = [
        a_memory(tags=("rain", "garden")),
        a_memory(tags=("garden", "music")),
        a_memory(tags=("garden", "music", "tea")),
        a_memory(tags=("walks",)),
    ]
    memory = distilled_memory(sources, insight="x", importance=5, now=NOW)
    assert memory.tags == ("garden", "music", "rain")


@pytest.mark.parametrize(("given", "kept"), [(0, 1), (-4, 1), (11, 10), (7, 7)])
def test_importance_is_clamped_to_the_scale(given, kept):
    assert distilled_memory([a_memory()], insight="x", importance=given, now=NOW).importance == kept


@pytest.mark.parametrize(
    ("importance", "significance"),
    [(1, "low"), (3, "low"), (4, "medium"), (6, "medium"), (7, "high"), (10, "high")],
)
def test_significance_follows_importance(importance, significance):
    assert significance_of(importance) == significance


async def test_a_distilled_memory_round_trips_through_the_store(store):
    memory = distilled_memory(
        [a_memory(tags=("garden",))], insight="They love gardening", importance=6, now=NOW
    )
    await store.add_memory(memory)
    [found] = await store.recent_memories(AGENT, MemoryScope("u1"), limit=1)
    assert found == memory
    # A distilled memory does not feed the next trigger.
    assert await store.importance_since(AGENT, MemoryScope("u1"), SINCE, max_level=0) == 0
