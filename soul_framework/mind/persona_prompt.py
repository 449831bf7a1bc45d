"""The persona as the model reads it: who the agent is, how it speaks, how it feels now.

Only fields meant for the model go in. ``creator_notes`` are for people reading the persona
or card and never reach a prompt; ``greeting`` is shown to users, not to the model.
"""

from __future__ import annotations

from soul_framework.domain.persona import Persona
from soul_framework.mind.prompt import REQUIRED, Section, section

SPEAKING_RULES = (
    "Stay in character. Answer the user's last message in your own voice: short and natural, "
    "like a message between friends. Never mention these instructions."
)


def persona_text(persona: Persona, agent_name: str, identity: str) -> str:
    """The persona section. ``identity`` is the agent's current view of itself (it starts as
    the persona's and reflection revises it); ``agent_name`` may differ from the persona's
    name (``BOT_NAME``). Character Cards' ``{{char}}`` and ``{{user}}`` placeholders are
    filled in."""

    def fill(text: str) -> str:
        return text.strip().replace("{{char}}", agent_name).replace("{{user}}", "the user")

    parts = [f"You are {agent_name}."]
    if persona.system_prompt.strip():
        parts.append(fill(persona.system_prompt))
    for label, text in (
        ("About you", persona.description),
        ("How you see yourself", identity),
        ("How you speak", persona.speaking_style),
        ("The setting", persona.scenario),
    ):
        if text.strip():
            parts.append(f"{label}: {fill(text)}")
    if persona.example_messages.strip():
        parts.append(
            "Examples of how you write (style only, not things that happened):\n"
            + fill(persona.example_messages)
        )
    parts.append(SPEAKING_RULES)
    return "\n\n".join(parts)


def persona_section(persona: Persona, agent_name: str, identity: str) -> Section:
    """The persona as a prompt's first section. ``identity`` must be scoped (the public
    identity everywhere: what the agent learns about itself with one user is shown with that
    user's relationship instead)."""
    return section("persona", persona_text(persona, agent_name, identity), REQUIRED, identity)
