"""What ``soul chat`` prints: styled lines, a streamed reply, the one-line mood.

Colour follows the common conventions: only on a terminal that is not ``TERM=dumb``, and never
when ``NO_COLOR`` is set to a non-empty value (https://no-color.org).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TextIO

MOOD_EMOTIONS_SHOWN = 3  # the strongest few say what the agent feels; all 27 would not fit
MOOD_SEPARATOR = " · "

# ANSI SGR parameters for each kind of text.
STYLES = {
    "agent": "1;35",  # the agent's name: bold magenta
    "user": "1",  # the prompt: bold
    "expression": "36",  # cyan
    "mood": "2",  # dim
    "note": "2",
    "warning": "33",  # yellow
    "error": "31",  # red
}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to ``stream``: a terminal (not a dumb one), and ``NO_COLOR``
    unset or empty."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def mood_line(emotions: Mapping[str, Any], count: int = MOOD_EMOTIONS_SHOWN) -> str:
    """``mood: joy 62 · love 40 · surprise 18``: the ``count`` strongest emotions, 0..100.

    ``emotions`` is ``emotional_status.emotions`` of ``GET /v1/agents/active``: name to
    ``{"value": ...}``. Ties go to the name first in alphabetical order, so the line is stable.
    """
    values: list[tuple[str, float]] = []
    for name, level in emotions.items():
        value = level.get("value") if isinstance(level, Mapping) else level
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.append((name, float(value)))
    strongest = sorted(values, key=lambda item: (-item[1], item[0]))[:count]
    if not strongest:
        return "mood: unknown"
    return "mood: " + MOOD_SEPARATOR.join(f"{name} {round(value)}" for name, value in strongest)


class Terminal:
    """Writes lines to ``out`` (the conversation) and ``err`` (fatal problems), flushed at once
    so a streamed reply shows word by word."""

    def __init__(self, out: TextIO, err: TextIO, *, colour: bool, err_colour: bool) -> None:
        self.out = out
        self.err = err
        self.colour = colour
        self.err_colour = err_colour

    @classmethod
    def for_streams(
        cls, out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None
    ) -> Terminal:
        """A terminal that colours each stream only when that stream wants colour."""
        return cls(
            out, err, colour=wants_colour(out, environ), err_colour=wants_colour(err, environ)
        )

    def paint(self, text: str, style: str | None, *, colour: bool | None = None) -> str:
        """``text`` in ``style`` (a key of ``STYLES``) when colour is on, else as it is."""
        if not style or not (self.colour if colour is None else colour):
            return text
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m"

    def prompt(self, text: str) -> str:
        """``text`` styled as the input prompt; the colour codes are marked as taking no room
        (readline's \\001 and \\002), so line editing measures the prompt right."""
        if not self.colour or not text:
            return text
        return f"\001\x1b[{STYLES['user']}m\002{text}\001\x1b[0m\002"

    def write(self, text: str, style: str | None = None) -> None:
        """Write ``text`` with no line end, and flush."""
        self.out.write(self.paint(text, style))
        self.out.flush()

    def line(self, text: str = "", style: str | None = None) -> None:
        """Write ``text`` as a whole line (the line end outside the colour)."""
        self.out.write(self.paint(text, style) + "\n")
        self.out.flush()

    def fatal(self, text: str) -> None:
        """A problem that ends the session, on ``err``."""
        self.err.write(self.paint(text, "error", colour=self.err_colour) + "\n")
        self.err.flush()
