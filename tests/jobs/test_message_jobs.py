"""Message jobs end to end, with real Redis and real worker processes."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from tests.faults.checks import conversation_of, sample_count, swinging_echo
from tests.jobs.conftest import Client, echo_reply, reply_requests

pytestmark = pytest.mark.slow

worker_kinds = pytest.mark.parametrize(
    "worker_env", [{}, {"RQ_USE_FORK_WORKER": "true"}], ids=["in-process", "forking"]
)


def always_echo(llm) -> None:
    llm.script(*([echo_reply] * 50))


def test_happy_path_by_polling(deployment, llm):
    always_echo(llm)
    service = deployment()
    user = Client(service.base)
    response = user.submit("hello there")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert response.headers["Location"] == f"/v1/jobs/{body['job_id']}"
    assert response.headers["Retry-After"] == "3"
    done = user.wait(body["job_id"])
    assert done["status"] == "succeeded", (done, service.log_tail())
    assert done["result"]["response"] == "echo: hello there"
    assert done["result"]["expression"] == "happy"
    assert done["result"]["time"] >= 0
    assert done["progress"] == 1.0


@worker_kinds
def test_happy_path_by_sse_streams_tokens(deployment, llm, worker_env):
    llm.token_delay_seconds = 0.01
    always_echo(llm)
    service = deployment(**worker_env)
    user = Client(service.base)
    job_id = user.submit("a streamed hello").json()["job_id"]
    events = user.events(job_id)
    names = [name for name, _ in events]
    assert names[0] == "status"
    assert names[-1] == "done"
    tokens = "".join(data["delta"] for name, data in events if name == "token")
    assert tokens == "echo: a streamed hello"
    assert names.count("token") > 1
    assert events[-1][1]["status"] == "succeeded"
    assert events[-1][1]["result"]["response"] == "echo: a streamed hello"


def test_sse_after_done_sends_status_then_done(deployment, llm):
    always_echo(llm)
    service = deployment()
    user = Client(service.base)
    job_id = user.submit("quick").json()["job_id"]
    user.wait(job_id)
    events = user.events(job_id, query_token=False)
    assert [name for name, _ in events] == ["status", "done"]
    assert events[0][1]["status"] == "succeeded"


def test_messages_of_one_user_are_answered_in_order(deployment, llm):
    llm.latency_seconds = 0.3
    always_echo(llm)
    service = deployment(workers=3)
    user = Client(service.base)
    jobs = [user.submit(f"message {i}").json()["job_id"] for i in range(4)]
    results = [user.wait(job_id, timeout=60) for job_id in jobs]
    assert [r["result"]["response"] for r in results] == [f"echo: message {i}" for i in range(4)]
    # The fake model saw them one at a time, in order, each with the earlier replies.
    lasts = [
        [m["content"] for m in r.body["messages"] if m["role"] == "user"][-1]
        for r in reply_requests(llm)
    ]
    assert lasts == [f"message {i}" for i in range(4)]


def test_different_users_run_in_parallel(deployment, llm):
    llm.latency_seconds = 1.0
    always_echo(llm)
    service = deployment(workers=2)
    first, second = Client(service.base), Client(service.base)
    started = time.monotonic()
    jobs = [
        (first, first.submit("one").json()["job_id"]),
        (second, second.submit("two").json()["job_id"]),
    ]
    for user, job_id in jobs:
        assert user.wait(job_id)["status"] == "succeeded"
    assert time.monotonic() - started < 1.9  # two 1 s calls side by side, not one after other


def test_another_users_job_is_not_found(deployment, llm):
    always_echo(llm)
    service = deployment()
    owner, stranger = Client(service.base), Client(service.base)
    job_id = owner.submit("mine").json()["job_id"]
    owner.wait(job_id)
    assert stranger.poll(job_id).status_code == 404
    assert stranger.poll(job_id).json()["error"]["code"] == "not_found"
    response = stranger.http.get(
        f"/v1/jobs/{job_id}/events", params={"access_token": stranger.token}
    )
    assert response.status_code == 404
    assert owner.poll("no-such-job").status_code == 404


def test_llm_failure_fails_the_job_and_keeps_the_message(deployment, llm):
    llm.fail_next(1, status=500)  # retries are off in these deployments
    service = deployment()
    user = Client(service.base)
    job_id = user.submit("will this work?").json()["job_id"]
    done = user.wait(job_id)
    assert done["status"] == "failed"
    assert done["error"] == "llm_unavailable"
    assert "result" not in done
    # The next message is answered: a failure does not block the user.
    always_echo(llm)
    assert user.wait(user.submit("again").json()["job_id"])["status"] == "succeeded"
    history = reply_requests(llm)[-1].prompt
    assert "will this work?" in history  # the failed turn's message was kept


@worker_kinds
def test_job_timeout_fails_with_timeout(deployment, llm, worker_env):
    llm.latency_seconds = 10
    service = deployment(SOUL_JOB_TIMEOUT_SECONDS="1", SOUL_LLM_TIMEOUT_SECONDS="30", **worker_env)
    user = Client(service.base)
    done = user.wait(user.submit("slow").json()["job_id"])
    assert done["status"] == "failed"
    assert done["error"] == "timeout"
    # The worker carries on: the next message is answered.
    llm.latency_seconds = 0
    always_echo(llm)
    next_job = user.submit("quick").json()["job_id"]
    assert user.wait(next_job)["status"] == "succeeded"


@worker_kinds
def test_killed_worker_fails_the_job_as_lost_and_the_next_one_runs(deployment, llm, worker_env):
    llm.latency_seconds = 120
    service = deployment(workers=1, **worker_env)
    user = Client(service.base)
    samples_before = sample_count(user)
    lost = user.submit("doomed").json()["job_id"]
    deadline = time.monotonic() + 20
    while user.poll(lost).json()["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    waiting = user.submit("next in line").json()["job_id"]
    service.kill_worker(service.workers[0])
    killed_at = time.monotonic()
    done = user.wait(lost, timeout=70)
    assert done["status"] == "failed"
    assert done["error"] == "worker_lost"
    assert time.monotonic() - killed_at < 60
    assert sample_count(user) == samples_before  # the lost job changed no feelings
    llm.latency_seconds = 0
    llm.reset()
    llm.script(*([swinging_echo()] * 5))
    service.add_worker()
    assert user.wait(waiting, timeout=60)["result"]["response"] == "echo: next in line"
    said = [(m["from_agent"], m["message"]) for m in conversation_of(user)]
    assert said == [(False, "doomed"), (False, "next in line"), (True, "echo: next in line")]
    assert sample_count(user) == samples_before + 1


def a_running_job(deployment, llm, text: str, latency: float) -> tuple[Any, Client, str]:
    """A deployment with one worker answering ``text`` with the model ``latency`` seconds
    slow, once that job runs: (the deployment, its user, the job id)."""
    llm.latency_seconds = latency
    always_echo(llm)
    service = deployment()
    user = Client(service.base)
    job_id = user.submit(text).json()["job_id"]
    wait_until_running(user, job_id)
    return service, user, job_id


def test_a_stopping_worker_finishes_its_job_first(deployment, llm):
    service, user, job_id = a_running_job(deployment, llm, "finish this first", latency=1.5)
    service.workers[0].send_signal(signal.SIGTERM)  # warm shutdown
    assert service.workers[0].wait(20) == 0
    assert user.poll(job_id).json()["result"]["response"] == "echo: finish this first"


def test_a_cold_shutdown_ends_the_running_job_as_lost_at_once(deployment, llm):
    service, user, job_id = a_running_job(deployment, llm, "cut off", latency=30)
    worker = service.workers[0]
    worker.send_signal(signal.SIGTERM)
    time.sleep(1.2)  # RQ ignores a second SIGTERM that comes within a second of the first
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    done = user.poll(job_id).json()
    assert (done["status"], done["error"]) == ("failed", "worker_lost")


def wait_until_running(user: Client, job_id: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while user.poll(job_id).json()["status"] != "running":
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)


def test_submit_validates_its_body(deployment, llm):
    service = deployment()
    user = Client(service.base)
    for body in ({"message": ""}, {"message": "x" * 4001}, {"message": "hi", "type": "chat"}, {}):
        response = user.http.post("/v1/messages/submit", headers=user.headers, json=body)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"
    assert user.http.post("/v1/messages/submit", json={"message": "hi"}).status_code == 401


def test_redis_restart_is_survived_without_restarting_anything(tmp_path, llm):
    import httpx

    from soul_framework.embedded_redis import EmbeddedRedis
    from tests.jobs.conftest import llm_deployment

    always_echo(llm)
    own_redis = EmbeddedRedis(tmp_path / "redis", persistent=False)
    url = own_redis.start()
    service = llm_deployment(tmp_path, url, llm).start(workers=1)
    try:
        user = Client(service.base)
        assert user.wait(user.submit("before").json()["job_id"])["status"] == "succeeded"
        own_redis.stop()
        down = user.submit("while Redis is down")
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "queue_unavailable"
        assert httpx.get(f"{service.base}/v1/meta/queue").status_code == 503
        own_redis.start()
        # This Redis kept nothing (no append-only file): the session's revocation list and
        # the worker's registration are gone, but the service carries on by itself.
        assert httpx.get(f"{service.base}/v1/meta/queue").status_code == 200
        after = user.submit("after")
        assert after.status_code == 202
        # The worker reconnects with its own backoff (1, 2, 4 ... seconds).
        assert user.wait(after.json()["job_id"], timeout=90)["result"]["response"] == (
            "echo: after"
        )
        assert all(p.poll() is None for p in [service.api, *service.workers])
        # A refused message is not kept: the client sends it again, and it must not be twice.
        conversation = user.http.get("/v1/messages/conversation", headers=user.headers).json()
        mine = [
            m["message"] for m in conversation["conversation"]["messages"] if not m["from_agent"]
        ]
        assert mine == ["before", "after"]
    finally:
        service.stop()
        own_redis.stop()


def test_quiet_streams_get_keep_alives_and_disconnects_are_cleaned_up(deployment, llm, redis_url):
    import redis as redis_client

    llm.latency_seconds = 3
    always_echo(llm)
    service = deployment(SOUL_SSE_KEEPALIVE_SECONDS="0.5")
    user = Client(service.base)
    job_id = user.submit("take your time").json()["job_id"]
    lines: list[str] = []
    with user.http.stream(
        "GET", f"/v1/jobs/{job_id}/events", params={"access_token": user.token}
    ) as response:
        for line in response.iter_lines():
            lines.append(line)
            if lines.count(": keep-alive") >= 2:
                break  # the client goes away mid-stream
    assert lines[0] == "event: status"
    connection = redis_client.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if dict(connection.pubsub_numsub(f"job:{job_id}"))[f"job:{job_id}".encode()] == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the API kept listening for a client that left")
    finally:
        connection.close()
    assert user.wait(job_id)["status"] == "succeeded"


def test_one_pubsub_connection_serves_every_stream(deployment, llm, redis_url):
    import threading

    import redis as redis_client

    llm.latency_seconds = 2
    always_echo(llm)
    service = deployment(workers=1)
    connection = redis_client.Redis.from_url(redis_url)

    db = connection.connection_pool.connection_kwargs.get("db", 0)

    def pubsub_clients() -> int:
        """This test's pub/sub connections (others may share the Redis server, not the db)."""
        clients = connection.client_list(_type="pubsub")
        return sum(1 for c in clients if int(c.get("db", -1)) == int(db))

    try:
        before = pubsub_clients()
        users = [Client(service.base) for _ in range(5)]
        jobs = [(u, u.submit(f"stream {i}").json()["job_id"]) for i, u in enumerate(users)]
        results: dict[str, list] = {}
        threads = [
            threading.Thread(target=lambda u=u, j=j: results.__setitem__(j, u.events(j)))
            for u, j in jobs
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # all five streams are open and subscribed by now
        during = pubsub_clients()
        for thread in threads:
            thread.join(60)
        assert during - before <= 1
        assert all(events[-1][0] == "done" for events in results.values())
    finally:
        connection.close()
