"""The information-flow rule through a real deployment: API, worker, Redis, SQLite, thinking.

Three guests talk to the agent; each one's username is their *marker* and is in every message
they send. The fake model writes, into every free-text field of every answer, every username
it saw in its prompt (see ``tests/mind/test_information_flow.py`` for why that defeats any
paraphrase). Replies, reflections (with insights distilled), scheduled thinking passes and the
messages the agent starts all run as they do in production. Then, asked as each guest, the API
shows nobody else's marker anywhere, and the public parts (the agent, its latest thought) show
nobody's.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time

import pytest

from tests.jobs.conftest import Client
from tests.jobs.test_thinking_e2e import listen
from tests.mind.test_information_flow import answer_writing

pytestmark = pytest.mark.slow

GUEST = re.compile(r"guest_[A-Za-z0-9]+")


def names_in(text: str) -> set[str]:
    return set(GUEST.findall(text))


CALLS = itertools.count()


def marking(body: dict) -> dict:
    """Every string: the guests the prompt names (and a counter, so no two answers repeat)."""
    schema = body["response_format"]["json_schema"]["schema"]
    prompt = "\n".join(m["content"] for m in body["messages"])
    named = " ".join(sorted(names_in(prompt))) or "nobody"
    return answer_writing(schema, f"{named} #{next(CALLS)}")


def kinds(llm) -> list[str]:
    return [r.body["response_format"]["json_schema"]["name"] for r in llm.chat_requests()]


def test_what_each_guest_can_read_holds_no_other_guests_words(deployment, llm):
    llm.script(*([marking] * 400))
    service = deployment(
        THINKING_RATE_SECONDS="3",
        SOUL_OUTREACH_MIN_HOURS="0",
        SOUL_MEMORY_REFLECTION_THRESHOLD="2",
        SOUL_SSE_KEEPALIVE_SECONDS="1",
    )
    guests = [Client(service.base) for _ in range(3)]
    names = {
        g.user_id: g.http.get("/v1/auth/me", headers=g.headers).json()["username"] for g in guests
    }
    inbox: dict[str, list[dict]] = {g.user_id: [] for g in guests}
    stop = threading.Event()
    for guest in guests:
        threading.Thread(
            target=listen, args=(guest, inbox[guest.user_id], stop), daemon=True
        ).start()
    replies: dict[str, list[str]] = {g.user_id: [] for g in guests}
    for n in range(3):
        for guest in guests:
            me = names[guest.user_id]
            job = guest.submit(f"I am {me} and my secret is number {n}.").json()["job_id"]
            done = guest.wait(job)
            assert done["status"] == "succeeded", service.log_tail()
            replies[guest.user_id].append(done["result"]["response"])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = kinds(llm)
        if (
            seen.count("Reflection") >= 9
            and seen.count("Thought") >= 2
            and all(inbox.values())
            and guests[0].http.get("/v1/meta/queue").json()["total_backlog"] == 0
        ):
            break
        time.sleep(0.2)
    stop.set()
    seen = kinds(llm)
    assert seen.count("Reflection") >= 9, service.log_tail()
    assert seen.count("Thought") >= 2, service.log_tail()

    for guest in guests:
        me = {names[guest.user_id]}
        agent = guest.http.get("/v1/agents/active", headers=guest.headers).json()
        assert not names_in(json.dumps(agent)), "the agent is public: it names no guest"
        thought = guest.http.get("/v1/thoughts/latest", headers=guest.headers).json()
        assert not names_in(json.dumps(thought)), "a thought is public: it names no guest"
        kept = guest.http.get("/v1/messages/conversation", headers=guest.headers).json()
        assert names_in(json.dumps(kept)) == me
        assert inbox[guest.user_id], f"the agent wrote to {me} on its own"
        assert names_in(json.dumps(inbox[guest.user_id])) == me
        assert all(names_in(reply) == me for reply in replies[guest.user_id])
        # The markers did travel where they may: this guest's last reply prompt recalled
        # what was kept about them.
        own = [
            r.prompt
            for r in llm.chat_requests()
            if r.body["response_format"]["json_schema"]["name"] == "ReplyOutput"
            and me <= names_in(r.prompt)
        ]
        assert me <= names_in(own[-1].split("Things you remember:")[1])

    for request in llm.chat_requests():
        found = names_in(request.prompt)
        if request.body["response_format"]["json_schema"]["name"] == "Thought":
            assert not found, "a thinking prompt holds public state only"
        assert len(found) <= 1, f"one prompt held several guests: {sorted(found)}"
