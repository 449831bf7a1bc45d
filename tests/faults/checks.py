"""What fault tests check after a fault: the model's answers they script, and the state of a
user's conversation and of the agent's feelings as the API shows them."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from soul_framework.testing.deployment import Deployment
from tests.jobs.conftest import Client, echo_reply


def swinging_echo() -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """The model's answer: replies echo the user's message and move joy up, down, up ... so
    each reply changes the agent's feelings (a push one way only would saturate them, and a
    reply that changes nothing adds no sample). Other requests (reflections) get the default
    answer for their schema, which leaves feelings alone."""
    turns = itertools.count()
    lock = threading.Lock()

    def answer(body: dict[str, Any]) -> dict[str, Any] | None:
        schema = (body.get("response_format") or {}).get("json_schema") or {}
        if schema.get("name") != "ReplyOutput":
            return None
        with lock:
            turn = next(turns)
        return {**echo_reply(body), "emotions": {"joy": 10 if turn % 2 == 0 else -10}}

    return answer


def echoed(reply: dict[str, Any]) -> str:
    """The user message an agent's reply answers (replies echo it)."""
    text = reply["message"]
    assert text.startswith("echo: "), text
    return text.removeprefix("echo: ")


def conversation_of(user: Client) -> list[dict[str, Any]]:
    reply = user.http.get("/v1/messages/conversation", headers=user.headers, params={"limit": 1000})
    assert reply.status_code == 200, reply.text
    return reply.json()["conversation"]["messages"]


def sample_count(user: Client) -> int:
    reply = user.http.get(
        "/v1/agents/active/emotions/history", headers=user.headers, params={"limit": 1000}
    )
    assert reply.status_code == 200, reply.text
    return len(reply.json()["samples"])


def all_running(service: Deployment) -> bool:
    return all(p is not None and p.poll() is None for p in [service.api, *service.workers])
