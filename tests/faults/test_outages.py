"""Outages of what a deployment stands on: Redis stopped under load, the store gone and back.

While a part is away the API answers 503 with that part's code, never 500 and never a hang.
Once it is back, with nothing else restarted: no job is stuck, no accepted message is lost, no
message is answered twice, each user's replies come in the order sent, the agent's emotion
history holds one sample per stored reply, and new messages are answered again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from soul_framework.embedded_redis import EmbeddedRedis
from soul_framework.jobs.state import STALE_AFTER_SECONDS
from soul_framework.testing.deployment import Deployment
from tests.faults.checks import (
    all_running,
    conversation_of,
    echoed,
    sample_count,
    swinging_echo,
)
from tests.jobs.conftest import Client, echo_reply, llm_deployment, reply_requests

pytestmark = pytest.mark.slow

SETTLE_SECONDS = 120.0
"""How long jobs may take to end once an outage is over. A job cut off by the outage ends when
a sweep takes it for lost (its heart stopped 20 s earlier; sweeps come every 10 s), and a busy
machine is slow."""
COMEBACK_SECONDS = 60.0
"""How long the service may take to notice that the part is back."""


def settle(service: Deployment, jobs: dict[str, Client]) -> dict[str, dict[str, Any]]:
    """Every job's final view ({job id: its owner} in), waiting for all of them; fails at once
    when a process of the deployment has exited, since nothing would then end them."""
    deadline = time.monotonic() + SETTLE_SECONDS
    pending = dict(jobs)
    views: dict[str, dict[str, Any]] = {}
    while pending:
        assert all_running(service), f"a process exited:\n{service.log_tail()}"
        for job_id, user in list(pending.items()):
            view = user.poll(job_id).json()
            if view.get("status") in {"succeeded", "failed"}:
                views[job_id] = view
                del pending[job_id]
        if pending:
            job_id, user = next(iter(pending.items()))
            assert time.monotonic() < deadline, (
                f"{len(pending)} jobs never ended, e.g. {user.poll(job_id).json()}"
                f"\n{service.log_tail()}"
            )
            time.sleep(0.2)
    return views


def until_accepted(call: Callable[[], httpx.Response], code: str) -> httpx.Response:
    """``call()`` until it is answered 2xx, as a client retrying would; every refusal on the
    way must be a 503 with ``code``."""
    deadline = time.monotonic() + COMEBACK_SECONDS
    while True:
        response = call()
        if response.is_success:
            return response
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == code
        assert time.monotonic() < deadline, f"still refused: {response.text}"
        time.sleep(0.5)


@dataclass
class Sender:
    """A user sending numbered messages, noting which were accepted and which refused."""

    user: Client
    name: str
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (text, job id)
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (text, status, code)
    broken: list[str] = field(default_factory=list)  # no answer at all (a hang, a reset)
    sent: int = 0

    def send_one(self) -> None:
        text = f"{self.name} message {self.sent}"
        self.sent += 1
        try:
            response = self.user.submit(text)
        except httpx.HTTPError as exc:
            self.broken.append(f"{text}: {exc!r}")
            return
        if response.status_code == 202:
            self.accepted.append((text, response.json()["job_id"]))
            return
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = f"no envelope: {response.text[:200]}"
        self.refused.append((text, response.status_code, code))


def test_redis_restarted_under_load_loses_and_repeats_nothing(tmp_path, llm):
    llm.latency_seconds = 0.3
    llm.script(*([swinging_echo()] * 1000))
    own_redis = EmbeddedRedis(tmp_path / "redis", persistent=True)  # as `soul up` runs it
    service = llm_deployment(tmp_path, own_redis.start(), llm).start(workers=2)
    try:
        senders = [Sender(Client(service.base), f"user{i}") for i in range(6)]
        samples_before = sample_count(senders[0].user)
        wanted = [2]  # how many accepted messages each user sends while Redis is up
        outage = threading.Event()
        finished = threading.Event()

        def keep_sending(sender: Sender) -> None:
            while not finished.is_set():
                if outage.is_set() or len(sender.accepted) < wanted[0]:
                    sender.send_one()
                time.sleep(0.4)

        threads = [threading.Thread(target=keep_sending, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        time.sleep(1.5)  # messages queued, two of them being answered
        outage.set()
        own_redis.stop()
        time.sleep(4.0)  # users keep sending
        own_redis.start()
        outage.clear()
        wanted[0] = max(len(s.accepted) for s in senders) + 1  # and one more each, after it
        deadline = time.monotonic() + COMEBACK_SECONDS
        while any(len(s.accepted) < wanted[0] for s in senders):
            assert time.monotonic() < deadline, [s.refused[-3:] for s in senders]
            time.sleep(0.2)
        finished.set()
        for thread in threads:
            thread.join(30)

        for sender in senders:
            assert not sender.broken, (sender.broken, service.log_tail())
            refusals = {(status, code) for _, status, code in sender.refused}
            assert refusals <= {(503, "queue_unavailable")}, sender.refused
        assert any(s.refused for s in senders)  # the outage was met
        views = settle(service, {job: s.user for s in senders for _, job in s.accepted})

        replies_stored = 0
        for sender in senders:
            for text, job_id in sender.accepted:
                view = views[job_id]
                if view["status"] == "succeeded":
                    assert view["result"]["response"] == f"echo: {text}"
                else:  # cut off by the outage
                    assert view["error"] in {"worker_lost", "queue_unavailable"}, view
            messages = conversation_of(sender.user)
            accepted = [text for text, _ in sender.accepted]
            refused = {text for text, _, _ in sender.refused}
            mine = [m["message"] for m in messages if not m["from_agent"]]
            # Every accepted message is kept, once, in the order sent. A refused one may be
            # kept too (it is stored before the job is queued) but is never answered.
            assert [text for text in mine if text not in refused] == accepted, (mine, accepted)
            answered = [echoed(m) for m in messages if m["from_agent"]]
            assert len(answered) == len(set(answered)), answered  # nothing answered twice
            assert [text for text in accepted if text in answered] == answered  # in order
            for text, job_id in sender.accepted:
                if views[job_id]["status"] == "succeeded":
                    assert text in answered
            replies_stored += len(answered)
        assert any(view["status"] == "succeeded" for view in views.values())

        queue = httpx.get(f"{service.base}/v1/meta/queue", timeout=10)
        assert queue.status_code == 200, queue.text
        assert queue.json()["status"] == "ok"
        fresh = Client(service.base)
        done = fresh.wait(fresh.submit("after it all").json()["job_id"], timeout=60)
        assert done["status"] == "succeeded", (done, service.log_tail())
        # One sample per stored reply, the fresh one's included: none half-applied, none lost.
        assert sample_count(fresh) - samples_before == replies_stored + 1
        assert all_running(service), service.log_tail()
    finally:
        service.stop()
        own_redis.stop()


def stored_replies(service: Deployment) -> list[str]:
    """The agent's replies in the deployment's SQLite store, read from the file itself (the
    API cannot show them while Redis is away: every request checks its session there)."""
    with contextlib.closing(sqlite3.connect(service.folder / "data" / "soul.db")) as db:
        rows = db.execute("SELECT message FROM messages WHERE from_agent = 1 ORDER BY seq")
        return [row[0] for row in rows]


def test_a_reply_stored_while_redis_is_away_ends_succeeded(tmp_path, llm):
    llm.latency_seconds = 2.0
    llm.script(*([echo_reply] * 10))
    own_redis = EmbeddedRedis(tmp_path / "redis", persistent=True)  # as `soul up` runs it
    service = llm_deployment(tmp_path, own_redis.start(), llm).start(workers=1)
    try:
        user = Client(service.base)
        job_id = user.submit("answered in the dark").json()["job_id"]
        deadline = time.monotonic() + 60
        while not reply_requests(llm):  # the worker has the job; the model thinks
            assert time.monotonic() < deadline, service.log_tail()
            time.sleep(0.05)
        assert own_redis.process is not None
        own_redis.process.kill()  # as kill -9 would
        own_redis.process.wait()
        while stored_replies(service) != ["echo: answered in the dark"]:
            assert time.monotonic() < deadline, service.log_tail()
            time.sleep(0.1)
        # Away longer than a job keeps beating without Redis before it is taken for lost.
        time.sleep(STALE_AFTER_SECONDS + 2)
        own_redis.start()

        view = settle(service, {job_id: user})[job_id]
        assert view["status"] == "succeeded", (view, service.log_tail())
        assert view["result"]["response"] == "echo: answered in the dark"
        assert [(m["from_agent"], m["message"]) for m in conversation_of(user)] == [
            (False, "answered in the dark"),
            (True, "echo: answered in the dark"),
        ]
        done = user.wait(user.submit("and after it").json()["job_id"], timeout=60)
        assert done["status"] == "succeeded", (done, service.log_tail())
        assert all_running(service), service.log_tail()
    finally:
        service.stop()
        own_redis.stop()


def test_a_reply_stored_by_a_worker_that_died_while_redis_was_away_ends_succeeded(tmp_path, llm):
    """The worker made and stored the reply, then died before Redis came back to record it:
    the job is found lost, and ends with the reply the store holds, not as worker_lost."""
    llm.latency_seconds = 2.0
    llm.script(*([echo_reply] * 10))
    own_redis = EmbeddedRedis(tmp_path / "redis", persistent=True)
    service = llm_deployment(tmp_path, own_redis.start(), llm).start(workers=1)
    try:
        user = Client(service.base)
        job_id = user.submit("answered, then the worker died").json()["job_id"]
        deadline = time.monotonic() + 60
        while not reply_requests(llm):
            assert time.monotonic() < deadline, service.log_tail()
            time.sleep(0.05)
        assert own_redis.process is not None
        own_redis.process.kill()
        own_redis.process.wait()
        while stored_replies(service) != ["echo: answered, then the worker died"]:
            assert time.monotonic() < deadline, service.log_tail()
            time.sleep(0.1)
        service.kill_worker(service.workers[0])
        own_redis.start()
        service.add_worker()

        view = user.wait(job_id, timeout=SETTLE_SECONDS)
        assert view["status"] == "succeeded", (view, service.log_tail())
        assert view["result"]["response"] == "echo: answered, then the worker died"
        assert view["result"]["expression"] == "happy"
        assert [(m["from_agent"], m["message"]) for m in conversation_of(user)] == [
            (False, "answered, then the worker died"),
            (True, "echo: answered, then the worker died"),
        ]
        done = user.wait(user.submit("and after it").json()["job_id"], timeout=60)
        assert done["status"] == "succeeded", (done, service.log_tail())
    finally:
        service.stop()
        own_redis.stop()


def test_the_store_unreachable_and_back(stand_in_mongo, deployment, llm):
    llm.script(*([swinging_echo()] * 100))
    service = deployment(
        STORAGE_BACKEND="mongo",
        MONGO_CONNECTION=stand_in_mongo.url,  # the store's own timeouts, as deployed
        DATABASE_NAME="soul_outage",
    )
    user = Client(service.base)
    samples_before = sample_count(user)
    first = user.wait(user.submit("before the outage").json()["job_id"], timeout=60)
    assert first["status"] == "succeeded", (first, service.log_tail())

    llm.latency_seconds = 3.0
    asked = len(reply_requests(llm))
    in_flight = user.submit("while the store goes away").json()["job_id"]
    deadline = time.monotonic() + 60
    while len(reply_requests(llm)) == asked:  # the job has read what it needs; the model thinks
        assert time.monotonic() < deadline, service.log_tail()
        time.sleep(0.05)
    stand_in_mongo.stop()

    refused = user.submit("nobody can keep this")
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "storage_unavailable"
    unread = user.http.get("/v1/messages/conversation", headers=user.headers)
    assert unread.status_code == 503, unread.text
    assert unread.json()["error"]["code"] == "storage_unavailable"
    guest = httpx.post(f"{service.base}/v1/auth/guest", timeout=30)
    assert guest.status_code == 503, guest.text
    assert guest.json()["error"]["code"] == "storage_unavailable"
    # The contract has no readiness endpoint: the process is alive, and the queue is well.
    assert httpx.get(f"{service.base}/v1/meta/ping", timeout=10).status_code == 200
    assert httpx.get(f"{service.base}/v1/meta/queue", timeout=10).json()["status"] == "ok"
    cut_off = settle(service, {in_flight: user})[in_flight]
    assert (cut_off["status"], cut_off.get("error")) == ("failed", "storage_unavailable")

    llm.latency_seconds = 0.0
    stand_in_mongo.start()  # the same port and folder: the same data
    signed_in = until_accepted(
        lambda: httpx.post(f"{service.base}/v1/auth/guest", timeout=30), "storage_unavailable"
    )
    assert signed_in.json()["access_token"]
    job_id = until_accepted(lambda: user.submit("after the outage"), "storage_unavailable").json()[
        "job_id"
    ]
    after = settle(service, {job_id: user})[job_id]
    assert after["status"] == "succeeded", (after, service.log_tail())
    assert after["result"]["response"] == "echo: after the outage"

    assert [(m["from_agent"], m["message"]) for m in conversation_of(user)] == [
        (False, "before the outage"),
        (True, "echo: before the outage"),
        (False, "while the store goes away"),
        (False, "after the outage"),
        (True, "echo: after the outage"),
    ]
    # One sample per reply since the start: the job cut off changed nothing.
    assert sample_count(user) - samples_before == 2
    assert all_running(service), service.log_tail()
