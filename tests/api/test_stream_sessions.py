"""Event streams end with their session, and a user holds only so many at once: through real
``soul serve`` processes on real Redis and SQLite.

A stream opened before a logout (or a claim, or a token's expiry) must close promptly with an
``error`` event and deliver nothing after; the eleventh concurrent stream of a user is refused
with 429, counted across API processes; opening job event streams is rate-limited.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest
import redis.asyncio

from soul_framework.domain.ids import new_id
from soul_framework.jobs.deliveries import deliver
from soul_framework.testing.deployment import Deployment
from tests.api.test_message_stream import outreach
from tests.conftest import STRONG_JWT, STRONG_PEPPER

pytestmark = pytest.mark.slow

CHECK_SECONDS = 1.0
ENDS_WITHIN_SECONDS = 5.0
"""How long a stream may stay open after its session ended (a revocation reaches it at once;
an expiry is checked for when it falls due)."""
EVENTS_PER_MINUTE = 3
SETTINGS = {
    "JWT_SECRET_ENV": STRONG_JWT,
    "ARGON2_PEPPER_ENV": STRONG_PEPPER,
    "SOUL_STREAM_CHECK_SECONDS": str(CHECK_SECONDS),
    "SOUL_SSE_KEEPALIVE_SECONDS": "1",
    "SOUL_RATE_LIMIT_EVENTS": f"{EVENTS_PER_MINUTE}/minute",
    "SOUL_RATE_LIMIT_GUEST": "100000/hour",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory, redis_url) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("streams")
    with Deployment(folder, redis_url, SETTINGS).start(workers=0) as running:
        yield running


@pytest.fixture
async def http(service) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.base, timeout=10) as client:
        yield client


@dataclass
class User:
    token: str
    user_id: str
    cookies: httpx.Cookies

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_in(base: str) -> User:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        reply = (await client.post("/v1/auth/guest")).json()
        token = reply["access_token"]
        me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        return User(token, me.json()["user_id"], client.cookies)


@dataclass
class Stream:
    """One open SSE response read in the background: its events, and when it closed."""

    response: httpx.Response
    events: list[tuple[str, dict]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        name = "message"
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: "):
                    self.events.append((name, json.loads(line[len("data: ") :])))
        finally:
            self.closed.set()

    async def until(self, condition, seconds: float = ENDS_WITHIN_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, (self.events, self.comments)
            await asyncio.sleep(0.05)

    async def until_closed(self, seconds: float = ENDS_WITHIN_SECONDS) -> None:
        try:
            await asyncio.wait_for(self.closed.wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"still open: {self.events}") from None


@contextlib.asynccontextmanager
async def opened(http: httpx.AsyncClient, path: str, token: str) -> AsyncIterator[Stream]:
    """The stream at ``path`` (token in the query, as EventSource sends it), being read."""
    request = http.build_request("GET", path, params={"access_token": token}, timeout=None)
    response = await http.send(request, stream=True)
    assert response.status_code == 200, (await response.aread(), response.status_code)
    stream = Stream(response)
    reader = asyncio.create_task(stream.read())
    try:
        await stream.until(lambda: stream.comments or stream.events)  # open and subscribed
        yield stream
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await reader
        await response.aclose()


@pytest.fixture
async def publisher(redis_url) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


def error_of(event: tuple[str, dict]) -> str:
    name, data = event
    assert name == "error", event
    assert data["error"]["message"]
    assert data["error"]["request_id"]
    return data["error"]["code"]


async def logout(http: httpx.AsyncClient, user: User) -> None:
    response = await http.post("/v1/auth/logout", headers=user.headers)
    assert response.status_code == 200


# --- streams end with their session ---------------------------------------------------------------


async def test_a_message_stream_ends_at_logout_and_delivers_nothing_after(service, http, publisher):
    user = await sign_in(service.base)
    async with opened(http, "/v1/messages/stream", user.token) as stream:
        await deliver(publisher, user.user_id, outreach("before"))
        await stream.until(lambda: stream.events)
        await logout(http, user)  # from another request
        await deliver(publisher, user.user_id, outreach("after"))
        await stream.until_closed()
    assert [data["message"] for name, data in stream.events if name == "message"] == ["before"]
    assert error_of(stream.events[-1]) == "session_revoked"


async def test_a_job_event_stream_ends_at_logout(service, http):
    user = await sign_in(service.base)
    submitted = await http.post(
        "/v1/messages/submit", headers=user.headers, json={"message": "hello", "type": "dm"}
    )
    job_id = submitted.json()["job_id"]  # no worker: it stays queued, its stream stays open
    async with opened(http, f"/v1/jobs/{job_id}/events", user.token) as stream:
        await stream.until(lambda: stream.events)
        assert stream.events[0][0] == "status"
        await logout(http, user)
        await stream.until_closed()
    assert [name for name, _ in stream.events] == ["status", "error"]
    assert error_of(stream.events[-1]) == "session_revoked"


async def test_a_claim_ends_the_guest_sessions_streams(service, http):
    user = await sign_in(service.base)
    async with opened(http, "/v1/messages/stream", user.token) as stream:
        claimed = await http.post(
            "/v1/auth/claim",
            headers=user.headers,
            json={
                "email": f"{new_id()[:10]}@example.org",
                "password": "correct horse",
                "username": f"u{new_id()[:12]}",
            },
        )
        assert claimed.status_code == 200, claimed.text
        await stream.until_closed()
    assert error_of(stream.events[-1]) == "session_revoked"


async def test_a_stream_ends_when_its_token_expires(service, http):
    user = await sign_in(service.base)
    claims = jwt.decode(
        user.token, STRONG_JWT, algorithms=["HS256"], audience="synthetic-soul-client"
    )
    expires = int(time.time()) + 3
    short_lived = jwt.encode({**claims, "exp": expires}, STRONG_JWT, algorithm="HS256")
    async with opened(http, "/v1/messages/stream", short_lived) as stream:
        await stream.until_closed(seconds=3 + ENDS_WITHIN_SECONDS)
    assert time.time() >= expires
    assert error_of(stream.events[-1]) == "invalid_token"
    assert stream.events[:-1] == []


async def test_a_stream_stays_open_while_its_session_lasts(service, http):
    """The checks refuse only ended sessions: a live one keeps its stream past several checks."""
    user = await sign_in(service.base)
    async with opened(http, "/v1/messages/stream", user.token) as stream:
        await asyncio.sleep(3 * CHECK_SECONDS)
        assert not stream.closed.is_set()
        assert stream.events == []


# --- how many streams, how often ------------------------------------------------------------------


async def test_job_event_streams_are_rate_limited(service, http):
    user = await sign_in(service.base)
    statuses = []
    for _ in range(EVENTS_PER_MINUTE + 1):
        response = await http.get("/v1/jobs/no-such-job/events", headers=user.headers)
        statuses.append(response.status_code)
    assert statuses == [404] * EVENTS_PER_MINUTE + [429]
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.fixture
def two_processes(tmp_path: Path, redis_url) -> Iterator[tuple[Deployment, Deployment]]:
    """Two API processes sharing one store and one Redis, as behind a load balancer."""
    shared = {**SETTINGS, "SOUL_DATA_DIR": str(tmp_path / "data")}
    first = Deployment(tmp_path / "first", redis_url, shared)
    second = Deployment(tmp_path / "second", redis_url, shared)
    with first.start(workers=0), second.start(workers=0):
        yield first, second


async def refused_stream(http: httpx.AsyncClient, token: str) -> httpx.Response:
    """The answer to opening one more stream, read up to its head only (were it let through,
    its body would never end)."""
    request = http.build_request("GET", "/v1/messages/stream", params={"access_token": token})
    response = await http.send(request, stream=True)
    if response.status_code != 200:
        await response.aread()
    await response.aclose()
    return response


async def test_the_eleventh_stream_is_refused_across_processes(two_processes):
    first, second = two_processes
    user = await sign_in(first.base)
    async with (
        httpx.AsyncClient(base_url=first.base, timeout=10) as one,
        httpx.AsyncClient(base_url=second.base, timeout=10) as other,
        contextlib.AsyncExitStack() as streams,
    ):
        held = []
        for index in range(10):  # six through one process, four through the other
            client = one if index < 6 else other
            held.append(
                await streams.enter_async_context(opened(client, "/v1/messages/stream", user.token))
            )
        for client in (one, other):
            refused = await refused_stream(client, user.token)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "rate_limited"
            assert int(refused.headers["Retry-After"]) >= 1
        # Someone else is not counted against this user.
        stranger = await sign_in(second.base)
        async with opened(other, "/v1/messages/stream", stranger.token):
            pass

        await held[-1].response.aclose()  # one stream closes: its place is free again
        deadline = time.monotonic() + ENDS_WITHIN_SECONDS
        async with contextlib.AsyncExitStack() as retry:
            while True:
                try:
                    await retry.enter_async_context(opened(one, "/v1/messages/stream", user.token))
                    break
                except AssertionError:
                    assert time.monotonic() < deadline, "the closed stream's place stayed taken"
                    await asyncio.sleep(0.1)


async def test_a_crashed_process_gives_its_places_back(two_processes):
    first, second = two_processes
    user = await sign_in(first.base)
    async with (
        httpx.AsyncClient(base_url=first.base, timeout=10) as one,
        httpx.AsyncClient(base_url=second.base, timeout=10) as other,
    ):
        async with contextlib.AsyncExitStack() as streams:
            for _ in range(10):
                await streams.enter_async_context(opened(one, "/v1/messages/stream", user.token))
            first.api.kill()  # SIGKILL: nothing is given back
            first.api.wait(10)
        assert (await refused_stream(other, user.token)).status_code == 429
        # Each lease lasts three checks; then the places are free without the dead process.
        deadline = time.monotonic() + 3 * CHECK_SECONDS + ENDS_WITHIN_SECONDS
        while True:
            try:
                async with opened(other, "/v1/messages/stream", user.token):
                    break
            except AssertionError:
                assert time.monotonic() < deadline, "a dead process's places stayed taken"
                await asyncio.sleep(0.2)
