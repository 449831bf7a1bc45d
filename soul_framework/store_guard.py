"""The store as the service uses it: every text written must carry a scope that fits its field.

:class:`ScopedStore` wraps the selected store plugin. It is where the isolation rule of
:mod:`soul_framework.domain.scope` meets persistence, so it holds whatever the plugin is:

- **public fields** take public text only: the agent's identity, the reason of its feelings,
  its idle expression, its thoughts, its own memories (``user_id`` None) and their tags;
- **a user's fields** take text of that user's scope (or public text): their conversation's
  messages and how each was read, their relationship's summary and the agent's self-view with
  them, memories about them;
- a text that carries no scope at all (a plain ``str``: somebody lost track of where it came
  from) is refused like a misplaced one, so a mistake fails closed. Empty text holds nothing
  and is always accepted, and so is a field a change leaves as it was.

A refused write raises :class:`~soul_framework.domain.scope.ScopeViolation` and stores nothing.

Reads give texts back with the scope their field implies (a message carries its conversation
owner's scope, a memory its user's or none, the identity none), so a prompt built from them
knows whose words it holds. Everything else (accounts, sessions, ``ping``, ``prune``) passes
straight through to the plugin.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope, Thought
from soul_framework.domain.relationship import Relationship
from soul_framework.domain.scope import PUBLIC, Scope, ScopedText, require_within
from soul_framework.mind.drift import LEDGER_KEY
from soul_framework.protocols import Store

OWNERS_CACHED = 4096
"""Conversation owners kept per process (a conversation's owner never changes)."""


class ScopedStore:
    """A :class:`~soul_framework.protocols.Store` that enforces scopes (module docstring)."""

    def __init__(self, store: Store) -> None:
        self.plugin = store
        """The store plugin underneath, for its own tests and tools (nothing is checked)."""
        self._owners: OrderedDict[str, str] = OrderedDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plugin, name)

    # --- agents ---------------------------------------------------------------------------

    async def ensure_agent(self, agent: Agent) -> Agent:
        _check_agent(None, agent)
        return _agent_read(await self.plugin.ensure_agent(_agent_plain(agent)))

    async def get_agent(self, agent_id: str) -> Agent | None:
        found = await self.plugin.get_agent(agent_id)
        return _agent_read(found) if found is not None else None

    async def list_agents(self) -> list[Agent]:
        return [_agent_read(a) for a in await self.plugin.list_agents()]

    async def update_agent(self, agent_id: str, change: Callable[[Agent], Agent]) -> Agent:
        def checked(current: Agent) -> Agent:
            before = _agent_read(current)
            after = change(before)
            _check_agent(before, after)
            return _agent_plain(after)

        return _agent_read(await self.plugin.update_agent(agent_id, checked))

    # --- relationships --------------------------------------------------------------------

    async def get_relationship(self, agent_id: str, user_id: str) -> Relationship | None:
        found = await self.plugin.get_relationship(agent_id, user_id)
        return _relationship_read(found) if found is not None else None

    async def update_relationship(
        self,
        agent_id: str,
        user_id: str,
        change: Callable[[Relationship], Relationship],
        *,
        at: datetime,
    ) -> Relationship:
        audience = Scope.user(user_id)

        def checked(current: Relationship) -> Relationship:
            before = _relationship_read(current)
            after = change(before)
            if (after.agent_id, after.user_id) != (current.agent_id, current.user_id):
                raise ValueError("a change may not move a relationship to another agent or user")
            for name in ("summary", "self_view"):
                _check_field(getattr(before, name), getattr(after, name), audience, name)
            return _relationship_plain(after)

        updated = await self.plugin.update_relationship(agent_id, user_id, checked, at=at)
        return _relationship_read(updated)

    async def recent_relationships(
        self, agent_id: str, *, since: datetime, limit: int
    ) -> list[Relationship]:
        found = await self.plugin.recent_relationships(agent_id, since=since, limit=limit)
        return [_relationship_read(r) for r in found]

    # --- conversations --------------------------------------------------------------------

    async def conversation(self, agent_id: str, user_id: str, *, at: datetime) -> Conversation:
        found = await self.plugin.conversation(agent_id, user_id, at=at)
        self._remember_owner(found)
        return found

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        found = await self.plugin.get_conversation(conversation_id)
        if found is not None:
            self._remember_owner(found)
        return found

    async def append_message(self, message: Message) -> Message:
        audience = await self._audience_of(message.conversation_id)
        if audience is None:  # no such conversation: the plugin says so in its own words
            return await self.plugin.append_message(_message_plain(message))
        for name in ("message", "purpose", "tone"):
            _check_text(getattr(message, name), audience, f"a message's {name}")
        stored = await self.plugin.append_message(_message_plain(message))
        return _message_read(stored, audience)

    async def list_messages(
        self, conversation_id: str, *, limit: int, before_seq: int | None
    ) -> list[Message]:
        found = await self.plugin.list_messages(conversation_id, limit=limit, before_seq=before_seq)
        if not found:
            return found
        audience = await self._audience_of(conversation_id)
        if audience is None:  # pragma: no cover - messages without their conversation
            raise LookupError(f"messages of an unknown conversation {conversation_id!r}")
        return [_message_read(m, audience) for m in found]

    async def annotate_message(
        self, message_id: str, *, conversation_id: str, purpose: str, tone: str
    ) -> bool:
        audience = await self._audience_of(conversation_id)
        if audience is None:
            return False
        _check_text(purpose, audience, "a message's purpose")
        _check_text(tone, audience, "a message's tone")
        return await self.plugin.annotate_message(
            message_id, conversation_id=conversation_id, purpose=str(purpose), tone=str(tone)
        )

    async def _audience_of(self, conversation_id: str) -> Scope | None:
        owner = self._owners.get(conversation_id)
        if owner is None:
            found = await self.get_conversation(conversation_id)
            if found is None:
                return None
            owner = found.user_id
        return Scope.user(owner)

    def _remember_owner(self, conversation: Conversation) -> None:
        self._owners[conversation.id] = conversation.user_id
        self._owners.move_to_end(conversation.id)
        while len(self._owners) > OWNERS_CACHED:
            self._owners.popitem(last=False)

    # --- memories and thoughts ------------------------------------------------------------

    async def add_memory(self, memory: Memory) -> None:
        audience = memory.scope
        what = "the agent's own memory" if audience.is_public else "a memory about a user"
        _check_text(memory.event, audience, f"{what} (event)")
        _check_text(memory.thoughts, audience, f"{what} (thoughts)")
        for tag in memory.tags:
            _check_text(tag, audience, f"{what} (tags)")
        await self.plugin.add_memory(_memory_plain(memory))

    async def search_memories(
        self, agent_id: str, scope: MemoryScope, query: str, *, limit: int
    ) -> list[MemoryHit]:
        hits = await self.plugin.search_memories(agent_id, scope, query, limit=limit)
        return [MemoryHit(_memory_read(h.memory), h.relevance) for h in hits]

    async def recent_memories(
        self, agent_id: str, scope: MemoryScope, *, limit: int
    ) -> list[Memory]:
        return [
            _memory_read(m) for m in await self.plugin.recent_memories(agent_id, scope, limit=limit)
        ]

    async def memory_tags(self, agent_id: str, scope: MemoryScope, *, limit: int) -> list[str]:
        tags = await self.plugin.memory_tags(agent_id, scope, limit=limit)
        audience = PUBLIC if scope.user_id is None else Scope.user(scope.user_id)
        return [ScopedText(t, audience) for t in tags]

    async def add_thought(self, thought: Thought) -> None:
        _check_text(thought.thought, PUBLIC, "a thought")
        await self.plugin.add_thought(replace(thought, thought=str(thought.thought)))

    async def latest_thought(self, agent_id: str) -> Thought | None:
        found = await self.plugin.latest_thought(agent_id)
        return replace(found, thought=ScopedText(found.thought, PUBLIC)) if found else None


