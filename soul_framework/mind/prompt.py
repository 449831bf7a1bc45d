"""Assembling a prompt from sections within a token budget.

The core builds the sections a prompt needs (persona, feelings, the relationship with this user,
memories, the agent's latest thought) and plugins add their own
(:func:`soul_framework.hookspecs.register_prompt_sections`). When they do not all fit, the
lowest priority goes first; sections marked required always stay. Then the conversation fills
what is left, newest turns first, and the message being answered always stays.

Every section and every turn carries the scope of what it was made from
(:mod:`soul_framework.domain.scope`), and a prompt is assembled for an *audience*: a section or
turn whose scope does not fit it is refused (:class:`~soul_framework.domain.scope.ScopeViolation`),
so a prompt built for one user can never hold another's words, and thinking, whose answer
everyone may read, holds public text only. The prompt's own scope is the union of what it kept:
the model's answer is made of exactly that (:func:`soul_framework.mind.answers.ask`).

Tokens are estimated, not counted: about four characters of English per token, the usual
figure for BPE tokenizers (OpenAI's own rule of thumb), rounded up per section. A budget is a
guard against unbounded prompts, not an exact fit, so providers' own limits keep a margin.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from soul_framework.domain.llm import ChatMessage
from soul_framework.domain.scope import Scope, ScopeViolation, public, scope_of
from soul_framework.protocols import PromptSection

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4.0
MESSAGE_OVERHEAD_TOKENS = 4
"""Per chat message: the role and separators the chat template adds."""

REQUIRED = 1000
"""Sections at or above this priority are never dropped (the persona, the output rules)."""


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    text: str
    priority: int
    scope: Scope
    """Whose context the text was made from (see :func:`section`)."""

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.text)


def section(name: str, text: str, priority: int, *sources: str) -> Section:
    """A section whose text was made from ``sources`` (scoped texts; none for the framework's
    and persona's own words): it takes the union of their scopes."""
    return Section(name, text, priority, scope_of(sources))


@dataclass(frozen=True, slots=True)
class Prompt:
    """The chat messages of one model call, and the scope of everything they hold."""

    messages: list[ChatMessage]
    scope: Scope
    audience: Scope


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def fit_sections(sections: Sequence[Section], budget: int) -> list[Section]:
    """The sections that fit in ``budget`` tokens, in their given order.

    Required sections are kept whatever they cost; the others are taken by priority, highest
    first (ties: earlier first), each only if it still fits.
    """
    kept = {id(s) for s in sections if s.priority >= REQUIRED and s.text}
    used = sum(s.tokens for s in sections if id(s) in kept)
    ranked = sorted(
        (s for s in sections if id(s) not in kept and s.text),
        key=lambda s: -s.priority,
    )
    for section in ranked:
        if used + section.tokens <= budget:
            kept.add(id(section))
            used += section.tokens
    return [s for s in sections if id(s) in kept]


def fit_turns(turns: Sequence[ChatMessage], budget: int) -> list[ChatMessage]:
    """The newest turns that fit in ``budget`` tokens, oldest first; the last turn (the
    message being answered) is kept even when it alone is over budget."""
    kept: list[ChatMessage] = []
    used = 0
    for turn in reversed(turns):
        cost = estimate_tokens(turn.content) + MESSAGE_OVERHEAD_TOKENS
        if kept and used + cost > budget:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    return kept


async def plugin_sections(
    sections: Sequence[PromptSection], context: Mapping[str, Any], *, scope: Scope
) -> list[Section]:
    """Render the plugins' sections for this prompt; one that fails is left out and logged,
    never the reply's failure. ``context`` holds only what ``scope`` may see, so what a
    plugin writes from it takes that scope."""
    rendered: list[Section] = []
    for section in sections:
        try:
            text = await section.render(context)
        except Exception:
            log.exception("prompt section %r failed; left out of this prompt", section.name)
            continue
        if text:
            rendered.append(Section(section.name, text.strip(), int(section.priority), scope))
    return rendered


ANSWER_CUE = public(
    "That is the conversation so far. Now answer as the instructions at the start ask."
)
"""Closes a prompt whose conversation ends with the agent's own words (a reflection on it, a
message of its own after it). Servers that take a last assistant turn as the start of the
answer to continue (llama.cpp's, Ollama's) would otherwise make the agent go on talking, or
refuse when the answer must follow a schema."""


def assemble(
    sections: Sequence[Section],
    turns: Sequence[ChatMessage],
    *,
    budget: int,
    audience: Scope,
    after_turns: str = "",
) -> Prompt:
    """One system message of the sections that fit, the conversation in what is left, and
    ``after_turns`` (instructions that must follow the conversation) last; never an
    assistant turn last (see :data:`ANSWER_CUE`).

    Each turn's content and ``after_turns`` must be scoped texts; every section and turn must
    fit ``audience``, or :class:`ScopeViolation` is raised before anything is sent."""
    parts = [(f"the {s.name!r} section", s.scope) for s in sections]
    parts.append(("the conversation", scope_of(turn.content for turn in turns)))
    parts.append(("the closing instructions", scope_of([after_turns])))
    for what, scope in parts:
        if not scope.within(audience):
            raise ScopeViolation(f"{what} holds text of {scope}; this prompt is for {audience}")
    fitted = fit_sections(sections, budget)
    system = "\n\n".join(s.text for s in fitted)
    remaining = budget - estimate_tokens(system) - estimate_tokens(after_turns)
    remaining -= estimate_tokens(ANSWER_CUE)
    kept = fit_turns(turns, max(remaining, 0))
    messages = [ChatMessage("system", system), *kept]
    if after_turns:
        messages.append(ChatMessage("system", after_turns))
    if messages[-1].role == "assistant":
        messages.append(ChatMessage("user", ANSWER_CUE))
    # What the model reads is what was kept: its answer is made of exactly that.
    scope = scope_of([after_turns, *(turn.content for turn in kept)])
    for part in fitted:
        scope = scope | part.scope
    return Prompt(messages, scope, audience)
