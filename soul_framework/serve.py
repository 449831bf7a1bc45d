"""``soul serve``: the API alone on Hypercorn, for production (one process per replica)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from hypercorn.asyncio import serve
from hypercorn.config import Config

from soul_framework.api import create_app
from soul_framework.config import Settings

GRACEFUL_TIMEOUT_SECONDS = 10.0


KEEP_ALIVE_SECONDS = 75.0
"""How long an idle keep-alive connection stays open."""


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.include_server_header = False  # no server banner with versions
    config.accesslog = None  # the app logs one line per request, with its request id
    config.errorlog = logging.getLogger("hypercorn.error")  # through our handlers, once
    config.graceful_timeout = GRACEFUL_TIMEOUT_SECONDS
    # Longer than clients keep idle connections (httpx: 5 s, Hypercorn's own default too):
    # with equal timeouts a client may send a request on a connection as the server closes
    # it, and the request fails (seen as one broken event stream in 1,000 under load).
    config.keep_alive_timeout = KEEP_ALIVE_SECONDS
    return config


async def serve_api(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then finish open requests and stop."""
    app = create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers; Ctrl-C still raises KeyboardInterrupt there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(app, hypercorn_config(host, port), shutdown_trigger=stop.wait)
