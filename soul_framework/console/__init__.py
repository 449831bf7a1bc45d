"""``/console``: a small web console for the active agent, served by the API itself.

The page is plain HTML, CSS and JavaScript from ``static/`` (no build step, nothing fetched
from elsewhere). It signs in as a guest, shows the agent's name, face, emotions, their history
and latest thought, and chats through ``/v1/messages/submit`` and the job's event stream.

Console responses carry their own Content-Security-Policy (``CONSOLE_POLICY``): every script,
style and request comes from this origin, and images from it or ``data:`` URLs.
"""

from __future__ import annotations

from pathlib import Path

from quart import Blueprint, Response, send_from_directory
from quart_schema import hide

from soul_framework.errors import NotFound

STATIC_FOLDER = Path(__file__).parent / "static"
ASSETS = frozenset({"index.html", "app.js", "style.css"})
"""The files the console serves; any other name is 404 without touching the disk."""

CONSOLE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'"
)
CACHE_SECONDS = 60
"""Short, so a new release's page and script are picked up within a minute."""

blueprint = Blueprint("console", __name__)


@blueprint.get("/console")
@blueprint.get("/console/")
@hide
async def console_page() -> Response:
    """The console's page."""
    return await _asset("index.html")


@blueprint.get("/console/<asset>")
@hide
async def console_asset(asset: str) -> Response:
    """One of the console's static files (``app.js``, ``style.css``)."""
    if asset not in ASSETS:
        raise NotFound()
    return await _asset(asset)


async def _asset(name: str) -> Response:
    return await send_from_directory(STATIC_FOLDER, name, cache_timeout=CACHE_SECONDS)


@blueprint.after_request
async def _set_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_POLICY
    # The page puts its access token in event-stream URLs (EventSource sends no headers):
    # no URL of the console's may travel on as a Referer.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
