"""Faults under a real deployment: the model failing in bursts, the API dying under open
streams. After each, no job is stuck, no user message is lost, the agent's state holds only
whole updates, and the service is healthy without anyone touching it."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.faults.checks import all_running, conversation_of, sample_count, swinging_echo
from tests.jobs.conftest import Client, echo_reply

pytestmark = pytest.mark.slow


def feeling_echo(body: dict) -> dict:
    return {**echo_reply(body), "emotions": {"joy": 10}}


def test_bursts_of_llm_failures_fail_their_jobs_only(deployment, llm):
    service = deployment(SOUL_LLM_TIMEOUT_SECONDS="3")
    user = Client(service.base)
    history = user.http.get("/v1/agents/active/emotions/history", headers=user.headers).json()
    samples_before = len(history["samples"])
    outcomes = []
    faults = [
        lambda: llm.fail_next(1, status=500),
        lambda: llm.time_out_next(1),
        lambda: llm.invalid_json_next(3),  # the answer and both repairs are broken
        lambda: None,
    ]
    for i, fault in enumerate(faults):
        llm.reset()
        fault()
        llm.script(*([feeling_echo] * 5))
        done = user.wait(user.submit(f"message {i}").json()["job_id"], timeout=90)
        outcomes.append((done["status"], done.get("error")))
    assert outcomes[0] == ("failed", "llm_unavailable")
    assert outcomes[1][0] == "failed"
    assert outcomes[1][1] in {"llm_timeout", "timeout"}
    assert outcomes[2] == ("failed", "llm_invalid_output")
    assert outcomes[3] == ("succeeded", None)
    mine = [m["message"] for m in conversation_of(user) if not m["from_agent"]]
    assert mine == [f"message {i}" for i in range(4)]  # every message kept
    replies = [m for m in conversation_of(user) if m["from_agent"]]
    assert len(replies) == 1  # only the answered one
    history = user.http.get("/v1/agents/active/emotions/history", headers=user.headers).json()
    # Feelings moved once (the one reply), never half-way for the failed ones.
    assert len(history["samples"]) - samples_before == 1
    queue = httpx.get(f"{service.base}/v1/meta/queue").json()
    assert queue["status"] == "ok"


def test_streams_cut_by_an_api_crash_reconnect_and_still_get_done(deployment, llm):
    llm.latency_seconds = 3.0
    llm.script(*([swinging_echo()] * 20))
    service = deployment(workers=2)
    users = [Client(service.base) for _ in range(3)]
    samples_before = sample_count(users[0])
    jobs = [u.submit(f"slow {i}").json()["job_id"] for i, u in enumerate(users)]
    finished: dict[int, list[str]] = {}

    def follow(index: int) -> None:
        user, job_id = users[index], jobs[index]
        names: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                for name, _data in user.events(job_id):
                    names.append(name)
                if names and names[-1] == "done":
                    finished[index] = names
                    return
            except (httpx.HTTPError, AssertionError):
                time.sleep(0.3)  # the API is down: try again, as EventSource does

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # streams open, jobs running
    service.restart_api()
    for thread in threads:
        thread.join(70)
    assert sorted(finished) == [0, 1, 2], service.log_tail()
    for index, (user, job_id) in enumerate(zip(users, jobs, strict=True)):
        assert user.poll(job_id).json()["status"] == "succeeded"
        said = [(m["from_agent"], m["message"]) for m in conversation_of(user)]
        assert said == [(False, f"slow {index}"), (True, f"echo: slow {index}")]
    # Each reply moved the feelings once; the restart applied nothing twice or by half.
    assert sample_count(users[0]) - samples_before == len(users)
    assert all_running(service), service.log_tail()
