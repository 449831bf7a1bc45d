"""The hosted provider: OpenAI's API, or any endpoint that speaks it (``OPENAI_BASE_URL``)."""

from __future__ import annotations

from soul_framework.config import Settings
from soul_framework.domain.llm import ProviderInfo


class OpenAIProvider:
    """Reads ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``GPT_FAST_MODEL``, ``GPT_QUALITY_MODEL``."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self) -> ProviderInfo:
        return ProviderInfo(
            mode="hosted",
            base_url=self.settings.openai_base_url,
            models={
                "fast": self.settings.gpt_fast_model,
                "quality": self.settings.gpt_quality_model,
            },
            configured=self.settings.openai_api_key is not None,
        )

    async def aclose(self) -> None:
        """Nothing is opened until the first completion."""
