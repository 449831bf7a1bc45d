"""Messages the agent starts on its own, pushed to the user's open streams.

The message is stored first (a user who is offline finds it in the conversation); then it is
published on the user's channel, which every API process fans out to that user's
``GET /v1/messages/stream`` clients through its one pub/sub connection.
"""

from __future__ import annotations

import json

import redis.asyncio

from soul_framework.domain.conversation import Message, message_to_json

USER_CHANNEL = "user:{}:messages"


async def deliver(client: redis.asyncio.Redis, user_id: str, message: Message) -> None:
    """Publish a stored message to ``user_id``'s streams (no one listening is fine)."""
    payload = {"event": "message", "data": message_to_json(message)}
    await client.publish(USER_CHANNEL.format(user_id), json.dumps(payload, separators=(",", ":")))
