"""The ``soul`` command, run for real as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import psutil
import pytest
import redis

from soul_framework.testing import free_port
from tests.conftest import TESTS_THINKING_RATE_SECONDS
from tests.plugins_for_tests import BUNDLED_PLUGIN_NAMES

SOUL = [sys.executable, "-m", "soul_framework.cli"]


def run_soul(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*SOUL, *args], capture_output=True, text=True, timeout=60, env=env, cwd=cwd
    )


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment (already stripped of the developer's settings)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["SOUL_LOCAL_MODEL"] = "off"  # the local model has tests of its own
    env["THINKING_RATE_SECONDS"] = str(TESTS_THINKING_RATE_SECONDS)  # no pass mid-test
    env.update(extra)
    return env


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the service is still starting
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last error: {last_error})")


class SoulUp:
    """``soul up`` as a child process, its output collected line by line as it comes."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_path / "data"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*SOUL, "up", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_up(self) -> None:
        wait_for(lambda: f"Synthetic Soul is up at {self.base}" in self.output, timeout=60)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(5)
        return code


def chat_once(base: str, text: str, timeout: float = 120) -> dict:
    """Sign in as a guest, send ``text``, and wait for the job to finish."""
    token = json.loads(_post(f"{base}/v1/auth/guest", None))["access_token"]
    job = json.loads(_post(f"{base}/v1/messages/submit", {"message": text}, token))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{base}/v1/jobs/{job['job_id']}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
        if body["status"] in {"succeeded", "failed"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"no answer within {timeout}s")


