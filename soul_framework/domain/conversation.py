"""Conversations between the agent and one user, and their messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    agent_id: str
    user_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    """One message; ``seq`` orders a conversation (assigned by the store, grows by one)."""

    id: str
    conversation_id: str
    sender_id: str
    sender_username: str
    from_agent: bool
    message: str
    timestamp: datetime
    purpose: str = ""
    tone: str = ""
    expression: str | None = None
    started_by_agent: bool = False
    """True for messages the agent sent on its own (outreach), not as a reply."""
    reply_to: str | None = None
    """For the agent's replies: the id of the user's message it answers."""
    seq: int = 0


def message_to_json(message: Message) -> dict[str, Any]:
    """A message as plain JSON values (for events between processes)."""
    document = asdict(message)
    document["timestamp"] = message.timestamp.isoformat()
    return document


def message_from_json(document: dict[str, Any]) -> Message:
    return Message(**{**document, "timestamp": datetime.fromisoformat(document["timestamp"])})
