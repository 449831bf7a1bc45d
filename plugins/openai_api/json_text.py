"""Finding the JSON in what a model wrote: bare, in a code fence, or inside prose."""

from __future__ import annotations

import json
import re

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> str:
    """The JSON document in ``text``; ``text`` itself (stripped) when none can be found.

    Small local models often wrap their answer in a fence or a sentence; larger ones answer
    bare. The first candidate that parses wins: the whole text, each fenced block, then each
    balanced ``{...}`` or ``[...]`` span.
    """
    stripped = text.strip()
    candidates = [stripped, *(m.group(1).strip() for m in _FENCE.finditer(text))]
    candidates += list(_balanced_spans(text))
    for candidate in candidates:
        try:
            json.loads(candidate)
        except ValueError:
            continue
        return candidate
    return stripped


def _balanced_spans(text: str):  # type: ignore[no-untyped-def]
    """Each top-level span from an opening brace or bracket to its matching close."""
    closing = {"{": "}", "[": "]"}
    index = 0
    while index < len(text):
        opener = text[index]
        if opener not in closing:
            index += 1
            continue
        end = _matching_end(text, index, opener, closing[opener])
        if end is None:
            index += 1
            continue
        yield text[index : end + 1]
        index = end + 1


def _matching_end(text: str, start: int, opener: str, closer: str) -> int | None:
    depth = 0
    in_string = False
    escaped = False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return position
    return None
