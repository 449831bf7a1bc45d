"""Scored memory retrieval against the real SQLite store, with and without embeddings."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope
from soul_framework.errors import EmbeddingsUnsupported, LLMUnavailable
from soul_framework.mind.memory_retrieval import (
    Candidate,
    RetrievalWeights,
    ScoredMemory,
    cosine_similarity,
    describe_age,
    lexical_relevance,
    normalise,
    recency,
    render_memories,
    retrieve_memories,
    score_memories,
    with_embedding,
)
from soul_framework.testing.fake_llm import FakeLLMServer, fake_embedding
from soul_plugins.llm_openai.provider import OpenAIProvider
from soul_plugins.storage_sqlite.store import SQLiteStore

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
AGENT = "jasmine"
LOGGER = "soul_framework.mind.memory_retrieval"


def settings_for(tmp_path, **values: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, app_env="development", soul_data_dir=tmp_path / "data", **values
    )


def a_memory(
    event: str,
    *,
    user: str | None = "u1",
    importance: int = 5,
    accessed_hours_ago: float = 0,
    created_hours_ago: float = 24,
    **values: object,
) -> Memory:
    return Memory(  # type: ignore[arg-type]
        id=new_id(),
        agent_id=values.pop("agent_id", AGENT),
        user_id=user,
        event=event,
        thoughts=values.pop("thoughts", ""),  # type: ignore[arg-type]
        importance=importance,
        created_at=NOW - timedelta(hours=created_hours_ago),
        last_accessed=NOW - timedelta(hours=accessed_hours_ago),
        **values,
    )


@pytest.fixture
async def store(tmp_path):
    opened = SQLiteStore(settings_for(tmp_path))
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
async def provider(server, tmp_path):
    """The hosted provider, pointed at the fake server's /v1/embeddings, without retries."""
    built = OpenAIProvider(
        settings_for(
            tmp_path,
            openai_api_key="sk-test-key",
            openai_base_url=server.url,
            openai_embedding_model="fake-embed",
            soul_llm_max_retries=0,
            soul_llm_connect_timeout_seconds=1,
        )
    )
    yield built
    await built.aclose()


class RaisingProvider:
    """Embeddings that always fail with ``error``."""

    name = "raising"

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    async def embed(self, texts):
        self.calls += 1
        raise self.error


async def remember(store, *memories: Memory) -> list[Memory]:
    for memory in memories:
        await store.add_memory(memory)
    return list(memories)


async def retrieve(store, query, *, provider=None, scope=None, limit=5, settings=None):
    return await retrieve_memories(
        store,
        provider,
        AGENT,
        scope or MemoryScope("u1"),
        query,
        limit=limit,
        now=NOW,
        settings=settings or Settings(_env_file=None),  # type: ignore[call-arg]
    )


def events(scored: list[ScoredMemory]) -> list[str]:
    return [s.memory.event for s in scored]


# --- relevance ------------------------------------------------------------------------------


async def test_lexical_relevance_ranks_the_matching_memory_first(store):
    # The matching memory is less important and older than the others: relevance must win.
    await remember(
        store,
        a_memory("We planted tomatoes in the garden", importance=4, accessed_hours_ago=10),
        a_memory("They fixed a bicycle", importance=6),
        a_memory("A film about space travel", importance=6),
    )
    found = await retrieve(store, "how are the tomatoes in your garden?")
    assert events(found)[0] == "We planted tomatoes in the garden"
    assert len(found) == 3  # recently recalled memories are candidates too
    assert {s.relevance_source for s in found} == {"lexical"}
    assert found[0].relevance == 1.0
    assert [s.relevance for s in found[1:]] == [0.0, 0.0]


