"""The store's indexes, created idempotently when the store first reaches the server.

Retention lives in TTL indexes (the server deletes expired sessions, old emotion samples and,
when a retention is set, old messages on its own); ``prune`` deletes the same explicitly. A
changed retention setting updates the existing TTL index in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from soul_plugins.storage_mongo.errors import EMAIL_INDEX, USERNAME_INDEX, is_unavailable

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
MAX_TTL_SECONDS = 2**31 - 1
"""The largest ``expireAfterSeconds`` MongoDB accepts (about 68 years)."""

INDEX_CONFLICT_CODES = frozenset({85, 86})  # IndexOptionsConflict, IndexKeySpecsConflict
TEXT_INDEX = "memories_text"
MESSAGES_TTL = "messages_ttl"


def ttl_seconds(days: float) -> int:
    """A retention in days as a TTL index's ``expireAfterSeconds`` (whole seconds, clamped)."""
    return max(0, min(MAX_TTL_SECONDS, round(days * SECONDS_PER_DAY)))


def plain_indexes() -> dict[str, list[IndexModel]]:
    """Every index except TTL and text ones, per collection."""
    a, d = ASCENDING, DESCENDING
    return {
        "users": [
            # Only string emails take part, so any number of guests (email null) coexist.
            IndexModel(
                [("email", a)],
                name=EMAIL_INDEX,
                unique=True,
                partialFilterExpression={"email": {"$type": "string"}},
            ),
            IndexModel([("username_key", a)], name=USERNAME_INDEX, unique=True),
        ],
        "sessions": [IndexModel([("user_id", a)], name="sessions_user")],
        "agents": [],
        "emotion_history": [IndexModel([("agent_id", a), ("at", a)], name="history_agent_at")],
        "relationships": [
            IndexModel([("agent_id", a), ("user_id", a)], name="relationship_unique", unique=True),
            IndexModel([("agent_id", a), ("last_contact", d)], name="relationship_contact"),
        ],
        "conversations": [
            IndexModel([("agent_id", a), ("user_id", a)], name="conversation_unique", unique=True),
        ],
        "messages": [
            IndexModel([("conversation_id", a), ("seq", a)], name="message_seq", unique=True),
        ],
        "memories": [
            IndexModel(
                [("agent_id", a), ("user_id", a), ("last_accessed", d)], name="memories_accessed"
            ),
            IndexModel(
                [("agent_id", a), ("user_id", a), ("created_at", d)], name="memories_created"
            ),
            IndexModel([("terms", a)], name="memories_terms"),
            IndexModel([("tags", a)], name="memories_tags"),
        ],
        "thoughts": [IndexModel([("agent_id", a), ("created_at", d)], name="thoughts_agent")],
    }


@dataclass(frozen=True, slots=True)
class Retention:
    """The TTL of each collection that has one: collection, field, index name, seconds."""

    history_days: float
    message_days: float

    def ttl_indexes(self) -> list[tuple[str, str, str, int]]:
        indexes = [
            ("sessions", "expires_at", "sessions_ttl", 0),
            ("emotion_history", "at", "history_ttl", ttl_seconds(self.history_days)),
        ]
        if self.message_days > 0:
            indexes.append(("messages", "timestamp", MESSAGES_TTL, ttl_seconds(self.message_days)))
        return indexes


async def ensure_indexes(
    db: AsyncDatabase[dict[str, Any]], retention: Retention, *, text_index: bool
) -> bool:
    """Create every index (a no-op for those that exist); True when the text index on
    memories exists, False when it was not asked for or the server refused it."""
    for collection, models in plain_indexes().items():
        if models:
            await db[collection].create_indexes(models)
    for collection, field, name, seconds in retention.ttl_indexes():
        await _ensure_ttl(db, collection, field, name, seconds)
    if retention.message_days <= 0:
        await _drop_if_present(db, "messages", MESSAGES_TTL)
    return await _ensure_text_index(db) if text_index else False


async def _ensure_ttl(
    db: AsyncDatabase[dict[str, Any]], collection: str, field: str, name: str, seconds: int
) -> None:
    try:
        await db[collection].create_index(
            [(field, ASCENDING)], name=name, expireAfterSeconds=seconds
        )
    except OperationFailure as exc:
        if exc.code not in INDEX_CONFLICT_CODES:
            raise
        # The retention setting changed since the index was made: change it in place.
        await db.command(
            {"collMod": collection, "index": {"name": name, "expireAfterSeconds": seconds}}
        )


async def _drop_if_present(db: AsyncDatabase[dict[str, Any]], collection: str, name: str) -> None:
    indexes = await (await db[collection].list_indexes()).to_list()
    if any(index["name"] == name for index in indexes):
        await db[collection].drop_index(name)


async def _ensure_text_index(db: AsyncDatabase[dict[str, Any]]) -> bool:
    try:
        await db["memories"].create_index(
            [("event", TEXT), ("thoughts", TEXT), ("tags", TEXT)], name=TEXT_INDEX
        )
    except OperationFailure as exc:
        if is_unavailable(exc):
            raise
        # Some servers (SecantusDB among them) have no text indexes, and an older text index of
        # another shape refuses this one. Either way the search on stored terms serves.
        log.info(
            "memory search without a text index (%s): %s",
            exc.code,
            exc.details and exc.details.get("errmsg"),
        )
        return False
    return True
