"""``/v1/`` and ``/v1/meta/*``: what the service is, and whether its parts are well."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import tag, validate_response

from soul_framework import API_VERSION
from soul_framework.api.state import app_state
from soul_framework.jobs.queues import queue_report
from soul_framework.masking import mask_credentials

blueprint = Blueprint("meta", __name__, url_prefix="/v1")


class ActiveAgent(BaseModel):
    active_agent: str


class Ping(BaseModel):
    status: Literal["ok"] = "ok"


class SemVer(BaseModel):
    major: int
    minor: int
    patch: int


class VersioningPolicy(BaseModel):
    url_versioning: str = "major"
    breaking_changes: str = "major-only"
    non_breaking_changes: str = "minor-or-patch"


class Version(BaseModel):
    version: str
    api_base_path: str = "/v1"
    semver: SemVer
    versioning_policy: VersioningPolicy = Field(default_factory=VersioningPolicy)


class LLMModels(BaseModel):
    fast: str
    quality: str


class LLMInfo(BaseModel):
    mode: Literal["hosted", "local"]
    provider: str
    base_url: str | None
    models: LLMModels
    configured: bool


class WorkerInfo(BaseModel):
    name: str
    state: str
    queues: list[str]


class QueueStatus(BaseModel):
    status: Literal["ok", "degraded"]
    timestamp: datetime
    redis_ok: bool
    worker_count: int
    workers: list[WorkerInfo]
    queues: dict[str, int]
    total_backlog: int


class PluginEntry(BaseModel):
    name: str
    version: str | None
    hooks: list[str]


class SelectedPlugins(BaseModel):
    emotion_model: str
    personality_schema: str
    llm_provider: str
    store: str


class PluginList(BaseModel):
    plugins: list[PluginEntry]
    selected: SelectedPlugins


@blueprint.get("/")
@tag(["meta"])
@validate_response(ActiveAgent)
async def root() -> ActiveAgent:
    """The name of the agent this service runs."""
    return ActiveAgent(active_agent=app_state().runtime.agent_name)


@blueprint.get("/meta/ping")
@tag(["meta"])
@validate_response(Ping)
async def ping() -> Ping:
    """Liveness: answers as long as the process serves HTTP."""
    return Ping()


@blueprint.get("/meta/version")
@tag(["meta"])
@validate_response(Version)
async def version() -> Version:
    """The contract's version and the versioning policy."""
    major, minor, patch = (int(part) for part in API_VERSION.split("."))
    return Version(version=API_VERSION, semver=SemVer(major=major, minor=minor, patch=patch))


@blueprint.get("/meta/llm")
@tag(["meta"])
@validate_response(LLMInfo)
async def llm() -> LLMInfo:
    """The selected language-model provider, its models and whether it is configured (never a
    key: credentials in the base URL are masked)."""
    runtime = app_state().runtime
    info = runtime.llm_provider.describe()
    return LLMInfo(
        mode=info.mode,
        provider=runtime.selection.llm_provider,
        base_url=mask_credentials(info.base_url) if info.base_url else None,
        models=LLMModels(**info.models),
        configured=info.configured,
    )


@blueprint.get("/meta/queue")
@tag(["meta"])
@validate_response(QueueStatus)
async def queue() -> QueueStatus:
    """Workers and backlog; ``degraded`` when no worker is alive, 503 when Redis is down."""
    report = await asyncio.to_thread(queue_report, app_state().redis_sync)
    return QueueStatus(
        status=report.status,  # type: ignore[arg-type]
        timestamp=report.timestamp,
        redis_ok=True,
        worker_count=len(report.workers),
        workers=[WorkerInfo(name=w.name, state=w.state, queues=w.queues) for w in report.workers],
        queues=report.queues,
        total_backlog=report.total_backlog,
    )


@blueprint.get("/meta/plugins")
@tag(["meta"])
@validate_response(PluginList)
async def plugins() -> PluginList:
    """Loaded plugins, their versions and hooks, and which one is selected per family."""
    runtime = app_state().runtime
    pm = runtime.pm
    entries = [
        PluginEntry(name=name, version=info.version, hooks=pm.hooks_of(name))
        for name, info in sorted(pm.info.items())
    ]
    return PluginList(plugins=entries, selected=SelectedPlugins(**runtime.selection.as_dict()))
