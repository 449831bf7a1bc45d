"""What the agent is to one user, and feels toward them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
    last_contact: datetime | None = None
    distilled_at: datetime | None = None
    """When reflection last drew a higher-level insight about this user (None: never)."""
    version: int = 0
