#!/usr/bin/env python3
"""Set up and run Synthetic Soul from a source checkout, with nothing installed but Python 3.11+.

    python3 dev.py up [OPTIONS]      run the service on the embedded defaults (soul up)
    python3 dev.py test [ARGS]       run the whole test suite (pytest)
    python3 dev.py soul ARGS         run any other soul command

The first run makes a virtual environment in .venv and installs the project with its
development tools into it; later runs reinstall only when pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SOUL_VENV", ROOT / ".venv"))
STAMP = VENV / ".soul-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

USAGE = __doc__ or ""


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must run to say so
        sys.exit(f"Synthetic Soul needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV}")
        venv.create(VENV, with_pip=True, clear=VENV.exists())
    stamp = wanted_stamp()
    if STAMP.exists() and STAMP.read_text() == stamp:
        return
    say("installing Synthetic Soul and its development tools (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(stamp)


def run(program: str, arguments: list[str]) -> int:
    executable = BIN / (f"{program}.exe" if os.name == "nt" else program)
    command = [str(executable), *arguments]
    if os.name == "nt":
        return subprocess.call(command, cwd=ROOT)
    os.chdir(ROOT)
    os.execv(command[0], command)  # hand over signals (Ctrl-C) and the exit code as they are
    return 0  # not reached


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    action, rest = argv[0], argv[1:]
    if action not in {"up", "test", "soul"}:
        print(USAGE)
        return 2
    ensure_environment()
    if action == "up":
        return run("soul", ["up", *rest])
    if action == "test":
        return run("pytest", rest)
    return run("soul", rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
