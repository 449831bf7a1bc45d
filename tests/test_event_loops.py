"""The event loop the API and the workers run on."""

from __future__ import annotations

import asyncio
import sys

import pytest

from soul_framework import event_loops


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not exist for Windows")
def test_uvloop_runs_the_service_where_it_exists():
    import uvloop

    assert isinstance(event_loops.run(_running_loop()), uvloop.Loop)


def test_without_uvloop_the_standard_loop_runs(monkeypatch):
    monkeypatch.setattr(event_loops, "uvloop", None)
    loop = event_loops.run(_running_loop())
    assert type(loop).__module__.startswith("asyncio")
    assert loop.is_closed()


def test_run_returns_the_result_and_closes_its_loop():
    loop = event_loops.run(_running_loop())
    assert loop.is_closed()
    assert event_loops.run(asyncio.sleep(0, result=42)) == 42
