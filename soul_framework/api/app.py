"""``create_app``: the Quart application serving the /v1 contract."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from quart import Quart
from quart_schema import HttpSecurityScheme, Info, QuartSchema

from soul_framework import API_VERSION
from soul_framework.api import (
    agents,
    auth,
    conversation,
    expressions,
    jobs,
    message_stream,
    messages,
    meta,
    thoughts,
)
from soul_framework.api.conventions import install_conventions
from soul_framework.api.envelope import install_error_handlers
from soul_framework.api.openapi_document import ContractOpenAPIProvider
from soul_framework.api.state import AppState
from soul_framework.auth.service import AuthService
from soul_framework.config import Settings, load_settings
from soul_framework.console import blueprint as console_blueprint
from soul_framework.domain.ids import utcnow
from soul_framework.errors import SoulError
from soul_framework.jobs.connection import async_redis, sync_redis
from soul_framework.jobs.events import EventHub
from soul_framework.jobs.state import JobStates
from soul_framework.jobs.sweeper import keep_sweeping
from soul_framework.mind.agents import ensure_agent
from soul_framework.runtime import Runtime
from soul_framework.scheduling import keep_scheduling, scheduled_tasks

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> Quart:
    """Build the API app: plugins loaded, routes mounted, conventions and errors installed.

    Refuses to build with unsafe secrets outside development (see ``Settings.check_secrets``)
    and with a configuration no plugin can satisfy.
    """
    settings = settings or load_settings()
    settings.check_secrets()
    runtime = runtime or Runtime.build(settings, extra_plugins)

    # No catch-all /static route: expression images have their own, and nothing else is static.
    app = Quart("soul_framework", static_folder=None)
    # Errors must reach our handlers (and the envelope) even under app.testing.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = async_redis(settings)
    app.extensions["soul"] = AppState(
        runtime=runtime,
        redis_sync=sync_redis(settings),
        redis=client,
        auth=AuthService(settings, runtime.store, client),
        jobs=JobStates(client, settings.soul_job_result_ttl_seconds),
        hub=EventHub(client),
    )

    QuartSchema(
        app,
        openapi_path="/openapi.json",
        swagger_ui_path="/docs",
        redoc_ui_path="/redoc",
        scalar_ui_path=None,
        info=Info(title="Synthetic Soul API", version=API_VERSION),
        security_schemes={"bearerAuth": HttpSecurityScheme(scheme="bearer", bearer_format="JWT")},
        conversion_preference="pydantic",
        openapi_provider_class=ContractOpenAPIProvider,
    )
    install_conventions(app, settings)
    install_error_handlers(app)

    app.register_blueprint(meta.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(messages.blueprint)
    app.register_blueprint(conversation.blueprint)
    app.register_blueprint(message_stream.blueprint)
    app.register_blueprint(jobs.blueprint)
    app.register_blueprint(agents.blueprint)
    app.register_blueprint(thoughts.blueprint)
    app.register_blueprint(expressions.blueprint)
    app.register_blueprint(console_blueprint)
    for plugin_name, blueprint in runtime.registry.blueprints:
        log.info("mounting blueprint %r from plugin %r", blueprint.name, plugin_name)
        app.register_blueprint(blueprint)

    background: list[asyncio.Task[None]] = []

    @app.before_serving
    async def _open() -> None:
        try:
            await runtime.store.open()
            await ensure_agent(runtime.store, runtime.newborn_agent(utcnow()))
        except SoulError as exc:
            # Serve anyway: requests that need the store answer 503 until it is back.
            log.warning("store %r not ready at start: %s", runtime.selection.store, exc)
        state: AppState = app.extensions["soul"]
        background.append(
            asyncio.create_task(
                keep_sweeping(state.jobs, state.redis_sync, settings, runtime.store)
            )
        )
        tasks = scheduled_tasks(runtime)
        if tasks:
            background.append(
                asyncio.create_task(keep_scheduling(state.redis_sync, settings, tasks))
            )

    @app.after_serving
    async def _close() -> None:
        state: AppState = app.extensions["soul"]
        for task in background:
            task.cancel()
        await state.hub.aclose()
        await runtime.aclose()
        state.auth.close()
        state.redis_sync.close()
        await state.redis.aclose()

    return app
