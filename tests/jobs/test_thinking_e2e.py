"""Thinking under a real deployment: the scheduled pass runs, thoughts show, and outreach
reaches the right user's stream and no other."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from soul_framework.testing.schema_instances import schema_instance
from tests.jobs.conftest import Client

pytestmark = pytest.mark.slow


def mind_of_its_own(body: dict) -> dict:
    """Answers by schema: replies, reflections, thoughts, and outreach naming its addressee."""
    schema = body["response_format"]["json_schema"]
    answer = schema_instance(schema["schema"])
    prompt = "\n".join(m["content"] for m in body["messages"])
    if schema["name"] == "ReplyOutput":
        answer.update(message="Nice to meet you.")
    elif schema["name"] == "Thought":
        answer.update(thought="I like the quiet between conversations.", keep_memory=False)
    elif schema["name"] == "Outreach":
        who = re.search(r"You may write to (\S+) on your own", prompt).group(1)
        answer.update(send=True, appropriate=True, message=f"Hello {who}, I thought of you.")
    elif schema["name"] == "Reflection":
        answer.update(keep_memory=False, identity="")
    return answer


def listen(user: Client, into: list[dict], stop: threading.Event) -> None:
    with user.http.stream(
        "GET", "/v1/messages/stream", params={"access_token": user.token}, timeout=None
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                into.append(json.loads(line[len("data: ") :]))
            if stop.is_set():
                return


def test_thinking_runs_on_schedule_and_outreach_reaches_only_its_user(deployment, llm):
    llm.script(*([mind_of_its_own] * 200))
    service = deployment(
        THINKING_RATE_SECONDS="4", SOUL_OUTREACH_MIN_HOURS="0", SOUL_SSE_KEEPALIVE_SECONDS="1"
    )
    alice, bob = Client(service.base), Client(service.base)
    got: dict[str, list[dict]] = {"alice": [], "bob": []}
    stop = threading.Event()
    for name, user in (("alice", alice), ("bob", bob)):
        threading.Thread(target=listen, args=(user, got[name], stop), daemon=True).start()
    for user in (alice, bob):
        assert user.wait(user.submit("hello!").json()["job_id"])["status"] == "succeeded"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (got["alice"] and got["bob"]):
        time.sleep(0.1)
    stop.set()
    assert got["alice"], service.log_tail()
    assert got["bob"], service.log_tail()
    for name, user in (("alice", alice), ("bob", bob)):
        me = user.http.get("/v1/auth/me", headers=user.headers).json()["username"]
        for message in got[name]:
            assert message["message"] == f"Hello {me}, I thought of you."
            assert (message["from_agent"], message["started_by_agent"]) == (True, True)
        kept = user.http.get("/v1/messages/conversation", headers=user.headers).json()
        assert any(m["started_by_agent"] for m in kept["conversation"]["messages"])
    thought = alice.http.get("/v1/thoughts/latest", headers=alice.headers).json()
    assert thought["latest_thought"]["thought"] == "I like the quiet between conversations."
