"""The MongoDB store against a real server: the store contract, plus what is Mongo's own.

The server is the one ``MONGO_TEST_URL`` names, else a SecantusDB (a MongoDB wire-protocol
server installed with the dev extras) started for this session. Every test gets a database of
its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import MongoClient
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import MemoryScope
from soul_framework.errors import EmailInUse, NotFound, StorageUnavailable, UsernameInUse
from soul_framework.testing import free_port
from soul_framework.testing.store_contract import (
    T0,
    StoreContract,
    a_memory,
    a_message,
    a_session,
    a_user,
    an_agent,
    at,
)
from soul_plugins.storage_mongo import errors as mongo_errors
from soul_plugins.storage_mongo.indexes import MAX_TTL_SECONDS
from soul_plugins.storage_mongo.search import Candidate, memory_terms, query_terms, rank
from soul_plugins.storage_mongo.store import MongoStore
from soul_plugins.storage_mongo.testing import StandInServer


def settings_for(url: str, database: str, **values: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        mongo_connection=url,
        database_name=database,
        app_env="development",
        **values,
    )


@contextlib.asynccontextmanager
async def fresh_store(url: str, **values: object) -> AsyncIterator[MongoStore]:
    """An opened store on a database of its own, dropped afterwards."""
    text_search = bool(values.pop("text_search", True))
    database = f"soul_test_{new_id()[:16]}"
    store = MongoStore(settings_for(url, database, **values), text_search=text_search)
    await store.open()
    try:
        yield store
    finally:
        with contextlib.suppress(PyMongoError):
            await store.client.drop_database(database)
        await store.close()


# The contract's times lie in the past of the wall clock, where a server's TTL monitor may
# delete documents mid-test; long retentions keep emotion samples and messages out of its way.
LONG_RETENTION = {"soul_emotion_history_days": 36_500, "soul_message_retention_days": 0}


class TestMongoStore(StoreContract):
    """The whole contract, with whichever search path the server allows."""

    @pytest.fixture
    async def store(self, mongo_url: str) -> AsyncIterator[MongoStore]:
        async with fresh_store(mongo_url, **LONG_RETENTION) as store:
            yield store


SearchContract = type(
    "SearchContract",
    (),
    {
        name: getattr(StoreContract, name)
        for name in dir(StoreContract)
        if name.startswith("test_memory_search")
    },
)
"""The contract's memory search tests alone, to run on one search path at a time."""


class TestTermsSearch(SearchContract):
    """The contract's search tests on the stored-terms path, even where a text index exists."""

    @pytest.fixture
    async def store(self, mongo_url: str) -> AsyncIterator[MongoStore]:
        async with fresh_store(mongo_url, text_search=False, **LONG_RETENTION) as store:
            assert not store.text_index
            yield store


class TestTextIndexSearch(SearchContract):
    """The contract's search tests on the ``$text`` path, where the server has text indexes."""

    @pytest.fixture
    async def store(self, mongo_url: str) -> AsyncIterator[MongoStore]:
        async with fresh_store(mongo_url, **LONG_RETENTION) as store:
            if not store.text_index:
                pytest.skip(
                    "the test server refuses text indexes (SecantusDB does); set MONGO_TEST_URL "
                    "to a MongoDB server to test the $text search path"
                )
            yield store


# --- the stored-terms search ------------------------------------------------------------------


def test_terms_are_distinct_lower_cased_unicode_words():
    assert memory_terms("Café au LAIT, café!", "Σκέψη 思考", ("Morning", "au")) == [
        "café",
        "au",
        "lait",
        "σκέψη",
        "思考",
        "morning",
    ]
    assert query_terms('"unbalanced a OR (b AND') == ["unbalanced", "a", "or", "b", "and"]
    assert query_terms("*") == query_terms("") == []


