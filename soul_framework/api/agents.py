"""``/v1/agents/*``: the active agent as anyone signed in may see it, and its feelings over time.

What is shown is the agent's own: its identity, personality, decayed emotions, the tags of its
own memories (never those about a user) and its idle expression.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import security_scheme, tag, validate_querystring, validate_response

from soul_framework.api.guard import require_principal
from soul_framework.api.query_values import Instant
from soul_framework.api.state import app_state
from soul_framework.domain.agent import Agent, EmotionalState
from soul_framework.domain.ids import utcnow
from soul_framework.domain.memory import MemoryScope
from soul_framework.errors import NotFound
from soul_framework.mind.agents import ensure_agent
from soul_framework.runtime import Runtime

blueprint = Blueprint("agents", __name__, url_prefix="/v1/agents")

MEMORY_TAGS_SHOWN = 20
HISTORY_LIMIT_DEFAULT = 500
HISTORY_LIMIT_MAX = 5000


class AgentNotFound(NotFound):
    code = "agent_not_found"
    message = "The active agent could not be found."


class Level(BaseModel):
    description: str
    value: float
    min: float = 0
    max: float = 100


class EmotionalStatus(BaseModel):
    emotions: dict[str, Level]
    reason: str


class AgentView(BaseModel):
    id: str
    name: str
    identity: str
    personality: dict[str, Any]
    memory_tags: list[str]
    emotional_status: EmotionalStatus
    global_expression: str
    birthdate: datetime


class ActiveAgentReply(BaseModel):
    agent: AgentView


class AgentName(BaseModel):
    name: str


class AllAgentsReply(BaseModel):
    agents: dict[str, list[AgentName]]
    """``normal`` (the rich model and any other) and ``lite``, as the old API grouped them."""


class HistoryQuery(BaseModel):
    since: Instant | None = None
    """Only samples taken at or after this instant."""
    limit: int = Field(default=HISTORY_LIMIT_DEFAULT, ge=1, le=HISTORY_LIMIT_MAX)
    """The most samples, the latest ones, 1..5000."""


class Sample(BaseModel):
    at: datetime
    values: dict[str, float]


class EmotionInfo(BaseModel):
    name: str
    description: str


class HistoryReply(BaseModel):
    agent_id: str
    emotions: list[EmotionInfo]
    """Each emotion's name and description, in the model's order (a chart's legend)."""
    samples: list[Sample]
    """Oldest first; the last one is the state now, decayed, so a chart reaches the present."""


def emotional_status(runtime: Runtime, state: EmotionalState) -> EmotionalStatus:
    descriptions = runtime.emotion_model.emotions
    return EmotionalStatus(
        emotions={
            name: Level(description=descriptions[name], value=round(state.values.get(name, 0), 2))
            for name in descriptions
        },
        reason=state.reason,
    )


async def active_agent(runtime: Runtime) -> Agent:
    """The active agent as stored now (created from the persona the first time)."""
    agent = await ensure_agent(runtime.store, runtime.newborn_agent(utcnow()))
    if agent is None:  # pragma: no cover - a store that lost what it just stored
        raise AgentNotFound()
    return agent


@blueprint.get("/active")
@tag(["agents"])
@security_scheme([{"bearerAuth": []}])
@validate_response(ActiveAgentReply)
async def get_active() -> ActiveAgentReply:
    """The active agent: identity, personality, feelings now, and its own memory tags."""
    await require_principal()
    runtime = app_state().runtime
    agent = await active_agent(runtime)
    now = utcnow()
    tags = await runtime.store.memory_tags(
        agent.id, MemoryScope(user_id=None), limit=MEMORY_TAGS_SHOWN
    )
    return ActiveAgentReply(
        agent=AgentView(
            id=agent.id,
            name=agent.name,
            identity=agent.identity,
            personality=runtime.personality_schema.api_view(agent.personality),
            memory_tags=tags,
            emotional_status=emotional_status(
                runtime, runtime.emotion_model.current(agent.emotions, now)
            ),
            global_expression=runtime.persona.expression_or_neutral(agent.idle_expression),
            birthdate=agent.birthdate,
        )
    )


@blueprint.get("/all")
@tag(["agents"])
@security_scheme([{"bearerAuth": []}])
@validate_response(AllAgentsReply)
async def get_all() -> AllAgentsReply:
    """Every agent this store knows, grouped as ``normal`` and ``lite``."""
    await require_principal()
    runtime = app_state().runtime
    await active_agent(runtime)
    grouped: dict[str, list[AgentName]] = {"normal": [], "lite": []}
    for agent in sorted(await runtime.store.list_agents(), key=lambda a: a.name.lower()):
        grouped["lite" if agent.mode == "lite" else "normal"].append(AgentName(name=agent.name))
    return AllAgentsReply(agents=grouped)


@blueprint.get("/active/emotions/history")
@tag(["agents"])
@security_scheme([{"bearerAuth": []}])
@validate_querystring(HistoryQuery)
@validate_response(HistoryReply)
async def get_history(query_args: HistoryQuery) -> HistoryReply:
    """The active agent's emotion values over time, for charts (``since``, ``limit``)."""
    await require_principal()
    runtime = app_state().runtime
    agent = await active_agent(runtime)
    samples = await runtime.store.emotion_history(
        agent.id, since=query_args.since, limit=query_args.limit
    )
    now = runtime.emotion_model.current(agent.emotions, utcnow())
    points = [Sample(at=s.at, values=_rounded(s.values)) for s in samples]
    points.append(Sample(at=now.at, values=_rounded(now.values)))
    return HistoryReply(
        agent_id=agent.id,
        emotions=[
            EmotionInfo(name=name, description=text)
            for name, text in runtime.emotion_model.emotions.items()
        ],
        samples=points,
    )


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {name: round(value, 2) for name, value in values.items()}
