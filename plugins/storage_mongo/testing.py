"""A MongoDB-compatible server for tests and benchmarks of this plugin.

``MONGO_TEST_URL`` names a real server when there is one; otherwise :class:`StandInServer` runs
SecantusDB (a MongoDB wire-protocol server on WiredTiger, installed with the development extras;
GPL, used only as a separate process, never imported). It has no text indexes, so on it the
store searches memories by its stored-terms fallback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

STARTUP_SECONDS = 30


class StandInServer:
    """A SecantusDB process on 127.0.0.1 (``:memory:`` or a folder to keep data in)."""

    def __init__(self, port: int, storage: Path | str, log: Path) -> None:
        self.port = port
        self.storage = storage
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> StandInServer:
        command = [
            server_program(),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("--storage-path", str(self.storage), "--log-level", "WARNING"),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SecantusDB exited at start: {self.log.read_text()[-2000:]}")
            if answers(self.url):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"SecantusDB did not answer within {STARTUP_SECONDS}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def server_program() -> str:
    """The SecantusDB launcher beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("secantusd-py")
    found = str(beside) if beside.exists() else shutil.which("secantusd-py")
    if found is None:
        raise RuntimeError(
            "No MongoDB server for the tests: install the dev extras (SecantusDB) "
            "or set MONGO_TEST_URL to a server's URL."
        )
    return found


def answers(url: str) -> bool:
    """True when a MongoDB server answers a ping at ``url`` within a moment."""
    client: MongoClient[dict[str, object]] = MongoClient(url, serverSelectionTimeoutMS=300)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()
