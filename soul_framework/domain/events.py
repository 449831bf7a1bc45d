"""Events the core hands to observer hooks (``reply_generated``, ``thought_generated``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from soul_framework.domain.scope import PUBLIC, Scope


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

    @property
    def scope(self) -> Scope:
        """Everything in this event is its user's: pass it on only where they may read it."""
        return Scope.user(self.user_id)


@dataclass(frozen=True, slots=True)
class ThoughtEvent:
    """The agent had a thought of its own."""

    agent_name: str
    thought: str
    at: datetime

    @property
    def scope(self) -> Scope:
        """A thought is made from public state only (:mod:`soul_framework.mind.thinking`)."""
        return PUBLIC
