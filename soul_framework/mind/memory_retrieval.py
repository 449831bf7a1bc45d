"""Scored memory retrieval: the memories worth bringing into a prompt, best first.

The retrieval function of Generative Agents (Park et al. 2023, section 4.1)::

    score = w_recency * recency + w_importance * importance + w_relevance * relevance

Each component is min-max normalised to 0..1 over the candidates before weighting, so the
weights alone say how much each matters:

- **recency**: ``decay_per_hour ** hours`` since the memory was last recalled (the paper's 0.995
  per hour halves it in about six days);
- **importance**: the memory's 1..10, as ``(importance - 1) / 9``;
- **relevance**: the cosine similarity of the query's and the memory's embeddings when both have
  one (negative similarity counts as 0), else the store's lexical score (BM25 or similar) scaled
  so the best text match is 1 and a memory that does not match at all is 0.

When every candidate has the same value of a component (one candidate, or all equal), min-max
has no range to spread; the component then keeps its own 0..1 value, which changes no order and
divides by nothing.

The candidates are the store's text matches for the query plus the most recently recalled
memories (``SOUL_MEMORY_CANDIDATES`` of each), so a memory that shares no word with the query
and has not been recalled lately is not considered, even with embeddings: stores offer no vector
search yet.

Isolation: the :class:`~soul_framework.domain.memory.MemoryScope` goes to the store unchanged,
and anything a store returns outside it is dropped, so a memory of one user never reaches a
prompt built for another.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from soul_framework.domain.memory import Memory, MemoryScope
from soul_framework.domain.scope import PUBLIC, ScopedText
from soul_framework.errors import EmbeddingsUnsupported, LLMError

if TYPE_CHECKING:
    from soul_framework.config import Settings
    from soul_framework.protocols import LLMProvider, Store

logger = logging.getLogger(__name__)

RelevanceSource = Literal["embedding", "lexical"]

_FLAT = 1e-9
"""A spread of values at or below this fraction of their magnitude is no spread at all: min-max
would otherwise blow floating-point noise (equal BM25 scores computed apart) up to 0 and 1."""
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class RetrievalWeights:
    """How much recency, importance and relevance each count; any value >= 0, 0 ignores one."""

    recency: float = 0.5
    importance: float = 2.0
    relevance: float = 3.0

    def __post_init__(self) -> None:
        for name in ("recency", "importance", "relevance"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"weight {name} must be a finite number >= 0, got {value}")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalWeights:
        return cls(
            recency=settings.soul_memory_weight_recency,
            importance=settings.soul_memory_weight_importance,
            relevance=settings.soul_memory_weight_relevance,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A memory offered to scoring, with its relevance to the query on 0..1 before ranking."""

    memory: Memory
    relevance: float
    relevance_source: RelevanceSource = "lexical"


@dataclass(frozen=True, slots=True)
class ScoredMemory:
    """A retrieved memory, its score and the normalised (0..1) components that made it.

    ``memory`` is as it was read, before this retrieval counted as a recall; ``retrieved_at``
    is the moment of the retrieval (ages in :func:`render_memories` are counted from it).
    """

    memory: Memory
    score: float
    recency: float
    importance: float
    relevance: float
    relevance_source: RelevanceSource
    retrieved_at: datetime


# --- pure scoring -----------------------------------------------------------------------------


def recency(last_accessed: datetime, now: datetime, decay_per_hour: float) -> float:
    """``decay_per_hour ** hours`` since ``last_accessed``, 0..1; a future access counts as now."""
    hours = max(0.0, (now - last_accessed).total_seconds() / _SECONDS_PER_HOUR)
    return decay_per_hour**hours


