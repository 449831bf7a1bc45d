"""Building the plugin manager: entry points, allow and block lists, and what plugins register.

Every process builds its own manager (``create_app`` and the worker's ``main``); there is no
module-global one, so tests never leak plugins into each other. Bundled plugins come in through
the same entry-point group as third-party ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import pluggy

from soul_framework import PROJECT_NAME, hookspecs
from soul_framework.config import Settings
from soul_framework.errors import MissingCapabilityError, PluginConflictError, PluginError
from soul_framework.hooks import Hooks, NamedFactory

if TYPE_CHECKING:
    from quart import Blueprint

    from soul_framework.protocols import (
        EmotionModel,
        LLMProvider,
        PersonalitySchema,
        PromptSection,
        ScheduledTask,
        Store,
    )

log = logging.getLogger(__name__)

Product = TypeVar("Product")

ENTRY_POINT_GROUP = PROJECT_NAME

FAMILIES: dict[str, str] = {
    "emotion_model": "register_emotion_models",
    "personality_schema": "register_personality_schemas",
    "llm_provider": "register_llm_providers",
    "store": "register_stores",
    "scheduled_task": "register_scheduled_tasks",
    "prompt_section": "register_prompt_sections",
}
"""Registration family -> the hook that fills it."""


@dataclass(frozen=True, slots=True)
class Family(Generic[Product]):
    """A registration family as a typed key: ``registry.get(EMOTION_MODELS, "lite")`` is a
    ``Registration[EmotionModel]``, its factory's product an ``EmotionModel``."""

    name: str


EMOTION_MODELS: Family[EmotionModel] = Family("emotion_model")
PERSONALITY_SCHEMAS: Family[PersonalitySchema] = Family("personality_schema")
LLM_PROVIDERS: Family[LLMProvider] = Family("llm_provider")
STORES: Family[Store] = Family("store")
SCHEDULED_TASKS: Family[ScheduledTask] = Family("scheduled_task")
PROMPT_SECTIONS: Family[PromptSection] = Family("prompt_section")


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """Where a loaded plugin came from."""

    name: str
    distribution: str | None
    version: str | None


class SoulPluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers which distribution each plugin came from."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self.failures: dict[str, str] = {}
        """Plugin name -> why it was skipped (non-strict loading)."""

    def add(self, plugin: object, info: PluginInfo) -> None:
        """Register ``plugin`` and check its hook implementations all name a known hook."""
        self.register(plugin, name=info.name)
        try:
            self.check_pending()
        except pluggy.PluginValidationError:
            self.unregister(plugin)
            raise
        self.info[info.name] = info

    def hooks_of(self, name: str) -> list[str]:
        """The names of the hooks plugin ``name`` implements, sorted."""
        plugin = self.get_plugin(name)
        return sorted(caller.name for caller in self.get_hookcallers(plugin) or [])


def build_plugin_manager(
    settings: Settings, extra_plugins: Iterable[tuple[str, object]] = ()
) -> SoulPluginManager:
    """Load the installed plugins that the settings allow, plus ``extra_plugins``.

    ``extra_plugins`` are ``(name, module_or_object)`` pairs registered after the entry points
    (tests and embedding applications use them). A plugin that fails to load or implements an
    unknown hook is logged with its distribution and skipped, unless ``SOUL_STRICT_PLUGINS``
    is set, in which case start-up stops with :class:`PluginError`.
    """
    pm = SoulPluginManager()
    for ep in _entry_points():
        if not _wanted(ep.name, settings):
            continue
        info = PluginInfo(ep.name, *_distribution_of(ep))
        try:
            pm.add(ep.load(), info)
        except Exception as exc:  # any import-time failure of foreign code
            _refuse(pm, settings, info, exc)
    for name, plugin in extra_plugins:
        info = PluginInfo(name, None, None)
        try:
            pm.add(plugin, info)
        except Exception as exc:
            _refuse(pm, settings, info, exc)
    if settings.soul_trace_hooks:
        _install_tracing(pm)
    return pm


def _entry_points() -> list[EntryPoint]:
    # The same name installed twice (e.g. two copies on sys.path) loads once.
    unique: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        unique.setdefault(ep.name, ep)
    return sorted(unique.values(), key=lambda ep: ep.name)


def _wanted(name: str, settings: Settings) -> bool:
    allowed = settings.allowed_plugins
    if allowed and name not in allowed:
        return False
    return name not in settings.disabled_plugins


