"""The prompt of one reply, from sections that concern only the user being answered.

Every section here is built from the agent's own state or from this user's context: the
persona, the agent's feelings, its relationship with this user and its view of them, memories
about this user or its own (the store is asked with this user's scope only), the agent's latest
thought, this user's conversation. The prompt is assembled for this user's audience, so a
section holding anyone else's words is refused before the model sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soul_framework.domain.conversation import Message
from soul_framework.domain.llm import ChatMessage
from soul_framework.domain.persona import Persona
from soul_framework.domain.scope import Scope, ScopedText, public
from soul_framework.mind.persona_prompt import persona_section
from soul_framework.mind.prompt import REQUIRED, Prompt, Section, assemble, section

PRIORITY_FEELINGS = 900
PRIORITY_RELATIONSHIP = 700
PRIORITY_MEMORIES = 500
PRIORITY_THOUGHT = 300


@dataclass(frozen=True, slots=True)
class ReplyScene:
    """What the agent knows when it answers this user; every non-empty text carries its
    scope (a plain one is refused when the prompt is assembled)."""

    agent_name: str
    identity: ScopedText
    feelings: ScopedText
    """The emotion model's rendering of the current state."""
    username: ScopedText
    kind: str
    """``dm`` or ``group``."""
    audience: Scope
    """The user being answered: nothing outside their scope may enter."""
    relationship: str = ""
    memories: str = ""
    thought: str = ""


def reply_sections(
    persona: Persona, scene: ReplyScene, extra: Sequence[Section] = ()
) -> list[Section]:
    expressions = ", ".join(persona.expressions)
    rules = (
        f"You are talking with {scene.username}"
        + (" in a group chat." if scene.kind == "group" else " in a direct message.")
        + " Read their last message, decide whether to answer, and answer as yourself. "
        "Say how the message changes your feelings (emotion deltas; 0 where nothing changes) "
        f"and pick your facial expression from: {expressions}."
    )
    sections = [
        persona_section(persona, scene.agent_name, scene.identity),
        section("task", rules, REQUIRED, scene.username),
        section(
            "feelings",
            f"How you feel right now: {scene.feelings}",
            PRIORITY_FEELINGS,
            scene.feelings,
        ),
    ]
    if scene.relationship:
        sections.append(
            section("relationship", scene.relationship, PRIORITY_RELATIONSHIP, scene.relationship)
        )
    if scene.memories:
        sections.append(
            section(
                "memories",
                f"Things you remember:\n{scene.memories}",
                PRIORITY_MEMORIES,
                scene.memories,
            )
        )
    if scene.thought:
        sections.append(
            section(
                "thought",
                f"Your latest thought of your own: {scene.thought}",
                PRIORITY_THOUGHT,
                scene.thought,
            )
        )
    return [*sections, *extra]


def conversation_turns(history: Sequence[Message]) -> list[ChatMessage]:
    """The conversation as chat turns; each turn's content keeps its message's scope."""
    return [ChatMessage("assistant" if m.from_agent else "user", m.message) for m in history]


def reply_messages(
    persona: Persona,
    scene: ReplyScene,
    history: Sequence[Message],
    *,
    budget: int,
    extra: Sequence[Section] = (),
) -> Prompt:
    """The prompt of the reply call, within ``budget`` tokens, for the scene's audience."""
    return assemble(
        reply_sections(persona, scene, extra),
        conversation_turns(history),
        budget=budget,
        audience=scene.audience,
        after_turns=public(persona.post_history_instructions.strip()),
    )
