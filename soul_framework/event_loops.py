"""The event loops the API and the workers run on: uvloop's where it is installed.

uvloop (libuv) schedules callbacks, tasks and socket I/O in C. Measured on a message's own
path (``python -m bench.jobs --only overhead``) it takes about a fifth off the API process's
CPU time per message and a little off the worker's, so more of a small machine is left for the
work itself. It does not exist for Windows, where the standard loop is used; nothing else
changes with the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # Windows, or a deliberately slim install
    uvloop = None  # type: ignore[assignment]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes a new event loop here: uvloop's when available, else asyncio's."""
    return uvloop.new_event_loop if uvloop is not None else asyncio.new_event_loop


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop (not set as the current one)."""
    return loop_factory()()


def run(main: Coroutine[Any, Any, T]) -> T:
    """:func:`asyncio.run` on the loop :func:`loop_factory` makes."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
