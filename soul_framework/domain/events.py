"""Events the core hands to observer hooks (``reply_generated``, ``thought_generated``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReplyEvent:
    """The agent answered one user's message."""

    agent_name: str
    user_id: str
    job_id: str
    message: str
    """What the user wrote."""
    response: str | None
    """What the agent answered; None when it chose not to answer (a group message)."""
    expression: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ThoughtEvent:
    """The agent had a thought of its own."""

    agent_name: str
    thought: str
    at: datetime
