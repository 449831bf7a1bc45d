"""The plugin manager: discovery, allow and block lists, failures, duplicates, selection."""

from __future__ import annotations

import logging
import re

import pytest

from soul_framework import hookimpl
from soul_framework.errors import MissingCapabilityError, PluginConflictError, PluginError
from soul_framework.plugins import build_plugin_manager, collect_registrations, select
from soul_framework.runtime import Runtime
from tests.plugins_for_tests import BUNDLED_PLUGIN_NAMES

BUNDLED = set(BUNDLED_PLUGIN_NAMES)

GOOD_PLUGIN = """
from soul_framework import hookimpl

class Calm:
    name = "calm"
    description = "One emotion."
    emotions = {"calm": "at ease"}

    def __init__(self, settings):
        self.settings = settings

@hookimpl
def register_emotion_models(register):
    register(Calm)
"""


def test_bundled_plugins_load_through_entry_points(make_settings):
    pm = build_plugin_manager(make_settings())
    assert set(pm.info) >= BUNDLED
    for name in BUNDLED:
        assert pm.info[name].distribution == "synthetic-soul"
        assert pm.info[name].version
    assert pm.hooks_of("storage_sqlite") == ["register_stores"]


def test_allow_list_loads_only_named_plugins(make_settings):
    pm = build_plugin_manager(make_settings(soul_plugins="emotions_lite, storage_sqlite"))
    assert set(pm.info) == {"emotions_lite", "storage_sqlite"}


def test_block_list_skips_named_plugins(make_settings):
    pm = build_plugin_manager(make_settings(soul_disable_plugins="llm_openai,emotions_rich"))
    assert set(pm.info) == BUNDLED - {"llm_openai", "emotions_rich"}


def test_third_party_distribution_is_discovered(make_settings, install_distribution):
    install_distribution("soul-calm", {"calm": "fake_calm"}, {"fake_calm": GOOD_PLUGIN})
    runtime = Runtime.build(make_settings(soul_emotion_model="calm"))
    assert runtime.pm.info["calm"].distribution == "soul-calm"
    assert runtime.selection.emotion_model == "calm"
    assert runtime.emotion_model.emotions == {"calm": "at ease"}


def test_broken_plugin_is_logged_and_skipped(make_settings, install_distribution, caplog):
    install_distribution(
        "soul-broken", {"broken": "fake_broken"}, {"fake_broken": "raise ImportError('no numpy')"}
    )
    with caplog.at_level(logging.ERROR, logger="soul_framework.plugins"):
        pm = build_plugin_manager(make_settings())
    assert "broken" not in pm.info
    assert set(pm.info) >= BUNDLED
    assert "ImportError: no numpy" in pm.failures["broken"]
    assert "soul-broken 1.0" in caplog.text
    assert "no numpy" in caplog.text


def test_broken_plugin_is_fatal_when_strict(make_settings, install_distribution):
    install_distribution(
        "soul-broken", {"broken": "fake_broken"}, {"fake_broken": "raise ImportError('no numpy')"}
    )
    with pytest.raises(PluginError, match=r"soul-broken 1\.0.*no numpy"):
        build_plugin_manager(make_settings(soul_strict_plugins=True))


def test_misspelled_hook_implementation_is_refused(make_settings, install_distribution):
    source = (
        "from soul_framework import hookimpl\n"
        "@hookimpl\n"
        "def register_emotion_model(register):\n"  # missing the final s
        "    pass\n"
    )
    install_distribution("soul-typo", {"typo": "fake_typo"}, {"fake_typo": source})
    pm = build_plugin_manager(make_settings())
    assert "typo" not in pm.info
    assert "register_emotion_model" in pm.failures["typo"]
    assert pm.get_plugin("typo") is None
    with pytest.raises(PluginError, match="register_emotion_model"):
        build_plugin_manager(make_settings(soul_strict_plugins=True))


