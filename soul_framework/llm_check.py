"""``soul llm check``: one small structured call to the configured provider, with its figures."""

from __future__ import annotations

from pydantic import BaseModel, Field

from soul_framework.config import Settings
from soul_framework.domain.llm import ChatMessage, Completion, ProviderInfo, Tier
from soul_framework.runtime import Runtime


class Greeting(BaseModel):
    """What the check asks for: small, but structured like every real call."""

    greeting: str = Field(max_length=60)
    mood: str = Field(max_length=20)


CHECK_MESSAGES = [
    ChatMessage("system", "You are a friendly companion. Answer in JSON."),
    ChatMessage("user", "Greet me in a few words and name your mood in one word."),
]


async def check_llm(settings: Settings, tier: Tier) -> tuple[str, ProviderInfo, Completion]:
    """Make the call; returns the provider's name, its description and the completion."""
    runtime = Runtime.build(settings)
    provider = runtime.llm_provider
    try:
        completion = await provider.complete(
            CHECK_MESSAGES,
            tier=tier,
            output_model=Greeting,
            on_delta=None,
            timeout_seconds=settings.soul_llm_timeout_seconds,
        )
    finally:
        await provider.aclose()
    return runtime.selection.llm_provider, provider.describe(), completion
