"""Secrets never reach the logs: a real API and worker, logging everything at DEBUG, see tokens
in headers and in the query string (``?access_token=`` of the event streams), passwords, refresh
cookies and a user's message; afterwards not one of them is anywhere in their output, while the
requests themselves are (one access line each, path only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from soul_framework.testing.deployment import Deployment
from tests.security.conftest import DEVELOPMENT

PASSWORD = "correct horse battery staple 42"
WRONG_PASSWORD = "incorrect pony battery staple 43"
EMAIL = "logs-check@example.org"
MESSAGE = "my bank PIN is 8215, please keep it between us"
FORGED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.Zm9yZ2VkLXNpZ25hdHVyZQ"


@dataclass
class Exchange:
    """Everything secret the clients sent or received, and the paths they asked for."""

    secrets: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)


def read_first_event(client: httpx.Client, path: str, token: str) -> str:
    """Open an event stream with the token in the query, as EventSource does; read one chunk."""
    with client.stream("GET", path, params={"access_token": token}) as reply:
        assert reply.status_code == 200
        return next(reply.iter_text())


@pytest.fixture(scope="module")
def logged(start_server: Callable[..., Deployment]) -> tuple[Exchange, str]:
    """Run the exchange against a server that logs at DEBUG, stop it, return its whole output."""
    server: Deployment = start_server({**DEVELOPMENT, "SOUL_LOG_LEVEL": "DEBUG"}, workers=1)
    exchange = Exchange()
    with httpx.Client(base_url=server.base, timeout=30) as client:
        grant = client.post("/v1/auth/guest").json()
        token = grant["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        exchange.secrets |= {"guest token": token, "guest csrf": grant["csrf_token"]}
        exchange.secrets["guest refresh cookie"] = client.cookies["rtoken"]

        assert client.get("/v1/auth/me", headers=bearer).status_code == 200
        job = client.post("/v1/messages/submit", json={"message": MESSAGE}, headers=bearer)
        assert job.status_code == 202
        job_id = job.json()["job_id"]
        assert "event: status" in read_first_event(client, f"/v1/jobs/{job_id}/events", token)
        assert read_first_event(client, "/v1/messages/stream", token).startswith(":")
        forged = client.get("/v1/messages/stream", params={"access_token": FORGED_TOKEN})
        assert forged.status_code == 401
        exchange.paths += [f"/v1/jobs/{job_id}/events", "/v1/messages/stream"]

        claim = {"email": EMAIL, "password": PASSWORD, "username": "log_checker"}
        claimed = client.post("/v1/auth/claim", json=claim, headers=bearer)
        assert claimed.status_code == 200
        exchange.secrets["claimed token"] = claimed.json()["access_token"]
        wrong = client.post("/v1/auth/login", json={"email": EMAIL, "password": WRONG_PASSWORD})
        assert wrong.status_code == 401
        signed_in = client.post("/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 200
        exchange.secrets["login token"] = signed_in.json()["access_token"]
        exchange.secrets["login refresh cookie"] = client.cookies["rtoken"]
        refreshed = client.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": client.cookies["refresh_csrf"]}
        )
        assert refreshed.status_code == 200
        exchange.secrets["refreshed token"] = refreshed.json()["access_token"]
        exchange.paths += ["/v1/auth/claim", "/v1/auth/login", "/v1/auth/refresh"]
    exchange.secrets |= {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "forged token": FORGED_TOKEN,
        "message": MESSAGE,
    }
    server.stop()  # every process has written and closed its log
    output = "\n".join(path.read_text(errors="replace") for path in server.logs.glob("*.log"))
    return exchange, output


def test_the_logs_hold_every_request(logged: tuple[Exchange, str]) -> None:
    """The check below is worth something only if the requests were logged at all."""
    exchange, output = logged
    assert re.search(r"\bDEBUG\b", output)  # everything was logged
    for path in exchange.paths:
        assert re.search(rf"(GET|POST) {re.escape(path)} \d{{3}} ", output), path


@pytest.mark.parametrize(
    "secret",
    [
        "guest token",
        "guest csrf",
        "guest refresh cookie",
        "claimed token",
        "login token",
        "login refresh cookie",
        "refreshed token",
        "forged token",
        "password",
        "wrong password",
        "message",
    ],
)
def test_no_secret_is_logged(logged: tuple[Exchange, str], secret: str) -> None:
    exchange, output = logged
    value = exchange.secrets[secret]
    assert value not in output
    # A token's signature alone is as good as the token to someone reading logs for it.
    assert value.rsplit(".", 1)[-1] not in output


def test_no_access_line_carries_a_query_string(logged: tuple[Exchange, str]) -> None:
    _, output = logged
    access_lines = [line for line in output.splitlines() if "soul_framework.access" in line]
    assert access_lines
    assert not [line for line in access_lines if "?" in line or "access_token" in line]
