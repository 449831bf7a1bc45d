"""``GET /v1/messages/stream`` [1.2]: the messages the agent starts on its own, as they come.

One stream per user and connection; only that user's messages ever reach it. Each is sent as
``event: message`` with the message object of ``/v1/messages/conversation``. A message sent
while no stream was open (or while the connection to Redis was being re-made) is not replayed
here: it is in the conversation. The stream ends with its session (see
``soul_framework.api.stream_lease``); a user holds at most ``SOUL_MAX_STREAMS_PER_USER`` streams.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from quart import Blueprint, Response
from quart_schema import tag

from soul_framework.api.conversation import message_view
from soul_framework.api.guard import bearer_token, require_principal
from soul_framework.api.sse import KEEP_ALIVE, event_stream
from soul_framework.api.state import app_state
from soul_framework.api.stream_lease import StreamLease, lease_stream
from soul_framework.domain.conversation import message_from_json
from soul_framework.jobs.deliveries import USER_CHANNEL
from soul_framework.jobs.events import RESYNC, EventHub

blueprint = Blueprint("message_stream", __name__, url_prefix="/v1/messages")


@blueprint.get("/stream")
@tag(["messages"])
async def message_stream() -> Response:
    """Server-sent events: ``message`` for each message the agent writes to you on its own; a
    ``: keep-alive`` comment every ``SOUL_SSE_KEEPALIVE_SECONDS``; ``error`` (the error
    envelope) just before it closes when the session is revoked or the token expires. The token
    may come in the ``access_token`` query parameter (EventSource cannot send headers)."""
    principal = await require_principal(allow_query=True)
    lease = await lease_stream(principal, bearer_token(allow_query=True) or "")
    # Open for as long as the user keeps it open and the session lasts.
    return event_stream(_stream(lease, app_state().hub))


async def _stream(lease: StreamLease, hub: EventHub) -> AsyncIterator[str]:
    channel = USER_CHANNEL.format(lease.principal.user_id)
    try:
        async with hub.listen(channel, lease.ended_channel) as queue:
            yield ": connected\n\n"
            async for raw in lease.feed(queue):
                if raw is None:
                    yield KEEP_ALIVE
                    continue
                if raw == RESYNC:
                    continue
                event = json.loads(raw)
                view = message_view(message_from_json(event["data"]))
                yield f"event: message\ndata: {view.model_dump_json()}\n\n"
            yield lease.farewell()
    finally:
        lease.close()
