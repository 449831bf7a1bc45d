"""One process's view of the framework: settings, plugins, what they registered, what is chosen.

The API app and the worker each build one :class:`Runtime` at start-up. The selected provider
and store are built on first use and kept for the life of the process (one client each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from soul_framework.config import Settings
from soul_framework.plugins import (
    Registry,
    Selection,
    SoulPluginManager,
    build_plugin_manager,
    collect_registrations,
    select,
)
from soul_framework.protocols import EmotionModel, LLMProvider, PersonalitySchema, Store


@dataclass
class Runtime:
    settings: Settings
    pm: SoulPluginManager
    registry: Registry
    selection: Selection
    _instances: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, settings: Settings, extra_plugins: Iterable[tuple[str, object]] = ()) -> Runtime:
        """Load plugins, collect their registrations and select one per family."""
        pm = build_plugin_manager(settings, extra_plugins)
        registry = collect_registrations(pm)
        return cls(settings, pm, registry, select(settings, registry))

    def _selected(self, family: str) -> Any:
        if family not in self._instances:
            name = getattr(self.selection, family)
            registration = self.registry.get(family, name)
            assert registration is not None  # select() checked it
            self._instances[family] = registration.factory(self.settings)
        return self._instances[family]

    def fresh(self, family: str) -> Any:
        """A new instance of the selected plugin of ``family``, for a caller that owns its
        life (a job on its own event loop must not share a client bound to another loop)."""
        name = getattr(self.selection, family)
        registration = self.registry.get(family, name)
        assert registration is not None
        return registration.factory(self.settings)

    @property
    def emotion_model(self) -> EmotionModel:
        return self._selected("emotion_model")

    @property
    def personality_schema(self) -> PersonalitySchema:
        return self._selected("personality_schema")

    @property
    def llm_provider(self) -> LLMProvider:
        return self._selected("llm_provider")

    @property
    def store(self) -> Store:
        return self._selected("store")

    @property
    def agent_name(self) -> str:
        """The active agent's name: ``BOT_NAME`` when set, else the persona's."""
        if self.settings.bot_name:
            return self.settings.bot_name
        return PurePath(self.settings.personality.strip()).stem.replace("_", " ").title()

    @property
    def agent_id(self) -> str:
        """The active agent's id in the store: its name, lower-cased, words joined by '-'."""
        return re.sub(r"[^a-z0-9]+", "-", self.agent_name.lower()).strip("-") or "agent"

    async def aclose(self) -> None:
        """Close what was opened: the store and the provider's connections."""
        if "store" in self._instances:
            await self._instances["store"].close()
        if "llm_provider" in self._instances:
            await self._instances["llm_provider"].aclose()
