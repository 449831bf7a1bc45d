"""Fields of the structured answers the mind asks for: the schema guides, parsing forgives.

A length, a range or an enum in the JSON schema steers the model (and constrained decoders
obey it); the parsed answer is then bounded by the code that uses it. Rejecting an answer
because a summary ran one word long would turn a good reply into a failed job.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field


def text_field(limit: int, description: str, *, default: str = "") -> tuple[type[str], Any]:
    """A string field whose schema says ``maxLength: limit``."""
    return (
        str,
        Field(default=default, description=description, json_schema_extra={"maxLength": limit}),
    )


def clip(text: str, limit: int) -> str:
    """``text`` without surrounding space, cut to ``limit`` characters."""
    return text.strip()[:limit]
