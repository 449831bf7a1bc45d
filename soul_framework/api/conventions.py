"""Rules every response follows: version and request-id headers, CORS, size limit, access log."""

from __future__ import annotations

import logging
import time
from typing import Any

from quart import Quart, Request, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from soul_framework import API_VERSION
from soul_framework.api.envelope import InvalidBody
from soul_framework.api.request_id import current_request_id
from soul_framework.config import Settings

access_log = logging.getLogger("soul_framework.access")

CORS_ALLOW_HEADERS = "Content-Type, Authorization, X-CSRF-Token, X-Request-ID"
CORS_EXPOSE_HEADERS = "X-Request-ID, X-API-Version, Location, Retry-After"
CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_MAX_AGE_SECONDS = "600"


class SoulRequest(Request):
    """A request whose body, when a route asks for JSON and gets something else, is a 422
    validation error, as in the old API: bad syntax, bad UTF-8, nesting too deep for the
    parser, or a body not sent as ``application/json``."""

    def on_json_loading_failed(self, error: Exception) -> None:
        raise InvalidBody(f"The body is not valid JSON: {error}") from error

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if not (force or silent or self.is_json):
            raise InvalidBody("The body must be JSON, sent with Content-Type: application/json.")
        try:
            return await super().get_json(force=force, silent=silent, cache=cache)
        except UnicodeDecodeError as error:
            if silent:
                return None
            raise InvalidBody("The body is not valid UTF-8.") from error
        except RecursionError as error:
            # The parser recurses once per level: a body of many "[" (well under the size
            # limit) would otherwise escape as a 500.
            if silent:
                return None
            raise InvalidBody("The body is nested too deeply.") from error


def install_conventions(app: Quart, settings: Settings) -> None:
    app.request_class = SoulRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.soul_max_body_bytes
    origins = settings.cors_origins

    @app.before_request
    async def _start() -> Response | None:
        g.started = time.perf_counter()
        current_request_id()
        # Refuse an announced oversized body before reading it, whatever the route does with it.
        length = request.content_length
        if length is not None and length > settings.soul_max_body_bytes:
            raise RequestEntityTooLarge()
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return Response("", status=204)
        return None

    @app.after_request
    async def _finish(response: Response) -> Response:
        response.headers["X-API-Version"] = API_VERSION
        response.headers["X-Request-ID"] = current_request_id()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        _apply_cors(response, origins)
        _log_access(response)
        return response


def _apply_cors(response: Response, origins: frozenset[str]) -> None:
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "").rstrip("/")
    if not origin or origin not in origins:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE_SECONDS


def _log_access(response: Response) -> None:
    started = g.get("started")
    elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
    # The path only: query strings can carry tokens (SSE's access_token).
    access_log.info(
        "%s %s %d %.1fms request_id=%s",
        request.method,
        request.path,
        response.status_code,
        elapsed_ms,
        current_request_id(),
    )
