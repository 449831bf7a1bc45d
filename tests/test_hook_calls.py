"""Every hook is called through pluggy: traced, wrapped, arguments pruned, failures kept apart."""

from __future__ import annotations

import inspect
import logging
from datetime import UTC, datetime

import click
import pytest

from soul_framework import hookimpl, hookspecs
from soul_framework.domain.events import ReplyEvent, ThoughtEvent
from soul_framework.errors import PluginError
from soul_framework.hooks import Hooks
from soul_framework.observers import notify
from soul_framework.plugins import (
    EMOTION_MODELS,
    FAMILIES,
    LLM_PROVIDERS,
    PERSONALITY_SCHEMAS,
    PROMPT_SECTIONS,
    SCHEDULED_TASKS,
    STORES,
    build_plugin_manager,
    collect_registrations,
)

HOOKS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "soul_framework_spec")
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
REPLY = ReplyEvent("Ada", "u1", "job-1", "Hi", "Hello.", "happy", NOW)
THOUGHT = ThoughtEvent("Ada", "A quiet day.", NOW)


def named(name: str) -> type:
    return type(name.title(), (), {"name": name, "__init__": lambda self, settings: None})


class EveryHook:
    """A plugin implementing every hook, each naming only the arguments it uses."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    @hookimpl
    def register_emotion_models(self, register):
        register(named("every-emotion"))

    @hookimpl
    def register_personality_schemas(self, register):
        register(named("every-schema"))

    @hookimpl
    def register_llm_providers(self, register):
        register(named("every-llm"))

    @hookimpl
    def register_stores(self, register):
        register(named("every-store"))

    @hookimpl
    def register_scheduled_tasks(self, register):
        register(named("every-task"))

    @hookimpl
    def register_prompt_sections(self, register):
        register(named("every-section"))

    @hookimpl
    def register_local_services(self, register):  # no `settings`: pluggy prunes it
        register("a service")

    @hookimpl
    def register_blueprints(self, register):
        register("a blueprint")

    @hookimpl
    def register_commands(self, cli):
        self.heard.append("register_commands")

    @hookimpl
    def reply_generated(self, event):  # no `settings`
        self.heard.append(f"reply to {event.user_id}")

    @hookimpl
    async def thought_generated(self, event, settings):
        self.heard.append(f"thought {event.thought}")


async def call_every_hook(pm, settings) -> None:
    """Each hook called the way the core calls it."""
    collect_registrations(pm)
    pm.hook.register_local_services(register=lambda service: None, settings=settings)
    pm.hook.register_commands(cli=click.Group())
    await notify(pm, "reply_generated", event=REPLY, settings=settings)
    await notify(pm, "thought_generated", event=THOUGHT, settings=settings)


def test_the_trace_test_covers_every_hook_spec():
    assert len(HOOKS) == 11


async def test_tracing_shows_every_hook_call_and_the_plugin_answering_it(make_settings, caplog):
    settings = make_settings(soul_trace_hooks=True)
    pm = build_plugin_manager(settings, extra_plugins=[("every", EveryHook())])
    with caplog.at_level(logging.INFO, logger="soul_framework.plugins"):
        await call_every_hook(pm, settings)
    traced = [r.getMessage() for r in caplog.records if r.name == "soul_framework.plugins"]
    for hook in HOOKS:
        assert any(line.startswith(f"hook {hook} -> ") and "every" in line for line in traced), (
            f"{hook} was not traced: {traced}"
        )
    # A registration hook is traced once per plugin, naming that plugin alone.
    assert "hook register_stores -> every (args: register)" in traced
    assert "hook register_stores -> storage_sqlite (args: register)" in traced


async def test_an_implementation_is_given_only_the_arguments_it_names(make_settings):
    plugin = EveryHook()
    pm = build_plugin_manager(make_settings(), extra_plugins=[("every", plugin)])
    services: list[object] = []
    hooks = Hooks(pm)
    hooks.register_local_services(services.append, make_settings())
    await hooks.reply_generated(REPLY, make_settings())
    await hooks.thought_generated(THOUGHT, make_settings())
    assert "a service" in services
    assert plugin.heard == ["reply to u1", "thought A quiet day."]


class Wrapping:
    """Wraps a registration hook (new-style wrapper) and an observer (old-style hookwrapper)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    @hookimpl(wrapper=True)
    def register_stores(self, register):
        self.seen.append(("register_stores called", callable(register)))
        result = yield
        self.seen.append(("register_stores returned", result))
        return result

    @hookimpl(hookwrapper=True)
    def reply_generated(self, event):
        self.seen.append(("reply_generated called", event.user_id))
        outcome = yield
        self.seen.append(("reply_generated returned", outcome.get_result()))


