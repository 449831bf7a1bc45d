"""Small valid instances of JSON Schemas, for fake answers that must match a requested schema.

``schema_instance(schema)`` returns a small JSON value that validates against ``schema``. It
covers what structured-output schemas use: ``type`` (one type or a list, ``null`` for nullable),
``enum``, ``const``, ``properties``/``required``/``additionalProperties``/``minProperties``,
``items``/``prefixItems``/``minItems``/``maxItems``/``uniqueItems``, numeric bounds (inclusive
and exclusive, in both the draft-4 and the later form), ``multipleOf``,
``minLength``/``maxLength``, common string ``format`` values, ``anyOf``/``oneOf`` (first usable
branch, non-null preferred), ``allOf`` (merged) and local ``$ref`` (``#/$defs/...``,
``#/definitions/...`` or any other JSON pointer into the same document).

Only required properties are filled in, and arrays get ``minItems`` elements. Keywords that no
simple rule satisfies (``pattern``, ``not``, ``contains``, ``if``/``then``) are ignored.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import unquote

MAX_DEPTH = 64  # nesting (and $ref hops) before a schema counts as unsatisfiably recursive

# Values for string formats that validators, pydantic's included, check.
FORMAT_EXAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
# When subschemas are merged (allOf), a bound keeps its strictest value.
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def schema_instance(schema: dict[str, Any] | bool) -> Any:
    """A small JSON value (dict, list, str, int, float, bool or None) valid against ``schema``.

    Raises ``ValueError`` for schemas it cannot satisfy (``false``, non-local ``$ref``, required
    recursion without end).
    """
    return _Generator(schema).instance(schema, 0, 0)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _merge(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema that demands what each of ``schemas`` demands (as far as this module reads)."""
    merged: dict[str, Any] = {}
    for schema in schemas:
        for key, value in schema.items():
            if key not in merged:
                merged[key] = value
            elif key == "properties":
                combined = dict(merged[key])
                for name, sub in value.items():
                    combined[name] = {"allOf": [combined[name], sub]} if name in combined else sub
                merged[key] = combined
            elif key == "required":
                merged[key] = [*merged[key], *(name for name in value if name not in merged[key])]
            elif key in _LOWER_BOUNDS and _is_number(value) and _is_number(merged[key]):
                merged[key] = max(merged[key], value)
            elif key in _UPPER_BOUNDS and _is_number(value) and _is_number(merged[key]):
                merged[key] = min(merged[key], value)
    return merged


