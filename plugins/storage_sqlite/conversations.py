"""Conversations, messages and thoughts in SQLite."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import Thought
from soul_framework.errors import NotFound
from soul_plugins.storage_sqlite.database import transaction
from soul_plugins.storage_sqlite.rows import (
    conversation_from,
    from_text,
    message_from,
    message_values,
    thought_from,
    to_text,
)


def find_conversation(
    connection: sqlite3.Connection, agent_id: str, user_id: str
) -> Conversation | None:
    row = connection.execute(
        "SELECT * FROM conversations WHERE agent_id = ? AND user_id = ?", (agent_id, user_id)
    ).fetchone()
    return conversation_from(row) if row is not None else None


def get_conversation(connection: sqlite3.Connection, conversation_id: str) -> Conversation | None:
    row = connection.execute(
        "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    return conversation_from(row) if row is not None else None


def conversation(
    connection: sqlite3.Connection, agent_id: str, user_id: str, at: datetime
) -> Conversation:
    with transaction(connection):
        connection.execute(
            "INSERT OR IGNORE INTO conversations (id, agent_id, user_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            (new_id(), agent_id, user_id, to_text(at)),
        )
        found = find_conversation(connection, agent_id, user_id)
        assert found is not None  # inserted just now, or there before
        return found


def append_message(connection: sqlite3.Connection, message: Message) -> Message:
    with transaction(connection):
        row = connection.execute(
            "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
            (message.conversation_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"No conversation {message.conversation_id!r}.")
        seq = row[0]
        connection.execute(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, sender_username,"
            " from_agent, message, timestamp, purpose, tone, expression, started_by_agent,"
            " reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            message_values(message, seq),
        )
        return replace(message, seq=seq)


def list_messages(
    connection: sqlite3.Connection, conversation_id: str, limit: int, before_seq: int | None
) -> list[Message]:
    rows = connection.execute(
        "SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (conversation_id, before_seq if before_seq is not None else 2**62, limit),
    ).fetchall()
    return [message_from(r) for r in reversed(rows)]


def annotate_message(
    connection: sqlite3.Connection, conversation_id: str, message_id: str, purpose: str, tone: str
) -> bool:
    with transaction(connection):
        cursor = connection.execute(
            "UPDATE messages SET purpose = ?, tone = ? WHERE id = ? AND conversation_id = ?",
            (purpose, tone, message_id, conversation_id),
        )
        return cursor.rowcount == 1


def last_agent_initiated(connection: sqlite3.Connection, conversation_id: str) -> datetime | None:
    row = connection.execute(
        "SELECT MAX(timestamp) FROM messages WHERE conversation_id = ? AND started_by_agent = 1",
        (conversation_id,),
    ).fetchone()
    return from_text(row[0])


def add_thought(connection: sqlite3.Connection, thought: Thought) -> None:
    connection.execute(
        "INSERT INTO thoughts (id, agent_id, thought, created_at) VALUES (?, ?, ?, ?)",
        (thought.id, thought.agent_id, thought.thought, to_text(thought.created_at)),
    )


def latest_thought(connection: sqlite3.Connection, agent_id: str) -> Thought | None:
    row = connection.execute(
        "SELECT * FROM thoughts WHERE agent_id = ? ORDER BY created_at DESC LIMIT 1", (agent_id,)
    ).fetchone()
    return thought_from(row) if row else None
