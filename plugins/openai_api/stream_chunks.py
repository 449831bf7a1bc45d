"""Reading a streamed chat completion as the server sends it: server-sent events of JSON.

The SDK's own stream builds a typed model of every chunk, a few tenths of a millisecond each;
a reply streams a chunk per token or so, which made the parsing cost more CPU than all the
rest of a message's path. Here each chunk is only decoded: what the provider needs of it (the
text delta, the token counts) is two lookups.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from soul_framework.errors import LLMUnavailable

DONE = "[DONE]"


@dataclass(slots=True)
class StreamedText:
    """What a stream said: its text so far and the token counts its last chunk gave."""

    pieces: list[str]
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def take(self, chunk: dict[str, Any]) -> str:
        """Count ``chunk`` in and return its text delta ('' when it has none)."""
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            self.completion_tokens = int(usage.get("completion_tokens") or 0)
        delta = "".join(_delta_texts(chunk.get("choices")))
        if delta:
            self.pieces.append(delta)
        return delta


async def chunks(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON chunks of a chat-completion event stream, up to ``data: [DONE]`` (the lines
    after it are read but not decoded).

    An ``error`` event, a chunk that carries an ``error`` or data that is not JSON raise
    :class:`LLMUnavailable`.
    """
    event = ""
    data: list[str] = []
    finished = False
    async for line in lines:
        if finished:
            continue  # read to the end, so that the connection can serve the next request
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif not line.strip() and data:
            payload = "\n".join(data)
            if payload.strip() == DONE:
                finished = True
                continue
            yield _decoded(payload, event)
            event, data = "", []
    if data and not finished and "\n".join(data).strip() != DONE:
        yield _decoded("\n".join(data), event)


def _decoded(payload: str, event: str) -> dict[str, Any]:
    try:
        chunk = json.loads(payload)
    except ValueError as exc:
        raise LLMUnavailable("The model server sent a stream that is not JSON.") from exc
    if not isinstance(chunk, dict):
        raise LLMUnavailable("The model server sent a stream chunk that is not an object.")
    if event == "error" or chunk.get("error"):
        raise LLMUnavailable(f"The model server failed while streaming: {_error_text(chunk)}")
    return chunk


def _delta_texts(choices: Any) -> list[str]:
    if not isinstance(choices, list):
        return []
    texts = []
    for choice in choices:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            texts.append(content)
    return texts


def _error_text(chunk: dict[str, Any]) -> str:
    error = chunk.get("error", chunk)
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:200] if message else "no reason given"
