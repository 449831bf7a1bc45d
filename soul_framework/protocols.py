"""What the objects plugins register must implement.

A registration hook hands over a *factory*: a class or callable with a ``name`` attribute that
the core calls as ``factory(settings)``. The object it returns implements one protocol below.
Methods that do I/O are ``async``; everything else is plain and cheap.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pydantic import BaseModel

    from soul_framework.config import Settings
    from soul_framework.domain.llm import ChatMessage, Completion, ProviderInfo, Tier


@runtime_checkable
class Factory(Protocol):
    """What every registration hook receives: something named that builds the real object."""

    name: str

    def __call__(self, settings: Settings) -> Any: ...


@runtime_checkable
class EmotionModel(Protocol):
    """A set of emotions with their meaning; the model of how they move.

    Values are intensities on 0..100. ``emotions`` maps each emotion's name to a one-line
    description (shown by the API and used in prompts).
    """

    name: str
    description: str
    emotions: Mapping[str, str]


@runtime_checkable
class PersonalitySchema(Protocol):
    """The traits a persona of this schema has, each a value on 0..100."""

    name: str
    description: str
    traits: Mapping[str, str]
    """Trait name to a one-line description."""


@runtime_checkable
class LLMProvider(Protocol):
    """Chat completions (plain, structured, streamed) and, where offered, embeddings."""

    name: str

    def describe(self) -> ProviderInfo:
        """What ``/v1/meta/llm`` shows. Must not do I/O and must never include a key."""
        ...

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tier: Tier,
        output_model: type[BaseModel] | None,
        on_delta: Callable[[str], Awaitable[None]] | None,
        timeout_seconds: float,
    ) -> Completion:
        """Run one completion.

        With ``output_model`` the answer is validated against it and ``Completion.output`` is
        an instance of it; otherwise it is the text. ``on_delta`` receives text as it streams.
        Raises :class:`soul_framework.errors.LLMError` subclasses on failure.
        """
        ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text; raises :class:`soul_framework.errors.EmbeddingsUnsupported`
        when the backend has no embeddings, so callers fall back to lexical relevance."""
        ...

    async def aclose(self) -> None:
        """Release the provider's connections (called once at process shutdown)."""
        ...


@runtime_checkable
class Store(Protocol):
    """All persistence of accounts, agents, relationships, conversations and memories.

    One instance per process. ``open`` connects and prepares (migrations, indexes); ``ping``
    raises :class:`soul_framework.errors.StorageUnavailable` when the backend cannot be reached.
    """

    name: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None: ...


@runtime_checkable
class ScheduledTask(Protocol):
    """Work that runs every ``interval_seconds``, exactly once per interval in the cluster."""

    name: str
    interval_seconds: float

    async def run(self, runtime: Any) -> None:
        """Do one interval's work. ``runtime`` gives the selected store and provider."""
        ...


@runtime_checkable
class PromptSection(Protocol):
    """A block of text the core may place in a prompt.

    ``priority`` orders sections when the token budget is short: higher stays, lower is
    dropped first.
    """

    name: str
    priority: int

    async def render(self, context: Mapping[str, Any]) -> str | None:
        """Return the section's text for this prompt, or None to leave it out."""
        ...
