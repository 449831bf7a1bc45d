"""``soul chat``: the terminal client of a running service.

Most tests drive the conversation loop in-process against a small scripted /v1 service on a
real socket (rate limits, expired sign-ins, a queue that is down, failed replies). The slow
ones run the real command under a pseudo-terminal against a real deployment.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from soul_framework.chat.conversation import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, Chat
from soul_framework.chat.events import ServerEvent, read_events
from soul_framework.chat.service import Credentials, Service, retry_after_seconds
from soul_framework.chat.terminal import Terminal, mood_line, wants_colour
from soul_framework.testing import free_port
from soul_framework.testing.fake_llm import FakeLLMServer
from soul_framework.testing.schema_instances import schema_instance
from tests.jobs.conftest import forget_jobs, llm_deployment

EMOTIONS = {
    "joy": {"description": "", "value": 62.4, "min": 0, "max": 100},
    "love": {"description": "", "value": 40.0, "min": 0, "max": 100},
    "sadness": {"description": "", "value": 3.0, "min": 0, "max": 100},
    "surprise": {"description": "", "value": 17.6, "min": 0, "max": 100},
}
MOOD = "mood: joy 62 · love 40 · surprise 18"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x01\x02\r]")


# The pieces.


def test_events_are_read_as_the_standard_says():
    stream = [
        b": keep-alive\n",
        b"event: status\n",
        b'data: {"status": "queued"}\n',
        b"\n",
        b"data: one\r\n",
        b"data:two\r\n",
        b"\r\n",
        b"event: done\n",
        b"data: {}\n",  # cut off: no blank line ends it
    ]
    events = list(read_events(stream))
    assert events == [
        ServerEvent("status", '{"status": "queued"}'),
        ServerEvent("message", "one\ntwo"),
    ]
    assert events[0].json() == {"status": "queued"}
    assert events[1].json() == {}


def test_mood_line_shows_the_three_strongest_rounded():
    assert mood_line(EMOTIONS) == MOOD
    assert mood_line({"b": {"value": 5}, "a": {"value": 5}}) == "mood: a 5 · b 5"
    assert mood_line({}) == "mood: unknown"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: set and non-empty
        (True, {"TERM": "dumb"}, False),
        (False, {}, False),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(tty, environ, expected):
    assert wants_colour(_Stream(tty), environ) is expected


def test_retry_after_takes_seconds_or_a_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


# A scripted /v1 service.


class FakeService:
    """Answers the few /v1 calls the chat makes, as the contract says, with switches."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.valid_tokens: set[str] = set()
        self.refresh_ok = True
        self.submit_failures: list[tuple[int, str, dict[str, str]]] = []
        self.replies: list[list[tuple[str, dict[str, Any]]]] = []
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.grants = 0
        self.csrf = ""
        self.lock = threading.Lock()

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]

    def grant(self, handler: _Handler) -> None:
        self.grants += 1
        token = f"token-{self.grants}"
        self.valid_tokens.add(token)
        self.csrf = f"csrf-{self.grants}"
        cookies = [
            f"sid=sid-{self.grants}; Path=/v1/auth; HttpOnly; SameSite=Lax",
            f"rtoken=rt-{self.grants}; Path=/v1/auth; HttpOnly; SameSite=Lax",
            f"refresh_csrf={self.csrf}; Path=/; SameSite=Lax",
        ]
        body = {
            "access_token": token,
            "username": f"guest_{self.grants}",
            "expires_in": 900,
            "csrf_token": self.csrf,
        }
        handler.send(200, body, [("Set-Cookie", c) for c in cookies])

    def handle(self, handler: _Handler, method: str, path: str, body: Any) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.requests.append((method, path, headers, body))
        token = headers.get("authorization", "").removeprefix("Bearer ")
        signed_in = token in self.valid_tokens
        if (method, path) == ("POST", "/v1/auth/guest"):
            return self.grant(handler)
        if (method, path) == ("POST", "/v1/auth/login"):
            if body == {"email": "ann@example.com", "password": "correct horse"}:
                return self.grant(handler)
            return handler.error(401, "invalid_credentials")
        if (method, path) == ("POST", "/v1/auth/refresh"):
            cookie = SimpleCookie(headers.get("cookie", ""))
            proof = cookie.get("refresh_csrf")
            if not self.refresh_ok or proof is None or headers.get("x-csrf-token") != proof.value:
                return handler.error(401, "bad_refresh")
            return self.grant(handler)
        if (method, path) == ("GET", "/v1/"):
            return handler.send(200, {"active_agent": "Jasmine"})
        if not signed_in:
            return handler.error(401, "invalid_token")
        if (method, path) == ("GET", "/v1/agents/active"):
            agent = {"name": "Jasmine", "emotional_status": {"emotions": EMOTIONS, "reason": ""}}
            return handler.send(200, {"agent": agent})
        if (method, path) == ("POST", "/v1/messages/submit"):
            if self.submit_failures:
                status, code, extra = self.submit_failures.pop(0)
                return handler.error(status, code, extra)
            job_id = f"job-{len(self.jobs) + 1}"
            self.jobs[job_id] = self.replies.pop(0)
            return handler.send(202, {"job_id": job_id, "status": "queued"})
        if method == "GET" and path.startswith("/v1/jobs/") and path.endswith("/events"):
            return handler.stream(self.jobs[path.split("/")[3]])
        if method == "GET" and path.startswith("/v1/jobs/"):
            return handler.send(200, self.snapshots[path.split("/")[3]])
        return handler.error(404, "not_found")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.server.fake.handle(self, self.command, self.path, body)

    do_POST = do_GET

    def send(self, status: int, body: Any, headers: list[tuple[str, str]] = ()) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        envelope = {"error": {"code": code, "message": f"{code} happened", "request_id": "r"}}
        self.send(status, envelope, list((headers or {}).items()))

    def stream(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """The events, then the connection closes (a broken stream when ``done`` is missing)."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for name, data in events:
            self.wfile.write(
                f": keep-alive\n\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()
            )
            self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeService


@pytest.fixture
def fake() -> Iterator[tuple[FakeService, str]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeService()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def succeeded(job_id: str, response: str | None, expression: str = "smile") -> dict[str, Any]:
    result = {"response": response, "time": 0.5, "expression": expression}
    return {"job_id": job_id, "status": "succeeded", "progress": 1.0, "result": result}


def failed(job_id: str, code: str) -> dict[str, Any]:
    return {"job_id": job_id, "status": "failed", "progress": None, "error": code}


def queued(job_id: str) -> tuple[str, dict[str, Any]]:
    return "status", {"job_id": job_id, "status": "queued", "progress": None}


def tokens(job_id: str, *pieces: str) -> list[tuple[str, dict[str, Any]]]:
    return [("token", {"job_id": job_id, "delta": piece}) for piece in pieces]


def lines(*typed: str) -> Callable[[str], str]:
    """``input`` for the loop: the lines, then the end of input (Ctrl-D)."""
    pending = list(typed)

    def read(prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read


def run_chat(
    base: str,
    *typed: str,
    credentials: Credentials | None = None,
    colour: bool = False,
) -> tuple[int, str, str, list[float]]:
    """Run the loop to the end of ``typed``: (exit status, stdout, stderr, seconds slept)."""
    out, err, slept = io.StringIO(), io.StringIO(), []
    terminal = Terminal(out, err, colour=colour, err_colour=colour)
    service = Service(
        base,
        credentials,
        notice=lambda text: terminal.line(text, "warning"),
        sleep=slept.append,
    )
    code = Chat(service, terminal, lines(*typed)).run()
    return code, out.getvalue(), err.getvalue(), slept


# The loop against the scripted service.


def test_a_reply_that_was_not_streamed_is_printed_whole_with_expression_and_mood(fake):
    service, base = fake
    service.replies.append([queued("job-1"), ("done", succeeded("job-1", "Hi there!"))])
    code, out, err, _ = run_chat(base, "hello")
    assert code == EXIT_OK, err
    assert "Jasmine at " in out
    assert "as guest_1" in out
    # The greeting's mood line, then the reply, its expression and the mood after it.
    assert f"{MOOD}\nJasmine: Hi there!\n[smile]\n{MOOD}\n" in out
    assert ("POST", "/v1/messages/submit") in [(m, p) for m, p, _, _ in service.requests]
    submitted = next(b for m, p, _, b in service.requests if p == "/v1/messages/submit")
    assert submitted == {"message": "hello", "type": "dm"}


def test_streamed_tokens_are_printed_once_as_they_come(fake):
    service, base = fake
    events = [queued("job-1"), *tokens("job-1", "Hi", " there", "!")]
    service.replies.append([*events, ("done", succeeded("job-1", "Hi there!"))])
    code, out, _, _ = run_chat(base, "hello")
    assert code == EXIT_OK
    assert f"{MOOD}\nJasmine: Hi there!\n[smile]\n{MOOD}\n" in out


def test_a_final_reply_that_differs_from_the_streamed_text_is_shown(fake):
    service, base = fake
    events = [queued("job-1"), *tokens("job-1", "Hel")]
    service.replies.append([*events, ("done", succeeded("job-1", "Hello again."))])
    _, out, _, _ = run_chat(base, "hello")
    assert "Jasmine: Hel\n" in out
    assert "Jasmine: Hello again.\n[smile]\n" in out


def test_a_failed_reply_shows_its_error_code_and_the_loop_goes_on(fake):
    service, base = fake
    service.replies.append([queued("job-1"), ("done", failed("job-1", "llm_timeout"))])
    service.replies.append([queued("job-2"), ("done", succeeded("job-2", "Back again."))])
    code, out, _, _ = run_chat(base, "first", "second")
    assert code == EXIT_OK
    assert "llm_timeout" in out
    assert "Jasmine: Back again." in out


def test_rate_limits_are_shown_and_waited_out(fake):
    service, base = fake
    service.submit_failures.append((429, "rate_limited", {"Retry-After": "7"}))
    service.replies.append([("done", succeeded("job-1", "Patience pays."))])
    code, out, _, slept = run_chat(base, "hello")
    assert code == EXIT_OK
    assert slept == [7.0]
    assert "waiting 7 s" in out
    assert "Jasmine: Patience pays." in out


def expiring_lines(service: FakeService, *typed: str) -> Callable[[str], str]:
    """Like ``lines``, but the access token expires before each line is typed."""
    read = lines(*typed)

    def expire_then_read(prompt: str) -> str:
        service.valid_tokens.clear()
        return read(prompt)

    return expire_then_read


def run_expiring(base: str, service: FakeService, *typed: str) -> tuple[int, str]:
    out = io.StringIO()
    terminal = Terminal(out, io.StringIO(), colour=False, err_colour=False)
    client = Service(base, notice=lambda text: terminal.line(text))
    code = Chat(client, terminal, expiring_lines(service, *typed)).run()
    return code, out.getvalue()


def test_an_expired_sign_in_is_refreshed_with_the_cookies_and_csrf_token(fake):
    service, base = fake
    service.replies.append([("done", succeeded("job-1", "Still here."))])
    code, out = run_expiring(base, service, "hello")
    assert code == EXIT_OK
    refresh = [h for m, p, h, _ in service.requests if p == "/v1/auth/refresh"]
    assert len(refresh) == 1
    assert "rtoken=rt-1" in refresh[0]["cookie"]
    assert refresh[0]["x-csrf-token"] == "csrf-1"
    assert "Jasmine: Still here." in out
    assert service.paths().count("/v1/auth/guest") == 1


def test_a_refused_refresh_signs_in_again_as_a_new_guest(fake):
    service, base = fake
    service.refresh_ok = False
    service.replies.append([("done", succeeded("job-1", "Nice to meet you."))])
    code, out = run_expiring(base, service, "hello")
    assert code == EXIT_OK
    assert service.paths().count("/v1/auth/guest") == 2
    assert "signed in again as guest_2" in out
    assert "Jasmine: Nice to meet you." in out


def test_a_queue_that_is_down_is_explained_and_the_loop_goes_on(fake):
    service, base = fake
    service.submit_failures.append((503, "queue_unavailable", {}))
    service.replies.append([("done", succeeded("job-1", "Now I hear you."))])
    code, out, _, _ = run_chat(base, "first", "second")
    assert code == EXIT_OK
    assert "queue_unavailable" in out
    assert "Jasmine: Now I hear you." in out
    assert service.paths().count("/v1/messages/submit") == 2


def test_a_stream_that_breaks_off_is_finished_from_the_job(fake):
    service, base = fake
    service.replies.append([queued("job-1"), *tokens("job-1", "Hi")])  # no done: cut off
    service.snapshots["job-1"] = succeeded("job-1", "Hi", expression="calm")
    code, out, _, _ = run_chat(base, "hello")
    assert code == EXIT_OK
    assert "Jasmine: Hi\n[calm]\n" + MOOD in out


def test_commands_and_empty_lines_send_nothing(fake):
    service, base = fake
    code, out, _, _ = run_chat(base, "", "   ", "/mood", "/quit", "never sent")
    assert code == EXIT_OK
    assert out.count(MOOD) == 2  # the greeting's, then /mood's
    assert "/v1/messages/submit" not in service.paths()


def test_ctrl_c_at_the_prompt_leaves_with_the_interrupt_status(fake):
    _, base = fake

    def interrupt(prompt: str) -> str:
        raise KeyboardInterrupt

    terminal = Terminal(io.StringIO(), io.StringIO(), colour=False, err_colour=False)
    assert Chat(Service(base), terminal, interrupt).run() == EXIT_INTERRUPTED


def test_login_with_credentials(fake):
    service, base = fake
    code, _, _, _ = run_chat(base, credentials=Credentials("ann@example.com", "correct horse"))
    assert code == EXIT_OK
    assert service.paths()[0] == "/v1/auth/login"
    code, _, err, _ = run_chat(base, credentials=Credentials("ann@example.com", "wrong"))
    assert code == EXIT_FAILURE
    assert "invalid_credentials" in err


def test_colours_only_when_asked(fake):
    service, base = fake
    service.replies.append([("done", succeeded("job-1", "Hi!"))])
    service.replies.append([("done", succeeded("job-2", "Hi!"))])
    _, coloured, _, _ = run_chat(base, "hello", colour=True)
    _, plain, _, _ = run_chat(base, "hello", colour=False)
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain


def test_an_unreachable_service_ends_the_session_with_status_1():
    code, _, err, _ = run_chat(f"http://127.0.0.1:{free_port()}", "hello")
    assert code == EXIT_FAILURE
    assert "cannot reach the service" in err
    assert "soul up" in err


# The real command.


def chat_command(base: str) -> list[str]:
    return [sys.executable, "-m", "soul_framework.cli", "chat", "--url", base]


def test_the_command_exits_1_with_a_clear_message_when_nothing_answers(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        chat_command(url), cwd=tmp_path, capture_output=True, text=True, input="", timeout=60
    )
    assert done.returncode == 1
    assert f"cannot reach the service at {url}" in done.stderr
    assert "Is the service running?" in done.stderr


class PseudoTerminal:
    """A child process on a pseudo-terminal: what it prints is read, what we type is sent."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self.output = ""

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def read_until(self, pattern: str, start: int = 0, limit_seconds: float = 60) -> int:
        """Read until ``pattern`` (a regex) shows in the output after ``start``, escape codes
        stripped; returns where its match ends. A deadline only stops a hung test."""
        deadline = time.monotonic() + limit_seconds
        while True:
            found = re.compile(pattern).search(self.plain, start)
            if found:
                return found.end()
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {pattern!r} in:\n{self.output}")
            readable, _, _ = select.select([self.master], [], [], 0.5)
            if readable:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # EIO: the child has gone
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the child ended before {pattern!r}:\n{self.output}")
                self.output += chunk.decode(errors="replace")

    @property
    def plain(self) -> str:
        return ANSI.sub("", self.output)

    def wait(self) -> int:
        try:
            return self.process.wait(60)
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def answer_everything(body: dict[str, Any]) -> dict[str, Any]:
    """Any structured call gets a valid answer; a reply echoes the user's last message."""
    schema = body["response_format"]["json_schema"]
    answer = schema_instance(schema["schema"])
    if schema["name"] == "ReplyOutput":
        last = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        answer.update(message=f"echo: {last}", expression="happy")
    return answer


@pytest.fixture
def service(tmp_path: Path, redis_url: str) -> Iterator[str]:
    """A real deployment (API, a worker, Redis, SQLite) answering with the fake model."""
    forget_jobs(redis_url)
    with FakeLLMServer() as llm:
        llm.token_delay_seconds = 0.01  # the reply arrives in several token events
        llm.script(*([answer_everything] * 20))
        with llm_deployment(tmp_path, redis_url, llm).start(1) as deployment:
            yield deployment.base
    forget_jobs(redis_url)


@pytest.mark.slow
def test_a_conversation_on_a_terminal(service, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    terminal = PseudoTerminal(chat_command(service), tmp_path, env)
    try:
        greeted = terminal.read_until(r"mood: [a-z_]+ \d+")
        terminal.read_until(r"you> ", greeted)
        terminal.type("tell me a story\n")
        replied = terminal.read_until(r"Jasmine: echo: tell me a story\r?\n", greeted)
        shown = terminal.read_until(r"\[happy\]\r?\n", replied)
        terminal.read_until(r"mood: [a-z_]+ \d+ · [a-z_]+ \d+ · [a-z_]+ \d+\r?\n", shown)
        terminal.read_until(r"you> ", shown)
        terminal.type("\x04")  # Ctrl-D
        assert terminal.wait() == 0
    finally:
        terminal.kill()
    assert "\x1b[" in terminal.output  # a terminal without NO_COLOR gets colours
