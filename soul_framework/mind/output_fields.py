"""Fields of the structured answers the mind asks for: the schema guides, parsing forgives.

A length, a range or an enum in the JSON schema steers the model (and constrained decoders
obey it); the parsed answer is then bounded by the code that uses it. Rejecting an answer
because a summary ran one word long would turn a good reply into a failed job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict, Field


def text_field(limit: int, description: str, *, default: str = "") -> tuple[type[str], Any]:
    """A string field whose schema says ``maxLength: limit``."""
    return (
        str,
        Field(default=default, description=description, json_schema_extra={"maxLength": limit}),
    )


IMPORTANCE = "How important, 1 (mundane) to 10 (life-changing)."
CONFIDENCE = "How sure you are of those emotion changes, 0 to 1."


def choice_field(choices: Sequence[str], description: str, *, default: str) -> tuple[type, Any]:
    """A string the schema restricts to ``choices`` (an ``enum``); any string parses."""
    return (
        str,
        Field(default=default, description=description, json_schema_extra={"enum": list(choices)}),
    )


def number_field(low: float, high: float, description: str, *, default: float) -> tuple[type, Any]:
    """A number the schema bounds to ``low..high``; the caller clamps what parses."""
    kind = int if isinstance(default, int) and isinstance(low, int) else float
    return (
        kind,
        Field(
            default=default,
            description=description,
            json_schema_extra={"minimum": low, "maximum": high},
        ),
    )


def tags_field(limit: int, description: str) -> tuple[type, Any]:
    """A list of short strings the schema caps at ``limit`` items."""
    return (
        list[str],
        Field(default_factory=list, description=description, json_schema_extra={"maxItems": limit}),
    )


def clip(text: str, limit: int) -> str:
    """``text`` without surrounding space, cut to ``limit`` characters."""
    return text.strip()[:limit]


def require_every_property(schema: dict[str, Any]) -> None:
    """List every property as required in the schema sent to the model, although each has a
    default for parsing: a constrained decoder would otherwise be free to leave them all out
    (servers that do not take OpenAI's strict mode, such as llama.cpp's, do exactly that)."""
    schema["required"] = list(schema.get("properties", {}))


ANSWER_CONFIG = ConfigDict(extra="ignore", json_schema_extra=require_every_property)
"""The model configuration of every structured answer the mind asks for."""
