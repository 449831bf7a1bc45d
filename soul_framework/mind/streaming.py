"""Streaming one text field out of JSON that is still being written.

A structured reply arrives as JSON text in pieces (``{"message": "Hel`` ... ``lo!", ...}``);
the user should see the ``message`` as it is written, not the JSON around it.
"""

from __future__ import annotations

import json
import re

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class FieldStreamer:
    """Feed JSON text as it arrives; get back the newly readable text of one string field."""

    def __init__(self, field: str) -> None:
        self._opening = re.compile(r'"' + re.escape(field) + r'"\s*:\s*"')
        self._buffer = ""
        self._start: int | None = None  # index of the field's first character in the buffer
        self._position = 0  # next character of the field to decode
        self._done = False

    def feed(self, piece: str) -> str:
        """Add ``piece``; return the field's text decoded since the last call."""
        if self._done:
            return ""
        self._buffer += piece
        if self._start is None:
            match = self._opening.search(self._buffer)
            if match is None:
                return ""
            self._start = self._position = match.end()
        out: list[str] = []
        text = self._buffer
        i = self._position
        while i < len(text):
            char = text[i]
            if char == '"':
                self._done = True
                i += 1
                break
            if char != "\\":
                out.append(char)
                i += 1
                continue
            if i + 1 >= len(text):
                break  # the escape's second half has not arrived yet
            kind = text[i + 1]
            if kind == "u":
                if i + 6 > len(text):
                    break
                decoded, consumed = _unicode_escape(text, i)
                if decoded is None:
                    break  # a surrogate pair whose second half is still on its way
                out.append(decoded)
                i += consumed
                continue
            out.append(_ESCAPES.get(kind, kind))
            i += 2
        self._position = i
        return "".join(out)


def _unicode_escape(text: str, i: int) -> tuple[str | None, int]:
    try:
        code = int(text[i + 2 : i + 6], 16)
    except ValueError:
        return text[i : i + 6], 6  # not an escape a JSON parser would accept: keep it as is
    if 0xD800 <= code < 0xDC00:  # high surrogate: needs its low half
        if i + 12 > len(text):
            return None, 0
        return json.loads(f'"{text[i : i + 12]}"'), 12
    return chr(code), 6
