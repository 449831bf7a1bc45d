"""Calling a hook one plugin at a time, through pluggy.

The registration hooks must know which plugin handed over what (a duplicate names both
plugins), and one observer's failure must stay its own, so the core calls those hooks plugin by
plugin. Each call still goes through pluggy's calling machinery, on a hook caller that holds
the one plugin's implementations plus every wrapper: ``SOUL_TRACE_HOOKS`` (and any
``add_hookcall_monitoring``) sees each call, ``wrapper=True`` and ``hookwrapper=True``
implementations wrap it, and each implementation gets only the arguments it names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pluggy

from soul_framework.errors import PluginError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PluginAnswer:
    """What one plugin's implementations of a hook returned (pluggy's list of results)."""

    plugin: str
    results: list[object]


def _is_wrapper(impl: pluggy.HookImpl) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def answering_plugins(pm: pluggy.PluginManager, hook_name: str) -> list[str]:
    """The plugins with a (non-wrapper) implementation of ``hook_name``, in pluggy's call order."""
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    names: list[str] = []
    for impl in reversed(impls):  # pluggy calls the last registered first
        if not _is_wrapper(impl) and impl.plugin_name not in names:
            names.append(impl.plugin_name)
    return names


def caller_for(pm: pluggy.PluginManager, hook_name: str, plugin: str) -> pluggy.HookCaller:
    """A hook caller with ``plugin``'s implementations of ``hook_name`` and every wrapper.

    A plugin that implements the hook both plainly and as a wrapper (two functions sharing a
    ``specname``) is left out of other plugins' calls entirely: pluggy subsets by plugin.
    """
    others = {
        impl.plugin
        for impl in getattr(pm.hook, hook_name).get_hookimpls()
        if not _is_wrapper(impl) and impl.plugin_name != plugin
    }
    return pm.subset_hook_caller(hook_name, remove_plugins=others)


def call_each(
    pm: pluggy.PluginManager,
    hook_name: str,
    arguments_for: Callable[[str], Mapping[str, object]],
    *,
    isolated: bool = True,
    role: str = "hook",
) -> Iterator[PluginAnswer]:
    """Call ``hook_name`` on each plugin in turn with ``arguments_for(plugin)``.

    Lazy, so that a caller can finish with one plugin (await what it returned) before the next
    is called. When ``isolated``, an exception from a plugin is logged (``"<hook> <role> of
    plugin '<name>' failed"``) and the other plugins are still called. Otherwise it stops the
    call as a :class:`PluginError` with that message, or as itself when it already is one (the
    core's ``register`` refusing a duplicate name says best what went wrong).
    """
    for plugin in answering_plugins(pm, hook_name):
        caller = caller_for(pm, hook_name, plugin)
        try:
            results = caller(**arguments_for(plugin))
        except Exception as exc:
            if not isolated:
                if isinstance(exc, PluginError):
                    raise
                raise PluginError(
                    f"{hook_name} {role} of plugin {plugin!r} failed: {type(exc).__name__}: {exc}"
                ) from exc
            log.exception("%s %s of plugin %r failed", hook_name, role, plugin)
            continue
        yield PluginAnswer(plugin, results)
