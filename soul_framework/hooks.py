"""The core's typed way to call the hooks: one method per hook in :mod:`soul_framework.hookspecs`.

The rest of the core calls these methods rather than ``pm.hook.<name>``, so each call site
gets typed arguments and results. The registration hooks are called plugin by plugin (see
:mod:`soul_framework.hook_calls`), and the core's ``register`` callable is told which plugin is
handing the object over.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar

from soul_framework.hook_calls import call_each
from soul_framework.observers import notify

if TYPE_CHECKING:
    import click
    from quart import Blueprint

    from soul_framework.config import Settings
    from soul_framework.domain.events import ReplyEvent, ThoughtEvent
    from soul_framework.plugins import SoulPluginManager
    from soul_framework.protocols import (
        EmotionModel,
        LLMProvider,
        LocalService,
        PersonalitySchema,
        PromptSection,
        ScheduledTask,
        Store,
    )

T = TypeVar("T")
Product = TypeVar("Product", covariant=True)


class NamedFactory(Protocol[Product]):
    """A :class:`~soul_framework.protocols.Factory` whose product is a ``Product``."""

    name: str

    def __call__(self, settings: Settings) -> Product: ...


PluginRegister = Callable[[str, T], None]
"""The core's side of ``register``: called with the registering plugin's name and the object."""


class Hooks:
    """Typed calls of every hook on one plugin manager."""

    def __init__(self, pm: SoulPluginManager) -> None:
        self.pm = pm

    def _register_each(self, hook_name: str, register: PluginRegister[T]) -> None:
        def arguments_for(plugin: str) -> dict[str, object]:
            return {"register": partial(register, plugin)}

        # A plugin failing here stops start-up: the service must not run without what it
        # would have registered (the configuration might name it).
        for _ in call_each(self.pm, hook_name, arguments_for, isolated=False):
            pass  # a registration hook's return value is ignored

    def register_emotion_models(self, register: PluginRegister[NamedFactory[EmotionModel]]) -> None:
        self._register_each("register_emotion_models", register)

    def register_personality_schemas(
        self, register: PluginRegister[NamedFactory[PersonalitySchema]]
    ) -> None:
        self._register_each("register_personality_schemas", register)

    def register_llm_providers(self, register: PluginRegister[NamedFactory[LLMProvider]]) -> None:
        self._register_each("register_llm_providers", register)

    def register_stores(self, register: PluginRegister[NamedFactory[Store]]) -> None:
        self._register_each("register_stores", register)

    def register_scheduled_tasks(
        self, register: PluginRegister[NamedFactory[ScheduledTask]]
    ) -> None:
        self._register_each("register_scheduled_tasks", register)

    def register_prompt_sections(
        self, register: PluginRegister[NamedFactory[PromptSection]]
    ) -> None:
        self._register_each("register_prompt_sections", register)

    def register_blueprints(self, register: PluginRegister[Blueprint]) -> None:
        self._register_each("register_blueprints", register)

    def register_local_services(
        self, register: Callable[[LocalService], None], settings: Settings
    ) -> None:
        # `soul up` cannot run without the services it is offered: a failure here is fatal.
        self.pm.hook.register_local_services(register=register, settings=settings)

    def register_commands(self, cli: click.Group) -> None:
        self.pm.hook.register_commands(cli=cli)

    async def reply_generated(self, event: ReplyEvent, settings: Settings) -> None:
        await notify(self.pm, "reply_generated", event=event, settings=settings)

    async def thought_generated(self, event: ThoughtEvent, settings: Settings) -> None:
        await notify(self.pm, "thought_generated", event=event, settings=settings)
