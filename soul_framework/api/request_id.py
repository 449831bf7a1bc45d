"""The request id: the client's ``X-Request-ID`` when it is a sane token, else a new uuid4."""

from __future__ import annotations

import re
import uuid

from quart import g, has_request_context, request

_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


def current_request_id() -> str:
    """The id of the request being handled (made on first use, then kept for the request)."""
    if not has_request_context():
        return str(uuid.uuid4())
    existing = g.get("request_id")
    if existing:
        return existing
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _SANE.fullmatch(offered) else str(uuid.uuid4())
    return g.request_id
