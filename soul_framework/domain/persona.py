"""A persona: who the agent is, as data. Persona files and Character Cards both become one."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

EXPRESSION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
"""Expression names: lower case, digits, ``_`` and ``-``; they become file names."""

DEFAULT_EXPRESSIONS = (
    "neutral",
    "happy",
    "sad",
    "angry",
    "fearful",
    "surprised",
    "love",
    "disgusted",
    "thinking",
    "playful",
    "shy",
    "excited",
)
"""The expression set of a persona that names none (and of the bundled faces)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SchemaValues(_Strict):
    """A persona's values in one personality schema."""

    preset: str | None = None
    """A starting point the schema knows (lite: a Myers-Briggs type such as ``ENFP``)."""
    traits: dict[str, float] = Field(default_factory=dict)
    """Trait values on 0..100 that override the preset."""
    pinned: list[str] = Field(default_factory=list)
    """Traits experience never moves (drift leaves them as they are)."""


class EmotionSettings(_Strict):
    baselines: dict[str, float] = Field(default_factory=dict)
    """Resting values (0..100) per emotion name; the rest come from the personality."""

    @field_validator("baselines")
    @classmethod
    def _in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, number in value.items():
            if not 0 <= number <= 100:
                raise ValueError(f"baseline of {name!r} must be within 0..100, got {number}")
        return value


class Persona(_Strict):
    """Everything a persona file (TOML, YAML or JSON) may say.

    ``personality`` maps a personality schema's name (``lite``, ``rich``) to the persona's
    values in it; a schema the persona does not cover gets values translated through the Big
    Five from one it does. ``creator_notes`` are for people reading the file and never reach
    a prompt. ``extensions`` keeps whatever a Character Card carried there, verbatim.
    """

    name: str = Field(min_length=1, max_length=64)
    nickname: str | None = None
    description: str = ""
    """Who the agent is, in the third person (shown to users and in prompts)."""
    identity: str = ""
    """How the agent sees itself, in the first person; reflection may revise it."""
    speaking_style: str = ""
    greeting: str = ""
    alternate_greetings: list[str] = Field(default_factory=list)
    scenario: str = ""
    example_messages: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    creator_notes: str = ""
    creator: str = ""
    version: str = ""
    tags: list[str] = Field(default_factory=list)
    personality: dict[str, SchemaValues] = Field(default_factory=dict)
    emotions: EmotionSettings = Field(default_factory=EmotionSettings)
    expressions: list[str] = Field(default_factory=lambda: list(DEFAULT_EXPRESSIONS))
    """The expressions the agent can show; images are ``<expressions_dir>/<name>.<ext>``."""
    neutral_expression: str = "neutral"
    """The expression ``neutral`` stands for (the resting face)."""
    expressions_dir: str = "expressions"
    """Folder of the expression images, relative to the persona file."""
    character_book: dict[str, Any] | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)

    @field_validator("expressions")
    @classmethod
    def _expression_names(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a persona needs at least one expression")
        for name in value:
            if not EXPRESSION_NAME.match(name):
                raise ValueError(
                    f"expression {name!r}: use 1..32 lower-case letters, digits, '_' or '-'"
                )
        if len(set(value)) != len(value):
            raise ValueError("expressions must not repeat")
        return value

    @field_validator("expressions_dir")
    @classmethod
    def _relative_dir(cls, value: str) -> str:
        if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
            raise ValueError("expressions_dir must be a folder inside the persona's folder")
        return value

    @model_validator(mode="after")
    def _neutral_is_an_expression(self) -> Persona:
        if self.neutral_expression not in self.expressions:
            raise ValueError(
                f"neutral_expression {self.neutral_expression!r} is not one of the expressions"
            )
        return self

    def expression_or_neutral(self, name: str | None) -> str:
        """``name`` when the persona has that expression, else its neutral one."""
        if name and name in self.expressions:
            return name
        return self.neutral_expression
