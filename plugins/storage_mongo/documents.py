"""Domain values to MongoDB documents and back.

``_id`` is the domain id wherever the value has one. Datetimes are stored as BSON dates, which
keep milliseconds: finer parts are dropped. Tuples are stored as arrays and come back as tuples.
Fields that exist only for queries (``username_key``, ``terms``, ``last_seq``) are added here on
the way in and ignored on the way out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from soul_framework.domain.accounts import Session, User
from soul_framework.domain.agent import Agent, EmotionalState, EmotionSample
from soul_framework.domain.conversation import Conversation, Message
from soul_framework.domain.memory import Memory, Thought
from soul_framework.domain.relationship import Relationship
from soul_plugins.storage_mongo.search import memory_terms

Document = dict[str, Any]


def utc(value: datetime | None) -> datetime | None:
    """``value`` as timezone-aware UTC (BSON dates carry no zone; naive ones are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- accounts -------------------------------------------------------------------------------


def user_document(user: User) -> Document:
    return {
        "_id": user.id,
        "username": user.username,
        "username_key": user.username.lower(),
        "email": user.email.lower() if user.email is not None else None,
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "claimed_at": user.claimed_at,
    }


def user_from(document: Mapping[str, Any]) -> User:
    return User(
        id=document["_id"],
        username=document["username"],
        created_at=_utc(document["created_at"]),
        email=document.get("email"),
        password_hash=document.get("password_hash"),
        claimed_at=utc(document.get("claimed_at")),
    )


def session_document(session: Session) -> Document:
    return {
        "_id": session.id,
        "user_id": session.user_id,
        "refresh_hash": session.refresh_hash,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "revoked_at": session.revoked_at,
        "replaced_by": session.replaced_by,
    }


def session_from(document: Mapping[str, Any]) -> Session:
    return Session(
        id=document["_id"],
        user_id=document["user_id"],
        refresh_hash=document["refresh_hash"],
        created_at=_utc(document["created_at"]),
        expires_at=_utc(document["expires_at"]),
        revoked_at=utc(document.get("revoked_at")),
        replaced_by=document.get("replaced_by"),
    )


# --- agents and relationships ---------------------------------------------------------------


def agent_document(agent: Agent) -> Document:
    emotions = agent.emotions
    return {
        "_id": agent.id,
        "name": agent.name,
        "mode": agent.mode,
        "identity": agent.identity,
        "personality": agent.personality,
        "emotions": {
            "values": emotions.values,
            "at": emotions.at,
            "baselines": emotions.baselines,
            "mood": emotions.mood,
            "reason": emotions.reason,
        },
        "birthdate": agent.birthdate,
        "idle_expression": agent.idle_expression,
        "version": agent.version,
    }


def agent_from(document: Mapping[str, Any]) -> Agent:
    emotions = document["emotions"]
    return Agent(
        id=document["_id"],
        name=document["name"],
        mode=document["mode"],
        identity=document["identity"],
        personality=dict(document.get("personality") or {}),
        emotions=EmotionalState(
            values=dict(emotions.get("values") or {}),
            at=_utc(emotions["at"]),
            baselines=dict(emotions.get("baselines") or {}),
            mood=dict(emotions.get("mood") or {}),
            reason=emotions.get("reason", ""),
        ),
        birthdate=_utc(document["birthdate"]),
        idle_expression=document.get("idle_expression", "neutral"),
        version=int(document.get("version", 0)),
    )


def sample_document(agent_id: str, state: EmotionalState) -> Document:
    """One emotion history entry: the state's values at the state's own time."""
    return {"agent_id": agent_id, "at": state.at, "values": state.values}


def sample_from(document: Mapping[str, Any]) -> EmotionSample:
    return EmotionSample(at=_utc(document["at"]), values=dict(document.get("values") or {}))


def relationship_document(relationship: Relationship) -> Document:
    """Without ``_id``: a relationship is found by its (agent_id, user_id) unique key."""
    return {
        "agent_id": relationship.agent_id,
        "user_id": relationship.user_id,
        "created_at": relationship.created_at,
        "intrinsic": relationship.intrinsic,
        "extrinsic": relationship.extrinsic,
        "sentiments": relationship.sentiments,
        "sentiments_at": relationship.sentiments_at,
        "summary": relationship.summary,
        "self_view": relationship.self_view,
        "last_contact": relationship.last_contact,
        "distilled_at": relationship.distilled_at,
        "version": relationship.version,
    }


def relationship_from(document: Mapping[str, Any]) -> Relationship:
    return Relationship(
        agent_id=document["agent_id"],
        user_id=document["user_id"],
        created_at=_utc(document["created_at"]),
        intrinsic=document.get("intrinsic", "none"),
        extrinsic=document.get("extrinsic", "stranger"),
        sentiments=dict(document.get("sentiments") or {}),
        sentiments_at=utc(document.get("sentiments_at")),
        summary=document.get("summary", ""),
        self_view=document.get("self_view", ""),
        last_contact=utc(document.get("last_contact")),
        distilled_at=utc(document.get("distilled_at")),
        version=int(document.get("version", 0)),
    )


# --- conversations and thoughts -------------------------------------------------------------


def conversation_from(document: Mapping[str, Any]) -> Conversation:
    return Conversation(
        id=document["_id"],
        agent_id=document["agent_id"],
        user_id=document["user_id"],
        created_at=_utc(document["created_at"]),
    )


def message_document(message: Message, seq: int) -> Document:
    return {
        "_id": message.id,
        "conversation_id": message.conversation_id,
        "seq": seq,
        "sender_id": message.sender_id,
        "sender_username": message.sender_username,
        "from_agent": message.from_agent,
        "message": message.message,
        "timestamp": message.timestamp,
        "purpose": message.purpose,
        "tone": message.tone,
        "expression": message.expression,
        "started_by_agent": message.started_by_agent,
        "reply_to": message.reply_to,
    }


def message_from(document: Mapping[str, Any]) -> Message:
    return Message(
        id=document["_id"],
        conversation_id=document["conversation_id"],
        sender_id=document["sender_id"],
        sender_username=document["sender_username"],
        from_agent=bool(document["from_agent"]),
        message=document["message"],
        timestamp=_utc(document["timestamp"]),
        purpose=document.get("purpose", ""),
        tone=document.get("tone", ""),
        expression=document.get("expression"),
        started_by_agent=bool(document.get("started_by_agent", False)),
        reply_to=document.get("reply_to"),
        seq=int(document["seq"]),
    )


def thought_document(thought: Thought) -> Document:
    return {
        "_id": thought.id,
        "agent_id": thought.agent_id,
        "thought": thought.thought,
        "created_at": thought.created_at,
    }


def thought_from(document: Mapping[str, Any]) -> Thought:
    return Thought(
        id=document["_id"],
        agent_id=document["agent_id"],
        thought=document["thought"],
        created_at=_utc(document["created_at"]),
    )


# --- memories -------------------------------------------------------------------------------


def memory_document(memory: Memory) -> Document:
    """The memory plus ``terms``, its word tokens for the search without a text index."""
    return {
        "_id": memory.id,
        "agent_id": memory.agent_id,
        "user_id": memory.user_id,
        "event": memory.event,
        "thoughts": memory.thoughts,
        "importance": memory.importance,
        "created_at": memory.created_at,
        "last_accessed": memory.last_accessed,
        "significance": memory.significance,
        "emotional_impact": memory.emotional_impact,
        "tags": list(memory.tags),
        "recall_count": memory.recall_count,
        "level": memory.level,
        "embedding": list(memory.embedding) if memory.embedding is not None else None,
        "terms": memory_terms(memory.event, memory.thoughts, memory.tags),
    }


def memory_from(document: Mapping[str, Any]) -> Memory:
    embedding = document.get("embedding")
    return Memory(
        id=document["_id"],
        agent_id=document["agent_id"],
        user_id=document.get("user_id"),
        event=document["event"],
        thoughts=document.get("thoughts", ""),
        importance=int(document["importance"]),
        created_at=_utc(document["created_at"]),
        last_accessed=_utc(document["last_accessed"]),
        significance=document.get("significance", "medium"),
        emotional_impact=dict(document.get("emotional_impact") or {}),
        tags=tuple(document.get("tags") or ()),
        recall_count=int(document.get("recall_count", 0)),
        level=int(document.get("level", 0)),
        embedding=tuple(embedding) if embedding is not None else None,
    )
