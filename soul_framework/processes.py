"""Options for the child processes ``soul up`` starts, so that none outlives its parent, and
what one process can tell about another on the same machine."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import socket
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


def pid_alive(pid: int) -> bool:
    """Whether a process of this ``pid`` runs here (in this process's pid namespace)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@functools.cache
def host_identity() -> str:
    """The machine and pid namespace this process runs in: processes with the same identity
    see each other's pids (two containers may share a host name, never a pid namespace)."""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"
