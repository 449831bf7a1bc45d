"""Values exchanged with LLM providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


class Tier(StrEnum):
    """Which model of a provider to use: the fast one for the critical path, or the better one."""

    FAST = "fast"
    QUALITY = "quality"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    latency_seconds: float


@dataclass(frozen=True, slots=True)
class Completion:
    """A provider's answer: a validated pydantic object for structured calls, else text."""

    output: Any
    usage: Usage


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """What ``/v1/meta/llm`` shows about the selected provider (never a key)."""

    mode: Literal["hosted", "local"]
    base_url: str | None
    models: dict[str, str] = field(default_factory=dict)
    """Model name per tier, keys ``fast`` and ``quality``."""
    configured: bool = False
    """True when the provider has what it needs to make a call (a key, a reachable server)."""
