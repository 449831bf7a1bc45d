"""Accounts and sessions in SQLite (functions run on the store's threads)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from soul_framework.domain.accounts import Session, User
from soul_framework.errors import AlreadyClaimed, EmailInUse, NotFound, UsernameInUse
from soul_plugins.storage_sqlite.database import transaction
from soul_plugins.storage_sqlite.rows import session_from, to_text, user_from


def create_user(connection: sqlite3.Connection, user: User) -> None:
    with transaction(connection):
        _refuse_taken(connection, user.id, user.email, user.username)
        connection.execute(
            "INSERT INTO users (id, username, username_key, email, password_hash, created_at,"
            " claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                user.username,
                user.username.lower(),
                user.email.lower() if user.email else None,
                user.password_hash,
                to_text(user.created_at),
                to_text(user.claimed_at),
            ),
        )


def _refuse_taken(
    connection: sqlite3.Connection, user_id: str, email: str | None, username: str
) -> None:
    if (
        email
        and connection.execute(
            "SELECT 1 FROM users WHERE email = ? AND id != ?", (email.lower(), user_id)
        ).fetchone()
    ):
        raise EmailInUse()
    if connection.execute(
        "SELECT 1 FROM users WHERE username_key = ? AND id != ?", (username.lower(), user_id)
    ).fetchone():
        raise UsernameInUse()


def get_user(connection: sqlite3.Connection, user_id: str) -> User | None:
    row = connection.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return user_from(row) if row else None


def find_user(connection: sqlite3.Connection, column: str, value: str) -> User | None:
    assert column in {"email", "username_key"}
    row = connection.execute(f"SELECT * FROM users WHERE {column} = ?", (value.lower(),)).fetchone()
    return user_from(row) if row else None


def claim_user(
    connection: sqlite3.Connection,
    user_id: str,
    email: str,
    username: str,
    password_hash: str,
    at: datetime,
) -> User:
    with transaction(connection):
        row = connection.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFound("No such account.")
        if row["email"] is not None:
            raise AlreadyClaimed()
        _refuse_taken(connection, user_id, email, username)
        connection.execute(
            "UPDATE users SET email = ?, username = ?, username_key = ?, password_hash = ?,"
            " claimed_at = ? WHERE id = ?",
            (email.lower(), username, username.lower(), password_hash, to_text(at), user_id),
        )
        return user_from(
            connection.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        )


def create_session(connection: sqlite3.Connection, session: Session) -> None:
    connection.execute(
        "INSERT INTO sessions (id, user_id, refresh_hash, created_at, expires_at, revoked_at,"
        " replaced_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            session.id,
            session.user_id,
            session.refresh_hash,
            to_text(session.created_at),
            to_text(session.expires_at),
            to_text(session.revoked_at),
            session.replaced_by,
        ),
    )


def get_session(connection: sqlite3.Connection, session_id: str) -> Session | None:
    row = connection.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return session_from(row) if row else None


def rotate_session(
    connection: sqlite3.Connection,
    session_id: str,
    refresh_hash: str,
    successor: Session,
    at: datetime,
) -> bool:
    with transaction(connection):
        revoked = connection.execute(
            "UPDATE sessions SET revoked_at = ?, replaced_by = ? WHERE id = ?"
            " AND revoked_at IS NULL AND refresh_hash = ? AND expires_at > ?",
            (to_text(at), successor.id, session_id, refresh_hash, to_text(at)),
        ).rowcount
        if revoked != 1:
            return False
        create_session(connection, successor)
        return True


def revoke_session(connection: sqlite3.Connection, session_id: str, at: datetime) -> bool:
    return (
        connection.execute(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (to_text(at), session_id),
        ).rowcount
        == 1
    )


def revoke_user_sessions(connection: sqlite3.Connection, user_id: str, at: datetime) -> list[str]:
    rows = connection.execute(
        "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        " AND expires_at > ? RETURNING id",
        (to_text(at), user_id, to_text(at)),
    ).fetchall()
    return sorted(row[0] for row in rows)