def _distribution_of(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = ep.dist
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _refuse(pm: SoulPluginManager, settings: Settings, info: PluginInfo, exc: Exception) -> None:
    where = f"plugin {info.name!r}" + (
        f" from distribution {info.distribution} {info.version}" if info.distribution else ""
    )
    reason = f"{type(exc).__name__}: {exc}"
    if settings.soul_strict_plugins:
        raise PluginError(f"Could not load {where}: {reason}") from exc
    log.error("skipping %s: %s (set SOUL_STRICT_PLUGINS=1 to make this fatal)", where, reason)
    pm.failures[info.name] = reason


def _install_tracing(pm: SoulPluginManager) -> None:
    """Log each hook call: which plugins answer it, with which arguments, and how long it took."""
    started: list[float] = []  # a stack, so that a hook called inside another one nests

    def before(hook_name: str, hook_impls: list[Any], kwargs: dict[str, Any]) -> None:
        log.info(
            "hook %s -> %s (args: %s)",
            hook_name,
            ", ".join(impl.plugin_name for impl in hook_impls) or "no implementation",
            ", ".join(sorted(kwargs)),
        )
        started.append(time.perf_counter())

    def after(outcome: Any, hook_name: str, hook_impls: list[Any], kwargs: Any) -> None:
        elapsed_ms = (time.perf_counter() - started.pop()) * 1000
        log.info("hook %s done in %.3f ms", hook_name, elapsed_ms)

    pm.add_hookcall_monitoring(before, after)


# --- registrations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registration(Generic[Product]):
    """One factory a plugin registered in one family (``Registration[EmotionModel]``...)."""

    family: str
    name: str
    factory: NamedFactory[Product]
    plugin: str


@dataclass
class Registry:
    """Everything the registration hooks handed over, by family and name."""

    pm: SoulPluginManager
    entries: dict[str, dict[str, Registration[Any]]] = field(default_factory=dict)
    blueprints: list[tuple[str, Blueprint]] = field(default_factory=list)

    def names(self, family: str) -> list[str]:
        return sorted(self.entries.get(family, {}))

    @overload
    def get(self, family: Family[Product], name: str) -> Registration[Product] | None: ...
    @overload
    def get(self, family: str, name: str) -> Registration[Any] | None: ...
    def get(self, family: Family[Any] | str, name: str) -> Registration[Any] | None:
        return self.entries.get(_key(family), {}).get(name)

    @overload
    def all(self, family: Family[Product]) -> list[Registration[Product]]: ...
    @overload
    def all(self, family: str) -> list[Registration[Any]]: ...
    def all(self, family: Family[Any] | str) -> list[Registration[Any]]:
        key = _key(family)
        return [self.entries[key][n] for n in self.names(key)]


def _key(family: Family[Any] | str) -> str:
    return family.name if isinstance(family, Family) else family


def collect_registrations(pm: SoulPluginManager) -> Registry:
    """Call every registration hook once, plugin by plugin, and detect duplicate names.

    A plugin failing in a registration hook, a factory without a name and a name registered
    twice stop start-up with a :class:`PluginError` naming the plugin.
    """
    hooks = Hooks(pm)
    registry = Registry(pm)
    for family, hook_name in FAMILIES.items():
        collector: _Collector[Any] = _Collector(pm, family)
        getattr(hooks, hook_name)(collector.add)
        registry.entries[family] = collector.found
    hooks.register_blueprints(lambda plugin, bp: registry.blueprints.append((plugin, bp)))
    return registry


@dataclass
class _Collector(Generic[Product]):
    """The ``register`` callable of one family: checks names, refuses duplicates."""

    pm: SoulPluginManager
    family: str
    found: dict[str, Registration[Product]] = field(default_factory=dict)

    def add(self, plugin: str, factory: NamedFactory[Product]) -> None:
        what = self.family.replace("_", " ")
        name = getattr(factory, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(
                f"plugin {plugin!r} registered a {what} without a 'name' attribute: {factory!r}"
            )
        if name in self.found:
            raise PluginConflictError(
                f"two plugins both register a {what} named {name!r}: "
                f"{_describe(self.pm, self.found[name].plugin)} and {_describe(self.pm, plugin)}; "
                "disable one with SOUL_DISABLE_PLUGINS"
            )
        self.found[name] = Registration(self.family, name, factory, plugin)


def _describe(pm: SoulPluginManager, plugin_name: str) -> str:
    info = pm.info.get(plugin_name)
    if info and info.distribution:
        return f"{plugin_name!r} (from {info.distribution} {info.version})"
    return repr(plugin_name)


# --- selection ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selection:
    """The plugin chosen for each single-choice family, by registered name."""

    emotion_model: str
    personality_schema: str
    llm_provider: str
    store: str

    def as_dict(self) -> dict[str, str]:
        return {
            "emotion_model": self.emotion_model,
            "personality_schema": self.personality_schema,
            "llm_provider": self.llm_provider,
            "store": self.store,
        }


def select(settings: Settings, registry: Registry) -> Selection:
    """Pick one plugin per family from the settings; a missing one names the variable to set."""
    llm_variable = "LLM_PROVIDER" if settings.llm_provider else "LLM_MODE (or LLM_PROVIDER)"
    store_variable = (
        "STORAGE_BACKEND"
        if settings.storage_backend
        else ("STORAGE_BACKEND (or MONGO_CONNECTION*)")
    )
    emotion_variable = "SOUL_EMOTION_MODEL" if settings.soul_emotion_model else "MODE"
    schema_variable = "SOUL_PERSONALITY_SCHEMA" if settings.soul_personality_schema else "MODE"
    wanted = {
        "emotion_model": (settings.emotion_model_name, emotion_variable),
        "personality_schema": (settings.personality_schema_name, schema_variable),
        "llm_provider": (settings.llm_provider_name, llm_variable),
        "store": (settings.store_name, store_variable),
    }
    for family, (name, variable) in wanted.items():
        if registry.get(family, name) is None:
            what = family.replace("_", " ")
            available = ", ".join(registry.names(family)) or "none"
            raise MissingCapabilityError(
                f"No {what} named {name!r} is registered (installed: {available}). "
                f"Set {variable} to one of those, or install a plugin that provides {name!r}."
            )
    return Selection(**{family: name for family, (name, _) in wanted.items()})