def test_rank_prefers_rare_terms_then_importance_then_recency():
    def candidate(name: str, terms: str, importance: int = 5, seconds: float = 0) -> Candidate:
        return Candidate(name, frozenset(terms.split()), importance, at(seconds))

    candidates = [
        candidate("common", "the garden"),
        candidate("rare", "the roses"),
        candidate("both", "the garden roses"),
        candidate("important", "the garden", importance=9),
        candidate("newer", "the garden", seconds=10),
    ]
    ranked = rank(candidates, ["garden", "roses"], total=10, limit=10)
    assert [name for name, _ in ranked] == ["both", "rare", "important", "newer", "common"]
    assert all(score > 0 for _, score in ranked)
    assert rank(candidates, ["garden", "roses"], total=10, limit=2)[1][0] == "rare"
    assert rank(candidates, ["volcano"], total=10, limit=5) == []


async def test_terms_search_ranks_matches_and_keeps_terms_in_the_document(mongo_url):
    async with fresh_store(mongo_url, text_search=False) as store:
        both = a_memory("u1", "The garden (roses!)", tags=("Flowers",))
        one_important = a_memory("u1", "the garden", importance=9)
        one = a_memory("u1", "the garden", importance=2)
        for memory in (one, both, one_important):
            await store.add_memory(memory)
        hits = await store.search_memories("jasmine", MemoryScope("u1"), "ROSES, garden?", limit=5)
        assert [h.memory.id for h in hits] == [both.id, one_important.id, one.id]
        assert hits[0].memory == both
        assert await store.search_memories("jasmine", MemoryScope("u1"), "flowers", limit=5)
        raw = await store.database["memories"].find_one({"_id": both.id})
        assert raw["terms"] == ["the", "garden", "roses", "flowers"]


# --- indexes and retention --------------------------------------------------------------------


async def index_specs(store: MongoStore, collection: str) -> dict[str, dict[str, object]]:
    cursor = await store.database[collection].list_indexes()
    return {index["name"]: dict(index) for index in await cursor.to_list()}


async def test_indexes_and_ttl_follow_the_settings(mongo_url):
    async with fresh_store(
        mongo_url, soul_emotion_history_days=7, soul_message_retention_days=30
    ) as store:
        users = await index_specs(store, "users")
        assert users["email_unique"]["unique"]
        assert users["email_unique"]["partialFilterExpression"] == {"email": {"$type": "string"}}
        assert users["username_unique"]["unique"]
        sessions = await index_specs(store, "sessions")
        assert sessions["sessions_ttl"]["expireAfterSeconds"] == 0
        assert dict(sessions["sessions_ttl"]["key"]) == {"expires_at": 1}
        history = await index_specs(store, "emotion_history")
        assert history["history_ttl"]["expireAfterSeconds"] == 7 * 86_400
        messages = await index_specs(store, "messages")
        assert messages["messages_ttl"]["expireAfterSeconds"] == 30 * 86_400
        assert messages["message_seq"]["unique"]
        for collection, name in (
            ("relationships", "relationship_unique"),
            ("conversations", "conversation_unique"),
        ):
            assert (await index_specs(store, collection))[name]["unique"]
        memories = await index_specs(store, "memories")
        assert {"memories_terms", "memories_tags", "memories_accessed", "memories_created"} <= set(
            memories
        )
        assert ("memories_text" in memories) == store.text_index
        assert "thoughts_agent" in await index_specs(store, "thoughts")

        # Opening again with other retentions changes the indexes in place.
        again = MongoStore(
            settings_for(
                mongo_url,
                store.database_name,
                soul_emotion_history_days=1e9,
                soul_message_retention_days=0,
            )
        )
        await again.open()
        await again.close()
        history = await index_specs(store, "emotion_history")
        assert history["history_ttl"]["expireAfterSeconds"] == MAX_TTL_SECONDS
        assert "messages_ttl" not in await index_specs(store, "messages")


FUTURE = T0.replace(year=2100)
"""A "now" after the wall clock, so that the server's own TTL monitor leaves the data alone."""


