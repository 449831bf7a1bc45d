"""An idle keep-alive connection outlives the clients' own idle timeout (httpx: 5 s)."""

from __future__ import annotations

import socket
import time

import pytest

from soul_framework.testing.deployment import Deployment

pytestmark = pytest.mark.slow


def ping(connection: socket.socket) -> bytes:
    connection.sendall(b"GET /v1/meta/ping HTTP/1.1\r\nHost: soul\r\n\r\n")
    answer = b""
    while not complete(answer):
        chunk = connection.recv(65536)
        if not chunk:
            return answer  # closed by the server
        answer += chunk
    return answer


def complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    return len(body) >= length


def test_a_connection_idle_longer_than_a_clients_pool_keeps_still_serves(tmp_path, redis_url):
    service = Deployment(tmp_path, redis_url, {"SOUL_LOG_LEVEL": "WARNING"}).start(workers=0)
    try:
        host, port = service.base.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            assert ping(connection).startswith(b"HTTP/1.1 200")
            time.sleep(6.0)  # past httpx's 5 s keep-alive expiry (and Hypercorn's default)
            assert ping(connection).startswith(b"HTTP/1.1 200")
    finally:
        service.stop()
