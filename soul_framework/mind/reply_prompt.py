"""The prompt of one reply, from sections that concern only the user being answered.

Every section here is built from the agent's own state or from this user's context: the
persona, the agent's feelings, its relationship with this user and its view of them, memories
about this user or its own (the store is asked with this user's scope only), the agent's latest
thought, this user's conversation. Nothing about any other user can enter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soul_framework.domain.conversation import Message
from soul_framework.domain.llm import ChatMessage
from soul_framework.domain.persona import Persona
from soul_framework.mind.persona_prompt import persona_text
from soul_framework.mind.prompt import REQUIRED, Section, assemble

PRIORITY_FEELINGS = 900
PRIORITY_RELATIONSHIP = 700
PRIORITY_MEMORIES = 500
PRIORITY_THOUGHT = 300


@dataclass(frozen=True, slots=True)
class ReplyScene:
    """What the agent knows when it answers this user."""

    agent_name: str
    identity: str
    feelings: str
    """The emotion model's rendering of the current state."""
    username: str
    kind: str
    """``dm`` or ``group``."""
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
        Section("persona", persona_text(persona, scene.agent_name, scene.identity), REQUIRED),
        Section("task", rules, REQUIRED),
        Section("feelings", f"How you feel right now: {scene.feelings}", PRIORITY_FEELINGS),
    ]
    if scene.relationship:
        sections.append(Section("relationship", scene.relationship, PRIORITY_RELATIONSHIP))
    if scene.memories:
        sections.append(
            Section("memories", f"Things you remember:\n{scene.memories}", PRIORITY_MEMORIES)
        )
    if scene.thought:
        sections.append(
            Section(
                "thought", f"Your latest thought of your own: {scene.thought}", PRIORITY_THOUGHT
            )
        )
    return [*sections, *extra]


def conversation_turns(history: Sequence[Message]) -> list[ChatMessage]:
    return [ChatMessage("assistant" if m.from_agent else "user", m.message) for m in history]


def reply_messages(
    persona: Persona,
    scene: ReplyScene,
    history: Sequence[Message],
    *,
    budget: int,
    extra: Sequence[Section] = (),
) -> list[ChatMessage]:
    """The chat messages of the reply call, within ``budget`` tokens."""
    return assemble(
        reply_sections(persona, scene, extra),
        conversation_turns(history),
        budget=budget,
        after_turns=persona.post_history_instructions.strip(),
    )
