"""The single install carries the core and every bundled plugin, declared like third-party ones."""

from __future__ import annotations

import importlib
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

from tests.plugins_for_tests import BUNDLED_PLUGIN_NAMES

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_folder_is_listed_for_installation():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = set()
    roots = (
        ("soul_framework", "soul_framework"),
        ("plugins", "soul_plugins"),
        ("personalities", "soul_personalities"),
    )
    for root, installed_as in roots:
        # Every folder: those with code have an __init__.py, data folders (the console's
        # files, personas) are packages without code and must be listed too.
        for folder in [ROOT / root, *(ROOT / root).rglob("*")]:
            if folder.is_dir() and folder.name != "__pycache__":
                relative = folder.relative_to(ROOT / root).parts
                on_disk.add(".".join((installed_as, *relative)))
    assert on_disk == listed


def test_bundled_plugins_are_entry_points_of_the_distribution():
    found = {ep.name: ep for ep in entry_points(group="soul_framework")}
    for name in BUNDLED_PLUGIN_NAMES:
        assert found[name].value == f"soul_plugins.{name}"
        assert found[name].dist.metadata["Name"] == "synthetic-soul"
        importlib.import_module(found[name].value)


def test_core_does_not_import_provider_or_database_code():
    forbidden = ("pymongo", "openai", "sqlite3", "soul_plugins")
    for path in (ROOT / "soul_framework").rglob("*.py"):
        text = path.read_text()
        for module in forbidden:
            assert f"import {module}" not in text, f"{path} imports {module}"
            assert f"from {module}" not in text, f"{path} imports from {module}"


def test_every_third_party_import_of_the_package_is_a_runtime_dependency():
    """An install without the dev extra (a container, a user's venv) must have every module
    the service imports; test-only helpers (soul_framework/testing) may use dev packages."""
    import ast
    import re
    import sys
    from importlib.metadata import packages_distributions

    declared = {
        re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")
        for requirement in _pyproject()["project"]["dependencies"]
    }
    providers = packages_distributions()
    first_party = {"soul_framework", "soul_plugins", "soul_personalities"}
    missing: set[str] = set()
    for root in ("soul_framework", "plugins", "personalities"):
        for path in (ROOT / root).rglob("*.py"):
            if "testing" in path.relative_to(ROOT).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in first_party:
                        continue
                    distributions = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                    if not distributions & declared:
                        missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not a runtime dependency: {sorted(missing)}"