async def test_embeddings_rank_the_relevant_memory_first(store, provider, server):
    memories = [
        a_memory("We planted tomatoes in the garden", importance=4, accessed_hours_ago=10),
        a_memory("They fixed a bicycle", importance=6),
        a_memory("A film about space travel", importance=6),
    ]
    for memory in memories:
        await store.add_memory(await with_embedding(provider, memory))
    server.requests.clear()
    found = await retrieve(store, "tomatoes garden", provider=provider)
    assert events(found)[0] == "We planted tomatoes in the garden"
    assert {s.relevance_source for s in found} == {"embedding"}
    embedding_requests = [r for r in server.requests if r.path.endswith("/embeddings")]
    assert [r.body["input"] for r in embedding_requests] == [["tomatoes garden"]]  # once


async def test_embeddings_find_what_shares_no_word_with_the_query(store, provider):
    query = "where did we plant tomatoes"
    await remember(
        store,
        # Its embedding says it is about the query, though no word matches.
        a_memory("Something happened outside", embedding=tuple(fake_embedding(query))),
        a_memory("We plant tomatoes every spring", embedding=tuple(fake_embedding("spring"))),
    )
    found = await retrieve(store, query, provider=provider)
    assert events(found)[0] == "Something happened outside"
    lexical = await retrieve(store, query, provider=None)
    assert events(lexical)[0] == "We plant tomatoes every spring"


async def test_memories_without_an_embedding_use_lexical_relevance(store, provider):
    await remember(
        store,
        a_memory("Our talk about tomatoes", embedding=tuple(fake_embedding("bicycle"))),
        a_memory("More about tomatoes and the garden"),  # no embedding
        a_memory("Nothing to do with it"),
    )
    found = await retrieve(store, "tomatoes garden", provider=provider)
    sources = {s.memory.event: s.relevance_source for s in found}
    assert sources == {
        "Our talk about tomatoes": "embedding",
        "More about tomatoes and the garden": "lexical",
        "Nothing to do with it": "lexical",
    }
    assert events(found)[0] == "More about tomatoes and the garden"


async def test_without_embedded_candidates_the_query_is_not_embedded(store, provider, server):
    await remember(store, a_memory("tomatoes"))
    server.requests.clear()
    await retrieve(store, "tomatoes", provider=provider)
    assert server.requests == []


# --- recency, importance and weights -----------------------------------------------------------


async def test_recency_orders_memories_of_equal_relevance_and_importance(store):
    # The stale one was created later, so only recency can put the fresh one first.
    fresh = a_memory("We talked about the rain", accessed_hours_ago=1, created_hours_ago=48)
    stale = a_memory("We talked about the rain", accessed_hours_ago=200, created_hours_ago=24)
    await remember(store, stale, fresh)
    found = await retrieve(store, "rain")
    assert [s.memory.id for s in found] == [fresh.id, stale.id]
    assert found[0].relevance == found[1].relevance
    assert (found[0].recency, found[1].recency) == (1.0, 0.0)


async def test_importance_orders_memories_of_equal_relevance_and_recency(store):
    weighty = a_memory("We talked about the rain", importance=8, created_hours_ago=48)
    light = a_memory("We talked about the rain", importance=3, created_hours_ago=24)
    await remember(store, light, weighty)
    found = await retrieve(store, "rain")
    assert [s.memory.id for s in found] == [weighty.id, light.id]
    assert (found[0].importance, found[1].importance) == (1.0, 0.0)


async def test_a_zero_weight_silences_its_component(store, tmp_path):
    async def first(user: str, **weights: float) -> str:
        # Each retrieval counts as a recall, so each asks about a pair of its own.
        old = a_memory("the rain", user=user, importance=9, accessed_hours_ago=100)
        new = a_memory("the rain", user=user, importance=2, accessed_hours_ago=0)
        await remember(store, old, new)
        settings = settings_for(tmp_path, **weights)
        found = await retrieve(store, "rain", scope=MemoryScope(user), settings=settings)
        return "old" if found[0].memory.id == old.id else "new"

    assert await first("u1") == "old"  # importance (weight 2) outweighs recency (0.5)
    assert await first("u2", soul_memory_weight_importance=0) == "new"
    assert await first("u3", soul_memory_weight_recency=0) == "old"


