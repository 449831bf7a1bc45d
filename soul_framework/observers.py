"""Calling the observer hooks (``reply_generated``, ``thought_generated``).

Each plugin's implementation is called through pluggy (traced, wrapped, given only the
arguments it names); one that returns an awaitable is awaited before the next plugin is called.
An observer's failure is logged with its plugin's name and never fails the work observed.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from soul_framework.hook_calls import call_each

if TYPE_CHECKING:
    from soul_framework.plugins import SoulPluginManager

log = logging.getLogger(__name__)


async def notify(pm: SoulPluginManager, hook: str, **arguments: Any) -> None:
    for answer in call_each(pm, hook, lambda _plugin: arguments, role="observer"):
        for outcome in answer.results:
            if not inspect.isawaitable(outcome):
                continue
            try:
                await outcome
            except Exception:
                log.exception("%s observer of plugin %r failed", hook, answer.plugin)
