"""``/v1/thoughts/latest``: what the active agent last thought on its own.

A thought is the agent's own, so anyone signed in may read it; the thinking that writes it sees
only the agent's own memories, never a user's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from quart import Blueprint
from quart_schema import security_scheme, tag, validate_response

from soul_framework.api.guard import require_principal
from soul_framework.api.state import app_state
from soul_framework.errors import NotFound

blueprint = Blueprint("thoughts", __name__, url_prefix="/v1/thoughts")


class ThoughtNotFound(NotFound):
    code = "thought_not_found"
    message = "No thought yet."


class ThoughtView(BaseModel):
    id: str
    thought: str
    timestamp: datetime
    """When the agent had the thought."""
    agent_name: str


class LatestThoughtReply(BaseModel):
    latest_thought: ThoughtView


@blueprint.get("/latest")
@tag(["thoughts"])
@security_scheme([{"bearerAuth": []}])
@validate_response(LatestThoughtReply)
async def get_latest() -> LatestThoughtReply:
    """The active agent's most recent thought; 404 ``thought_not_found`` before its first."""
    await require_principal()
    runtime = app_state().runtime
    thought = await runtime.store.latest_thought(runtime.agent_id)
    if thought is None:
        raise ThoughtNotFound()
    return LatestThoughtReply(
        latest_thought=ThoughtView(
            id=thought.id,
            thought=thought.thought,
            timestamp=thought.created_at.astimezone(UTC),
            agent_name=runtime.agent_name,
        )
    )