def importance_scale(importance: int) -> float:
    """A memory's importance, 1..10, on 0..1."""
    return (min(10, max(1, importance)) - 1) / 9


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Cosine similarity of two vectors, -1..1; None when it is undefined (lengths differ, as
    after a change of embedding model, a zero vector, or values that are not finite)."""
    if len(a) != len(b) or not a:
        return None
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    if norm == 0 or not math.isfinite(dot) or not math.isfinite(norm):
        return None
    return max(-1.0, min(1.0, dot / norm))


def _flat(low: float, high: float) -> bool:
    return high - low <= _FLAT * max(1.0, abs(low), abs(high))


def normalise(values: Sequence[float]) -> list[float]:
    """Min-max normalise to 0..1. Values that do not spread (one value, or all equal) keep
    their own value clamped to 0..1 instead, as there is no range to divide by."""
    if not values:
        return []
    low, high = min(values), max(values)
    if _flat(low, high):
        return [min(1.0, max(0.0, v)) for v in values]
    return [(v - low) / (high - low) for v in values]


def lexical_relevance(scores: Mapping[str, float]) -> dict[str, float]:
    """Store text-search scores (memory id: score, higher is better) on 0..1: the best match 1,
    no match (absent) 0. Scores are taken from 0, or from the lowest one if it is negative."""
    if not scores:
        return {}
    low, high = min(0.0, *scores.values()), max(scores.values())
    if _flat(low, high):  # every match scored the same (zero included): each matched
        return dict.fromkeys(scores, 1.0)
    return {key: (score - low) / (high - low) for key, score in scores.items()}


def score_memories(
    candidates: Sequence[Candidate],
    *,
    now: datetime,
    weights: RetrievalWeights,
    decay_per_hour: float,
) -> list[ScoredMemory]:
    """Score every candidate and return them best first.

    Equal scores go to the memory created later, then to the smaller id, so the order is stable.
    """
    recencies = normalise(
        [recency(c.memory.last_accessed, now, decay_per_hour) for c in candidates]
    )
    importances = normalise([importance_scale(c.memory.importance) for c in candidates])
    relevances = normalise([min(1.0, max(0.0, c.relevance)) for c in candidates])
    scored = [
        ScoredMemory(
            memory=candidate.memory,
            score=weights.recency * rec + weights.importance * imp + weights.relevance * rel,
            recency=rec,
            importance=imp,
            relevance=rel,
            relevance_source=candidate.relevance_source,
            retrieved_at=now,
        )
        for candidate, rec, imp, rel in zip(
            candidates, recencies, importances, relevances, strict=True
        )
    ]
    scored.sort(key=lambda s: s.memory.id)
    scored.sort(key=lambda s: (s.score, s.memory.created_at), reverse=True)
    return scored


# --- retrieval ----------------------------------------------------------------------------------


def in_scope(memory: Memory, agent_id: str, scope: MemoryScope) -> bool:
    """Whether ``scope`` lets a prompt of ``agent_id`` see ``memory``."""
    if memory.agent_id != agent_id:
        return False
    if memory.user_id is None:
        return scope.user_id is None or scope.include_own
    return memory.user_id == scope.user_id


def memory_text(memory: Memory) -> str:
    """The text a memory is embedded from: its event, thoughts and tags, one per line."""
    parts = [memory.event, memory.thoughts, " ".join(memory.tags)]
    return "\n".join(part for part in parts if part.strip())


async def with_embedding(provider: LLMProvider | None, memory: Memory) -> Memory:
    """``memory`` with the embedding of :func:`memory_text`, to store before it is added; the
    memory unchanged when there is no provider, it has no embeddings, or embedding fails (that
    memory's relevance is then lexical)."""
    if provider is None:
        return memory
    vector = await _embed_one(provider, memory_text(memory), "a new memory")
    if vector is None:
        return memory
    return replace(memory, embedding=tuple(vector))


async def _embed_one(provider: LLMProvider, text: str, what: str) -> list[float] | None:
    """One text's vector, or None (no embeddings: quietly; a failure: one warning)."""
    try:
        vectors = await provider.embed([text])
    except EmbeddingsUnsupported:
        return None
    except LLMError as error:
        logger.warning("Embedding %s failed (%s); relevance is lexical instead.", what, error)
        return None
    except Exception:  # a provider plugin's bug must not cost the agent its memory
        logger.warning(
            "Embedding %s raised unexpectedly; relevance is lexical instead.", what, exc_info=True
        )
        return None
    if len(vectors) != 1 or not vectors[0]:
        logger.warning(
            "Embedding %s returned %d vectors for one text; relevance is lexical instead.",
            what,
            len(vectors),
        )
        return None
    return list(vectors[0])


def _unique_in_scope(
    memories: Iterable[Memory], agent_id: str, scope: MemoryScope
) -> dict[str, Memory]:
    found: dict[str, Memory] = {}
    leaked = 0
    for memory in memories:
        if not in_scope(memory, agent_id, scope):
            leaked += 1
        elif memory.id not in found:
            found[memory.id] = memory
    if leaked:
        logger.error("The store returned %d memories outside the scope asked; dropped.", leaked)
    return found


async def retrieve_memories(
    store: Store,
    provider: LLMProvider | None,
    agent_id: str,
    scope: MemoryScope,
    query: str,
    *,
    limit: int,
    now: datetime,
    settings: Settings,
) -> list[ScoredMemory]:
    """The ``limit`` best memories of ``agent_id`` in ``scope`` for ``query``, best first.

    Candidates are the store's text matches for ``query`` and its most recently recalled
    memories. Relevance is by embeddings when ``provider`` offers them (the query is embedded
    once, and only when some candidate has an embedding; candidates without one fall back to
    their lexical relevance), else lexical. If embedding fails for any other reason than the
    provider having none, relevance is lexical and one warning is logged: retrieval never fails
    because of embeddings. The memories returned count as recalled at ``now`` (recall count
    plus one, last access ``now``). ``scope`` is what keeps users apart and is never widened.
    """
    if limit <= 0:
        return []
    size = settings.soul_memory_candidates
    hits, recent = await asyncio.gather(
        store.search_memories(agent_id, scope, query, limit=size),
        store.recent_memories(agent_id, scope, limit=size),
    )
    memories = _unique_in_scope([h.memory for h in hits] + recent, agent_id, scope)
    if not memories:
        return []
    lexical = lexical_relevance({h.memory.id: h.relevance for h in hits if h.memory.id in memories})
    query_vector: list[float] | None = None
    if (
        provider is not None
        and query.strip()
        and any(m.embedding is not None for m in memories.values())
    ):
        query_vector = await _embed_one(provider, query, "the memory query")
    candidates = [_candidate(m, lexical.get(m.id, 0.0), query_vector) for m in memories.values()]
    scored = score_memories(
        candidates,
        now=now,
        weights=RetrievalWeights.from_settings(settings),
        decay_per_hour=settings.soul_memory_recency_decay_per_hour,
    )[:limit]
    await store.mark_recalled([s.memory.id for s in scored], now)
    return scored


def _candidate(memory: Memory, lexical: float, query_vector: list[float] | None) -> Candidate:
    if query_vector is not None and memory.embedding is not None:
        similarity = cosine_similarity(query_vector, memory.embedding)
        if similarity is not None:
            return Candidate(memory, max(0.0, similarity), "embedding")
    return Candidate(memory, lexical, "lexical")


# --- rendering ----------------------------------------------------------------------------------

_MIN_SHORTENED_LINE = 40
"""A line cut to fit the budget keeps at least this many characters, else it is left out."""
_ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")


def render_memories(scored: Sequence[ScoredMemory], *, max_chars: int) -> ScopedText:
    """The memories as prompt lines, best first, at most ``max_chars`` characters in all::

        - [3 days ago, importance 7] We walked by the river — they love the water

    Whitespace (newlines included) is collapsed, so a memory is always one line and its text
    cannot pose as another line of the prompt. A line that does not fit is shortened with an
    ellipsis if enough room is left, and the rest are left out. The text takes the scopes
    of the memories it shows.
    """
    lines: list[str] = []
    used = 0  # the length of "\n".join(lines)
    for item in scored:
        line = _line(item)
        separator = 1 if lines else 0
        room = max_chars - used - separator
        if len(line) <= room:
            lines.append(line)
            used += separator + len(line)
            continue
        if room >= _MIN_SHORTENED_LINE or (not lines and room > len(_ELLIPSIS)):
            lines.append(line[: room - len(_ELLIPSIS)].rstrip() + _ELLIPSIS)
        break
    scope = PUBLIC
    for item in scored[: len(lines)]:
        scope = scope | item.memory.scope
    return ScopedText("\n".join(lines), scope)


def _line(item: ScoredMemory) -> str:
    memory = item.memory
    text = _SPACES.sub(" ", memory.event).strip()
    thoughts = _SPACES.sub(" ", memory.thoughts).strip()
    if thoughts:
        text = f"{text} — {thoughts}"
    age = describe_age(item.retrieved_at - memory.created_at)
    return f"- [{age}, importance {memory.importance}] {text}".rstrip()


_AGE_UNITS = (
    ("year", 365 * 86400.0),
    ("month", 30 * 86400.0),
    ("week", 7 * 86400.0),
    ("day", 86400.0),
    ("hour", 3600.0),
    ("minute", 60.0),
)


def describe_age(age: timedelta) -> str:
    """A timedelta as people say it: "just now", "5 minutes ago", "yesterday", "3 weeks ago"."""
    seconds = max(0.0, age.total_seconds())
    for unit, length in _AGE_UNITS:
        if seconds >= length:
            count = int(seconds // length)
            if unit == "day" and count == 1:
                return "yesterday"
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"