async def test_a_zero_relevance_weight_lets_importance_decide(store, tmp_path):
    relevant = a_memory("We planted tomatoes", importance=2)
    important = a_memory("The day they got the job", importance=9)
    await remember(store, relevant, important)
    default = await retrieve(store, "tomatoes", settings=settings_for(tmp_path))
    assert default[0].memory.id == relevant.id
    silenced = await retrieve(
        store, "tomatoes", settings=settings_for(tmp_path, soul_memory_weight_relevance=0)
    )
    assert silenced[0].memory.id == important.id
    assert silenced[0].score == pytest.approx(
        0.5 * silenced[0].recency + 2 * silenced[0].importance
    )


async def test_one_candidate_keeps_its_own_values(store):
    [memory] = await remember(store, a_memory("tomatoes", importance=7, accessed_hours_ago=10))
    [found] = await retrieve(store, "tomatoes")
    assert found.recency == pytest.approx(0.995**10)
    assert found.importance == pytest.approx(6 / 9)
    assert found.relevance == 1.0
    assert found.score == pytest.approx(0.5 * 0.995**10 + 2 * 6 / 9 + 3 * 1.0)
    assert found.memory.id == memory.id


async def test_an_empty_store_and_a_zero_limit_return_nothing(store):
    assert await retrieve(store, "anything") == []
    await remember(store, a_memory("anything"))
    assert await retrieve(store, "anything", limit=0) == []
    [kept] = await store.recent_memories(AGENT, MemoryScope("u1"), limit=1)
    assert kept.recall_count == 0


async def test_the_limit_keeps_the_best(store):
    await remember(store, *(a_memory(f"memory {i}", importance=i + 1) for i in range(6)))
    found = await retrieve(store, "memory", limit=2)
    assert [s.memory.importance for s in found] == [6, 5]


# --- recall ---------------------------------------------------------------------------------


async def test_retrieval_counts_as_a_recall(store):
    recalled = a_memory("tomatoes in the garden", accessed_hours_ago=30, recall_count=2)
    ignored = a_memory("a bicycle", importance=1, accessed_hours_ago=30)
    await remember(store, recalled, ignored)
    [found] = await retrieve(store, "tomatoes", limit=1)
    assert found.memory.id == recalled.id
    after = {m.id: m for m in await store.recent_memories(AGENT, MemoryScope("u1"), limit=5)}
    assert after[recalled.id].recall_count == 3
    assert after[recalled.id].last_accessed == NOW
    assert after[ignored.id].recall_count == 0
    assert after[ignored.id].last_accessed == ignored.last_accessed


# --- isolation ------------------------------------------------------------------------------


async def test_another_users_memory_is_never_retrieved(store, provider):
    secret = "the secret canary password is tomatoes"
    await remember(
        store,
        a_memory(secret, user="alice", importance=10, embedding=tuple(fake_embedding(secret))),
        a_memory("we talked about the weather", user="bob", importance=1),
        a_memory("I like tomatoes", user=None, importance=3),
    )
    for chosen in (provider, None):
        found = await retrieve(store, secret, provider=chosen, scope=MemoryScope("bob"))
        assert {s.memory.user_id for s in found} <= {"bob", None}
        assert secret not in render_memories(found, max_chars=10_000)
    own_only = await retrieve(store, secret, provider=provider, scope=MemoryScope(None))
    assert events(own_only) == ["I like tomatoes"]
    [alices] = await store.recent_memories(AGENT, MemoryScope("alice", include_own=False), limit=5)
    assert alices.recall_count == 0  # not even counted as recalled


async def test_memories_a_store_returns_outside_the_scope_are_dropped(store, caplog):
    leaked = a_memory("alice's secret tomatoes", user="alice")
    other_agent = a_memory("tomatoes", user="bob", agent_id="orion")
    mine = a_memory("bob's tomatoes", user="bob")
    await remember(store, mine)

    class LeakyStore:
        """A broken store that ignores the scope it is given."""

        async def search_memories(self, agent_id, scope, query, *, limit):
            hits = await store.search_memories(agent_id, scope, query, limit=limit)
            return [MemoryHit(leaked, 99.0), MemoryHit(other_agent, 99.0), *hits]

        async def recent_memories(self, agent_id, scope, *, limit):
            return [leaked, *await store.recent_memories(agent_id, scope, limit=limit)]

        async def mark_recalled(self, ids, at):
            await store.mark_recalled(ids, at)

    with caplog.at_level(logging.ERROR, logger=LOGGER):
        found = await retrieve(LeakyStore(), "tomatoes", scope=MemoryScope("bob"))
    assert [s.memory.id for s in found] == [mine.id]
    assert "outside the scope" in caplog.text


