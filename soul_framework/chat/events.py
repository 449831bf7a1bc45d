"""Server-sent events, read off a byte stream as the WHATWG HTML standard describes them.

Only what the /v1 streams use: ``event:`` names the event (``message`` when absent), ``data:``
lines are joined with newlines, a line starting with ``:`` is a comment (the keep-alives), and
a blank line dispatches the event. ``id:`` and ``retry:`` are read past: the client reconnects
on its own terms. An event cut off by the end of the stream is dropped, as the standard says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_EVENT = "message"


@dataclass(frozen=True)
class ServerEvent:
    """One dispatched event: its name and its data (the ``data:`` lines joined)."""

    name: str
    data: str

    def json(self) -> dict[str, Any]:
        """The data as a JSON object; an empty dict when it is not one."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def read_events(lines: Iterable[bytes]) -> Iterator[ServerEvent]:
    """The events in ``lines`` (raw lines with their endings, as a binary file yields them)."""
    name = ""
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield ServerEvent(name or DEFAULT_EVENT, "\n".join(data))
            name, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
