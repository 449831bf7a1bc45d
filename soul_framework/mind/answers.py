"""Asking the model: its answer takes the scope of the prompt it was given.

Whatever a model writes, it can only write from what it read, so every text of its answer has
the scope of the whole prompt (the union of its sections and turns). :class:`Answer` hands its
texts out already scoped; the store guard then decides where they may go. A model that
paraphrases a secret cannot launder it: the paraphrase has the same scope as the words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from soul_framework.domain.llm import Tier, Usage
from soul_framework.domain.scope import Scope, ScopedText
from soul_framework.mind.output_fields import clip
from soul_framework.mind.prompt import Prompt
from soul_framework.protocols import LLMProvider


@dataclass(frozen=True, slots=True)
class Answer:
    """A structured answer and the scope of the prompt it answers."""

    output: Any
    """The validated ``output_model`` instance (numbers and choices are read from it)."""
    scope: Scope
    usage: Usage

    def text(self, field: str, max_chars: int | None = None) -> ScopedText:
        """The answer's text ``field`` (clipped to ``max_chars``), with the answer's scope."""
        value = str(getattr(self.output, field))
        return ScopedText(clip(value, max_chars) if max_chars else value, self.scope)

    def texts(self, field: str) -> tuple[ScopedText, ...]:
        """Each text of the list ``field``, with the answer's scope."""
        return tuple(ScopedText(str(v), self.scope) for v in getattr(self.output, field))

    def scoped(self, value: str) -> ScopedText:
        """A text made from this answer (a choice read from it, a cleaned-up field)."""
        return ScopedText(value, self.scope)


async def ask(
    provider: LLMProvider,
    prompt: Prompt,
    *,
    output_model: type[BaseModel],
    on_delta: Callable[[str], Awaitable[None]] | None = None,
    timeout_seconds: float,
    tier: Tier = Tier.FAST,
) -> Answer:
    """One structured call with ``prompt``; see :meth:`LLMProvider.complete`."""
    completion = await provider.complete(
        prompt.messages,
        tier=tier,
        output_model=output_model,
        on_delta=on_delta,
        timeout_seconds=timeout_seconds,
    )
    return Answer(completion.output, prompt.scope, completion.usage)
