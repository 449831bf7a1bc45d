"""Turning domain records into SQLite values and back.

Times are stored as fixed-width ISO-8601 text in UTC with microseconds, so they sort as text;
documents (agent, relationship) are JSON.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from soul_framework.domain.accounts import Session, User
from soul_framework.domain.agent import Agent, EmotionalState
from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.memory import Memory, Thought
from soul_framework.domain.relationship import Relationship


def to_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def user_from(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        created_at=from_text(row["created_at"]),  # type: ignore[arg-type]
        email=row["email"],
        password_hash=row["password_hash"],
        claimed_at=from_text(row["claimed_at"]),
    )


def session_from(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        refresh_hash=row["refresh_hash"],
        created_at=from_text(row["created_at"]),  # type: ignore[arg-type]
        expires_at=from_text(row["expires_at"]),  # type: ignore[arg-type]
        revoked_at=from_text(row["revoked_at"]),
        replaced_by=row["replaced_by"],
    )


def agent_document(agent: Agent) -> str:
    document = asdict(agent)
    del document["id"], document["version"]
    document["birthdate"] = to_text(agent.birthdate)
    document["emotions"]["at"] = to_text(agent.emotions.at)
    return dumps(document)


def agent_from(row: sqlite3.Row) -> Agent:
    document = json.loads(row["document"])
    emotions = document.pop("emotions")
    emotions["at"] = from_text(emotions["at"])
    return Agent(
        id=row["id"],
        version=row["version"],
        emotions=EmotionalState(**emotions),
        birthdate=from_text(document.pop("birthdate")),  # type: ignore[arg-type]
        **document,
    )


RELATIONSHIP_TIMES = ("created_at", "sentiments_at", "last_contact", "distilled_at")


def relationship_document(relationship: Relationship) -> str:
    document = asdict(relationship)
    for key in ("agent_id", "user_id", "version"):
        del document[key]
    for key in RELATIONSHIP_TIMES:
        document[key] = to_text(document[key])
    return dumps(document)


def relationship_from(row: sqlite3.Row) -> Relationship:
    document = json.loads(row["document"])
    for key in RELATIONSHIP_TIMES:
        document[key] = from_text(document.get(key))  # documents older than a field lack it
    return Relationship(
        agent_id=row["agent_id"], user_id=row["user_id"], version=row["version"], **document
    )


def conversation_from(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        agent_id=row["agent_id"],
        user_id=row["user_id"],
        created_at=from_text(row["created_at"]),  # type: ignore[arg-type]
    )


def message_values(message: Message, seq: int) -> tuple[Any, ...]:
    return (
        message.id,
        message.conversation_id,
        seq,
        message.sender_id,
        message.sender_username,
        int(message.from_agent),
        message.message,
        to_text(message.timestamp),
        message.purpose,
        message.tone,
        message.expression,
        int(message.started_by_agent),
        message.reply_to,
    )


def message_from(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        sender_id=row["sender_id"],
        sender_username=row["sender_username"],
        from_agent=bool(row["from_agent"]),
        message=row["message"],
        timestamp=from_text(row["timestamp"]),  # type: ignore[arg-type]
        purpose=row["purpose"],
        tone=row["tone"],
        expression=row["expression"],
        started_by_agent=bool(row["started_by_agent"]),
        reply_to=row["reply_to"],
        seq=row["seq"],
    )


def memory_values(memory: Memory) -> dict[str, Any]:
    return {
        "id": memory.id,
        "agent_id": memory.agent_id,
        "user_id": memory.user_id,
        "event": memory.event,
        "thoughts": memory.thoughts,
        "tags": dumps(list(memory.tags)),
        "tags_text": " ".join(memory.tags),
        "importance": memory.importance,
        "significance": memory.significance,
        "emotional_impact": dumps(memory.emotional_impact),
        "created_at": to_text(memory.created_at),
        "last_accessed": to_text(memory.last_accessed),
        "recall_count": memory.recall_count,
        "level": memory.level,
        "embedding": None if memory.embedding is None else dumps(list(memory.embedding)),
    }


def memory_from(row: sqlite3.Row) -> Memory:
    embedding = row["embedding"]
    return Memory(
        id=row["id"],
        agent_id=row["agent_id"],
        user_id=row["user_id"],
        event=row["event"],
        thoughts=row["thoughts"],
        importance=row["importance"],
        created_at=from_text(row["created_at"]),  # type: ignore[arg-type]
        last_accessed=from_text(row["last_accessed"]),  # type: ignore[arg-type]
        significance=row["significance"],
        emotional_impact=json.loads(row["emotional_impact"]),
        tags=tuple(json.loads(row["tags"])),
        recall_count=row["recall_count"],
        level=row["level"],
        embedding=None if embedding is None else tuple(json.loads(embedding)),
    )


def thought_from(row: sqlite3.Row) -> Thought:
    return Thought(
        id=row["id"],
        agent_id=row["agent_id"],
        thought=row["thought"],
        created_at=from_text(row["created_at"]),  # type: ignore[arg-type]
    )
