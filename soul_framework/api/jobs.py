"""``/v1/jobs/{id}`` and its server-sent events: a job's state, only for its owner."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Response
from quart_schema import document_response, security_scheme, tag
from redis.exceptions import RedisError

from soul_framework.api.guard import bearer_token, require_counted_principal
from soul_framework.api.sse import KEEP_ALIVE, event_stream, sse
from soul_framework.api.state import app_state
from soul_framework.api.stream_lease import StreamLease, lease_stream
from soul_framework.errors import NotFound, QueueUnavailable
from soul_framework.jobs.events import RESYNC, EventHub
from soul_framework.jobs.state import CHANNEL, JobStates, JobView

blueprint = Blueprint("jobs", __name__, url_prefix="/v1/jobs")


class JobResult(BaseModel):
    response: str | None
    time: float
    expression: str


class JobStatus(BaseModel):
    job_id: str
    status: str
    progress: float | None
    result: JobResult | None = None
    error: str | None = None


async def _owned_view(job_id: str, user_id: str, jobs: JobStates | None = None) -> JobView:
    try:
        view = await (jobs or app_state().jobs).view(job_id)
    except (RedisError, OSError) as exc:
        raise QueueUnavailable() from exc
    # Another user's job is as unknown as a job that never was: no 403, nothing revealed.
    if view is None or view.owner != user_id:
        raise NotFound()
    return view


@blueprint.get("/<job_id>")
@tag(["jobs"])
@security_scheme([{"bearerAuth": []}])
@document_response(JobStatus)
async def job_status(job_id: str) -> dict[str, Any]:
    """The job's status and, once it succeeded, its result (``error`` once it failed)."""
    principal, _ = await require_counted_principal(
        "poll", app_state().runtime.settings.soul_rate_limit_poll
    )
    return (await _owned_view(job_id, principal.user_id)).as_json()


@blueprint.get("/<job_id>/events")
@tag(["jobs"])
async def job_events(job_id: str) -> Response:
    """Server-sent events: ``status`` (a snapshot) at once, then ``progress`` and ``token``
    as they happen, last ``done``; a ``: keep-alive`` comment every 15 s
    (``SOUL_SSE_KEEPALIVE_SECONDS``); ``error`` (the error envelope) instead of ``done`` when
    the session is revoked or the token expires first. Opening one counts against
    ``SOUL_RATE_LIMIT_EVENTS``, and a user holds at most ``SOUL_MAX_STREAMS_PER_USER`` streams.
    The token may come in the ``access_token`` query parameter (EventSource cannot send
    headers)."""
    state = app_state()
    principal, _ = await require_counted_principal(
        "events", state.runtime.settings.soul_rate_limit_events, allow_query=True
    )
    await _owned_view(job_id, principal.user_id)
    # The stream outlives the request context: it gets what it needs now.
    lease = await lease_stream(principal, bearer_token(allow_query=True) or "")
    # A stream lives as long as its job, or its session if that ends first.
    return event_stream(_stream(job_id, lease, state.jobs, state.hub))


async def _stream(
    job_id: str, lease: StreamLease, jobs: JobStates, hub: EventHub
) -> AsyncIterator[str]:
    user_id = lease.principal.user_id
    try:
        async with hub.listen(CHANNEL.format(job_id), lease.ended_channel) as queue:
            # Subscribed first, then the snapshot: nothing published in between is lost.
            view = await _owned_view(job_id, user_id, jobs)
            yield sse("status", view.as_json())
            if view.terminal:
                yield sse("done", view.as_json())
                return
            async for raw in lease.feed(queue):
                if raw is None:
                    yield KEEP_ALIVE
                    continue
                if raw == RESYNC:
                    view = await _owned_view(job_id, user_id, jobs)
                    if view.terminal:
                        yield sse("done", view.as_json())
                        return
                    continue
                message = json.loads(raw)
                yield sse(message["event"], message["data"])
                if message["event"] == "done":
                    return
            yield lease.farewell()
    finally:
        lease.close()
