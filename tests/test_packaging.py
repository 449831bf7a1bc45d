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
        for init in (ROOT / root).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / root).parts
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
