"""Response headers of a real server (Hypercorn, as ``soul serve`` runs it): no banner that
names software or versions, ``nosniff`` everywhere, the contract's headers on every kind of
answer, and token replies that no cache keeps."""

from __future__ import annotations

import socket

import httpx
import pytest

from soul_framework import API_VERSION
from soul_framework.testing.deployment import Deployment

# A sample of every kind of answer: JSON success, each error status the app makes itself,
# HTML docs, the OpenAPI document, an image, a CORS preflight and an event stream.
PLAIN_REQUESTS = [
    ("GET", "/v1/meta/ping", {}, None, 200),
    ("GET", "/openapi.json", {}, None, 200),
    ("GET", "/docs", {}, None, 200),
    ("GET", "/static/expressions/jasmine/neutral", {}, None, 200),
    ("GET", "/v1/nothing-here", {}, None, 404),
    ("DELETE", "/v1/meta/ping", {}, None, 405),
    ("GET", "/v1/auth/me", {}, None, 401),
    ("POST", "/v1/auth/login", {"Content-Type": "application/json"}, b"[]", 422),
    ("POST", "/v1/auth/login", {"Content-Type": "application/json"}, b"x" * 300_000, 413),
    (
        "OPTIONS",
        "/v1/messages/submit",
        {"Origin": "https://ui.example.org", "Access-Control-Request-Method": "POST"},
        None,
        204,
    ),
]


@pytest.fixture(scope="module")
def server(development: Deployment) -> Deployment:
    return development


def assert_safe_headers(headers: httpx.Headers) -> None:
    assert "server" not in headers, f"server banner: {headers.get('server')}"
    assert "x-powered-by" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-api-version"] == API_VERSION
    assert headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    PLAIN_REQUESTS,
    ids=[f"{m} {p} {s}" for m, p, _, _, s in PLAIN_REQUESTS],
)
def test_every_kind_of_answer_has_safe_headers(
    server: Deployment,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
) -> None:
    reply = httpx.request(method, f"{server.base}{path}", headers=headers, content=body)
    assert reply.status_code == status
    assert_safe_headers(reply.headers)


def test_an_event_stream_has_safe_headers(server: Deployment) -> None:
    token = httpx.post(f"{server.base}/v1/auth/guest").json()["access_token"]
    url = f"{server.base}/v1/messages/stream"
    with httpx.stream("GET", url, params={"access_token": token}, timeout=10) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        assert_safe_headers(reply.headers)


def test_the_server_itself_names_no_software_even_for_a_broken_request(
    server: Deployment,
) -> None:
    """A request Hypercorn refuses before the app sees it still carries no banner."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 4")
    header_block = rest.partition(b"\r\n\r\n")[0].lower()
    assert b"server:" not in header_block
    assert b"hypercorn" not in answer.lower()


def test_token_replies_are_never_cached(server: Deployment) -> None:
    reply = httpx.post(f"{server.base}/v1/auth/guest")
    assert reply.status_code == 200
    assert reply.headers["cache-control"] == "no-store"
