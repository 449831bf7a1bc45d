"""The SQLite store: one database file in the data folder, WAL mode, FTS5 for memories.

Embedded and zero set-up, so it is the default. Several processes on one machine (``soul up``'s
API and workers) share the file safely; for several machines use a server database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from soul_framework.config import Settings
from soul_framework.domain.accounts import Session, User
from soul_framework.domain.agent import Agent, EmotionSample
from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope, Thought
from soul_framework.domain.relationship import Relationship
from soul_plugins.storage_sqlite import accounts, agents, conversations, memories
from soul_plugins.storage_sqlite.database import Database, transaction
from soul_plugins.storage_sqlite.migrations import schema_version
from soul_plugins.storage_sqlite.rows import to_text


class SQLiteStore:
    name = "sqlite"

    def __init__(self, settings: Settings) -> None:
        self.path: Path = settings.soul_data_dir / "soul.db"
        self.history_days = settings.soul_emotion_history_days
        self.message_days = settings.soul_message_retention_days
        self.db = Database(self.path)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.read(lambda c: c.execute("SELECT 1").fetchone())

    async def schema_version(self) -> int:
        return await self.db.read(schema_version)

    # --- accounts and sessions ----------------------------------------------------------------

    async def create_user(self, user: User) -> None:
        await self.db.write(accounts.create_user, user)

    async def get_user(self, user_id: str) -> User | None:
        return await self.db.read(accounts.get_user, user_id)

    async def find_user_by_email(self, email: str) -> User | None:
        return await self.db.read(accounts.find_user, "email", email)

    async def find_user_by_username(self, username: str) -> User | None:
        return await self.db.read(accounts.find_user, "username_key", username)

    async def claim_user(
        self, user_id: str, *, email: str, username: str, password_hash: str, at: datetime
    ) -> User:
        return await self.db.write(accounts.claim_user, user_id, email, username, password_hash, at)

    async def create_session(self, session: Session) -> None:
        await self.db.write(accounts.create_session, session)

    async def get_session(self, session_id: str) -> Session | None:
        return await self.db.read(accounts.get_session, session_id)

    async def rotate_session(
        self, session_id: str, refresh_hash: str, successor: Session, at: datetime
    ) -> bool:
        return await self.db.write(accounts.rotate_session, session_id, refresh_hash, successor, at)

    async def revoke_session(self, session_id: str, at: datetime) -> bool:
        return await self.db.write(accounts.revoke_session, session_id, at)

    async def revoke_user_sessions(self, user_id: str, at: datetime) -> list[str]:
        return await self.db.write(accounts.revoke_user_sessions, user_id, at)

    # --- agents and relationships -------------------------------------------------------------

    async def ensure_agent(self, agent: Agent) -> Agent:
        return await self.db.write(agents.ensure_agent, agent)

    async def get_agent(self, agent_id: str) -> Agent | None:
        return await self.db.read(agents.get_agent, agent_id)

    async def list_agents(self) -> list[Agent]:
        return await self.db.read(agents.list_agents)

    async def update_agent(self, agent_id: str, change: Callable[[Agent], Agent]) -> Agent:
        return await self.db.write(agents.update_agent, agent_id, change, self.history_days)

    async def emotion_history(
        self, agent_id: str, *, since: datetime | None, limit: int
    ) -> list[EmotionSample]:
        return await self.db.read(agents.emotion_history, agent_id, since, limit)

    async def get_relationship(self, agent_id: str, user_id: str) -> Relationship | None:
        return await self.db.read(agents.get_relationship, agent_id, user_id)

    async def update_relationship(
        self,
        agent_id: str,
        user_id: str,
        change: Callable[[Relationship], Relationship],
        *,
        at: datetime,
    ) -> Relationship:
        return await self.db.write(agents.update_relationship, agent_id, user_id, change, at)

    async def recent_relationships(
        self, agent_id: str, *, since: datetime, limit: int
    ) -> list[Relationship]:
        return await self.db.read(agents.recent_relationships, agent_id, since, limit)

    # --- conversations and thoughts -----------------------------------------------------------

    async def conversation(self, agent_id: str, user_id: str, *, at: datetime) -> Conversation:
        # Read first: every message asks, and only a user's first needs the write lock.
        found = await self.db.read(conversations.find_conversation, agent_id, user_id)
        if found is not None:
            return found
        return await self.db.write(conversations.conversation, agent_id, user_id, at)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        return await self.db.read(conversations.get_conversation, conversation_id)

    async def append_message(self, message: Message) -> Message:
        return await self.db.write(conversations.append_message, message)

    async def list_messages(
        self, conversation_id: str, *, limit: int, before_seq: int | None
    ) -> list[Message]:
        return await self.db.read(conversations.list_messages, conversation_id, limit, before_seq)

    async def annotate_message(
        self, message_id: str, *, conversation_id: str, purpose: str, tone: str
    ) -> bool:
        return await self.db.write(
            conversations.annotate_message, conversation_id, message_id, purpose, tone
        )

    async def last_agent_initiated(self, conversation_id: str) -> datetime | None:
        return await self.db.read(conversations.last_agent_initiated, conversation_id)

    async def add_thought(self, thought: Thought) -> None:
        await self.db.write(conversations.add_thought, thought)

    async def latest_thought(self, agent_id: str) -> Thought | None:
        return await self.db.read(conversations.latest_thought, agent_id)

    # --- memories -----------------------------------------------------------------------------

    async def add_memory(self, memory: Memory) -> None:
        await self.db.write(memories.add_memory, memory)

    async def search_memories(
        self, agent_id: str, scope: MemoryScope, query: str, *, limit: int
    ) -> list[MemoryHit]:
        return await self.db.read(memories.search_memories, agent_id, scope, query, limit)

    async def recent_memories(
        self, agent_id: str, scope: MemoryScope, *, limit: int
    ) -> list[Memory]:
        return await self.db.read(memories.recent_memories, agent_id, scope, limit)

    async def mark_recalled(self, memory_ids: Sequence[str], at: datetime) -> None:
        if memory_ids:
            await self.db.write(memories.mark_recalled, list(memory_ids), at)

    async def importance_since(
        self, agent_id: str, scope: MemoryScope, since: datetime, *, max_level: int
    ) -> int:
        return await self.db.read(memories.importance_since, agent_id, scope, since, max_level)

    async def memory_tags(self, agent_id: str, scope: MemoryScope, *, limit: int) -> list[str]:
        return await self.db.read(memories.memory_tags, agent_id, scope, limit)

    # --- retention ----------------------------------------------------------------------------

    async def prune(self, now: datetime) -> dict[str, int]:
        return await self.db.write(self._prune, now)

    def _prune(self, connection, now: datetime) -> dict[str, int]:  # type: ignore[no-untyped-def]
        report: dict[str, int] = {}
        with transaction(connection):
            report["sessions"] = connection.execute(
                "DELETE FROM sessions WHERE expires_at < ?", (to_text(now),)
            ).rowcount
            history_cutoff = now - timedelta(days=self.history_days)
            report["emotion_samples"] = connection.execute(
                "DELETE FROM emotion_history WHERE at < ?", (to_text(history_cutoff),)
            ).rowcount
            report["messages"] = 0
            if self.message_days > 0:
                message_cutoff = now - timedelta(days=self.message_days)
                report["messages"] = connection.execute(
                    "DELETE FROM messages WHERE timestamp < ?", (to_text(message_cutoff),)
                ).rowcount
        return report
