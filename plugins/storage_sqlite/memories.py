"""Memories in SQLite, with FTS5 (BM25) for text search."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope
from soul_plugins.storage_sqlite.database import transaction
from soul_plugins.storage_sqlite.rows import memory_from, memory_values, to_text

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 32


def fts_query(text: str) -> str | None:
    """Any text as a safe FTS5 query: its words, each quoted, any of them may match.

    Quoting makes operators (AND, NEAR), column filters and stray quotes plain words.
    """
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " OR ".join(f'"{word}"' for word in words)


def _scope_clause(scope: MemoryScope, alias: str = "") -> tuple[str, tuple[object, ...]]:
    column = f"{alias}user_id"
    if scope.user_id is None:
        return f"{column} IS NULL", ()
    if scope.include_own:
        return f"({column} = ? OR {column} IS NULL)", (scope.user_id,)
    return f"{column} = ?", (scope.user_id,)


def _owners(scope: MemoryScope) -> list[tuple[str, tuple[object, ...]]]:
    """One exact index range per owner in scope (an OR would defeat the indexes)."""
    owners: list[tuple[str, tuple[object, ...]]] = []
    if scope.user_id is not None:
        owners.append(("user_id = ?", (scope.user_id,)))
    if scope.user_id is None or scope.include_own:
        owners.append(("user_id IS NULL", ()))
    return owners


def add_memory(connection: sqlite3.Connection, memory: Memory) -> None:
    values = memory_values(memory)
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    connection.execute(f"INSERT INTO memories ({columns}) VALUES ({marks})", tuple(values.values()))


def search_memories(
    connection: sqlite3.Connection, agent_id: str, scope: MemoryScope, query: str, limit: int
) -> list[MemoryHit]:
    match = fts_query(query)
    if match is None:
        return []
    where, parameters = _scope_clause(scope, "m.")
    rows = connection.execute(
        "SELECT m.*, bm25(memories_fts) AS score FROM memories_fts"
        " JOIN memories AS m ON m.rowid = memories_fts.rowid"
        f" WHERE memories_fts MATCH ? AND m.agent_id = ? AND {where}"
        " ORDER BY score LIMIT ?",
        (match, agent_id, *parameters, limit),
    )
    # bm25() is lower for better matches; relevance is higher-is-better.
    return [MemoryHit(memory_from(r), -float(r["score"])) for r in rows]


def recent_memories(
    connection: sqlite3.Connection, agent_id: str, scope: MemoryScope, limit: int
) -> list[Memory]:
    branches = []
    parameters: list[object] = []
    for clause, values in _owners(scope):
        branches.append(
            f"SELECT * FROM (SELECT * FROM memories WHERE agent_id = ? AND {clause}"
            " ORDER BY last_accessed DESC LIMIT ?)"
        )
        parameters += [agent_id, *values, limit]
    rows = connection.execute(
        f"SELECT * FROM ({' UNION ALL '.join(branches)}) ORDER BY last_accessed DESC LIMIT ?",
        (*parameters, limit),
    )
    return [memory_from(r) for r in rows]


def mark_recalled(connection: sqlite3.Connection, memory_ids: Sequence[str], at: datetime) -> None:
    with transaction(connection):
        connection.executemany(
            "UPDATE memories SET recall_count = recall_count + 1,"
            " last_accessed = MAX(last_accessed, ?) WHERE id = ?",
            [(to_text(at), memory_id) for memory_id in memory_ids],
        )


def importance_since(
    connection: sqlite3.Connection,
    agent_id: str,
    scope: MemoryScope,
    since: datetime,
    max_level: int,
) -> int:
    total = 0
    for clause, values in _owners(scope):
        row = connection.execute(
            f"SELECT COALESCE(SUM(importance), 0) FROM memories WHERE agent_id = ? AND {clause}"
            " AND created_at >= ? AND level <= ?",
            (agent_id, *values, to_text(since), max_level),
        ).fetchone()
        total += int(row[0])
    return total


def memory_tags(
    connection: sqlite3.Connection, agent_id: str, scope: MemoryScope, limit: int
) -> list[str]:
    where, parameters = _scope_clause(scope, "m.")
    rows = connection.execute(
        "SELECT tag.value AS tag, COUNT(*) AS uses FROM memories AS m, json_each(m.tags) AS tag"
        f" WHERE m.agent_id = ? AND {where} GROUP BY tag.value ORDER BY uses DESC, tag LIMIT ?",
        (agent_id, *parameters, limit),
    )
    return [r["tag"] for r in rows]
