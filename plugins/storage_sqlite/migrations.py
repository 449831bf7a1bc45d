"""Forward-only schema migrations, applied in order at open, each in its own transaction.

A migration is appended to ``MIGRATIONS`` and never edited once released; its position
(1-based) is its version, recorded in ``schema_version``. Every query path of the store has an
index here; the comment above each index names the query it serves.
"""

from __future__ import annotations

import sqlite3

SCHEMA_1 = """
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,      -- lower-cased: find_user_by_username, uniqueness
    email TEXT UNIQUE,                      -- lower-cased; NULL for guests (many allowed)
    password_hash TEXT,
    created_at TEXT NOT NULL,
    claimed_at TEXT
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    refresh_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    replaced_by TEXT
);
-- revoke_user_sessions
CREATE INDEX sessions_active_by_user ON sessions (user_id) WHERE revoked_at IS NULL;
-- prune
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE emotion_history (
    agent_id TEXT NOT NULL,
    at TEXT NOT NULL,
    emotion_values TEXT NOT NULL
);
-- emotion_history, trimming per agent
CREATE INDEX emotion_history_by_agent ON emotion_history (agent_id, at);
-- prune
CREATE INDEX emotion_history_by_time ON emotion_history (at);
CREATE TABLE relationships (
    agent_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    document TEXT NOT NULL,
    last_contact TEXT,
    version INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_id)
);
-- recent_relationships
CREATE INDEX relationships_by_contact ON relationships (agent_id, last_contact);
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (agent_id, user_id)
);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    sender_username TEXT NOT NULL,
    from_agent INTEGER NOT NULL,
    message TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    purpose TEXT NOT NULL,
    tone TEXT NOT NULL,
    expression TEXT,
    started_by_agent INTEGER NOT NULL,
    reply_to TEXT,
    UNIQUE (conversation_id, seq)           -- list_messages pages
);
-- last_agent_initiated
CREATE INDEX messages_started_by_agent ON messages (conversation_id, timestamp)
    WHERE started_by_agent = 1;
-- prune
CREATE INDEX messages_by_time ON messages (timestamp);
CREATE TABLE memories (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,                -- mark_recalled
    agent_id TEXT NOT NULL,
    user_id TEXT,                           -- NULL: the agent's own
    event TEXT NOT NULL,
    thoughts TEXT NOT NULL,
    tags TEXT NOT NULL,                     -- JSON array
    tags_text TEXT NOT NULL,                -- the tags as words, for full-text search
    importance INTEGER NOT NULL,
    significance TEXT NOT NULL,
    emotional_impact TEXT NOT NULL,         -- JSON object
    created_at TEXT NOT NULL,
    last_accessed TEXT NOT NULL,
    recall_count INTEGER NOT NULL DEFAULT 0,
    level INTEGER NOT NULL DEFAULT 0,
    embedding TEXT                          -- JSON array, or NULL
);
-- recent_memories
CREATE INDEX memories_by_access ON memories (agent_id, user_id, last_accessed);
-- importance_since
CREATE INDEX memories_by_creation ON memories (agent_id, user_id, created_at);
-- search_memories: BM25 over event, thoughts and tags, kept in step by the triggers below
CREATE VIRTUAL TABLE memories_fts USING fts5 (
    event, thoughts, tags_text,
    content='memories', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, event, thoughts, tags_text)
    VALUES (new.rowid, new.event, new.thoughts, new.tags_text);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, event, thoughts, tags_text)
    VALUES ('delete', old.rowid, old.event, old.thoughts, old.tags_text);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF event, thoughts, tags_text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, event, thoughts, tags_text)
    VALUES ('delete', old.rowid, old.event, old.thoughts, old.tags_text);
    INSERT INTO memories_fts (rowid, event, thoughts, tags_text)
    VALUES (new.rowid, new.event, new.thoughts, new.tags_text);
END;
CREATE TABLE thoughts (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    thought TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- latest_thought
CREATE INDEX thoughts_by_agent ON thoughts (agent_id, created_at);
"""

MIGRATIONS: list[str] = [SCHEMA_1]


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to the newest version; returns that version.

    Safe when several processes open the same file at once: the version is re-read inside
    each migration's write transaction.
    """
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
    )
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(connection)
            if current >= len(MIGRATIONS):
                connection.execute("COMMIT")
                return current
            for statement in _statements(MIGRATIONS[current]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version (version) VALUES (?)", (current + 1,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def schema_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _statements(script: str) -> list[str]:
    """Split a script into whole statements (trigger bodies, which contain ';', stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
