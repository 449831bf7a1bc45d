"""Agents, their emotion history and their relationships in MongoDB.

Changes are optimistic: read the document, apply the caller's pure change function, and
replace the document only if its ``version`` is still the one read. A writer that lost the race
reads again and retries after a short jittered pause, so no concurrent change is lost and no
lock is ever held across a network round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from soul_framework.domain.agent import Agent, EmotionSample
from soul_framework.domain.relationship import Relationship
from soul_framework.errors import NotFound
from soul_plugins.storage_mongo.base import MAX_ATTEMPTS, StorePart, backoff, contention
from soul_plugins.storage_mongo.documents import (
    agent_document,
    agent_from,
    relationship_document,
    relationship_from,
    sample_document,
    sample_from,
)
from soul_plugins.storage_mongo.errors import translate_errors


class Agents(StorePart):
    @translate_errors
    async def ensure_agent(self, agent: Agent) -> Agent:
        agents = await self.collection("agents")
        # Inserting and ignoring a duplicate keeps what is stored when the agent exists.
        try:
            await agents.insert_one(agent_document(agent))
        except DuplicateKeyError:
            pass
        else:  # the first sample of its history: charts start where the agent did
            history = await self.collection("emotion_history")
            await history.insert_one(sample_document(agent.id, agent.emotions))
        stored = await agents.find_one({"_id": agent.id})
        if stored is None:  # removed between the two calls; the caller's agent is the answer
            return agent
        return agent_from(stored)

    @translate_errors
    async def get_agent(self, agent_id: str) -> Agent | None:
        document = await (await self.collection("agents")).find_one({"_id": agent_id})
        return agent_from(document) if document else None

    @translate_errors
    async def list_agents(self) -> list[Agent]:
        agents = await self.collection("agents")
        return [agent_from(d) for d in await agents.find().sort("_id", ASCENDING).to_list()]

    @translate_errors
    async def update_agent(self, agent_id: str, change: Callable[[Agent], Agent]) -> Agent:
        agents = await self.collection("agents")
        for attempt in range(MAX_ATTEMPTS):
            document = await agents.find_one({"_id": agent_id})
            if document is None:
                raise NotFound("No such agent.")
            current = agent_from(document)
            changed = dataclasses.replace(change(current), id=agent_id, version=current.version + 1)
            stored = await agents.find_one_and_replace(
                {"_id": agent_id, "version": current.version},
                agent_document(changed),
                return_document=ReturnDocument.AFTER,
            )
            if stored is not None:
                updated = agent_from(stored)
                if updated.emotions.values != current.emotions.values:
                    history = await self.collection("emotion_history")
                    await history.insert_one(sample_document(agent_id, updated.emotions))
                return updated
            await backoff(attempt)
        raise contention(f"agent {agent_id!r}")

    @translate_errors
    async def emotion_history(
        self, agent_id: str, *, since: datetime | None, limit: int
    ) -> list[EmotionSample]:
        if limit <= 0:
            return []
        history = await self.collection("emotion_history")
        query: dict[str, Any] = {"agent_id": agent_id}
        if since is not None:
            query["at"] = {"$gte": since}
        newest = history.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [sample_from(d) for d in reversed(await newest.to_list())]

    # --- relationships ------------------------------------------------------------------------

    @translate_errors
    async def get_relationship(self, agent_id: str, user_id: str) -> Relationship | None:
        relationships = await self.collection("relationships")
        document = await relationships.find_one({"agent_id": agent_id, "user_id": user_id})
        return relationship_from(document) if document else None

    @translate_errors
    async def update_relationship(
        self,
        agent_id: str,
        user_id: str,
        change: Callable[[Relationship], Relationship],
        *,
        at: datetime,
    ) -> Relationship:
        relationships = await self.collection("relationships")
        key = {"agent_id": agent_id, "user_id": user_id}
        for attempt in range(MAX_ATTEMPTS):
            document = await relationships.find_one(key)
            current = (
                relationship_from(document)
                if document is not None
                else Relationship(agent_id=agent_id, user_id=user_id, created_at=at)
            )
            changed = dataclasses.replace(
                change(current), agent_id=agent_id, user_id=user_id, version=current.version + 1
            )
            if document is None:
                new_document = relationship_document(changed)
                try:
                    await relationships.insert_one(new_document)
                except DuplicateKeyError:
                    continue  # another writer created it first: change theirs instead
                return relationship_from(new_document)
            stored = await relationships.find_one_and_replace(
                {**key, "version": current.version},
                relationship_document(changed),
                return_document=ReturnDocument.AFTER,
            )
            if stored is not None:
                return relationship_from(stored)
            await backoff(attempt)
        raise contention(f"the relationship of {agent_id!r} and {user_id!r}")

    @translate_errors
    async def recent_relationships(
        self, agent_id: str, *, since: datetime, limit: int
    ) -> list[Relationship]:
        if limit <= 0:
            return []
        relationships = await self.collection("relationships")
        recent = (
            relationships.find({"agent_id": agent_id, "last_contact": {"$gte": since}})
            .sort([("last_contact", DESCENDING), ("user_id", ASCENDING)])
            .limit(limit)
        )
        return [relationship_from(d) for d in await recent.to_list()]
