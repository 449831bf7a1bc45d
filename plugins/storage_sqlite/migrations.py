"""Forward-only schema migrations, applied in order at open, each in its own transaction.

A migration is appended to ``MIGRATIONS`` and never edited once released; its position
(1-based) is its version, recorded in ``schema_version``.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = []


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to the newest version; returns that version."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
    )
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    current = int(row[0] or 0)
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return max(current, len(MIGRATIONS))


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";\n") if part.strip()]