# --- embedding failures -----------------------------------------------------------------------


def _warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


async def test_an_embedding_failure_falls_back_to_lexical_with_one_warning(
    store, provider, server, caplog
):
    await remember(
        store,
        a_memory("tomatoes in the garden", embedding=tuple(fake_embedding("bicycle"))),
        a_memory("a bicycle", embedding=tuple(fake_embedding("tomatoes garden"))),
    )
    server.fail_next(5, status=500)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        found = await retrieve(store, "tomatoes garden", provider=provider)
    assert events(found)[0] == "tomatoes in the garden"  # the embeddings would say otherwise
    assert {s.relevance_source for s in found} == {"lexical"}
    assert len(_warnings(caplog)) == 1


@pytest.mark.parametrize(
    ("error", "warned"),
    [
        (EmbeddingsUnsupported(), 0),
        (LLMUnavailable(), 1),
        (RuntimeError("a provider plugin's bug"), 1),
    ],
)
async def test_any_embedding_error_falls_back_to_lexical(store, caplog, error, warned):
    await remember(
        store,
        a_memory("tomatoes in the garden", embedding=tuple(fake_embedding("bicycle"))),
        a_memory("a bicycle", embedding=tuple(fake_embedding("tomatoes garden"))),
    )
    failing = RaisingProvider(error)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        found = await retrieve(store, "tomatoes garden", provider=failing)
    assert failing.calls == 1
    assert events(found)[0] == "tomatoes in the garden"
    assert len(_warnings(caplog)) == warned


async def test_a_server_without_embeddings_means_lexical_quietly(store, provider, server, caplog):
    server.embeddings_supported = False
    memory = await with_embedding(provider, a_memory("tomatoes in the garden"))
    assert memory.embedding is None
    await remember(store, memory, a_memory("x", embedding=tuple(fake_embedding("tomatoes"))))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        found = await retrieve(store, "tomatoes", provider=provider)
    assert events(found)[0] == "tomatoes in the garden"
    assert _warnings(caplog) == []


async def test_with_embedding_embeds_event_thoughts_and_tags(provider):
    memory = a_memory("We planted tomatoes", thoughts="they were proud", tags=("garden",))
    embedded = await with_embedding(provider, memory)
    expected = fake_embedding("We planted tomatoes\nthey were proud\ngarden")
    assert list(embedded.embedding) == pytest.approx(expected, abs=1e-6)  # sent as float32
    assert await with_embedding(None, memory) is memory


# --- the pure parts ---------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=30))
def test_normalise_stays_in_range_and_keeps_order(values):
    normalised = normalise(values)
    assert all(0.0 <= v <= 1.0 for v in normalised)
    for a, b, na, nb in zip(values, values[1:], normalised, normalised[1:], strict=False):
        if a < b:
            assert na <= nb
    if max(values) - min(values) > 1e-9:
        assert min(normalised) == 0.0
        assert max(normalised) == 1.0


def test_normalise_without_spread_divides_by_nothing():
    assert normalise([]) == []
    assert normalise([0.3]) == [0.3]
    assert normalise([2.0, 2.0]) == [1.0, 1.0]
    assert normalise([-1.0, -1.0]) == [0.0, 0.0]


def test_lexical_relevance_puts_the_best_at_one_and_no_match_at_zero():
    assert lexical_relevance({"a": 4.0, "b": 1.0}) == {"a": 1.0, "b": 0.25}
    assert lexical_relevance({"a": 0.0}) == {"a": 1.0}
    assert lexical_relevance({"a": -2.0, "b": 2.0}) == {"a": 0.0, "b": 1.0}
    assert lexical_relevance({}) == {}


