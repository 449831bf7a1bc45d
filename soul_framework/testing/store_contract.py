"""The contract every store plugin must pass, as a pytest class to subclass.

A store plugin's tests provide one fixture, ``store``, that yields an opened, empty store::

    from soul_framework.testing.store_contract import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        async def store(self, tmp_path):
            store = MyStore(Settings(_env_file=None, soul_data_dir=tmp_path))
            await store.open()
            yield store
            await store.close()

Every test below then runs against it. Needs pytest and pytest-asyncio (``asyncio_mode=auto``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from datetime import UTC, datetime, timedelta

import pytest

from soul_framework.domain.accounts import Session, User
from soul_framework.domain.agent import Agent, EmotionalState
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import Memory, MemoryScope, Thought
from soul_framework.domain.relationship import Relationship
from soul_framework.errors import AlreadyClaimed, EmailInUse, NotFound, UsernameInUse
from soul_framework.protocols import Store

T0 = datetime(2100, 1, 1, 12, 0, tzinfo=UTC)
"""Far in the future, so that no server's expiry monitor (TTL indexes) deletes test data."""
CONCURRENCY = 50


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_user(username: str | None = None, **values: object) -> User:
    return User(id=new_id(), username=username or f"guest_{new_id()[:12]}", created_at=T0, **values)  # type: ignore[arg-type]


def a_session(user_id: str, refresh_hash: str = "h0", **values: object) -> Session:
    fields: dict[str, object] = {
        "id": new_id(),
        "user_id": user_id,
        "refresh_hash": refresh_hash,
        "created_at": T0,
        "expires_at": at(3600),
    }
    fields.update(values)
    return Session(**fields)  # type: ignore[arg-type]


def an_agent(agent_id: str = "jasmine", **values: object) -> Agent:
    fields: dict[str, object] = {
        "id": agent_id,
        "name": agent_id.title(),
        "mode": "lite",
        "identity": "A curious companion.",
        "personality": {"myers-briggs": "ENFP", "traits": {"warmth": 85.0}},
        "emotions": EmotionalState(
            values={"joy": 10.0, "sadness": 5.0}, at=T0, baselines={"joy": 10.0, "sadness": 5.0}
        ),
        "birthdate": T0,
    }
    fields.update(values)
    return Agent(**fields)  # type: ignore[arg-type]


def a_memory(user_id: str | None, event: str, agent_id: str = "jasmine", **values: object):
    fields: dict[str, object] = {
        "id": new_id(),
        "agent_id": agent_id,
        "user_id": user_id,
        "event": event,
        "thoughts": "",
        "importance": 5,
        "created_at": T0,
        "last_accessed": T0,
    }
    fields.update(values)
    return Memory(**fields)  # type: ignore[arg-type]


def a_message(conversation_id: str, text: str, seconds: float = 0, **values: object) -> Message:
    fields: dict[str, object] = {
        "id": new_id(),
        "conversation_id": conversation_id,
        "sender_id": "u",
        "sender_username": "someone",
        "from_agent": False,
        "message": text,
        "timestamp": at(seconds),
    }
    fields.update(values)
    return Message(**fields)  # type: ignore[arg-type]


def add_joy(amount: float):
    def change(agent: Agent) -> Agent:
        values = dict(agent.emotions.values)
        values["joy"] = values.get("joy", 0.0) + amount
        return dataclasses.replace(
            agent, emotions=dataclasses.replace(agent.emotions, values=values)
        )

    return change


