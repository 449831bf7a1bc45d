"""Agents, their emotion history and their relationships in SQLite.

Read-modify-write runs inside one ``BEGIN IMMEDIATE`` transaction: the write lock is held from
the read to the write, so no concurrent change (from this process or another) can slip in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from soul_framework.domain.agent import Agent, EmotionSample
from soul_framework.domain.relationship import Relationship
from soul_framework.errors import NotFound
from soul_plugins.storage_sqlite.database import transaction
from soul_plugins.storage_sqlite.rows import (
    agent_document,
    agent_from,
    dumps,
    from_text,
    relationship_document,
    relationship_from,
    to_text,
)


def ensure_agent(connection: sqlite3.Connection, agent: Agent) -> Agent:
    with transaction(connection):
        inserted = connection.execute(
            "INSERT OR IGNORE INTO agents (id, document, version) VALUES (?, ?, ?)",
            (agent.id, agent_document(agent), agent.version),
        ).rowcount
        if inserted:  # the first sample of its history: charts start where the agent did
            connection.execute(
                "INSERT INTO emotion_history (agent_id, at, emotion_values) VALUES (?, ?, ?)",
                (agent.id, to_text(agent.emotions.at), dumps(agent.emotions.values)),
            )
        return agent_from(
            connection.execute("SELECT * FROM agents WHERE id = ?", (agent.id,)).fetchone()
        )


def get_agent(connection: sqlite3.Connection, agent_id: str) -> Agent | None:
    row = connection.execute("SELECT * FROM agents WHERE id = ?", (agent_id,)).fetchone()
    return agent_from(row) if row else None


def list_agents(connection: sqlite3.Connection) -> list[Agent]:
    return [agent_from(r) for r in connection.execute("SELECT * FROM agents ORDER BY id")]


def update_agent(
    connection: sqlite3.Connection,
    agent_id: str,
    change: Callable[[Agent], Agent],
    history_days: float,
) -> Agent:
    with transaction(connection):
        row = connection.execute("SELECT * FROM agents WHERE id = ?", (agent_id,)).fetchone()
        if row is None:
            raise NotFound(f"No agent {agent_id!r}.")
        before = agent_from(row)
        after = replace(change(before), id=before.id, version=before.version + 1)
        connection.execute(
            "UPDATE agents SET document = ?, version = ? WHERE id = ?",
            (agent_document(after), after.version, agent_id),
        )
        if after.emotions.values != before.emotions.values:
            sample_at = after.emotions.at
            connection.execute(
                "INSERT INTO emotion_history (agent_id, at, emotion_values) VALUES (?, ?, ?)",
                (agent_id, to_text(sample_at), dumps(after.emotions.values)),
            )
            # Retention is kept as samples arrive: one indexed range delete per agent.
            connection.execute(
                "DELETE FROM emotion_history WHERE agent_id = ? AND at < ?",
                (agent_id, to_text(sample_at - timedelta(days=history_days))),
            )
        return after


def emotion_history(
    connection: sqlite3.Connection, agent_id: str, since: datetime | None, limit: int
) -> list[EmotionSample]:
    rows = connection.execute(
        "SELECT at, emotion_values FROM emotion_history WHERE agent_id = ? AND at >= ?"
        " ORDER BY at DESC LIMIT ?",
        (agent_id, to_text(since) if since else "", limit),
    ).fetchall()
    return [
        EmotionSample(at=from_text(r["at"]), values=json.loads(r["emotion_values"]))  # type: ignore[arg-type]
        for r in reversed(rows)
    ]


def get_relationship(
    connection: sqlite3.Connection, agent_id: str, user_id: str
) -> Relationship | None:
    row = connection.execute(
        "SELECT * FROM relationships WHERE agent_id = ? AND user_id = ?", (agent_id, user_id)
    ).fetchone()
    return relationship_from(row) if row else None


def update_relationship(
    connection: sqlite3.Connection,
    agent_id: str,
    user_id: str,
    change: Callable[[Relationship], Relationship],
    at: datetime,
) -> Relationship:
    with transaction(connection):
        before = get_relationship(connection, agent_id, user_id) or Relationship(
            agent_id=agent_id, user_id=user_id, created_at=at
        )
        after = replace(
            change(before), agent_id=agent_id, user_id=user_id, version=before.version + 1
        )
        connection.execute(
            "INSERT INTO relationships (agent_id, user_id, document, last_contact, version)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_id, user_id) DO UPDATE SET"
            " document = excluded.document, last_contact = excluded.last_contact,"
            " version = excluded.version",
            (
                agent_id,
                user_id,
                relationship_document(after),
                to_text(after.last_contact),
                after.version,
            ),
        )
        return after


def recent_relationships(
    connection: sqlite3.Connection, agent_id: str, since: datetime, limit: int
) -> list[Relationship]:
    rows = connection.execute(
        "SELECT * FROM relationships WHERE agent_id = ? AND last_contact >= ?"
        " ORDER BY last_contact DESC LIMIT ?",
        (agent_id, to_text(since), limit),
    )
    return [relationship_from(r) for r in rows]
