"""Fault tests run on the job tests' deployment and fake model, and on servers of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from soul_framework.testing import free_port
from soul_plugins.storage_mongo.testing import StandInServer
from tests.jobs.conftest import deployment, llm  # noqa: F401  (fixtures)


@pytest.fixture
def stand_in_mongo(tmp_path) -> Iterator[StandInServer]:
    """A MongoDB stand-in of this test's own that keeps its data in a folder, so the test may
    stop it and start it again (on the same port) with everything still there."""
    server = StandInServer(free_port(), tmp_path / "mongo", tmp_path / "mongo.log").start()
    try:
        yield server
    finally:
        server.stop()