class StoreContract:
    """Subclass and provide a ``store`` fixture (an opened, empty store)."""

    @pytest.fixture
    async def store(self) -> Store:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("a StoreContract subclass must provide a 'store' fixture")

    # --- accounts -----------------------------------------------------------------------------

    async def test_users_round_trip(self, store):
        guest = a_user("guest_abc")
        await store.create_user(guest)
        assert await store.get_user(guest.id) == guest
        assert (await store.get_user(guest.id)).is_guest
        assert await store.get_user("nobody") is None

    async def test_users_are_found_by_email_and_username_case_insensitively(self, store):
        user = a_user("Rose_01", email="rose@example.org", password_hash="x", claimed_at=T0)
        await store.create_user(user)
        assert await store.find_user_by_email("ROSE@example.org") == user
        assert await store.find_user_by_username("rose_01") == user
        assert await store.find_user_by_email("other@example.org") is None
        assert await store.find_user_by_username("other") is None

    async def test_email_and_username_are_unique(self, store):
        await store.create_user(a_user("taken", email="taken@example.org", password_hash="x"))
        with pytest.raises(EmailInUse):
            await store.create_user(a_user("fresh", email="Taken@Example.org", password_hash="x"))
        with pytest.raises(UsernameInUse):
            await store.create_user(a_user("TAKEN"))
        # Any number of guests have no email at all.
        for _ in range(3):
            await store.create_user(a_user())

    async def test_claim_turns_a_guest_into_an_account_in_place(self, store):
        guest = a_user()
        await store.create_user(guest)
        claimed = await store.claim_user(
            guest.id, email="New@Example.org", username="newname", password_hash="ph", at=at(5)
        )
        assert claimed.id == guest.id
        assert (claimed.email, claimed.username, claimed.password_hash) == (
            "new@example.org",
            "newname",
            "ph",
        )
        assert claimed.claimed_at == at(5)
        assert not claimed.is_guest
        assert await store.get_user(guest.id) == claimed
        with pytest.raises(AlreadyClaimed):
            await store.claim_user(
                guest.id, email="x@example.org", username="x_name", password_hash="p", at=at(6)
            )

    async def test_claim_refuses_taken_email_or_username_and_unknown_users(self, store):
        await store.create_user(a_user("owner", email="owner@example.org", password_hash="x"))
        guest = a_user()
        await store.create_user(guest)
        with pytest.raises(EmailInUse):
            await store.claim_user(
                guest.id, email="owner@example.org", username="free", password_hash="p", at=T0
            )
        with pytest.raises(UsernameInUse):
            await store.claim_user(
                guest.id, email="free@example.org", username="Owner", password_hash="p", at=T0
            )
        assert (await store.get_user(guest.id)).is_guest  # nothing half-applied
        with pytest.raises(NotFound):
            await store.claim_user(
                "nobody", email="n@example.org", username="nobody1", password_hash="p", at=T0
            )

    async def test_concurrent_claims_of_one_email_have_one_winner(self, store):
        guests = [a_user() for _ in range(8)]
        for guest in guests:
            await store.create_user(guest)
        results = await asyncio.gather(
            *(
                store.claim_user(
                    g.id, email="race@example.org", username=f"racer{i}", password_hash="p", at=T0
                )
                for i, g in enumerate(guests)
            ),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, User)]
        assert len(winners) == 1
        assert all(isinstance(r, EmailInUse) for r in results if not isinstance(r, User))

    # --- sessions -----------------------------------------------------------------------------

    async def test_sessions_round_trip_and_revoke(self, store):
        session = a_session("u1")
        await store.create_session(session)
        assert await store.get_session(session.id) == session
        assert await store.revoke_session(session.id, at(1))
        assert not await store.revoke_session(session.id, at(2))
        assert (await store.get_session(session.id)).revoked_at == at(1)
        assert not await store.revoke_session("nobody", at(1))

    async def test_rotation_replaces_the_session_once(self, store):
        old = a_session("u1", refresh_hash="first")
        await store.create_session(old)
        new = a_session("u1", refresh_hash="second")
        assert not await store.rotate_session(old.id, "wrong", new, at(1))
        assert await store.get_session(new.id) is None
        assert await store.rotate_session(old.id, "first", new, at(1))
        stored_old = await store.get_session(old.id)
        assert stored_old.revoked_at == at(1)
        assert stored_old.replaced_by == new.id
        assert await store.get_session(new.id) == new
        # A replay of the old token is refused (the caller then revokes the family).
        assert not await store.rotate_session(old.id, "first", a_session("u1"), at(2))

    async def test_expired_sessions_do_not_rotate(self, store):
        old = a_session("u1", expires_at=at(10))
        await store.create_session(old)
        assert not await store.rotate_session(old.id, "h0", a_session("u1"), at(11))

    async def test_concurrent_rotations_have_one_winner(self, store):
        old = a_session("u1")
        await store.create_session(old)
        successors = [a_session("u1") for _ in range(10)]
        results = await asyncio.gather(
            *(store.rotate_session(old.id, "h0", s, at(1)) for s in successors)
        )
        assert results.count(True) == 1
        stored = [await store.get_session(s.id) for s in successors]
        assert len([s for s in stored if s is not None]) == 1

    async def test_revoke_user_sessions_revokes_only_that_users_active_ones(self, store):
        mine = [a_session("u1") for _ in range(3)]
        theirs = a_session("u2")
        expired = a_session("u1", expires_at=at(1))
        for session in [*mine, theirs, expired]:
            await store.create_session(session)
        await store.revoke_session(mine[0].id, at(1))
        revoked = await store.revoke_user_sessions("u1", at(2))
        assert sorted(revoked) == sorted(s.id for s in mine[1:])
        assert all([(await store.get_session(s.id)).revoked_at for s in mine])
        assert (await store.get_session(theirs.id)).revoked_at is None

    # --- agents -------------------------------------------------------------------------------

    async def test_a_new_agents_history_starts_with_its_first_state(self, store):
        agent = an_agent()
        await store.ensure_agent(agent)
        await store.ensure_agent(an_agent(identity="Someone else."))
        [first] = await store.emotion_history("jasmine", since=None, limit=10)
        assert (first.at, first.values) == (agent.emotions.at, agent.emotions.values)

    async def test_ensure_agent_stores_once_and_keeps_what_is_stored(self, store):
        agent = an_agent()
        assert await store.ensure_agent(agent) == agent
        changed = await store.update_agent("jasmine", add_joy(5))
        again = await store.ensure_agent(an_agent(identity="Someone else."))
        assert again == changed
        assert [a.id for a in await store.list_agents()] == ["jasmine"]
        assert await store.get_agent("nobody") is None

    async def test_update_agent_persists_and_counts_versions(self, store):
        await store.ensure_agent(an_agent())
        updated = await store.update_agent(
            "jasmine", lambda a: dataclasses.replace(a, identity="Grown.", idle_expression="happy")
        )
        assert updated.version == 1
        assert updated.identity == "Grown."
        assert await store.get_agent("jasmine") == updated
        with pytest.raises(NotFound):
            await store.update_agent("nobody", add_joy(1))

    async def test_agent_documents_round_trip_exactly(self, store):
        agent = an_agent(
            personality={"traits": {"warmth": 85.5}, "pinned": ["warmth"], "nested": {"a": [1]}},
            emotions=EmotionalState(
                values={"joy": 12.345678901, "love": 0.001},
                at=at(3),
                baselines={"joy": 10.0},
                mood={"pleasure": -0.25, "arousal": 0.5, "dominance": 0.0},
                reason="a kind word \u2764",
            ),
        )
        await store.ensure_agent(agent)
        assert await store.get_agent("jasmine") == agent

    async def test_concurrent_emotion_deltas_lose_nothing(self, store):
        await store.ensure_agent(an_agent())
        await asyncio.gather(
            *(store.update_agent("jasmine", add_joy(1.0)) for _ in range(CONCURRENCY))
        )
        agent = await store.get_agent("jasmine")
        assert agent.emotions.values["joy"] == pytest.approx(10.0 + CONCURRENCY)
        assert agent.version == CONCURRENCY

    async def test_concurrent_changes_to_different_parts_both_stay(self, store):
        await store.ensure_agent(an_agent())
        await asyncio.gather(
            store.update_agent("jasmine", add_joy(3)),
            store.update_agent("jasmine", lambda a: dataclasses.replace(a, identity="New.")),
            store.update_agent("jasmine", lambda a: dataclasses.replace(a, idle_expression="sly")),
        )
        agent = await store.get_agent("jasmine")
        assert (agent.emotions.values["joy"], agent.identity, agent.idle_expression) == (
            13.0,
            "New.",
            "sly",
        )

    async def test_emotion_history_records_changes_of_values(self, store):
        await store.ensure_agent(an_agent())

        def set_joy(value: float, seconds: float):
            def change(agent: Agent) -> Agent:
                emotions = dataclasses.replace(
                    agent.emotions, values={**agent.emotions.values, "joy": value}, at=at(seconds)
                )
                return dataclasses.replace(agent, emotions=emotions)

            return change

        for i in range(1, 6):
            await store.update_agent("jasmine", set_joy(10.0 + i, i * 60))
        await store.update_agent("jasmine", lambda a: dataclasses.replace(a, identity="x"))
        history = await store.emotion_history("jasmine", since=None, limit=100)
        # The first sample is the agent's state when it was stored (joy 10 at T0).
        assert [s.values["joy"] for s in history] == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
        assert [s.at for s in history] == [at(i * 60) for i in range(6)]
        latest = await store.emotion_history("jasmine", since=None, limit=2)
        assert [s.values["joy"] for s in latest] == [14.0, 15.0]
        since = await store.emotion_history("jasmine", since=at(180), limit=100)
        assert [s.values["joy"] for s in since] == [13.0, 14.0, 15.0]
        assert await store.emotion_history("other", since=None, limit=10) == []

    # --- relationships ------------------------------------------------------------------------

    async def test_relationship_starts_fresh_and_is_changed_atomically(self, store):
        assert await store.get_relationship("jasmine", "u1") is None

        def bump(rel):
            trust = rel.sentiments.get("trust", 0.0) + 1.0
            return dataclasses.replace(
                rel, sentiments={**rel.sentiments, "trust": trust}, last_contact=at(9)
            )

        await asyncio.gather(
            *(store.update_relationship("jasmine", "u1", bump, at=T0) for _ in range(CONCURRENCY))
        )
        rel = await store.get_relationship("jasmine", "u1")
        assert rel.sentiments["trust"] == pytest.approx(CONCURRENCY)
        assert (rel.intrinsic, rel.extrinsic, rel.created_at) == ("none", "stranger", T0)
        assert rel.version == CONCURRENCY
        assert await store.get_relationship("jasmine", "u2") is None

    async def test_every_relationship_field_survives_a_round_trip(self, store):
        def fill(rel):
            return dataclasses.replace(
                rel,
                intrinsic="creator",
                extrinsic="best friend",
                sentiments={"trust": 71.25, "curiosity": 20.5},
                sentiments_at=at(3),
                summary="Likes storms.",
                self_view="Braver when we talk.",
                last_contact=at(4),
                distilled_at=at(5),
            )

        await store.update_relationship("jasmine", "u1", fill, at=T0)
        rel = await store.get_relationship("jasmine", "u1")
        assert rel == fill(Relationship("jasmine", "u1", created_at=T0, version=1))

    async def test_recent_relationships_by_last_contact(self, store):
        for user, seconds in (("u1", 10), ("u2", 30), ("u3", 20), ("u4", None)):
            contact = at(seconds) if seconds is not None else None
            await store.update_relationship(
                "jasmine", user, lambda r, c=contact: dataclasses.replace(r, last_contact=c), at=T0
            )
        await store.update_relationship(
            "other", "u5", lambda r: dataclasses.replace(r, last_contact=at(40)), at=T0
        )
        recent = await store.recent_relationships("jasmine", since=at(15), limit=10)
        assert [r.user_id for r in recent] == ["u2", "u3"]
        assert [
            r.user_id for r in await store.recent_relationships("jasmine", since=T0, limit=1)
        ] == ["u2"]

    # --- conversations ------------------------------------------------------------------------

    async def test_one_conversation_per_agent_and_user(self, store):
        results = await asyncio.gather(
            *(store.conversation("jasmine", "u1", at=T0) for _ in range(10))
        )
        assert len({c.id for c in results}) == 1
        other = await store.conversation("jasmine", "u2", at=T0)
        assert other.id != results[0].id
        assert (results[0].agent_id, results[0].user_id) == ("jasmine", "u1")

    async def test_messages_get_consecutive_seqs_even_concurrently(self, store):
        conversation = await store.conversation("jasmine", "u1", at=T0)
        stored = await asyncio.gather(
            *(store.append_message(a_message(conversation.id, f"m{i}", i)) for i in range(20))
        )
        assert sorted(m.seq for m in stored) == list(range(1, 21))
        page = await store.list_messages(conversation.id, limit=100, before_seq=None)
        assert [m.seq for m in page] == list(range(1, 21))

    async def test_messages_are_read_in_pages_oldest_first(self, store):
        conversation = await store.conversation("jasmine", "u1", at=T0)
        for i in range(10):
            await store.append_message(
                a_message(
                    conversation.id,
                    f"m{i}",
                    i,
                    from_agent=i % 2 == 1,
                    expression="happy",
                    purpose="greet",
                    tone="warm",
                )
            )
        latest = await store.list_messages(conversation.id, limit=4, before_seq=None)
        assert [m.message for m in latest] == ["m6", "m7", "m8", "m9"]
        older = await store.list_messages(conversation.id, limit=4, before_seq=latest[0].seq)
        assert [m.message for m in older] == ["m2", "m3", "m4", "m5"]
        oldest = await store.list_messages(conversation.id, limit=4, before_seq=older[0].seq)
        assert [m.message for m in oldest] == ["m0", "m1"]
        assert latest[1].from_agent
        assert latest[1].expression == "happy"
        assert (latest[1].purpose, latest[1].tone) == ("greet", "warm")
        assert latest[1].timestamp == at(7)

    async def test_replies_remember_what_they_answer(self, store):
        conversation = await store.conversation("jasmine", "u1", at=T0)
        asked = await store.append_message(a_message(conversation.id, "question"))
        await store.append_message(
            a_message(conversation.id, "answer", 1, from_agent=True, reply_to=asked.id)
        )
        page = await store.list_messages(conversation.id, limit=10, before_seq=None)
        assert [(m.message, m.reply_to) for m in page] == [
            ("question", None),
            ("answer", asked.id),
        ]

    async def test_a_message_is_annotated_with_how_it_was_read(self, store):
        conversation = await store.conversation("jasmine", "u1", at=T0)
        stored = await store.append_message(a_message(conversation.id, "guess what"))
        annotate = functools.partial(store.annotate_message, conversation_id=conversation.id)
        assert await annotate(stored.id, purpose="share news", tone="excited")
        assert not await annotate("no-such-message", purpose="x", tone="y")
        other = await store.conversation("jasmine", "u2", at=T0)
        # A message is annotated only within its own conversation.
        assert not await store.annotate_message(
            stored.id, conversation_id=other.id, purpose="x", tone="y"
        )
        [read] = await store.list_messages(conversation.id, limit=10, before_seq=None)
        assert (read.purpose, read.tone, read.message, read.seq) == (
            "share news",
            "excited",
            "guess what",
            stored.seq,
        )

    async def test_a_conversation_is_found_by_its_id(self, store):
        made = await store.conversation("jasmine", "u1", at=T0)
        assert await store.get_conversation(made.id) == made
        assert await store.get_conversation("no-such-conversation") is None

    async def test_messages_need_their_conversation(self, store):
        with pytest.raises(NotFound):
            await store.append_message(a_message("no-such-conversation", "lost"))

    async def test_conversations_do_not_mix(self, store):
        mine = await store.conversation("jasmine", "u1", at=T0)
        theirs = await store.conversation("jasmine", "u2", at=T0)
        await store.append_message(a_message(mine.id, "mine"))
        await store.append_message(a_message(theirs.id, "theirs"))
        assert [
            m.message for m in await store.list_messages(mine.id, limit=10, before_seq=None)
        ] == ["mine"]

    async def test_last_agent_initiated(self, store):
        conversation = await store.conversation("jasmine", "u1", at=T0)
        assert await store.last_agent_initiated(conversation.id) is None
        await store.append_message(a_message(conversation.id, "hi", 5, from_agent=True))
        await store.append_message(
            a_message(
                conversation.id, "thinking of you", 50, from_agent=True, started_by_agent=True
            )
        )
        await store.append_message(a_message(conversation.id, "reply", 60, from_agent=True))
        assert await store.last_agent_initiated(conversation.id) == at(50)

    # --- memories -----------------------------------------------------------------------------

    async def test_memory_search_finds_matching_text_best_first(self, store):
        await store.add_memory(
            a_memory("u1", "We talked about the garden and roses", thoughts="roses make them happy")
        )
        await store.add_memory(a_memory("u1", "They said the garden needs water"))
        await store.add_memory(a_memory("u1", "A long talk about trains"))
        hits = await store.search_memories("jasmine", MemoryScope("u1"), "garden roses", limit=10)
        assert [h.memory.event for h in hits][:2] == [
            "We talked about the garden and roses",
            "They said the garden needs water",
        ]
        assert "A long talk about trains" not in [h.memory.event for h in hits]
        assert hits[0].relevance >= hits[1].relevance
        assert await store.search_memories("jasmine", MemoryScope("u1"), "volcano", limit=10) == []

    async def test_memory_search_matches_tags(self, store):
        await store.add_memory(a_memory("u1", "Something happened", tags=("music", "jazz")))
        hits = await store.search_memories("jasmine", MemoryScope("u1"), "jazz", limit=5)
        assert [h.memory.tags for h in hits] == [("music", "jazz")]

    async def test_memory_search_respects_scope(self, store):
        await store.add_memory(a_memory("u1", "secret canary about u1"))
        await store.add_memory(a_memory("u2", "secret canary about u2"))
        await store.add_memory(a_memory(None, "secret canary of my own"))
        await store.add_memory(a_memory("u1", "secret canary other agent", agent_id="other"))

        async def events(scope: MemoryScope) -> set[str]:
            hits = await store.search_memories("jasmine", scope, "secret canary", limit=10)
            return {h.memory.event for h in hits}

        assert await events(MemoryScope("u1")) == {
            "secret canary about u1",
            "secret canary of my own",
        }
        assert await events(MemoryScope("u1", include_own=False)) == {"secret canary about u1"}
        assert await events(MemoryScope(None)) == {"secret canary of my own"}
        recent = await store.recent_memories("jasmine", MemoryScope("u2"), limit=10)
        assert {m.event for m in recent} == {"secret canary about u2", "secret canary of my own"}

    @pytest.mark.parametrize(
        "query", ['"unbalanced', "a OR (b AND", "col:umn", "*", "NEAR(x y)", "'; DROP TABLE", ""]
    )
    async def test_memory_search_accepts_any_text(self, store, query):
        await store.add_memory(a_memory("u1", "plain words"))
        hits = await store.search_memories("jasmine", MemoryScope("u1"), query, limit=5)
        assert isinstance(hits, list)

    async def test_memory_search_is_limited(self, store):
        for i in range(15):
            await store.add_memory(a_memory("u1", f"apple number {i}"))
        hits = await store.search_memories("jasmine", MemoryScope("u1"), "apple", limit=10)
        assert len(hits) == 10

    async def test_memories_round_trip(self, store):
        memory = a_memory(
            "u1",
            "Caf\u00e9 au lait \u2615",
            thoughts="warm",
            importance=9,
            significance="high",
            emotional_impact={"joy": 12.5},
            tags=("coffee", "morning"),
            level=1,
            embedding=(0.25, -0.5, 1.0),
        )
        await store.add_memory(memory)
        [found] = await store.recent_memories("jasmine", MemoryScope("u1"), limit=5)
        assert found == memory

    async def test_recent_memories_by_last_access(self, store):
        first, second, third = (a_memory("u1", f"m{i}", last_accessed=at(i)) for i in range(3))
        for memory in (first, second, third):
            await store.add_memory(memory)
        await store.mark_recalled([first.id], at(100))
        recent = await store.recent_memories("jasmine", MemoryScope("u1"), limit=2)
        assert [m.event for m in recent] == ["m0", "m2"]
        assert recent[0].recall_count == 1
        assert recent[0].last_accessed == at(100)

    async def test_concurrent_recalls_count_every_one(self, store):
        memory = a_memory("u1", "remembered often")
        await store.add_memory(memory)
        await asyncio.gather(*(store.mark_recalled([memory.id], at(i)) for i in range(CONCURRENCY)))
        [found] = await store.recent_memories("jasmine", MemoryScope("u1"), limit=1)
        assert found.recall_count == CONCURRENCY

    async def test_importance_since(self, store):
        await store.add_memory(a_memory("u1", "old", importance=9, created_at=at(-10)))
        await store.add_memory(a_memory("u1", "new", importance=4, created_at=at(10)))
        await store.add_memory(a_memory(None, "own", importance=3, created_at=at(20)))
        await store.add_memory(
            a_memory("u1", "distilled", importance=8, created_at=at(30), level=1)
        )
        await store.add_memory(a_memory("u2", "theirs", importance=7, created_at=at(30)))
        total = await store.importance_since("jasmine", MemoryScope("u1"), T0, max_level=0)
        assert total == 7
        assert await store.importance_since("jasmine", MemoryScope("u1"), T0, max_level=1) == 15

    async def test_memory_tags_most_used_first_within_scope(self, store):
        await store.add_memory(a_memory(None, "a", tags=("music", "rain")))
        await store.add_memory(a_memory(None, "b", tags=("music",)))
        await store.add_memory(a_memory("u1", "c", tags=("private",)))
        assert await store.memory_tags("jasmine", MemoryScope(None), limit=10) == ["music", "rain"]
        assert await store.memory_tags("jasmine", MemoryScope(None), limit=1) == ["music"]

    # --- thoughts -----------------------------------------------------------------------------

    async def test_latest_thought(self, store):
        assert await store.latest_thought("jasmine") is None
        for i in range(3):
            await store.add_thought(Thought(new_id(), "jasmine", f"thought {i}", at(i)))
        await store.add_thought(Thought(new_id(), "other", "not mine", at(10)))
        latest = await store.latest_thought("jasmine")
        assert latest.thought == "thought 2"
        assert latest.created_at == at(2)

    # --- retention ----------------------------------------------------------------------------

    async def test_prune_removes_expired_sessions(self, store):
        expired = a_session("u1", expires_at=at(10))
        live = a_session("u1", expires_at=at(10_000))
        await store.create_session(expired)
        await store.create_session(live)
        report = await store.prune(at(100))
        assert report.get("sessions", 0) >= 1
        assert await store.get_session(expired.id) is None
        assert await store.get_session(live.id) == live
