"""Conversations, their messages and the agent's own thoughts in MongoDB.

A conversation document keeps ``last_seq``, the sequence number of its latest message; an
atomic ``$inc`` on it hands each new message the next number, so concurrent writers never share
one. (A write that fails between the increment and the insert leaves a gap in the numbers, never
a duplicate: readers order by ``seq`` and do not count on it being dense.)
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.ids import new_id
from soul_framework.domain.memory import Thought
from soul_framework.errors import NotFound
from soul_plugins.storage_mongo.base import MAX_ATTEMPTS, StorePart, contention
from soul_plugins.storage_mongo.documents import (
    conversation_from,
    message_document,
    message_from,
    thought_document,
    thought_from,
    utc,
)
from soul_plugins.storage_mongo.errors import translate_errors


class Conversations(StorePart):
    @translate_errors
    async def conversation(self, agent_id: str, user_id: str, *, at: datetime) -> Conversation:
        conversations = await self.collection("conversations")
        key = {"agent_id": agent_id, "user_id": user_id}
        for _ in range(MAX_ATTEMPTS):
            document = await conversations.find_one(key, {"last_seq": 0})
            if document is not None:
                return conversation_from(document)
            try:
                document = await conversations.find_one_and_update(
                    key,
                    {"$setOnInsert": {"_id": new_id(), "created_at": at, "last_seq": 0}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # a concurrent upsert created it: read theirs
            if document is None:
                # MongoDB always returns the upserted document; a compatible server under
                # concurrent upserts was seen to answer None. Read again rather than fail.
                continue
            return conversation_from(document)
        raise contention(f"the conversation of {agent_id!r} and {user_id!r}")

    @translate_errors
    async def append_message(self, message: Message) -> Message:
        conversations = await self.collection("conversations")
        counter = await conversations.find_one_and_update(
            {"_id": message.conversation_id},
            {"$inc": {"last_seq": 1}},
            projection={"last_seq": 1},
            return_document=ReturnDocument.AFTER,
        )
        if counter is None:
            raise NotFound("No such conversation.")
        seq = int(counter["last_seq"])
        await (await self.collection("messages")).insert_one(message_document(message, seq))
        return dataclasses.replace(message, seq=seq)

    @translate_errors
    async def list_messages(
        self, conversation_id: str, *, limit: int, before_seq: int | None
    ) -> list[Message]:
        if limit <= 0:
            return []
        messages = await self.collection("messages")
        query: dict[str, Any] = {"conversation_id": conversation_id}
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        latest = messages.find(query).sort("seq", DESCENDING).limit(limit)
        return [message_from(d) for d in reversed(await latest.to_list())]

    @translate_errors
    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        conversations = await self.collection("conversations")
        document = await conversations.find_one({"_id": conversation_id}, {"last_seq": 0})
        return conversation_from(document) if document is not None else None

    @translate_errors
    async def annotate_message(
        self, message_id: str, *, conversation_id: str, purpose: str, tone: str
    ) -> bool:
        messages = await self.collection("messages")
        result = await messages.update_one(
            {"_id": message_id, "conversation_id": conversation_id},
            {"$set": {"purpose": purpose, "tone": tone}},
        )
        return result.matched_count == 1

    @translate_errors
    async def last_agent_initiated(self, conversation_id: str) -> datetime | None:
        messages = await self.collection("messages")
        document = await messages.find_one(
            {"conversation_id": conversation_id, "started_by_agent": True},
            {"timestamp": 1},
            sort=[("seq", DESCENDING)],
        )
        return utc(document["timestamp"]) if document else None

    # --- thoughts -----------------------------------------------------------------------------

    @translate_errors
    async def add_thought(self, thought: Thought) -> None:
        await (await self.collection("thoughts")).insert_one(thought_document(thought))

    @translate_errors
    async def latest_thought(self, agent_id: str) -> Thought | None:
        thoughts = await self.collection("thoughts")
        document = await thoughts.find_one(
            {"agent_id": agent_id}, sort=[("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        return thought_from(document) if document else None