async def test_prune_reports_what_it_deleted(mongo_url):
    async with fresh_store(
        mongo_url, soul_emotion_history_days=1, soul_message_retention_days=2
    ) as store:
        expired = a_session("u1", created_at=FUTURE, expires_at=FUTURE - timedelta(hours=1))
        live = a_session("u1", created_at=FUTURE, expires_at=FUTURE + timedelta(hours=1))
        for session in (expired, live):
            await store.create_session(session)
        await store.ensure_agent(an_agent())
        for age_days, joy in ((3, 20.0), (0, 30.0)):
            when = FUTURE - timedelta(days=age_days)

            def feel(agent: Agent, when=when, joy=joy) -> Agent:
                emotions = dataclasses.replace(
                    agent.emotions, values={**agent.emotions.values, "joy": joy}, at=when
                )
                return dataclasses.replace(agent, emotions=emotions)

            await store.update_agent("jasmine", feel)
        conversation = await store.conversation("jasmine", "u1", at=FUTURE)
        for age_days in (3, 0):
            message = a_message(conversation.id, f"{age_days} days old")
            when = FUTURE - timedelta(days=age_days)
            await store.append_message(dataclasses.replace(message, timestamp=when))

        assert await store.prune(FUTURE) == {"sessions": 1, "emotion_samples": 1, "messages": 1}
        assert await store.get_session(expired.id) is None
        assert await store.get_session(live.id) == live
        history = await store.emotion_history("jasmine", since=None, limit=10)
        # Left: the agent's first sample (stored with it, at T0 = FUTURE) and today's.
        assert [s.values["joy"] for s in history] == [an_agent().emotions.values["joy"], 30.0]
        messages = await store.list_messages(conversation.id, limit=10, before_seq=None)
        assert [m.message for m in messages] == ["0 days old"]
        assert await store.prune(FUTURE) == {"sessions": 0, "emotion_samples": 0, "messages": 0}


async def test_prune_keeps_messages_forever_without_a_retention(mongo_url):
    async with fresh_store(mongo_url, soul_message_retention_days=0) as store:
        conversation = await store.conversation("jasmine", "u1", at=FUTURE)
        await store.append_message(a_message(conversation.id, "old", timestamp=T0))
        assert (await store.prune(FUTURE))["messages"] == 0
        assert len(await store.list_messages(conversation.id, limit=5, before_seq=None)) == 1


# --- concurrency and conflicts ----------------------------------------------------------------


async def test_concurrent_claims_of_one_username_have_one_winner(mongo_url):
    async with fresh_store(mongo_url) as store:
        guests = [a_user() for _ in range(8)]
        for guest in guests:
            await store.create_user(guest)
        results = await asyncio.gather(
            *(
                store.claim_user(
                    g.id, email=f"r{i}@example.org", username="Racer", password_hash="p", at=T0
                )
                for i, g in enumerate(guests)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, UsernameInUse) for r in results if isinstance(r, Exception))
        claimed = [await store.get_user(g.id) for g in guests]
        assert sum(not u.is_guest for u in claimed) == 1  # the losers are untouched guests


async def test_endless_lost_races_end_as_storage_unavailable(mongo_url, monkeypatch):
    from soul_plugins.storage_mongo import agents

    monkeypatch.setattr(agents, "MAX_ATTEMPTS", 3)
    async with fresh_store(mongo_url) as store:
        await store.ensure_agent(an_agent())
        rival: MongoClient[dict[str, object]] = MongoClient(mongo_url)
        collection = rival[store.database_name]["agents"]

        def change_while_a_rival_writes(agent: Agent) -> Agent:
            collection.update_one({"_id": agent.id}, {"$inc": {"version": 1}})
            return dataclasses.replace(agent, identity="never stored")

        try:
            with pytest.raises(StorageUnavailable, match="concurrent"):
                await store.update_agent("jasmine", change_while_a_rival_writes)
        finally:
            rival.close()
        assert (await store.get_agent("jasmine")).identity == an_agent().identity


async def test_messages_need_their_conversation(mongo_url):
    async with fresh_store(mongo_url) as store:
        with pytest.raises(NotFound):
            await store.append_message(a_message("no-such-conversation", "hello"))


# --- driver errors ----------------------------------------------------------------------------


