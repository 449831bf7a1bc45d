"""Files that hold users' data or the service's secrets are readable by their owner only.

The SQLite database holds password hashes and every message, the embedded Redis's append-only
file every queued message, ``secrets.env`` the keys that sign sessions. They are created 0600
in 0700 folders whatever the umask, and the ones an older version left readable to other
users are tightened when they are opened.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = 0o077
"""The permission bits of the group and of everyone else."""


def private_folder(path: Path) -> Path:
    """Make ``path`` a folder only its owner may enter: created 0700 (its missing parents
    as usual), or an existing one tightened. The home folder and the current folder are left
    as they are: a data folder pointed at one of them shares it, so only its own files are
    made private. Returns ``path``."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    resolved = path.resolve()
    if resolved not in {Path.home().resolve(), Path.cwd().resolve()}:
        tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; tighten it if it does."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path)
    return path


def tighten(path: Path) -> None:
    """Take the group's and others' permissions off ``path``, when it exists and belongs to
    this user (someone else's file is theirs to mind, and chmod would fail)."""
    if os.name != "posix":
        return
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.geteuid() or not info.st_mode & _OTHERS:
        return
    with contextlib.suppress(FileNotFoundError):  # removed meanwhile
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~_OTHERS)
