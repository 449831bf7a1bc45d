"""A real deployment for tests and benchmarks: ``soul serve`` and ``soul worker`` processes.

Each process is a child of the caller with its output in ``<folder>/logs/<name>.log``; the
store is SQLite in ``<folder>/data``; Redis is the one the caller names. Settings go in as
environment variables, exactly as an operator would give them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from soul_framework.testing import free_port

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
_DROPPED_PREFIXES = ("SOUL_", "OLLAMA_", "OPENAI_", "GPT_", "MONGO_", "LLM_")


class Deployment:
    """One API process and any number of workers; ``env`` adds or overrides settings."""

    def __init__(self, folder: Path, redis_url: str, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)},
            "APP_ENV": "development",
            "REDIS_URL": redis_url,
            "SOUL_DATA_DIR": str(folder / "data"),
            "JWT_SECRET_ENV": secrets.token_urlsafe(48),
            "ARGON2_PEPPER_ENV": secrets.token_urlsafe(24),
            "SOUL_LOCAL_MODEL": "off",
            **(env or {}),
        }
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        # The child keeps its own copy of the log's file descriptor; ours closes at once.
        with (self.logs / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "soul_framework.cli", *args],
                env=self.env,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def start(self, workers: int = 1) -> Deployment:
        """Start the API and ``workers`` workers; return once the API lists them all."""
        self.api = self._spawn("api", "serve", "--port", str(self.port))
        for _ in range(workers):
            self.add_worker(wait=False)
        self.wait_for_workers(workers)
        return self

    def add_worker(self, *, wait: bool = True) -> subprocess.Popen[bytes]:
        index = len(self.workers)
        worker = self._spawn(f"worker-{index}", "worker", "--name", f"soul-{self.port}-{index}")
        self.workers.append(worker)
        if wait:
            self.wait_for_workers(len([w for w in self.workers if w.poll() is None]))
        return worker

    def wait_for_workers(self, count: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.api is not None and self.api.poll() is not None:
                raise RuntimeError(f"the API exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                queue = httpx.get(f"{self.base}/v1/meta/queue", timeout=2).json()
                if queue.get("worker_count", -1) >= count:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the deployment did not come up:\n{self.log_tail()}")

    def restart_api(self) -> None:
        """SIGKILL the API process (a crash: open streams are cut) and start a new one on the
        same port; return once it serves again."""
        assert self.api is not None
        self.api.kill()
        self.api.wait(10)
        self.api = self._spawn("api", "serve", "--port", str(self.port))
        self.wait_for_workers(len([w for w in self.workers if w.poll() is None]))

    @property
    def api_pid(self) -> int:
        assert self.api is not None
        return self.api.pid

    def kill_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker and any work-horse it forked (a crash, not a shutdown)."""
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(worker.pid).children(recursive=True):
                child.kill()
        worker.kill()
        worker.wait(10)

    def log_tail(self, characters: int = 3000) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-characters:]}"
            for path in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        """Stop the workers (warm shutdown) and the API; kill whatever does not stop."""
        processes = [p for p in [*self.workers, self.api] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill_worker(process)

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