def test_two_plugins_with_the_same_name_are_an_error_naming_both(
    make_settings, install_distribution
):
    source = GOOD_PLUGIN.replace('name = "calm"', 'name = "lite"')
    install_distribution("soul-imposter", {"imposter": "fake_imposter"}, {"fake_imposter": source})
    pm = build_plugin_manager(make_settings())
    with pytest.raises(PluginConflictError) as caught:
        collect_registrations(pm)
    message = str(caught.value)
    assert "emotion model named 'lite'" in message
    assert "'emotions_lite' (from synthetic-soul" in message
    assert "'imposter' (from soul-imposter 1.0)" in message


def test_registering_without_a_name_is_an_error(make_settings):
    class Plugin:
        @hookimpl
        def register_stores(self, register):
            register(object())

    pm = build_plugin_manager(make_settings(), extra_plugins=[("nameless", Plugin())])
    with pytest.raises(PluginError, match="'nameless' registered a store without a 'name'"):
        collect_registrations(pm)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, ("lite", "lite", "ollama", "sqlite")),
        ({"mode": "rich"}, ("rich", "rich", "ollama", "sqlite")),
        ({"openai_api_key": "sk-test"}, ("lite", "lite", "openai", "sqlite")),
        ({"llm_mode": "hosted"}, ("lite", "lite", "openai", "sqlite")),
        (
            {"openai_api_key": "sk-test", "llm_provider": "ollama"},
            ("lite", "lite", "ollama", "sqlite"),
        ),
        ({"mongo_connection": "mongodb://h/"}, ("lite", "lite", "ollama", "mongo")),
        ({"mongo_connection_hosted": "mongodb://h/"}, ("lite", "lite", "ollama", "mongo")),
        (
            {"mongo_connection": "mongodb://h/", "storage_backend": "sqlite"},
            ("lite", "lite", "ollama", "sqlite"),
        ),
    ],
)
def test_selection_follows_configuration(make_settings, values, expected):
    settings = make_settings(**values)
    selection = select(settings, collect_registrations(build_plugin_manager(settings)))
    assert (
        selection.emotion_model,
        selection.personality_schema,
        selection.llm_provider,
        selection.store,
    ) == expected


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"llm_provider": "anthropic"}, "LLM_PROVIDER"),
        ({"storage_backend": "postgres"}, "STORAGE_BACKEND"),
        ({"soul_emotion_model": "plutchik"}, "SOUL_EMOTION_MODEL"),
        ({"soul_disable_plugins": "llm_ollama"}, "LLM_MODE (or LLM_PROVIDER)"),
        ({"soul_disable_plugins": "emotions_rich", "mode": "rich"}, "MODE"),
    ],
)
def test_missing_capability_names_the_variable(make_settings, values, variable):
    settings = make_settings(**values)
    registry = collect_registrations(build_plugin_manager(settings))
    with pytest.raises(MissingCapabilityError, match=re.escape(f"Set {variable} to one of")):
        select(settings, registry)


def test_registered_objects_are_built_once_and_only_when_selected(make_settings):
    built = []

    class Recorder:
        name = "recorder"

        def __init__(self, settings):
            built.append(self)

        def describe(self):
            raise AssertionError("not called here")

    class Plugin:
        @hookimpl
        def register_llm_providers(self, register):
            register(Recorder)

    runtime = Runtime.build(
        make_settings(llm_provider="recorder"), extra_plugins=[("recorder", Plugin())]
    )
    assert built == []
    assert runtime.llm_provider is runtime.llm_provider
    assert len(built) == 1
    # Unselected factories are never called: the mongo store, with no URI, would refuse.
    assert runtime.selection.store == "sqlite"


def test_hook_tracing_logs_calls(make_settings, caplog):
    settings = make_settings(soul_trace_hooks=True)
    pm = build_plugin_manager(settings)
    with caplog.at_level(logging.INFO, logger="soul_framework.plugins"):
        pm.hook.register_commands(cli=__import__("click").Group())
    assert "hook register_commands" in caplog.text
    assert "done in" in caplog.text
