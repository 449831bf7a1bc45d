"""Server-sent event responses: the headers every stream needs, and the event format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from quart import Response

KEEP_ALIVE = ": keep-alive\n\n"
"""A comment line: keeps proxies and clients from taking a quiet stream for a dead one."""


def event_stream(events: AsyncIterator[str]) -> Response:
    """A ``text/event-stream`` response that proxies pass on at once and that stays open as
    long as ``events`` goes on (no response timeout)."""
    response = Response(events, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # proxies must not hold events back
    response.timeout = None
    return response


def sse(name: str, data: dict[str, Any]) -> str:
    """One event: its name and one line of JSON."""
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
