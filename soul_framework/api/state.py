"""What the app keeps for its whole life, reachable from any request."""

from __future__ import annotations

from dataclasses import dataclass

import redis
import redis.asyncio
from quart import current_app

from soul_framework.auth.service import AuthService
from soul_framework.jobs.events import EventHub
from soul_framework.jobs.state import JobStates
from soul_framework.runtime import Runtime


@dataclass
class AppState:
    runtime: Runtime
    redis_sync: redis.Redis
    """Blocking client for RQ's API (run in a thread); reconnects on its own."""
    redis: redis.asyncio.Redis
    """The event loop's client: session checks, rate limits, events."""
    auth: AuthService
    jobs: JobStates
    hub: EventHub


def app_state() -> AppState:
    return current_app.extensions["soul"]
