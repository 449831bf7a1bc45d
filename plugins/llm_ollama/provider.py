"""The local provider: Ollama's OpenAI-compatible API at ``OLLAMA_BASE_URL``."""

from __future__ import annotations

from soul_framework.config import Settings
from soul_framework.domain.llm import ProviderInfo


class OllamaProvider:
    """Reads ``OLLAMA_BASE_URL``, ``OLLAMA_API_KEY``, ``OLLAMA_FAST_MODEL``,
    ``OLLAMA_QUALITY_MODEL``."""

    name = "ollama"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self) -> ProviderInfo:
        return ProviderInfo(
            mode="local",
            base_url=self.settings.ollama_base_url,
            models={
                "fast": self.settings.ollama_fast_model,
                "quality": self.settings.ollama_quality_model,
            },
            configured=bool(self.settings.ollama_base_url),
        )

    async def aclose(self) -> None:
        """Nothing is opened until the first completion."""
