"""Calling the observer hooks (``reply_generated``, ``thought_generated``).

Each implementation gets the arguments it names; one that returns an awaitable is awaited.
An observer's failure is logged with its plugin's name and never fails the work observed.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from soul_framework.plugins import SoulPluginManager

log = logging.getLogger(__name__)


async def notify(pm: SoulPluginManager, hook: str, **arguments: Any) -> None:
    for impl in getattr(pm.hook, hook).get_hookimpls():
        try:
            outcome = impl.function(
                **{name: value for name, value in arguments.items() if name in impl.argnames}
            )
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            log.exception("%s observer of plugin %r failed", hook, impl.plugin_name)
