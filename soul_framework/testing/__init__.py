"""Helpers for testing Synthetic Soul and its plugins against real parts.

``redis_for_tests()`` gives a real Redis: the one ``REDIS_URL`` names when it answers, else an
embedded server in a temporary folder. Each use claims a database number nobody else is using
and empties it afterwards, so test runs do not see each other's keys.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

from soul_framework.embedded_redis import EmbeddedRedis

CLAIM_KEY = "soul-framework:test-claim"
CLAIM_SECONDS = 6 * 3600
DATABASES = range(15, 0, -1)  # leave database 0 to whatever else uses this Redis


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reachable(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("db="))
        return f"unix://{parts.path}?" + "&".join(filter(None, [query, f"db={db}"]))
    return urlunsplit(parts._replace(path=f"/{db}"))


def _claim_database(base_url: str) -> tuple[str, redis.Redis]:
    token = str(uuid.uuid4())
    for db in DATABASES:
        url = _with_db(base_url, db)
        client = redis.Redis.from_url(url)
        if client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS) and client.dbsize() == 1:
            return url, client
        if client.get(CLAIM_KEY) == token.encode():
            client.delete(CLAIM_KEY)
        client.close()
    raise RuntimeError(f"every Redis database 1..15 at {base_url} is in use by other test runs")


@contextlib.contextmanager
def redis_for_tests() -> Iterator[str]:
    """Yield the URL of a real, empty Redis database for one test run; clean it afterwards."""
    url = os.environ.get("REDIS_URL")
    embedded: EmbeddedRedis | None = None
    if not url or not _reachable(url):
        folder = Path(tempfile.mkdtemp(prefix="soul-test-redis-"))
        embedded = EmbeddedRedis(folder, persistent=False)
        url = embedded.start()
    claimed_url, client = _claim_database(url)
    try:
        yield claimed_url
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()
        if embedded is not None:
            embedded.stop()
