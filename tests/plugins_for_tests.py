"""Small in-process plugins the tests register next to the bundled ones."""

from __future__ import annotations

from quart import Blueprint

from soul_framework import hookimpl

BUNDLED_PLUGIN_NAMES = (
    "emotions_lite",
    "emotions_rich",
    "llm_openai",
    "llm_ollama",
    "storage_mongo",
    "storage_sqlite",
    "thinking",
    "housekeeping",
)


class FailingRoutes:
    """Adds routes under /ext/test that fail in ways the error envelope must cover."""

    @hookimpl
    def register_blueprints(self, register):
        blueprint = Blueprint("failing", __name__, url_prefix="/ext/test")

        @blueprint.get("/boom")
        async def boom():
            raise RuntimeError("secret internals: /etc/passwd")

        @blueprint.post("/echo")
        async def echo():
            from quart import request

            return {"received": await request.get_json()}

        @blueprint.post("/ignore")
        async def ignore():
            return {"ignored": True}

        register(blueprint)


class UserLookupRoute:
    """A route that reads the store, to see how the API behaves when the store is away."""

    @hookimpl
    def register_blueprints(self, register):
        from soul_framework.api.state import app_state

        blueprint = Blueprint("lookup", __name__, url_prefix="/ext/test")

        @blueprint.get("/users/<user_id>")
        async def lookup(user_id: str):
            user = await app_state().runtime.store.get_user(user_id)
            return {"found": user is not None}

        register(blueprint)
