"""``GET /v1/messages/stream``: a user's own outreach, live, and nobody else's."""

from __future__ import annotations

import asyncio
import json

import pytest

from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.jobs.deliveries import deliver
from tests.api.test_auth import bearer, guest


def outreach(text: str) -> Message:
    return Message(
        id=new_id(),
        conversation_id="c1",
        sender_id="jasmine",
        sender_username="Jasmine",
        from_agent=True,
        message=text,
        timestamp=utcnow(),
        expression="happy",
        started_by_agent=True,
    )


async def read_events(connection, count: int) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    buffer = ""
    while True:
        buffer += (await connection.receive()).decode()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in lines:
                events.append((lines["event"], json.loads(lines["data"])))
        if len(events) >= count:
            return events


async def test_the_stream_needs_a_token(client):
    response = await client.get("/v1/messages/stream")
    assert response.status_code == 401


async def test_outreach_reaches_its_user_only(make_app):
    app = make_app(soul_sse_keepalive_seconds=0.2)
    state = app.extensions["soul"]
    async with app.test_app() as test_app:
        client = test_app.test_client()
        alice = await guest(client)
        bob = await guest(client)
        ids = {}
        for who in (alice, bob):
            me = await client.get("/v1/auth/me", headers=bearer(who["access_token"]))
            ids[who["username"]] = (await me.get_json())["user_id"]
        async with (
            client.request(
                "/v1/messages/stream", query_string={"access_token": alice["access_token"]}
            ) as alice_stream,
            client.request(
                "/v1/messages/stream", headers=bearer(bob["access_token"])
            ) as bob_stream,
        ):
            await alice_stream.send_complete()
            await bob_stream.send_complete()
            alice_reader = asyncio.create_task(read_events(alice_stream, 1))
            bob_reader = asyncio.create_task(read_events(bob_stream, 1))
            await asyncio.sleep(0.3)  # both subscribed
            await deliver(state.redis, ids[alice["username"]], outreach("Thinking of you!"))
            [(name, data)] = await asyncio.wait_for(alice_reader, 5)
            assert name == "message"
            assert data["message"] == "Thinking of you!"
            assert (data["from_agent"], data["started_by_agent"]) == (True, True)
            assert data["expression"] == "happy"
            assert data["timestamp"].endswith("Z")
            await asyncio.sleep(0.5)
            assert not bob_reader.done()  # Bob got nothing
            bob_reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await bob_reader
            await alice_stream.disconnect()
            await bob_stream.disconnect()
