"""A fake OpenAI-compatible LLM server on a real socket, with scripted answers and failures.

``FakeLLMServer`` speaks enough of the OpenAI HTTP API that the official SDK and plain HTTP
clients work against it unchanged: ``GET /v1/models``, ``POST /v1/chat/completions`` (plain,
structured through ``response_format``, or streamed as server-sent events) and
``POST /v1/embeddings``. Example::

    with FakeLLMServer() as server:
        server.script("Hi!", {"mood": "calm"})
        client = AsyncOpenAI(base_url=server.url, api_key="x")
        ...  # the first chat completion answers "Hi!", the second '{"mood": "calm"}'
        assert "hello" in server.chat_requests()[0].prompt

What a chat completion answers: the next scripted answer if any; else, for ``response_format``
``json_schema``, a small valid instance of the schema (see ``schema_instances``); for
``json_object``, ``{"answer": "ok"}``; otherwise ``DEFAULT_TEXT``.

Every request is recorded first. Requests the API itself would reject (unknown path, malformed
JSON, missing fields, ``json_schema`` while ``json_schema_supported`` is False, embeddings while
``embeddings_supported`` is False) are answered at once and use up no switch. Each other chat or
embeddings request, in arrival order, then meets the switches:

1. ``fail_next``: answered with the queued error status;
2. ``time_out_next``: held open without an answer;
3. ``latency_seconds`` passes before anything is sent (failures included);
4. for structured chat requests only, ``invalid_json_next`` replaces the content with broken
   JSON, else ``wrap_json_next`` wraps the answer in a code fence or prose.

Failures, held requests and broken JSON do not use up a scripted answer, so a client that retries
gets the answer it would have had. Wrapping does use it up: the wrapped text is the answer.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import re
import select
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

from soul_framework.testing.schema_instances import schema_instance

Answer = str | dict[str, Any] | Callable[[dict[str, Any]], str | dict[str, Any]]

CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"
DEFAULT_TEXT = "Hello from the fake model."
JSON_OBJECT_ANSWER = {"answer": "ok"}
BROKEN_JSON = '{"broken": '
EMBEDDING_DIMENSIONS = 64
STREAM_PIECE_CHARS = 4  # streamed content is cut into pieces of this many characters
HOLD_LIMIT_SECONDS = 60.0  # the longest time_out_next keeps a request open
_STOP_WAIT_SECONDS = 5.0  # how long stop() waits for connection threads to end


@dataclass
class RecordedRequest:
    """One HTTP request the server received.

    ``path`` is as sent (query string included), ``headers`` has lower-cased names, and
    ``body`` is the parsed JSON object, or None when there was no body or it was not an object.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float = 0.0
    """``time.perf_counter()`` when the request's body began to be read."""
    answered_at: float | None = None
    """``time.perf_counter()`` when the answer had been written (None until then)."""

    @property
    def served_seconds(self) -> float | None:
        """How long the fake took over this request, latencies included (None if unanswered)."""
        return None if self.answered_at is None else self.answered_at - self.received_at

    @property
    def prompt(self) -> str:
        """For a chat completion request, every message's text joined with newlines; else ""."""
        if not _is_chat(self.path) or not self.body:
            return ""
        messages = self.body.get("messages")
        if not isinstance(messages, list):
            return ""
        return "\n".join(_message_text(m) for m in messages if isinstance(m, dict))


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        parts = (p.get("text", "") for p in content if isinstance(p, dict))
        return "\n".join(p for p in parts if isinstance(p, str))
    return content if isinstance(content, str) else ""


def _count_words(text: str) -> int:
    """Token count as this server reports it: whitespace-separated words, at least 1."""
    return max(1, len(text.split()))


