"""Every hook a plugin can implement: the contract between the core and its plugins.

Plugins implement these with ``from soul_framework import hookimpl``. Hooks are synchronous and
cheap; anything slow or asynchronous lives on the objects a plugin registers (an LLM provider's
``async def complete``, a store's ``async def open``).

The five families (emotion models, personality schemas, LLM providers, stores, scheduled tasks)
and the prompt sections are *registration* hooks: the core calls them once per process with a
``register`` callable and the plugin hands over a factory. A factory is a class (or any callable)
with a ``name`` attribute; the core calls ``factory(settings)`` for the one it selects, so an
unselected provider or store never opens a connection. Two plugins registering the same name in
one family is a start-up error that names both.

"Runs in" says which process calls the hook: the API process (``soul serve``), the worker
(``soul worker``), or both. Every process builds its own plugin manager; hooks are never called
across processes.

Hook arguments never have defaults and specs only ever gain arguments, so an implementation may
accept any subset of the arguments listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

from soul_framework import PROJECT_NAME

if TYPE_CHECKING:
    import click
    from quart import Blueprint

    from soul_framework.config import Settings
    from soul_framework.domain.events import ReplyEvent, ThoughtEvent

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

Register = Callable[[Any], None]
"""The callable a registration hook receives: ``register(factory)``."""


@hookspec
def register_emotion_models(register: Register) -> None:
    """Register emotion models (the set of emotions, their baselines, decay and appraisal).

    Call ``register(factory)`` once per model. ``factory.name`` is what ``MODE`` or
    ``SOUL_EMOTION_MODEL`` selects (the bundled ones are ``lite`` and ``rich``);
    ``factory(settings)`` must return an object implementing
    :class:`soul_framework.protocols.EmotionModel`.

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: both, once at start-up.
    """


@hookspec
def register_personality_schemas(register: Register) -> None:
    """Register personality schemas (which traits a persona has and how they are checked).

    Call ``register(factory)``; ``factory.name`` is what ``MODE`` or
    ``SOUL_PERSONALITY_SCHEMA`` selects; ``factory(settings)`` returns a
    :class:`soul_framework.protocols.PersonalitySchema`.

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: both, once at start-up.
    """


@hookspec
def register_llm_providers(register: Register) -> None:
    """Register LLM providers (chat completions, structured output, streaming, embeddings).

    Call ``register(factory)``; ``factory.name`` is what ``LLM_PROVIDER`` names (``LLM_MODE``
    maps ``hosted`` to ``openai`` and ``local`` to ``ollama``); ``factory(settings)`` returns a
    :class:`soul_framework.protocols.LLMProvider`. The core builds one instance per process,
    so the provider can keep one HTTP client for its lifetime.

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: both, once at start-up (the API process only describes the provider at
    ``/v1/meta/llm``; the worker calls it).
    """


@hookspec
def register_stores(register: Register) -> None:
    """Register stores, which own all persistence (accounts, agents, conversations, memories).

    Call ``register(factory)``; ``factory.name`` is what ``STORAGE_BACKEND`` selects;
    ``factory(settings)`` returns a :class:`soul_framework.protocols.Store`. One instance per
    process, opened at start and closed at shutdown.

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: both, once at start-up.
    """


@hookspec
def register_scheduled_tasks(register: Register) -> None:
    """Register work that runs on an interval, once per interval across the whole cluster.

    Call ``register(factory)``; ``factory(settings)`` returns a
    :class:`soul_framework.protocols.ScheduledTask` whose ``interval_seconds`` the core honours
    however many API processes and workers run. Every registered task is active; a plugin
    that wants a task off should not register it (or be disabled with
    ``SOUL_DISABLE_PLUGINS``).

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: both (any process may be the one that runs a given interval).
    """


@hookspec
def register_prompt_sections(register: Register) -> None:
    """Register extra sections for the prompts the agent's mind builds.

    Call ``register(factory)``; ``factory(settings)`` returns a
    :class:`soul_framework.protocols.PromptSection`. The core asks each section for its text
    when it assembles a prompt and fits all sections into the token budget by priority.
    A section sees only the context of the user the prompt is for, and its text takes that
    user's scope: it goes into that user's prompts only (``docs/plugins.md``, "Whose words").
    Keep nothing from one call for another.

    :param register: call it with each factory; returns nothing.
    :return: ignored.

    Runs in: every process once at start-up, with the other registration hooks; sections
    render in the worker, for every prompt.
    """


@hookspec
def register_local_services(register: Register, settings: Settings) -> None:
    """Offer processes that ``soul up`` should run beside the API and workers.

    Call ``register(service)`` with a :class:`soul_framework.protocols.LocalService` when the
    settings need one (e.g. a local model server when no LLM is configured); register nothing
    otherwise. ``soul up`` prepares each (slow work such as a build happens there, with
    progress shown), starts it, waits until it is ready and passes its ``environment()`` to the
    API and workers. ``soul serve`` and ``soul worker`` never call this hook.

    :param register: call it with each service; returns nothing.
    :param settings: the settings ``soul up`` runs with.
    :return: ignored.

    Runs in: the ``soul up`` process, once at start.
    """


@hookspec
def register_blueprints(register: Callable[[Blueprint], None]) -> None:
    """Add HTTP routes to the API.

    Call ``register(blueprint)`` with a :class:`quart.Blueprint`; it is mounted as it is (give
    it a ``url_prefix``; ``/v1`` belongs to the contract, so extensions should use their own
    prefix such as ``/ext/<plugin>``). Responses of these routes get the same headers, CORS
    and error envelope as the built-in ones.

    :param register: call it with each blueprint; returns nothing.
    :return: ignored.

    Runs in: every process once at start-up, with the other registration hooks; the API
    process mounts what it gets when the app is created (other processes leave it unused).
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``soul`` command line.

    Use ``@cli.command()`` (or ``cli.add_command``) on the click group given.

    :param cli: the ``soul`` click group.
    :return: ignored.

    Runs in: the ``soul`` CLI process, before arguments are parsed.
    """


@hookspec
def reply_generated(event: ReplyEvent, settings: Settings) -> Any:
    """Observe a reply the agent has just given to a user.

    Called after the reply is stored and the job has reported ``done``, so an observer never
    delays the user. It may return an awaitable, which the core awaits; an exception in an
    observer is logged with the plugin's name and does not fail the job.

    :param event: the user's message, the agent's reply, its expression and the user it was for;
        all of it is that user's (``event.scope``): pass it on only where they may read it.
    :param settings: the process's settings.
    :return: None or an awaitable.

    Runs in: worker.
    """


@hookspec
def thought_generated(event: ThoughtEvent, settings: Settings) -> Any:
    """Observe a thought the agent has had on its own (in a thinking pass).

    Same rules as :func:`reply_generated`: may return an awaitable, errors are logged, never
    fatal. The thought is built only from what every user may know.

    :param event: the thought, the agent's name and when it was had.
    :param settings: the process's settings.
    :return: None or an awaitable.

    Runs in: worker.
    """
