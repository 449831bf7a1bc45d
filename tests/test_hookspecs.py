"""The hook specifications are the plugin authors' contract: each one fully documented."""

from __future__ import annotations

import inspect

import click
import pytest
from click.testing import CliRunner

from soul_framework import hookspecs
from soul_framework.cli import build_cli
from soul_framework.plugins import FAMILIES

SPECS = [
    function
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "soul_framework_spec")
]


def test_there_are_specs_for_every_family_and_extension_point():
    names = {spec.__name__ for spec in SPECS}
    assert set(FAMILIES.values()) <= names
    assert {"register_blueprints", "register_commands", "reply_generated", "thought_generated"} <= (
        names
    )


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.__name__)
def test_each_spec_is_documented(spec):
    doc = inspect.getdoc(spec) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith("."), f"{spec.__name__}: one summary line"
    assert ":return:" in doc, f"{spec.__name__}: say what the return value means"
    assert "Runs in:" in doc, f"{spec.__name__}: say where it runs"
    for parameter in inspect.signature(spec).parameters:
        assert f":param {parameter}:" in doc, f"{spec.__name__}: document {parameter}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.__name__)
def test_no_spec_argument_has_a_default(spec):
    # pluggy never passes defaults; a default would silently never change.
    for parameter in inspect.signature(spec).parameters.values():
        assert parameter.default is inspect.Parameter.empty


def test_plugins_add_cli_commands(install_distribution):
    source = """
    import click
    from soul_framework import hookimpl

    @hookimpl
    def register_commands(cli):
        @cli.command()
        def hello():
            click.echo("hello from a plugin")
    """
    install_distribution("soul-hello", {"hello": "fake_hello"}, {"fake_hello": source})
    result = CliRunner().invoke(build_cli(), ["hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from a plugin\n"
    # Built fresh each time: nothing leaks into a CLI built without that plugin.
    assert isinstance(build_cli(), click.Group)