def fake_embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """The deterministic unit vector the server returns for ``text``.

    Each lower-cased word is hashed into one dimension with a sign, so texts that share words
    point in similar directions and unrelated texts are nearly orthogonal.
    """
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()):
        digest = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        vector[digest % dimensions] += 1.0 if digest >> 63 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0:  # no words: still a unit vector, so cosine similarity stays defined
        return [1.0] + [0.0] * (dimensions - 1)
    return [x / norm for x in vector]


_ERROR_KINDS = {  # status: (type, code) in error bodies, labelled the way the real API does
    401: ("authentication_error", "invalid_api_key"),
    403: ("authentication_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def _error_body(status: int, message: str) -> dict[str, Any]:
    """An OpenAI-style error body for ``status``."""
    fallback = ("server_error", "server_error") if status >= 500 else ("invalid_request_error",) * 2
    kind, code = _ERROR_KINDS.get(status, fallback)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _is_chat(path: str) -> bool:
    return urlsplit(path).path.rstrip("/") == CHAT_PATH


def _embedding_texts(inputs: Any) -> list[str] | None:
    """The texts an embeddings ``input`` holds (token-id lists as their numbers), else None."""
    if isinstance(inputs, str) or (
        isinstance(inputs, list) and inputs and all(isinstance(i, int) for i in inputs)
    ):
        inputs = [inputs]  # one text, or one list of token ids
    if not isinstance(inputs, list) or not inputs:
        return None
    texts = [" ".join(map(str, i)) if isinstance(i, list) else i for i in inputs]
    return texts if all(isinstance(text, str) for text in texts) else None


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time off a kept-alive connection and hands it to the fake."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    server_version = "FakeLLM/1.0"
    disable_nagle_algorithm = True  # else small SSE writes wait ~40 ms on the client's ACK
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: a line per request would bury the test output."""

    def do_GET(self) -> None:
        """Every method goes to the fake, which routes on method and path."""
        self.server.fake._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def read_body(self) -> bytes:
        """The request body, sent with Content-Length or chunked; ValueError if unreadable."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Answer with a JSON body framed by Content-Length."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer with an OpenAI-style error body."""
        self.send_json(status, _error_body(status, message), headers)

    def send_events(self, payloads: list[Any], delay: Callable[[], object] | None) -> None:
        """Stream ``payloads`` as server-sent events, then ``[DONE]``, calling ``delay`` between
        (with no delay, all of them go out in one write, as fast as a server can answer).

        Chunked transfer encoding keeps the connection reusable; each event goes out in its own
        chunk and is flushed, so the client sees it as soon as it is written.
        """
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        events = [json.dumps(payload) for payload in payloads] + ["[DONE]"]
        framed = []
        for event in events:
            data = f"data: {event}\n\n".encode()
            framed.append(b"%x\r\n%s\r\n" % (len(data), data))
        framed.append(b"0\r\n\r\n")
        if delay is None:
            self.wfile.write(b"".join(framed))
        else:
            for index, chunk in enumerate(framed):
                if 0 < index < len(framed) - 1:
                    delay()
                self.wfile.write(chunk)
                self.wfile.flush()
        self.wfile.flush()

    def hold_open(self, stopping: threading.Event, limit: float) -> None:
        """Send nothing until the client hangs up, ``limit`` seconds pass or ``stopping`` is set.

        The connection is closed afterwards, as a server that gave up would.
        """
        self.close_connection = True
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and not stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if not readable:
                continue
            try:
                if not self.connection.recv(1, socket.MSG_PEEK):
                    return  # the client closed its end
            except OSError:
                return
            stopping.wait(0.05)  # bytes but no hang-up (a pipelined request): keep holding


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections, so stop() can end them."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 resets connections when a test opens many at once

    def __init__(self, address: tuple[str, int], fake: FakeLLMServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.fake = fake
        self.open_connections: set[socket.socket] = set()
        self.connections_changed = threading.Condition()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS look-up, which can stall for seconds."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Note the new connection, then serve it on its own thread."""
        with self.connections_changed:
            self.open_connections.add(request)
            self.fake.connections_made += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Close a connection whose thread is done, and forget it."""
        super().shutdown_request(request)
        with self.connections_changed:
            self.open_connections.discard(request)
            self.connections_changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hung up mid-answer; report anything else as usual."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self, timeout: float) -> None:
        """Shut every open connection and wait up to ``timeout`` seconds for their threads."""
        with self.connections_changed:
            for connection in self.open_connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self.connections_changed.wait_for(lambda: not self.open_connections, timeout)


class FakeLLMServer:
    """An OpenAI-compatible HTTP server on 127.0.0.1 for tests; see the module docstring.

    Plain attributes, read on each request: ``latency_seconds`` (wait before answering a chat or
    embeddings request), ``token_delay_seconds`` (wait between streamed events),
    ``json_schema_supported`` and ``embeddings_supported``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: tuple[str, ...] = ("fake-fast", "fake-quality"),
    ) -> None:
        """Prepare a server for ``host``:``port`` (0: a free port, chosen at start())."""
        self.host, self.port, self.models = host, port, tuple(models)
        self._lock = threading.Lock()  # guards the record, the script and the switches
        self._life = threading.Lock()  # serialises start() and stop()
        self._stopping = threading.Event()  # cuts short holds and waits when the server stops
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Every request received, in arrival order; appended under the lock by server threads.
        # A live list, so tests may read it (or clear() it) at any time.
        self.requests: list[RecordedRequest] = []
        self.connections_made = 0
        """Connections accepted since the start: a client that reuses its connections makes
        one for requests sent one after another."""
        self.reset()

    def reset(self) -> None:
        """Forget recorded requests, scripted answers and switches; attributes back to defaults."""
        with self._lock:
            self.requests.clear()
            self._scripts: deque[Answer] = deque()
            self._failures: deque[tuple[int, float | None]] = deque()
            self._holds = self._invalid_json = 0
            self._wraps: deque[Literal["fence", "prose"]] = deque()
        self.latency_seconds = 0.0
        self.token_delay_seconds = 0.0
        self.json_schema_supported = True
        self.embeddings_supported = True

    def start(self) -> FakeLLMServer:
        """Listen and serve in a daemon thread; returns self. Calling it again does nothing."""
        with self._life:
            if self._httpd is None:
                self._stopping.clear()
                self._httpd = _HTTPServer((self.host, self.port), self)
                self._thread = threading.Thread(
                    target=self._httpd.serve_forever,
                    kwargs={"poll_interval": 0.05},  # how quickly shutdown() is noticed
                    name=f"fake-llm-{self._httpd.server_port}",
                    daemon=True,
                )
                self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, release held requests, close connections and end the threads."""
        with self._life:
            httpd, thread = self._httpd, self._thread
            if httpd is None or thread is None:
                return
            self._httpd = self._thread = None
            self._stopping.set()
            httpd.shutdown()
            httpd.server_close()
            httpd.close_connections(_STOP_WAIT_SECONDS)
            thread.join(_STOP_WAIT_SECONDS)

    def __enter__(self) -> FakeLLMServer:
        """start() the server for the ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """stop() the server at the end of the ``with`` block."""
        self.stop()

    @property
    def url(self) -> str:
        """The base URL for clients, e.g. ``http://127.0.0.1:PORT/v1``; the server must run."""
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running: call start() first")
        host, port = self._httpd.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/v1"

    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded ``POST /v1/chat/completions`` requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and _is_chat(r.path)]

    def script(self, *answers: Answer) -> None:
        """Queue answers for the next chat completions, first in first out.

        A str is the message content as is; a dict is sent JSON-encoded; a callable gets the
        request body and returns either.
        """
        with self._lock:
            self._scripts.extend(answers)

    def fail_next(
        self, count: int = 1, *, status: int = 500, retry_after: float | None = None
    ) -> None:
        """Answer the next ``count`` chat/embeddings requests with ``status`` and an error body.

        ``retry_after`` (seconds), when given, is sent as the Retry-After header.
        """
        with self._lock:
            self._failures.extend([(status, retry_after)] * count)

    def time_out_next(self, count: int = 1) -> None:
        """Hold the next ``count`` chat/embeddings requests open without an answer.

        A held request ends when the client hangs up, after ``HOLD_LIMIT_SECONDS`` or at stop(),
        by closing the connection.
        """
        with self._lock:
            self._holds += count

    def invalid_json_next(self, count: int = 1) -> None:
        """Answer the next ``count`` structured chat requests with content that is not JSON."""
        with self._lock:
            self._invalid_json += count

    def wrap_json_next(self, count: int = 1, *, style: Literal["fence", "prose"] = "fence") -> None:
        """Wrap the next ``count`` structured answers in a ```json fence or in chatty prose."""
        with self._lock:
            self._wraps.extend([style] * count)

    # Serving (runs on the server's threads).

    def _handle(self, handler: _Handler) -> None:
        """Record one request, then route it and answer it."""
        received_at = time.perf_counter()
        try:
            raw: bytes | None = handler.read_body()
        except ValueError:
            raw = None
        body: Any = None
        if raw:
            with contextlib.suppress(ValueError):
                body = json.loads(raw)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = RecordedRequest(
            handler.command,
            handler.path,
            headers,
            body if isinstance(body, dict) else None,
            received_at=received_at,
        )
        with self._lock:
            self.requests.append(record)
        try:
            self._route(handler, raw, body)
        finally:
            record.answered_at = time.perf_counter()

    def _route(self, handler: _Handler, raw: bytes | None, body: Any) -> None:
        """Answer a recorded request."""
        route = (handler.command, urlsplit(handler.path).path.rstrip("/"))
        if raw is None or (raw and not isinstance(body, dict)):
            if raw is None:  # the body's end is unknown, so the stream cannot be trusted
                handler.close_connection = True
            return handler.send_error_json(400, "The request body is not a JSON object.")
        if route == ("GET", MODELS_PATH):
            return handler.send_json(200, {"object": "list", "data": self._models()})
        if route[0] == "GET" and route[1].startswith(MODELS_PATH + "/"):
            found = [m for m in self._models() if m["id"] == route[1][len(MODELS_PATH) + 1 :]]
            if found:
                return handler.send_json(200, found[0])
        if route == ("POST", CHAT_PATH) or (route == ("POST", EMBEDDINGS_PATH)):
            problem = self._problem(route[1], body or {})
            if problem:
                return handler.send_error_json(*problem)
            return self._serve(handler, body, route[1] == CHAT_PATH)
        return handler.send_error_json(404, f"Unknown request: {handler.command} {handler.path}")

    def _models(self) -> list[dict[str, Any]]:
        """The model objects ``/v1/models`` lists."""
        return [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]

    def _problem(self, path: str, body: dict[str, Any]) -> tuple[int, str] | None:
        """Why the real API would reject this request outright (status, message), if it would."""
        if path == EMBEDDINGS_PATH:
            if not self.embeddings_supported:
                return 404, "This server does not serve embeddings."
            if _embedding_texts(body.get("input")) is None:
                return 400, "'input' must be a non-empty string, list of strings or token ids."
            dimensions = body.get("dimensions", EMBEDDING_DIMENSIONS)
            if not isinstance(dimensions, int) or dimensions < 1:
                return 400, "'dimensions' must be a positive integer."
            return None
        if not isinstance(body.get("messages"), list):
            return 400, "Missing required parameter: 'messages'."
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        if kind == "json_schema" and not self.json_schema_supported:
            return 400, "response_format of type 'json_schema' is not supported by this model."
        return None

    def _serve(self, handler: _Handler, body: dict[str, Any], chat: bool) -> None:
        """Answer a valid chat or embeddings request, applying the switches in order."""
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            hold = failure is None and self._holds > 0
            if hold:
                self._holds -= 1
        if hold:
            return handler.hold_open(self._stopping, HOLD_LIMIT_SECONDS)
        if self.latency_seconds > 0:
            self._stopping.wait(self.latency_seconds)
        if failure is not None:
            status, retry_after = failure
            headers = {} if retry_after is None else {"Retry-After": format(retry_after, "g")}
            return handler.send_error_json(status, f"Simulated failure (HTTP {status}).", headers)
        if not chat:
            return handler.send_json(200, self._embed(body))
        try:
            content = self._answer(body)
        except Exception as error:  # a scripted callable or the schema failed: tell the caller
            return handler.send_error_json(500, f"The fake could not answer: {error!r}")
        return self._reply(handler, body, content)

    def _answer(self, body: dict[str, Any]) -> str:
        """The content for one chat completion, with the script and the JSON switches applied."""
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        structured = kind in ("json_schema", "json_object")
        with self._lock:
            if structured and self._invalid_json > 0:
                self._invalid_json -= 1
                return BROKEN_JSON
            scripted = self._scripts.popleft() if self._scripts else None
            wrap = self._wraps.popleft() if structured and self._wraps else None
        if callable(scripted):
            scripted = scripted(body)
        if scripted is not None:
            content = scripted if isinstance(scripted, str) else json.dumps(scripted)
        elif kind == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema", {})
            content = json.dumps(schema_instance(schema))
        elif kind == "json_object":
            content = json.dumps(JSON_OBJECT_ANSWER)
        else:
            content = DEFAULT_TEXT
        if wrap == "fence":
            return f"```json\n{content}\n```"
        if wrap == "prose":
            return f"Sure! Here is the answer: {content} Hope this helps."
        return content

    def _reply(self, handler: _Handler, body: dict[str, Any], content: str) -> None:
        """Send ``content`` as a chat.completion object, or as chunk events when streaming."""
        prompt_tokens = _count_words(RecordedRequest("POST", CHAT_PATH, {}, body).prompt)
        completion_tokens = _count_words(content)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        usage["total_tokens"] = prompt_tokens + completion_tokens
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time())}
        base |= {"model": body.get("model") or self.models[0], "system_fingerprint": "fake"}
        if body.get("stream"):
            chunks = _chunks(base, content, usage, body.get("stream_options"))
            delay = self.token_delay_seconds
            handler.send_events(chunks, (lambda: self._stopping.wait(delay)) if delay > 0 else None)
        else:
            message = {"role": "assistant", "content": content, "refusal": None}
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            reply = {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            handler.send_json(200, reply)

    def _embed(self, body: dict[str, Any]) -> dict[str, Any]:
        """The embeddings answer for a validated request body."""
        texts = _embedding_texts(body["input"]) or []
        dimensions = body.get("dimensions", EMBEDDING_DIMENSIONS)
        as_base64 = body.get("encoding_format") == "base64"  # the SDK's default: packed float32
        data = []
        for index, text in enumerate(texts):
            vector: Any = fake_embedding(text, dimensions)
            if as_base64:
                vector = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(_count_words(text) for text in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return {"object": "list", "data": data, "model": body.get("model", ""), "usage": usage}


def _chunks(
    base: dict[str, Any], content: str, usage: dict[str, int], options: Any
) -> list[dict[str, Any]]:
    """The chat.completion.chunk objects that stream ``content``, as the real API sends them."""
    with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
    base = {**base, "object": "chat.completion.chunk"} | ({"usage": None} if with_usage else {})

    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice]}

    pieces = range(0, len(content), STREAM_PIECE_CHARS)
    chunks = [chunk({"role": "assistant"})]
    chunks += [chunk({"content": content[i : i + STREAM_PIECE_CHARS]}) for i in pieces]
    chunks.append(chunk({}, "stop"))
    if with_usage:
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks
