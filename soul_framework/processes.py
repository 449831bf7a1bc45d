"""Options for the child processes ``soul up`` starts, so that none outlives its parent."""

from __future__ import annotations

import ctypes
import signal
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux only: the kernel sends SIGTERM to this process when its parent dies, even when
    the parent was SIGKILLed and had no chance to stop its children."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def child_process_options() -> dict[str, Any]:
    """``Popen`` keyword arguments for a supervised child.

    Each child gets its own process group, so a terminal's Ctrl-C reaches only the supervisor,
    which then stops the children in order (workers first, Redis last).
    """
    options: dict[str, Any] = {}
    if sys.platform != "win32":
        options["start_new_session"] = True
    if sys.platform.startswith("linux"):
        options["preexec_fn"] = _die_with_parent
    return options
