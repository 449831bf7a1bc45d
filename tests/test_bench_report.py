"""``python -m bench all``: one report of every benchmark, Markdown and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.__main__ import SCRIPTS, figures_of

ROOT = Path(__file__).resolve().parents[1]


def test_figures_come_from_summary_lines_and_tables():
    output = (
        "warming up\nsummary: done p50 ms 12.5, failed 0, rate 1e3\n"
        "model=lite | states=20000 | read_ms=106\nbackend=sqlite | size=1000 | p50_ms=0.23\n"
        "a sentence with = in it | not a row\n"
    )
    assert figures_of(output) == {
        "done p50 ms": 12.5,
        "failed": 0.0,
        "rate": 1000.0,
        "lite states": 20000.0,
        "lite read_ms": 106.0,
        "sqlite size": 1000.0,
        "sqlite p50_ms": 0.23,
    }


def test_every_bench_script_is_in_the_report():
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(SCRIPTS)


def test_a_quick_report_is_written_with_the_machine(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "all",
            "--quick",
            "--only",
            "emotions",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert {"platform", "cpus", "python", "measured_at"} <= set(report["machine"])
    [run] = report["runs"]
    assert (run["name"], run["exit_code"]) == ("emotions", 0)
    assert run["figures"]["lite decay_writes_per_hour"] == 0
    markdown = (tmp_path / "report.md").read_text()
    assert "## Machine" in markdown
    assert "| lite read_ms |" in markdown


def test_unknown_names_are_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "all", "--only", "nope", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unknown benchmark" in done.stdout