def _post(url: str, body: dict | None, token: str | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def test_version_and_help():
    result = run_soul("--version")
    assert result.returncode == 0
    assert "API 1.2.0" in result.stdout
    help_text = run_soul("--help").stdout
    for command in ("up", "serve", "worker", "plugins", "config"):
        assert command in help_text


def test_plugins_command_lists_bundled_and_selected(tmp_path):
    result = run_soul("plugins", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in BUNDLED_PLUGIN_NAMES:
        assert f"{name}  (synthetic-soul" in result.stdout
    assert "store: sqlite  [selected]" in result.stdout
    assert "store: mongo\n" in result.stdout
    assert "llm provider: ollama  [selected]" in result.stdout


def test_plugins_command_reports_a_missing_capability(tmp_path):
    result = run_soul("plugins", env=clean_env(LLM_PROVIDER="nobody"), cwd=tmp_path)
    assert result.returncode != 0
    assert "Set LLM_PROVIDER" in result.stderr


def test_config_command_masks_secrets(tmp_path):
    env = clean_env(
        JWT_SECRET_ENV="a-very-secret-value-that-must-not-show",
        MONGO_CONNECTION="mongodb://soul:hunter2@db.example.org/",
    )
    result = run_soul("config", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "a-very-secret-value" not in result.stdout
    assert "hunter2" not in result.stdout
    assert "JWT_SECRET_ENV" in result.stdout
    assert "********" in result.stdout
    assert "production" in result.stdout


def test_serve_refuses_placeholder_secrets_in_production(tmp_path):
    env = clean_env(JWT_SECRET_ENV="changeme", ARGON2_PEPPER_ENV="changeme")
    result = run_soul("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "JWT_SECRET_ENV" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_worker_registers_and_stops_on_sigterm(tmp_path, redis_url):
    name = f"cli-test-{os.getpid()}"
    process = subprocess.Popen(
        [*SOUL, "worker", "--name", name],
        env=clean_env(REDIS_URL=redis_url, APP_ENV="development"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    connection = redis.Redis.from_url(redis_url)
    try:
        wait_for(lambda: connection.sismember("rq:workers", f"rq:worker:{name}"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert not connection.sismember("rq:workers", f"rq:worker:{name}")
    finally:
        if process.poll() is None:
            process.kill()
        connection.close()


def test_python_m_worker_is_the_same_command(tmp_path, redis_url):
    result = subprocess.run(
        [sys.executable, "-m", "soul_framework.worker", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert "--burst" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("external_redis", [False, True], ids=["embedded-redis", "redis-url"])
def test_soul_up_serves_and_stops_without_orphans(tmp_path, redis_url, external_redis):
    from soul_framework.testing.fake_llm import FakeLLMServer

    llm = FakeLLMServer().start()
    llm.script(
        lambda body: {"message": "echo: " + body["messages"][-1]["content"], "expression": "happy"}
    )
    model = {"OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": llm.url}
    env = clean_env(REDIS_URL=redis_url, **model) if external_redis else clean_env(**model)
    up = SoulUp(tmp_path, env)
    descendants: list[psutil.Process] = []
    try:
        up.wait_until_up()
        queue = wait_for(
            lambda: (q := get_json(f"{up.base}/v1/meta/queue"))["worker_count"] >= 1 and q,
            timeout=30,
        )
        assert queue["status"] == "ok"
        assert queue["redis_ok"] is True
        names = {p["name"] for p in get_json(f"{up.base}/v1/meta/plugins")["plugins"]}
        assert set(BUNDLED_PLUGIN_NAMES) <= names
        assert get_json(f"{up.base}/v1/")["active_agent"] == "Jasmine"
        answer = chat_once(up.base, "hello from the test")
        assert answer["result"]["response"] == "echo: hello from the test"
        assert (up.data_dir / "secrets.env").stat().st_mode & 0o777 == 0o600
        assert (up.data_dir / "soul.db").exists()
        if not external_redis:
            assert (up.data_dir / "redis" / "redis.log").exists()
        descendants = psutil.Process(up.process.pid).children(recursive=True)
        assert len(descendants) >= (2 if external_redis else 3)
    finally:
        code = up.stop()
        llm.stop()
    assert code == 0, up.output
    _gone, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == [], f"orphans left: {alive}"
    if external_redis:
        # The worker said goodbye to the shared Redis instead of lingering as a ghost.
        connection = redis.Redis.from_url(redis_url)
        try:
            assert not [w for w in connection.smembers("rq:workers") if b"soul-up-" in w]
        finally:
            connection.close()


@pytest.mark.slow
def test_soul_up_keeps_its_secrets_across_restarts(tmp_path, redis_url):
    first = SoulUp(tmp_path, clean_env(REDIS_URL=redis_url))
    try:
        first.wait_until_up()
    finally:
        first.stop()
    secrets_before = (first.data_dir / "secrets.env").read_text()
    second = SoulUp(tmp_path, clean_env(REDIS_URL=redis_url))
    try:
        second.wait_until_up()
    finally:
        assert second.stop(signal.SIGINT) == 0  # Ctrl-C
    assert (second.data_dir / "secrets.env").read_text() == secrets_before


@pytest.mark.slow
def test_soul_up_stopped_while_starting_exits_cleanly(tmp_path, redis_url):
    up = SoulUp(tmp_path, clean_env(REDIS_URL=redis_url))
    wait_for(lambda: "worker" in up.output or psutil.Process(up.process.pid).children())
    children = psutil.Process(up.process.pid).children(recursive=True)
    assert up.stop() == 0, up.output
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


@pytest.mark.slow
def test_soul_up_restarts_a_worker_that_dies(tmp_path, redis_url):
    up = SoulUp(tmp_path, clean_env(REDIS_URL=redis_url))
    try:
        up.wait_until_up()
        wait_for(lambda: get_json(f"{up.base}/v1/meta/queue")["worker_count"] >= 1, timeout=30)
        worker = next(
            p
            for p in psutil.Process(up.process.pid).children()
            if "worker" in " ".join(p.cmdline())
        )
        worker.kill()
        worker.wait(10)

        def replaced() -> bool:
            children = psutil.Process(up.process.pid).children()
            return any("worker" in " ".join(p.cmdline()) and p.pid != worker.pid for p in children)

        wait_for(replaced, timeout=20)
        wait_for(lambda: get_json(f"{up.base}/v1/meta/queue")["worker_count"] >= 1, timeout=30)
    finally:
        up.stop()
    assert "worker-1 exited with -9; restarting" in up.output


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def answered(base: str, token: str, text: str, timeout: float = 120) -> tuple[str, dict]:
    """Send ``text`` as the signed-in user, again while it is refused (503), and wait for the
    job to end: (its id, its final view)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = _post(f"{base}/v1/messages/submit", {"message": text}, token)
        except urllib.error.HTTPError as exc:
            refused = (exc.code, exc.read())
        else:
            job_id = json.loads(reply)["job_id"]
            break
        assert refused[0] == 503, refused
        assert time.monotonic() < deadline, f"still refused: {refused}"
        time.sleep(0.5)
    while time.monotonic() < deadline:
        body = _get(f"{base}/v1/jobs/{job_id}", token)
        if body["status"] in {"succeeded", "failed"}:
            return job_id, body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end within {timeout}s")


def redis_server_of(up: SoulUp) -> psutil.Process:
    return next(p for p in psutil.Process(up.process.pid).children() if "redis" in p.name())


@pytest.mark.slow
def test_soul_up_restarts_its_redis_on_the_same_data(tmp_path):
    from soul_framework.testing.fake_llm import FakeLLMServer

    llm = FakeLLMServer().start()
    llm.script(*[lambda body: {"message": "echo: " + body["messages"][-1]["content"]}] * 10)
    up = SoulUp(tmp_path, clean_env(OPENAI_API_KEY="sk-fake", OPENAI_BASE_URL=llm.url))
    try:
        up.wait_until_up()
        token = json.loads(_post(f"{up.base}/v1/auth/guest", None))["access_token"]
        first_job, first = answered(up.base, token, "before the crash")
        assert first["status"] == "succeeded", first
        killed = redis_server_of(up)
        killed.kill()
        wait_for(lambda: redis_server_of(up).pid != killed.pid, timeout=30)
        _, second = answered(up.base, token, "after the crash")
        assert second["status"] == "succeeded", (second, up.output[-3000:])
        assert second["result"]["response"] == "echo: after the crash"
        queue = wait_for(
            lambda: (q := get_json(f"{up.base}/v1/meta/queue"))["status"] == "ok" and q,
            timeout=30,
        )
        assert queue["redis_ok"] is True
        # The same Redis data: the job answered before the crash is still known.
        assert _get(f"{up.base}/v1/jobs/{first_job}", token) == first
        conversation = _get(f"{up.base}/v1/messages/conversation", token)["conversation"]
        assert [m["message"] for m in conversation["messages"]] == [
            "before the crash",
            "echo: before the crash",
            "after the crash",
            "echo: after the crash",
        ]
    finally:
        code = up.stop()
        llm.stop()
    assert code == 0, up.output
    assert "embedded Redis exited with -9; restarting" in up.output


@pytest.mark.slow
def test_soul_up_keeps_its_data_private(tmp_path):
    """Under the usual umask 022, what soul up keeps is its owner's only, and a data folder
    left readable by an older version is tightened."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "secrets.env").write_text("")
    (data / "secrets.env").chmod(0o644)
    from soul_framework.testing.fake_llm import FakeLLMServer

    llm = FakeLLMServer().start()
    llm.script({"message": "noted"})
    before = os.umask(0o022)
    try:
        up = SoulUp(tmp_path, clean_env(OPENAI_API_KEY="sk-fake", OPENAI_BASE_URL=llm.url))
    finally:
        os.umask(before)
    try:
        up.wait_until_up()
        answer = chat_once(up.base, "a private word")  # the database and Redis have written
        assert answer["status"] == "succeeded", answer

        def mode(path: Path) -> int:
            return path.stat().st_mode & 0o777

        assert mode(data) == 0o700
        assert mode(data / "redis") == 0o700
        for name in ("secrets.env", "soul.db", "soul.db-wal", "soul.db-shm"):
            assert mode(data / name) == 0o600, name
        for path in (data / "redis").iterdir():
            assert mode(path) & 0o077 == 0, path
        assert (data / "redis" / "soul-redis.aof").stat().st_size > 0
    finally:
        code = up.stop()
        llm.stop()
    assert code == 0, up.output


@pytest.mark.slow
def test_soul_up_killed_outright_leaves_no_orphans(tmp_path):
    """Even SIGKILL, which gives soul up no chance to clean up: the children follow it."""
    up = SoulUp(tmp_path, clean_env())
    up.wait_until_up()
    children = psutil.Process(up.process.pid).children(recursive=True)
    assert any("redis-server" in p.name() for p in children)
    up.process.kill()
    up.process.wait(10)
    _gone, alive = psutil.wait_procs(children, timeout=20)
    assert alive == [], f"orphans left: {alive}"


@pytest.mark.slow
def test_soul_up_reports_a_port_in_use(tmp_path, redis_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*SOUL, "up", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            env=clean_env(REDIS_URL=redis_url),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert result.returncode == 1
    assert "the API process exited at start" in result.stdout


def test_grant_creator_is_an_explicit_operator_action(tmp_path, redis_url):
    import asyncio

    from soul_framework.config import Settings
    from soul_framework.domain.accounts import User
    from soul_framework.domain.ids import new_id, utcnow
    from soul_plugins.storage_sqlite.store import SQLiteStore

    data_dir = tmp_path / "data"
    settings = Settings(_env_file=None, soul_data_dir=data_dir)
    user = User(
        id=new_id(),
        username="maker",
        created_at=utcnow(),
        email="maker@example.org",
        password_hash="x",
    )

    async def prepare():
        store = SQLiteStore(settings)
        await store.open()
        await store.create_user(user)
        await store.close()

    async def relationship():
        store = SQLiteStore(settings)
        await store.open()
        try:
            return await store.get_relationship("jasmine", user.id)
        finally:
            await store.close()

    asyncio.run(prepare())
    # DEVELOPER_EMAIL alone grants nothing.
    env = clean_env(SOUL_DATA_DIR=str(data_dir), DEVELOPER_EMAIL="maker@example.org")
    assert asyncio.run(relationship()) is None
    result = run_soul("grant-creator", "Maker@Example.org", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "maker (Maker@Example.org) is now Jasmine's creator" in result.stdout
    assert asyncio.run(relationship()).intrinsic == "creator"
    missing = run_soul("grant-creator", "nobody@example.org", env=env, cwd=tmp_path)
    assert missing.returncode != 0
    assert "No account has the email" in missing.stderr


LOCAL_SERVICE_PLUGIN = """
import sys
from soul_framework import hookimpl

class EchoService:
    name = "echo-service"

    def __init__(self, port):
        self.port = port

    def prepare(self, say):
        say("echo-service: nothing to build")

    def command(self):
        return [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1"]

    def environment(self):
        return {"OLLAMA_BASE_URL": f"http://127.0.0.1:{self.port}/v1"}

    def own_environment(self):
        return {}

    def ready_url(self):
        return f"http://127.0.0.1:{self.port}/"

@hookimpl
def register_local_services(register, settings):
    import os
    register(EchoService(int(os.environ["ECHO_SERVICE_PORT"])))
"""


@pytest.mark.slow
def test_soul_up_runs_local_services_first_and_stops_them(tmp_path, redis_url):
    site = tmp_path / "site"
    (site / "soul_echo-1.0.dist-info").mkdir(parents=True)
    (site / "soul_echo-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: soul-echo\nVersion: 1.0\n"
    )
    (site / "soul_echo-1.0.dist-info" / "entry_points.txt").write_text(
        "[soul_framework]\necho = fake_echo_service\n"
    )
    (site / "fake_echo_service.py").write_text(LOCAL_SERVICE_PLUGIN)
    service_port = free_port()
    env = clean_env(REDIS_URL=redis_url, PYTHONPATH=str(site), ECHO_SERVICE_PORT=str(service_port))
    up = SoulUp(tmp_path, env)
    try:
        up.wait_until_up()
        llm = get_json(f"{up.base}/v1/meta/llm")
        assert llm["base_url"] == f"http://127.0.0.1:{service_port}/v1"
        children = psutil.Process(up.process.pid).children(recursive=True)
        assert any("http.server" in " ".join(p.cmdline()) for p in children)
    finally:
        assert up.stop() == 0
    assert "echo-service: nothing to build" in up.output
    assert "echo-service is ready" in up.output
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


def test_llm_check_reports_latency_and_usage(tmp_path):
    from soul_framework.testing.fake_llm import FakeLLMServer

    with FakeLLMServer() as server:
        server.script({"greeting": "Hello!", "mood": "cheerful"})
        env = clean_env(
            OPENAI_API_KEY="sk-check", OPENAI_BASE_URL=server.url, GPT_FAST_MODEL="fake-fast"
        )
        result = run_soul("llm", "check", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "provider: openai (hosted)" in result.stdout
        assert '"greeting":"Hello!"' in result.stdout
        assert "latency:" in result.stdout
        assert "prompt +" in result.stdout
        assert server.chat_requests()[0].body["response_format"]["type"] == "json_schema"
        server.fail_next(10, status=503)
        failed = run_soul("llm", "check", env={**env, "SOUL_LLM_MAX_RETRIES": "1"}, cwd=tmp_path)
        assert failed.returncode != 0
        assert "llm_unavailable" in failed.stderr
        assert "sk-check" not in failed.stderr + failed.stdout


@pytest.mark.slow
@pytest.mark.timeout(3600)  # builds the local model on a machine that has never built it
def test_soul_up_with_no_llm_configured_runs_the_local_model(tmp_path, redis_url):
    env = clean_env(
        REDIS_URL=redis_url,
        SOUL_LOCAL_MODEL="auto",
        OLLAMA_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
    )
    up = SoulUp(tmp_path, env)
    try:
        wait_for(lambda: f"Synthetic Soul is up at {up.base}" in up.output, timeout=3000)
        llm = get_json(f"{up.base}/v1/meta/llm")
        assert llm["provider"] == "ollama"
        assert llm["models"] == {"fast": "smollm2-135m", "quality": "smollm2-135m"}
        assert llm["configured"] is True
        assert llm["base_url"] != env["OLLAMA_BASE_URL"]
        # The local server has a key of its own: a caller without it is refused.
        check = run_soul(
            "llm",
            "check",
            env=clean_env(
                OLLAMA_BASE_URL=llm["base_url"],
                OLLAMA_FAST_MODEL="smollm2-135m",
                SOUL_LLM_MAX_RETRIES="0",
            ),
            cwd=tmp_path,
        )
        assert check.returncode != 0
        assert "llm_unavailable" in check.stderr
        # A message sent to the service is answered by the model (its words are its own).
        answer = chat_once(up.base, "Hello! How are you today?")
        assert answer["status"] == "succeeded", (answer, up.output[-3000:])
        assert answer["result"]["response"]
    finally:
        assert up.stop() == 0
    assert "local model" in up.output


@pytest.mark.slow
def test_soul_up_thinks_at_the_configured_rate(tmp_path):
    from itertools import count, pairwise

    from soul_framework.testing.fake_llm import FakeLLMServer
    from soul_framework.testing.schema_instances import schema_instance

    numbers = count(1)

    def answer(body: dict) -> dict:
        schema = body["response_format"]["json_schema"]
        reply = schema_instance(schema["schema"])
        if schema["name"] == "Thought":
            reply.update(thought=f"thought number {next(numbers)}", keep_memory=False)
        return reply

    llm = FakeLLMServer().start()
    llm.script(*([answer] * 100))
    env = clean_env(OPENAI_API_KEY="sk-fake", OPENAI_BASE_URL=llm.url, THINKING_RATE_SECONDS="3")
    up = SoulUp(tmp_path, env)
    try:
        up.wait_until_up()
        token = json.loads(_post(f"{up.base}/v1/auth/guest", None))["access_token"]

        def latest() -> dict | None:
            request = urllib.request.Request(
                f"{up.base}/v1/thoughts/latest", headers={"Authorization": f"Bearer {token}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return json.loads(response.read())["latest_thought"]
            except urllib.error.HTTPError as exc:
                if exc.code == 404:  # thought_not_found until the first pass
                    return None
                raise

        seen: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while len(seen) < 3 and time.monotonic() < deadline:
            thought = latest()
            if thought:
                seen.setdefault(thought["thought"], thought["timestamp"])
            time.sleep(0.2)
    finally:
        code = up.stop()
        llm.stop()
    assert code == 0
    assert len(seen) >= 3, (seen, up.output[-2000:])
    stamps = sorted(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in seen.values())
    gaps = [(b - a).total_seconds() for a, b in pairwise(stamps)]
    assert all(2 <= gap <= 4.5 for gap in gaps), gaps  # one pass per 3 s interval