def test_which_driver_errors_mean_unavailable():
    assert mongo_errors.is_unavailable(AutoReconnect("reset"))
    assert mongo_errors.is_unavailable(ServerSelectionTimeoutError("no primary"))
    assert mongo_errors.is_unavailable(OperationFailure("shutting down", code=91))
    assert not mongo_errors.is_unavailable(OperationFailure("bad query", code=2))
    assert not mongo_errors.is_unavailable(DuplicateKeyError("dup", code=11000))


async def test_unavailable_messages_name_no_host_or_credentials():
    @mongo_errors.translate_errors
    async def fails() -> None:
        raise ServerSelectionTimeoutError("mongodb://admin:hunter2@db.internal:27017 timed out")

    with pytest.raises(StorageUnavailable) as caught:
        await fails()
    assert str(caught.value) == "MongoDB is unreachable: ServerSelectionTimeoutError"


def test_duplicate_keys_are_told_apart_by_index():
    by_pattern = DuplicateKeyError("E11000", 11000, {"keyPattern": {"email": 1}})
    by_message = DuplicateKeyError(
        "E11000", 11000, {"errmsg": "E11000 duplicate key error index: username_unique dup key"}
    )
    assert isinstance(mongo_errors.account_conflict(by_pattern), EmailInUse)
    assert isinstance(mongo_errors.account_conflict(by_message), UsernameInUse)
    assert mongo_errors.duplicate_index(DuplicateKeyError("E11000 _id_", 11000, {})) is None


# --- outages ----------------------------------------------------------------------------------

QUICK = "directConnection=true&serverSelectionTimeoutMS=500"


async def eventually(call, seconds: float = 20):  # type: ignore[no-untyped-def]
    """``call()``'s result once it stops raising StorageUnavailable."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await call()
        except StorageUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def test_the_store_survives_a_server_outage(tmp_path):
    port = free_port()
    server = StandInServer(port, tmp_path / "data", tmp_path / "server.log")
    await asyncio.to_thread(server.start)
    store = MongoStore(settings_for(f"mongodb://127.0.0.1:{port}/?{QUICK}", "outage"))
    try:
        await store.open()
        user = a_user("survivor")
        await store.create_user(user)

        await asyncio.to_thread(server.stop)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="unreachable"):
            await store.ping()
        with pytest.raises(StorageUnavailable):
            await store.get_user(user.id)
        with pytest.raises(StorageUnavailable):
            await store.create_user(a_user())
        assert time.monotonic() - started < 5

        await asyncio.to_thread(server.start)  # same port, same data
        assert await eventually(lambda: store.get_user(user.id)) == user
        await store.ping()
        await store.create_user(a_user("after_the_outage"))
        assert await store.find_user_by_username("AFTER_the_outage") is not None
    finally:
        await store.close()
        await asyncio.to_thread(server.stop)


async def test_open_without_a_server_prepares_on_a_later_call(tmp_path):
    port = free_port()
    store = MongoStore(settings_for(f"mongodb://127.0.0.1:{port}/?{QUICK}", "late"))
    server = StandInServer(port, ":memory:", tmp_path / "server.log")
    try:
        with pytest.raises(StorageUnavailable):
            await store.open()
        with pytest.raises(StorageUnavailable):
            await store.create_user(a_user())

        await asyncio.to_thread(server.start)
        await eventually(store.ping)
        await store.create_user(a_user("first", email="first@example.org"))
        with pytest.raises(EmailInUse):  # the unique indexes exist now
            await store.create_user(a_user("second", email="FIRST@example.org"))
    finally:
        await store.close()
        await asyncio.to_thread(server.stop)


def test_every_store_method_turns_driver_errors_into_storage_unavailable():
    """A method without the translation lets a driver's timeout through as a 500."""
    from soul_framework.protocols import Store

    untranslated = [
        name
        for name, member in vars(Store).items()
        if inspect.iscoroutinefunction(member)
        and name not in {"open", "close", "ping"}  # each handles the driver its own way
        and not hasattr(getattr(MongoStore, name), "__wrapped__")
    ]
    assert untranslated == []
