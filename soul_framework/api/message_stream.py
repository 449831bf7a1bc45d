"""``GET /v1/messages/stream`` [1.2]: the messages the agent starts on its own, as they come.

One stream per user and connection; only that user's messages ever reach it. Each is sent as
``event: message`` with the message object of ``/v1/messages/conversation``. A message sent
while no stream was open (or while the connection to Redis was being re-made) is not replayed
here: it is in the conversation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from quart import Blueprint, Response
from quart_schema import tag

from soul_framework.api.conversation import message_view
from soul_framework.api.guard import require_principal
from soul_framework.api.sse import event_stream
from soul_framework.api.state import app_state
from soul_framework.domain.conversation import message_from_json
from soul_framework.jobs.deliveries import USER_CHANNEL
from soul_framework.jobs.events import RESYNC, EventHub

blueprint = Blueprint("message_stream", __name__, url_prefix="/v1/messages")


@blueprint.get("/stream")
@tag(["messages"])
async def message_stream() -> Response:
    """Server-sent events: ``message`` for each message the agent writes to you on its own; a
    ``: keep-alive`` comment every ``SOUL_SSE_KEEPALIVE_SECONDS``. The token may come in the
    ``access_token`` query parameter (EventSource cannot send headers)."""
    principal = await require_principal(allow_query=True)
    state = app_state()
    keepalive = state.runtime.settings.soul_sse_keepalive_seconds
    # Open for as long as the user keeps it open.
    return event_stream(_stream(principal.user_id, state.hub, keepalive))


async def _stream(user_id: str, hub: EventHub, keepalive: float) -> AsyncIterator[str]:
    async with hub.listen(USER_CHANNEL.format(user_id)) as queue:
        yield ": connected\n\n"
        while True:
            try:
                raw = await asyncio.wait_for(queue.get(), keepalive)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if raw == RESYNC:
                continue
            event = json.loads(raw)
            view = message_view(message_from_json(event["data"]))
            yield f"event: message\ndata: {view.model_dump_json()}\n\n"
