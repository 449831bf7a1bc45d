"""JSON schemas for structured output, from pydantic models.

OpenAI's strict mode wants every object closed (``additionalProperties: false``), every
property listed in ``required`` and no ``default`` keywords; :func:`strict_schema` rewrites a
pydantic schema that way (optional fields are already nullable, so the model can say null).
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from pydantic import BaseModel


@functools.cache
def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema (made once per model: generating it costs milliseconds).

    Shared by every caller: treat it as read-only.
    """
    return model.model_json_schema()


@functools.cache
def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = copy.deepcopy(schema_of(model))
    _close(schema)
    return schema


def _close(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("default", None)
        if node.get("type") == "object" or "properties" in node:
            properties = node.get("properties", {})
            node["additionalProperties"] = False
            node["required"] = list(properties)
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for item in node:
            _close(item)


def schema_instruction(model: type[BaseModel]) -> str:
    """A system-prompt paragraph stating the schema, for servers that ignore response formats."""
    return (
        "Answer with a single JSON object and nothing else (no prose, no code fence). "
        f"It must match this JSON schema:\n{json.dumps(schema_of(model), separators=(',', ':'))}"
    )


def repair_instruction(errors: str) -> str:
    return (
        "Your previous answer did not match the required JSON schema. Problems:\n"
        f"{errors}\nReply again with only the corrected JSON object."
    )
