"""``/v1/messages/submit``: a message in, a job out (202); the reply comes from a worker."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints
from quart import Blueprint
from quart_schema import security_scheme, tag, validate_request, validate_response
from redis.exceptions import RedisError

from soul_framework.api.guard import require_counted_principal
from soul_framework.api.state import app_state
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.scope import Scope, ScopedText
from soul_framework.errors import QueueUnavailable
from soul_framework.jobs.turns import enqueue_turn

log = logging.getLogger(__name__)

blueprint = Blueprint("messages", __name__, url_prefix="/v1/messages")

RETRY_AFTER_SECONDS = "3"


class SubmitBody(BaseModel):
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    type: Literal["dm", "group"] = "dm"


class SubmitReply(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"


@blueprint.post("/submit")
@tag(["messages"])
@security_scheme([{"bearerAuth": []}])
@validate_request(SubmitBody)
@validate_response(SubmitReply, 202)
async def submit(data: SubmitBody) -> tuple[SubmitReply, int, dict[str, str]]:
    """Send a message; poll ``Location`` (or stream its events) for the reply."""
    state = app_state()
    runtime = state.runtime
    principal, counted = await require_counted_principal(
        "submit", runtime.settings.soul_rate_limit_submit
    )
    # Redis answering the limiter is the check that the queue can take the job: the message
    # is stored only then, so a client that retries after a 503 leaves no duplicate behind.
    if not counted:
        raise QueueUnavailable()
    now = utcnow()
    conversation = await runtime.store.conversation(runtime.agent_id, principal.user_id, at=now)
    # Stored before anything else can fail: the message is kept even when no reply comes.
    message = await runtime.store.append_message(
        Message(
            id=new_id(),
            conversation_id=conversation.id,
            sender_id=principal.user_id,
            sender_username=principal.username,
            from_agent=False,
            message=ScopedText(data.message, Scope.user(principal.user_id)),  # their own words
            timestamp=now,
        )
    )
    job_id = new_id()
    payload = {
        "job_id": job_id,
        "user_id": principal.user_id,
        "username": principal.username,
        "agent_id": runtime.agent_id,
        "agent_name": runtime.agent_name,
        "conversation_id": conversation.id,
        "message_id": message.id,
        "message": data.message,
        "type": data.type,
    }
    try:
        its_turn = await state.jobs.create(job_id, principal.user_id, payload)
    except (RedisError, OSError) as exc:
        raise QueueUnavailable() from exc
    if its_turn:
        try:
            await asyncio.to_thread(
                enqueue_turn, state.redis_sync, runtime.settings, job_id, payload
            )
        except (RedisError, OSError) as exc:
            # The job is recorded: the sweeper queues it within a minute. Refusing it now
            # would leave it recorded, and a client sending the message again would have two.
            log.warning("job %s recorded but not queued (%r); the sweeper will", job_id, exc)
    headers = {"Location": f"/v1/jobs/{job_id}", "Retry-After": RETRY_AFTER_SECONDS}
    return SubmitReply(job_id=job_id), 202, headers