class Answering:
    @hookimpl
    def register_stores(self, register):
        register(named("answering-store"))
        return "handed over"

    @hookimpl
    def reply_generated(self, event):
        return f"heard {event.job_id}"


async def test_a_wrapper_wraps_each_plugins_registration_and_observer_call(make_settings):
    wrapping = Wrapping()
    pm = build_plugin_manager(
        make_settings(soul_plugins="storage_sqlite"),
        extra_plugins=[("wrapping", wrapping), ("answering", Answering())],
    )
    registry = collect_registrations(pm)
    await notify(pm, "reply_generated", event=REPLY, settings=make_settings())

    assert registry.names("store") == ["answering-store", "sqlite"]
    assert registry.get("store", "answering-store").plugin == "answering"
    # One wrapped call per plugin, the last registered first (pluggy's order).
    assert wrapping.seen == [
        ("register_stores called", True),
        ("register_stores returned", ["handed over"]),
        ("register_stores called", True),
        ("register_stores returned", []),
        ("reply_generated called", "u1"),
        ("reply_generated returned", ["heard job-1"]),
    ]


class Failing:
    @hookimpl
    def register_stores(self, register):
        raise RuntimeError("store plugin bug")

    @hookimpl
    def reply_generated(self, event):
        raise RuntimeError("observer bug")


class FailingLikeTheCore:
    @hookimpl
    def thought_generated(self, event):
        raise PluginError("an error of the core's own kind")


class Surviving:
    def __init__(self) -> None:
        self.heard: list[str] = []

    @hookimpl
    def reply_generated(self, event):
        self.heard.append(event.job_id)


async def test_one_failing_observer_is_logged_by_name_and_the_others_still_hear(
    make_settings, caplog
):
    surviving = Surviving()
    # Registered after the survivor, so pluggy calls the failing plugin first.
    pm = build_plugin_manager(
        make_settings(), extra_plugins=[("surviving", surviving), ("failing", Failing())]
    )
    with caplog.at_level(logging.ERROR):
        await Hooks(pm).reply_generated(REPLY, make_settings())
    assert surviving.heard == ["job-1"]
    assert "reply_generated observer of plugin 'failing' failed" in caplog.text
    assert "observer bug" in caplog.text


async def test_an_observer_raising_a_framework_error_stays_its_own(make_settings, caplog):
    pm = build_plugin_manager(make_settings(), extra_plugins=[("odd", FailingLikeTheCore())])
    with caplog.at_level(logging.ERROR):
        await Hooks(pm).thought_generated(THOUGHT, make_settings())
    assert "thought_generated observer of plugin 'odd' failed" in caplog.text


@pytest.mark.parametrize("strict", [False, True])
def test_a_failing_registration_stops_start_up_naming_the_plugin(make_settings, strict):
    pm = build_plugin_manager(
        make_settings(soul_strict_plugins=strict), extra_plugins=[("failing", Failing())]
    )
    with pytest.raises(PluginError, match="register_stores hook of plugin 'failing' failed"):
        collect_registrations(pm)


def test_every_family_has_a_typed_key_reaching_the_same_registrations(make_settings):
    keys = [EMOTION_MODELS, PERSONALITY_SCHEMAS, LLM_PROVIDERS, STORES, SCHEDULED_TASKS]
    keys.append(PROMPT_SECTIONS)
    assert sorted(key.name for key in keys) == sorted(FAMILIES)
    registry = collect_registrations(build_plugin_manager(make_settings()))
    for key in keys:
        assert registry.all(key) == registry.all(key.name)
    lite = registry.get(EMOTION_MODELS, "lite")
    assert lite is not None
    assert lite.plugin == "emotions_lite"
    assert lite.factory(make_settings()).name == "lite"