class _Generator:
    """Builds instances of subschemas of one root schema, which ``$ref`` pointers resolve in."""

    def __init__(self, root: dict[str, Any] | bool) -> None:
        self.root = root

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref pointers are supported, not {ref!r}")
        node: Any = self.root
        for part in unquote(ref[1:]).split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise ValueError(f"$ref {ref!r} points at nothing") from None
        return node

    def resolve(self, schema: Any) -> dict[str, Any]:
        """``schema`` with ``$ref`` followed and ``allOf`` merged in; ``true`` becomes ``{}``."""
        for _ in range(MAX_DEPTH):
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            target = self.pointer(schema["$ref"])
            schema = _merge([target, siblings]) if siblings and isinstance(target, dict) else target
        else:
            raise ValueError("$ref chain too long (circular?)")
        if schema is True or schema is None:
            return {}
        if not isinstance(schema, dict):
            raise ValueError(f"schema {schema!r} admits no value")
        if "allOf" in schema:
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            schema = _merge([rest, *(self.resolve(part) for part in schema["allOf"])])
        return schema

    def type_of(self, schema: dict[str, Any]) -> str | None:
        """The JSON type to produce: the first non-null listed one, else guessed from keywords."""
        declared = schema.get("type")
        if isinstance(declared, list):
            return next((t for t in declared if t != "null"), "null" if declared else None)
        if declared is not None:
            return declared
        keys = schema.keys()
        if keys & {"properties", "required", "additionalProperties", "minProperties"}:
            return "object"
        if keys & {"items", "prefixItems", "minItems", "maxItems"}:
            return "array"
        if keys & {"minLength", "maxLength", "format", "pattern"}:
            return "string"
        if keys & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}:
            return "number"
        return None

    def instance(self, schema: Any, n: int, depth: int) -> Any:
        """An instance of ``schema``; ``n`` picks the n-th variant so array items can differ."""
        if depth > MAX_DEPTH:
            raise ValueError("schema nests too deeply (a required field recurses without end?)")
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            choices = [value for value in schema["enum"] if value is not None] or schema["enum"]
            return choices[n % len(choices)]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.first_branch(schema, key, n, depth)
        kind = self.type_of(schema)
        if kind == "null":
            return None
        if kind == "boolean":
            return n % 2 == 1
        if kind in ("integer", "number"):
            return _number(schema, n, integer=kind == "integer")
        if kind == "array":
            return self.array(schema, n, depth)
        if kind == "object":
            return self.object(schema, n, depth)
        return _string(schema, n)  # "string", and anything goes for a schema without a type

    def first_branch(self, schema: dict[str, Any], key: str, n: int, depth: int) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        branches = [self.resolve(branch) for branch in schema[key]]
        # A nullable field's value is more useful to the reader than null, so try null last.
        branches.sort(key=lambda branch: self.type_of(branch) == "null")
        for branch in branches:
            try:
                return self.instance(_merge([rest, branch]), n, depth + 1)
            except ValueError:
                continue
        raise ValueError(f"no usable branch in {key}")

    def array(self, schema: dict[str, Any], n: int, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems", [])
        items = schema.get("items", {})
        if isinstance(items, list):  # the draft-4 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        count = schema.get("minItems", 0)
        subschemas = [prefix[i] if i < len(prefix) else items for i in range(count)]
        return [self.instance(sub, n + i, depth + 1) for i, sub in enumerate(subschemas)]

    def object(self, schema: dict[str, Any], n: int, depth: int) -> dict[str, Any]:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", {})
        result: dict[str, Any] = {}
        for name in schema.get("required", []):
            sub = properties.get(name, extra if isinstance(extra, dict) else {})
            result[name] = self.instance(sub, n, depth + 1)
        wanted = schema.get("minProperties", 0)
        for name, sub in properties.items():
            if len(result) >= wanted:
                break
            result.setdefault(name, self.instance(sub, n, depth + 1))
        index = 0
        while len(result) < wanted and extra is not False:
            result.setdefault(f"key{index}", self.instance(extra, n, depth + 1))
            index += 1
        return result


def _string(schema: dict[str, Any], n: int) -> str:
    text = FORMAT_EXAMPLES.get(schema.get("format", ""), "ok" if n == 0 else f"ok{n}")
    text += "k" * (schema.get("minLength", 0) - len(text))
    limit = schema.get("maxLength")
    return text if limit is None else text[:limit]


def _bounds(
    schema: dict[str, Any], inclusive: str, exclusive: str, *, lower: bool
) -> tuple[float | None, bool]:
    """A bound and whether it is exclusive, from the draft-4 or the later keywords."""
    bound, strict = schema.get(inclusive), False
    other = schema.get(exclusive)
    if other is True:  # draft 4: the boolean makes the inclusive bound exclusive
        strict = bound is not None
    elif _is_number(other) and (bound is None or (other >= bound if lower else other <= bound)):
        bound, strict = other, True
    return bound, strict


def _number(schema: dict[str, Any], n: int, *, integer: bool) -> int | float:
    low, low_strict = _bounds(schema, "minimum", "exclusiveMinimum", lower=True)
    high, high_strict = _bounds(schema, "maximum", "exclusiveMaximum", lower=False)
    if integer:
        if low is not None:
            low = math.floor(low) + 1 if low_strict else math.ceil(low)
        if high is not None:
            high = math.ceil(high) - 1 if high_strict else math.floor(high)
        low_strict = high_strict = False
    # Nudge off an exclusive bound by 1, or by half the room when the range is narrower.
    room = None if low is None or high is None else high - low
    step = 1 if room is None else min(1, room / 2)
    value: float = 0
    if low is not None and (value < low or (low_strict and value <= low)):
        value = low + step if low_strict else low
    elif high is not None and (value > high or (high_strict and value >= high)):
        value = high - step if high_strict else high
    if n and (high is None or value + n < high or (value + n == high and not high_strict)):
        value += n
    step_size = schema.get("multipleOf")
    if _is_number(step_size) and step_size > 0:
        value = math.ceil(value / step_size) * step_size
    return int(value) if integer else float(value)
