"""Memories and the thoughts the agent has on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from soul_framework.domain.scope import PUBLIC, Scope

MAX_MEMORY_TAGS = 3

Significance = Literal["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class Memory:
    """Something the agent keeps. ``user_id`` None: the agent's own, which any user may know."""

    id: str
    agent_id: str
    user_id: str | None
    event: str
    thoughts: str
    importance: int
    """1..10."""
    created_at: datetime
    last_accessed: datetime
    significance: Significance = "medium"
    emotional_impact: dict[str, float] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    recall_count: int = 0
    level: int = 0
    """0 for an observed event; 1 and up for memories distilled from others."""
    embedding: tuple[float, ...] | None = None

    @property
    def scope(self) -> Scope:
        """Whose it is: its user's, or public for the agent's own."""
        return PUBLIC if self.user_id is None else Scope.user(self.user_id)

    def __post_init__(self) -> None:
        if not 1 <= self.importance <= 10:
            raise ValueError(f"importance must be 1..10, got {self.importance}")
        if len(self.tags) > MAX_MEMORY_TAGS:
            raise ValueError(f"at most {MAX_MEMORY_TAGS} tags, got {len(self.tags)}")


@dataclass(frozen=True, slots=True)
class MemoryScope:
    """Which memories a prompt may see: about ``user_id`` and/or the agent's own.

    ``MemoryScope(user_id=None)`` is the agent's own only (thinking, anything shown to all).
    """

    user_id: str | None
    include_own: bool = True


@dataclass(frozen=True, slots=True)
class MemoryHit:
    """A memory found by text search; ``relevance`` is the backend's score, higher is better."""

    memory: Memory
    relevance: float


@dataclass(frozen=True, slots=True)
class Thought:
    id: str
    agent_id: str
    thought: str
    created_at: datetime
