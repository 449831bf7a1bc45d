"""Redis connections built from the settings (``REDIS_URL``, ``REDIS_TLS_URL`` and TLS options).

RQ needs a connection that returns bytes (it stores compressed job data), so every client made
here leaves ``decode_responses`` off.
"""

from __future__ import annotations

import ssl
from typing import Any

import redis
import redis.asyncio

from soul_framework.config import Settings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_SECONDS = 2.0
"""Short, so that an unreachable Redis turns into a 503 quickly instead of a hung request."""
SOCKET_TIMEOUT_SECONDS = 10.0


def redis_url(settings: Settings) -> str:
    """``REDIS_TLS_URL`` wins over ``REDIS_URL`` (as in the old API); else a local Redis."""
    return settings.redis_tls_url or settings.redis_url or DEFAULT_REDIS_URL


def _options(settings: Settings, url: str, socket_timeout: float | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS if socket_timeout is None else socket_timeout,
        "health_check_interval": 30,
        "retry_on_timeout": False,
    }
    if url.startswith("rediss://"):
        if settings.redis_ca_cert:
            options["ssl_ca_certs"] = settings.redis_ca_cert
        if settings.redis_tls_insecure_skip_verify:
            options["ssl_cert_reqs"] = ssl.CERT_NONE
            options["ssl_check_hostname"] = False
    return options


def sync_redis(settings: Settings, *, socket_timeout: float | None = None) -> redis.Redis:
    """A blocking client for RQ (queues, workers, job status). Reconnects on its own.

    ``socket_timeout`` (seconds; default :data:`SOCKET_TIMEOUT_SECONDS`) bounds the wait for
    any one answer: a worker's connection needs more than its longest blocking pop."""
    url = redis_url(settings)
    return redis.Redis.from_url(url, **_options(settings, url, socket_timeout))


def async_redis(settings: Settings) -> redis.asyncio.Redis:
    """An asyncio client for the API process (rate limits, pub/sub, session checks).

    Its pool holds up to ``SOUL_REDIS_MAX_CONNECTIONS`` (redis-py's default of 100 turned
    bursts of concurrent requests into 503s).
    """
    url = redis_url(settings)
    return redis.asyncio.Redis.from_url(
        url, max_connections=settings.soul_redis_max_connections, **_options(settings, url)
    )
