"""One process's view of the framework: settings, plugins, what they registered, what is chosen.

The API app and the worker each build one :class:`Runtime` at start-up. The selected provider
and store are built on first use and kept for the life of the process (one client each).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent
from soul_framework.domain.persona import Persona
from soul_framework.hooks import Hooks
from soul_framework.mind.agents import new_agent
from soul_framework.mind.personas import LoadedPersona, load_persona, slug
from soul_framework.plugins import (
    EMOTION_MODELS,
    LLM_PROVIDERS,
    PERSONALITY_SCHEMAS,
    STORES,
    Family,
    Registry,
    Selection,
    SoulPluginManager,
    build_plugin_manager,
    collect_registrations,
    select,
)
from soul_framework.protocols import (
    EmotionModel,
    LLMProvider,
    PersonalitySchema,
    PromptSection,
    Store,
)
from soul_framework.store_guard import scoped_store

Product = TypeVar("Product")


@dataclass
class Runtime:
    settings: Settings
    pm: SoulPluginManager
    registry: Registry
    selection: Selection
    loaded_persona: LoadedPersona
    _instances: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, settings: Settings, extra_plugins: Iterable[tuple[str, object]] = ()) -> Runtime:
        """Load plugins, collect their registrations, select one per family and read the
        persona (``PersonaError`` at once when ``PERSONALITY`` cannot be loaded)."""
        pm = build_plugin_manager(settings, extra_plugins)
        registry = collect_registrations(pm)
        persona = load_persona(settings.personality, data_dir=settings.soul_data_dir)
        return cls(settings, pm, registry, select(settings, registry), persona)

    def _selected(self, family: Family[Product]) -> Product:
        key = family.name
        if key not in self._instances:
            registration = self.registry.get(family, getattr(self.selection, key))
            assert registration is not None  # select() checked it
            self._instances[key] = _built(key, registration.factory(self.settings))
        return self._instances[key]

    def fresh(self, family: str) -> Any:
        """A new instance of the selected plugin of ``family``, for a caller that owns its
        life (a job on its own event loop must not share a client bound to another loop)."""
        name = getattr(self.selection, family)
        registration = self.registry.get(family, name)
        assert registration is not None
        return _built(family, registration.factory(self.settings))

    @property
    def hooks(self) -> Hooks:
        """Typed calls of this process's hooks (``await runtime.hooks.reply_generated(...)``)."""
        return Hooks(self.pm)

    @property
    def emotion_model(self) -> EmotionModel:
        return self._selected(EMOTION_MODELS)

    @property
    def personality_schema(self) -> PersonalitySchema:
        return self._selected(PERSONALITY_SCHEMAS)

    @property
    def llm_provider(self) -> LLMProvider:
        return self._selected(LLM_PROVIDERS)

    @property
    def prompt_sections(self) -> list[PromptSection]:
        """The plugins' prompt sections, built once per process."""
        if "prompt_sections" not in self._instances:
            self._instances["prompt_sections"] = list(self.all_of("prompt_section").values())
        return self._instances["prompt_sections"]

    @property
    def store(self) -> Store:
        """The selected store, guarded: every text written must carry a scope that fits its
        field (:mod:`soul_framework.store_guard`)."""
        return self._selected(STORES)

    @property
    def persona(self) -> Persona:
        return self.loaded_persona.persona

    @property
    def agent_name(self) -> str:
        """The active agent's name: ``BOT_NAME`` when set, else the persona's."""
        return self.settings.bot_name or self.persona.name

    @property
    def agent_id(self) -> str:
        """The active agent's id in the store: its name, lower-cased, words joined by '-',
        with the emotion model's name added for models other than ``lite`` (the same persona
        under another model is another mind, with its own state and conversations)."""
        base = slug(self.agent_name)
        model = self.selection.emotion_model
        return base if model == "lite" else f"{base}-{slug(model)}"

    def all_of(self, family: str) -> dict[str, Any]:
        """A new instance of every registered plugin of ``family``, by name (cheap families
        only: personality schemas and emotion models)."""
        return {r.name: r.factory(self.settings) for r in self.registry.all(family)}

    def newborn_agent(self, now: datetime) -> Agent:
        """The active agent as the persona describes it, before any experience."""
        return new_agent(
            agent_id=self.agent_id,
            name=self.agent_name,
            persona=self.persona,
            model=self.emotion_model,
            schema=self.personality_schema,
            others=self.all_of("personality_schema"),
            now=now,
        )

    async def aclose(self) -> None:
        """Close what was opened: the store and the provider's connections."""
        if "store" in self._instances:
            await self._instances["store"].close()
        if "llm_provider" in self._instances:
            await self._instances["llm_provider"].aclose()


def _built(family: str, instance: Any) -> Any:
    """What the service uses of a plugin's product: a store only behind the scope guard."""
    return scoped_store(instance) if family == "store" else instance
