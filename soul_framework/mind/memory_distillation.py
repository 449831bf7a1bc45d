"""Distilling memories: when to turn many observed events into a higher-level insight, and the
memory such an insight becomes (the reflection of Generative Agents, Park et al. 2023, 4.2).

How reflection uses this module, after it has stored the new observed memories of an event:

1. Ask :func:`should_distil` for each scope the event touched: ``MemoryScope(user_id,
   include_own=False)`` for what the agent knows about that user, ``MemoryScope(None)`` for the
   agent's own. ``since`` is when that scope was last distilled (kept by the caller, with the
   relationship or the agent; the agent's birth before the first), ``threshold``
   ``Settings.soul_memory_reflection_threshold``.
2. If it says so, read the sources: ``store.recent_memories(agent_id, scope, limit=100)`` (the
   paper reflects on the 100 most recent records), or
   :func:`~soul_framework.mind.memory_retrieval.retrieve_memories` for a question the model
   asked itself about them.
3. Have the model write a few insights, each naming the memories it rests on (an LLM call of
   reflection's own, off the reply's critical path).
4. For each insight, :func:`distilled_memory` from the memories it names, then
   :func:`~soul_framework.mind.memory_retrieval.with_embedding` and ``store.add_memory``; and
   remember ``now`` as that scope's new ``since``.

Its texts keep the scopes of what they were made from (the insight, the sources' tags), so the
store guard can tell that they fit the memory's owner.

A distilled memory never mixes two users: it belongs to the one user its sources are about
(the agent's own memories may join them), or to the agent when every source is its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import MAX_MEMORY_TAGS, Memory, MemoryScope, Significance
from soul_framework.domain.scope import keep_scope

if TYPE_CHECKING:
    from soul_framework.protocols import Store


async def should_distil(
    store: Store, agent_id: str, scope: MemoryScope, *, since: datetime, threshold: int
) -> bool:
    """Whether the importance (1..10 each) of the observed (level 0) memories in ``scope``
    created at or after ``since`` adds up to ``threshold`` or more (the paper uses 150)."""
    total = await store.importance_since(agent_id, scope, since, max_level=0)
    return total >= threshold


def significance_of(importance: int) -> Significance:
    """The coarse significance of an importance of 1..10: 1-3 low, 4-6 medium, 7-10 high."""
    if importance >= 7:
        return "high"
    return "medium" if importance >= 4 else "low"


def distilled_memory(
    sources: Sequence[Memory],
    *,
    insight: str,
    importance: int,
    now: datetime,
    thoughts: str = "",
    tags: Iterable[str] = (),
    emotional_impact: Mapping[str, float] | None = None,
    memory_id: str | None = None,
) -> Memory:
    """The memory of an insight drawn from ``sources``, ready to embed and store.

    Its level is one above the highest of its sources; its owner is the one user the sources
    are about, or the agent's own when none is about a user; ``importance`` is clamped to
    1..10. ``tags`` (trimmed, lower-cased, de-duplicated) keep the first three; given none, the
    sources' most used tags are taken. Raises ValueError without sources, with sources of
    several agents, or with sources about more than one user, which would let what one user
    said reach another.
    """
    if not sources:
        raise ValueError("a distilled memory needs the memories it was drawn from")
    agents = {m.agent_id for m in sources}
    if len(agents) > 1:
        raise ValueError(f"sources belong to several agents: {sorted(agents)}")
    users = {m.user_id for m in sources if m.user_id is not None}
    if len(users) > 1:
        raise ValueError("sources are about more than one user; distil each user's apart")
    level = 1 + max(m.level for m in sources)
    importance = min(10, max(1, int(importance)))
    chosen = _clean_tags(tags) or _most_used_tags(sources)
    return Memory(
        id=memory_id or new_id(),
        agent_id=agents.pop(),
        user_id=users.pop() if users else None,
        event=keep_scope(insight, str.strip),
        thoughts=keep_scope(thoughts, str.strip),
        importance=importance,
        created_at=now,
        last_accessed=now,
        significance=significance_of(importance),
        emotional_impact=dict(emotional_impact or {}),
        tags=chosen,
        level=level,
    )


def _clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    cleaned = (keep_scope(tag, lambda t: t.strip().lower()) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))[:MAX_MEMORY_TAGS]


def _most_used_tags(sources: Sequence[Memory]) -> tuple[str, ...]:
    counts = Counter(tag for memory in sources for tag in _clean_tags(memory.tags))
    # most_common keeps first-seen order among equal counts.
    return tuple(tag for tag, _ in counts.most_common(MAX_MEMORY_TAGS))
