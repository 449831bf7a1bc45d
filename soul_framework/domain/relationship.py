"""What the agent is to one user, and feels toward them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from soul_framework.domain.scope import Scope

INTRINSIC_RELATIONSHIPS = (
    "none",
    "creator",
    "brother",
    "sister",
    "mother",
    "father",
    "son",
    "daughter",
)
EXTRINSIC_RELATIONSHIPS = (
    "stranger",
    "acquaintance",
    "friend",
    "best friend",
    "romantic partner",
    "enemy",
)


@dataclass(frozen=True, slots=True)
class Relationship:
    """One per (agent, user). Sentiments are 0..100 as they were at ``sentiments_at``."""

    agent_id: str
    user_id: str
    created_at: datetime
    intrinsic: str = "none"
    extrinsic: str = "stranger"
    sentiments: dict[str, float] = field(default_factory=dict)
    sentiments_at: datetime | None = None
    summary: str = ""
    """The agent's own short view of this user."""
    self_view: str = ""
    """How the agent sees itself with this user: learnt in this relationship, so it is this
    user's as much as the agent's and never leaves their scope (never the public identity)."""
    last_contact: datetime | None = None
    distilled_at: datetime | None = None
    """When reflection last drew a higher-level insight about this user (None: never)."""
    version: int = 0

    @property
    def scope(self) -> Scope:
        """Everything a relationship holds in words is its user's."""
        return Scope.user(self.user_id)