def test_recency_decays_per_hour_and_never_exceeds_one():
    assert recency(NOW, NOW, 0.995) == 1.0
    assert recency(NOW - timedelta(hours=138), NOW, 0.995) == pytest.approx(0.5, abs=0.01)
    assert recency(NOW + timedelta(hours=5), NOW, 0.995) == 1.0


def test_cosine_similarity_is_undefined_for_mismatched_vectors():
    assert cosine_similarity([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    assert cosine_similarity([1.0, 0.0], [0.0, 3.0]) == pytest.approx(0.0)
    assert cosine_similarity([1.0, 0.0], [1.0, 0.0, 0.0]) is None
    assert cosine_similarity([0.0, 0.0], [1.0, 0.0]) is None
    assert cosine_similarity([], []) is None


def test_weights_must_not_be_negative():
    with pytest.raises(ValueError, match="recency"):
        RetrievalWeights(recency=-1)
    with pytest.raises(ValueError, match="relevance"):
        RetrievalWeights(relevance=math.nan)


@given(
    st.lists(
        st.tuples(st.integers(1, 10), st.floats(0, 1000), st.floats(-1, 2, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_scores_are_the_weighted_components_best_first(rows):
    candidates = [
        Candidate(a_memory("m", importance=imp, accessed_hours_ago=hours), relevance)
        for imp, hours, relevance in rows
    ]
    weights = RetrievalWeights(recency=0.5, importance=2, relevance=3)
    scored = score_memories(candidates, now=NOW, weights=weights, decay_per_hour=0.995)
    assert len(scored) == len(candidates)
    assert [s.score for s in scored] == sorted((s.score for s in scored), reverse=True)
    for s in scored:
        assert all(0.0 <= part <= 1.0 for part in (s.recency, s.importance, s.relevance))
        expected = 0.5 * s.recency + 2 * s.importance + 3 * s.relevance
        assert s.score == pytest.approx(expected)


# --- rendering ------------------------------------------------------------------------------


def scored(event: str, *, thoughts: str = "", importance: int = 5, days_ago: float = 3):
    memory = a_memory(
        event, thoughts=thoughts, importance=importance, created_hours_ago=24 * days_ago
    )
    return ScoredMemory(memory, 1.0, 1.0, 1.0, 1.0, "lexical", NOW)


def test_render_shows_age_importance_event_and_thoughts():
    text = render_memories(
        [
            scored("We walked by the river", thoughts="they love water", importance=7),
            scored("A quiet\nevening", days_ago=0.5),
        ],
        max_chars=1000,
    )
    assert text.splitlines() == [
        "- [3 days ago, importance 7] We walked by the river — they love water",
        "- [12 hours ago, importance 5] A quiet evening",
    ]


def test_render_shortens_what_does_not_fit():
    long = scored("word " * 100)
    text = render_memories([long, scored("never shown")], max_chars=120)
    assert len(text) <= 120
    assert text.endswith("…")
    assert "never shown" not in text
    assert render_memories([long], max_chars=0) == ""


@given(
    st.lists(st.text(max_size=300), max_size=8),
    st.integers(min_value=0, max_value=600),
)
def test_render_is_bounded_and_one_line_per_memory(texts, max_chars):
    items = [scored(text, thoughts=text[::-1]) for text in texts]
    text = render_memories(items, max_chars=max_chars)
    assert len(text) <= max_chars
    lines = text.split("\n") if text else []
    assert len(lines) <= len(items)
    assert all(line.startswith("-") for line in lines)


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(hours=5, minutes=59), "5 hours ago"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=15), "2 weeks ago"),
        (timedelta(days=65), "2 months ago"),
        (timedelta(days=800), "2 years ago"),
        (timedelta(hours=-3), "just now"),
    ],
)
def test_ages_read_as_people_say_them(age, said):
    assert describe_age(age) == said