def _check_text(text: str, audience: Scope, field: str) -> None:
    if text != "":  # an empty text holds nothing of anyone
        require_within(text, audience, field=field)


def _check_field(before: str, after: str, audience: Scope, field: str) -> None:
    if after != before:
        _check_text(after, audience, field)


def _check_agent(before: Agent | None, after: Agent) -> None:
    """The agent is public: everything it says in words is shown to every user."""
    _check_field(before.identity if before else "", after.identity, PUBLIC, "the identity")
    _check_field(
        before.emotions.reason if before else "", after.emotions.reason, PUBLIC, "the reason"
    )
    _check_field(
        before.idle_expression if before else "",
        after.idle_expression,
        PUBLIC,
        "the idle expression",
    )
    if before is None:
        return  # a newborn's personality document is the persona's, made by its schema
    # The personality document's words (its description, its type) are shown too; drift
    # changes its numbers, never its words, so a changed text must be public as well.
    earlier = dict(_texts_in(before.personality))
    for path, text in _texts_in(after.personality):
        if path.split(".", 1)[0] == LEDGER_KEY:
            continue  # drift's own bookkeeping: points, and the UTC day they count for
        _check_field(earlier.get(path, ""), text, PUBLIC, f"the personality's {path}")


def _texts_in(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON-like document, with where it is (``traits.warmth.description``)."""
    if isinstance(document, str):
        yield path, document
    elif isinstance(document, Mapping):
        for key, value in document.items():
            yield from _texts_in(value, f"{path}.{key}" if path else str(key))
    elif isinstance(document, list | tuple):
        for index, value in enumerate(document):
            yield from _texts_in(value, f"{path}[{index}]")


def _agent_read(agent: Agent) -> Agent:
    return replace(
        agent,
        identity=ScopedText(agent.identity, PUBLIC),
        idle_expression=ScopedText(agent.idle_expression, PUBLIC),
        emotions=replace(agent.emotions, reason=ScopedText(agent.emotions.reason, PUBLIC)),
    )


def _agent_plain(agent: Agent) -> Agent:
    return replace(
        agent,
        identity=str(agent.identity),
        idle_expression=str(agent.idle_expression),
        emotions=replace(agent.emotions, reason=str(agent.emotions.reason)),
    )


def _relationship_read(relationship: Relationship) -> Relationship:
    audience = relationship.scope
    return replace(
        relationship,
        summary=ScopedText(relationship.summary, audience),
        self_view=ScopedText(relationship.self_view, audience),
    )


def _relationship_plain(relationship: Relationship) -> Relationship:
    return replace(
        relationship, summary=str(relationship.summary), self_view=str(relationship.self_view)
    )


def _message_read(message: Message, audience: Scope) -> Message:
    return replace(
        message,
        message=ScopedText(message.message, audience),
        purpose=ScopedText(message.purpose, audience),
        tone=ScopedText(message.tone, audience),
    )


def _message_plain(message: Message) -> Message:
    return replace(
        message, message=str(message.message), purpose=str(message.purpose), tone=str(message.tone)
    )


def _memory_read(memory: Memory) -> Memory:
    audience = memory.scope
    return replace(
        memory,
        event=ScopedText(memory.event, audience),
        thoughts=ScopedText(memory.thoughts, audience),
        tags=tuple(ScopedText(t, audience) for t in memory.tags),
    )


def _memory_plain(memory: Memory) -> Memory:
    return replace(
        memory,
        event=str(memory.event),
        thoughts=str(memory.thoughts),
        tags=tuple(str(t) for t in memory.tags),
    )


def scoped_store(store: Store) -> Store:
    """``store`` guarded (once: a guarded store is given back as it is)."""
    return store if isinstance(store, ScopedStore) else ScopedStore(store)  # type: ignore[return-value]
