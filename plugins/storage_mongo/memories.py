"""Memories in MongoDB: scoped reads, recall counting and lexical search.

Search uses the server's text index when there is one (``$text``, scored by the server) and
otherwise the ``terms`` every memory document keeps, ranked here with BM25
(:mod:`soul_plugins.storage_mongo.search`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import DESCENDING

from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope
from soul_plugins.storage_mongo.base import Collection, StorePart
from soul_plugins.storage_mongo.documents import memory_document, memory_from
from soul_plugins.storage_mongo.errors import translate_errors
from soul_plugins.storage_mongo.search import (
    CANDIDATE_LIMIT,
    Candidate,
    query_terms,
    rank,
    text_search,
)

WITHOUT_TERMS = {"terms": 0}
"""Projection for reading whole memories: their search terms are of no use to a reader."""


def in_scope(agent_id: str, scope: MemoryScope) -> dict[str, Any]:
    """The filter for the agent's memories a scope may see (``user_id`` null: its own)."""
    if scope.user_id is None:
        return {"agent_id": agent_id, "user_id": None}
    if scope.include_own:
        return {"agent_id": agent_id, "user_id": {"$in": [scope.user_id, None]}}
    return {"agent_id": agent_id, "user_id": scope.user_id}


class Memories(StorePart):
    text_index: bool = False
    """True when the memories' text index exists and search should use it."""

    @translate_errors
    async def add_memory(self, memory: Memory) -> None:
        await (await self.collection("memories")).insert_one(memory_document(memory))

    @translate_errors
    async def search_memories(
        self, agent_id: str, scope: MemoryScope, query: str, *, limit: int
    ) -> list[MemoryHit]:
        terms = query_terms(query)
        if not terms or limit <= 0:
            return []
        memories = await self.collection("memories")
        if self.text_index:
            return await self._search_text(memories, in_scope(agent_id, scope), terms, limit)
        return await self._search_terms(memories, in_scope(agent_id, scope), terms, limit)

    async def _search_text(
        self, memories: Collection, scope: dict[str, Any], terms: list[str], limit: int
    ) -> list[MemoryHit]:
        score = {"$meta": "textScore"}
        found = (
            memories.find(
                {**scope, "$text": {"$search": text_search(terms)}},
                {**WITHOUT_TERMS, "score": score},
            )
            .sort([("score", score), ("importance", DESCENDING), ("created_at", DESCENDING)])
            .limit(limit)
        )
        return [
            MemoryHit(memory=memory_from(d), relevance=float(d["score"]))
            for d in await found.to_list()
        ]

    async def _search_terms(
        self, memories: Collection, scope: dict[str, Any], terms: list[str], limit: int
    ) -> list[MemoryHit]:
        # Rank on the few fields scoring needs, then read whole memories only for the winners.
        matching = (
            memories.find(
                {**scope, "terms": {"$in": terms}},
                {"terms": 1, "importance": 1, "created_at": 1},
            )
            .sort("created_at", DESCENDING)
            .limit(CANDIDATE_LIMIT)
        )
        candidates = [Candidate.from_document(d) for d in await matching.to_list()]
        if not candidates:
            return []
        # BM25 needs the number of documents only for its IDF scale: the collection's own
        # metadata count is close enough and, unlike counting the scope, costs no scan.
        total = max(await memories.estimated_document_count(), len(candidates))
        ranked = rank(candidates, terms, total=total, limit=limit)
        winners = memories.find({"_id": {"$in": [i for i, _ in ranked]}}, WITHOUT_TERMS)
        by_id = {d["_id"]: d for d in await winners.to_list()}
        return [
            MemoryHit(memory=memory_from(by_id[i]), relevance=score)
            for i, score in ranked
            if i in by_id
        ]

    @translate_errors
    async def recent_memories(
        self, agent_id: str, scope: MemoryScope, *, limit: int
    ) -> list[Memory]:
        if limit <= 0:
            return []
        memories = await self.collection("memories")
        recent = (
            memories.find(in_scope(agent_id, scope), WITHOUT_TERMS)
            .sort([("last_accessed", DESCENDING), ("created_at", DESCENDING)])
            .limit(limit)
        )
        return [memory_from(d) for d in await recent.to_list()]

    @translate_errors
    async def mark_recalled(self, memory_ids: Sequence[str], at: datetime) -> None:
        if not memory_ids:
            return
        memories = await self.collection("memories")
        await memories.update_many(
            {"_id": {"$in": list(memory_ids)}},
            {"$inc": {"recall_count": 1}, "$set": {"last_accessed": at}},
        )

    @translate_errors
    async def importance_since(
        self, agent_id: str, scope: MemoryScope, since: datetime, *, max_level: int
    ) -> int:
        memories = await self.collection("memories")
        match = {
            **in_scope(agent_id, scope),
            "created_at": {"$gte": since},
            "level": {"$lte": max_level},
        }
        pipeline = [
            {"$match": match},
            {"$group": {"_id": None, "total": {"$sum": "$importance"}}},
        ]
        rows = await (await memories.aggregate(pipeline)).to_list()
        return int(rows[0]["total"]) if rows else 0

    @translate_errors
    async def memory_tags(self, agent_id: str, scope: MemoryScope, *, limit: int) -> list[str]:
        if limit <= 0:
            return []
        memories = await self.collection("memories")
        pipeline: list[dict[str, Any]] = [
            {"$match": {**in_scope(agent_id, scope), "tags.0": {"$exists": True}}},
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "uses": {"$sum": 1}}},
            {"$sort": {"uses": -1, "_id": 1}},
            {"$limit": limit},
        ]
        rows = await (await memories.aggregate(pipeline)).to_list()
        return [row["_id"] for row in rows]
