"""The local provider: Ollama, llama.cpp's server, or any local OpenAI-compatible server."""

from __future__ import annotations

from soul_framework.config import Settings
from soul_framework.domain.llm import ProviderInfo, Tier
from soul_plugins.llm_ollama.local_model import LOCAL_FREQUENCY_PENALTY, LOCAL_MIN_MAX_TOKENS
from soul_plugins.openai_api.provider import OpenAICompatibleProvider, Options


class OllamaProvider(OpenAICompatibleProvider):
    """Reads ``OLLAMA_BASE_URL``, ``OLLAMA_API_KEY``, ``OLLAMA_FAST_MODEL``,
    ``OLLAMA_QUALITY_MODEL``, ``OLLAMA_EMBEDDING_MODEL``.

    Asks for json_schema output and also states the schema in the prompt; a server that
    refuses json_schema gets json_object, and JSON wrapped in prose or fences is found anyway.
    """

    name = "ollama"

    def __init__(self, settings: Settings) -> None:
        key = settings.ollama_api_key.get_secret_value() if settings.ollama_api_key else ""
        super().__init__(
            Options(
                mode="local",
                base_url=settings.ollama_base_url,
                api_key=key or "ollama",  # servers that check none still need the header
                models={
                    Tier.FAST: settings.ollama_fast_model,
                    Tier.QUALITY: settings.ollama_quality_model,
                },
                embedding_model=settings.ollama_embedding_model,
                connect_timeout_seconds=settings.soul_llm_connect_timeout_seconds,
                max_retries=settings.soul_llm_max_retries,
                max_tokens=max(settings.soul_llm_max_tokens, LOCAL_MIN_MAX_TOKENS),
                strict=False,
                schema_in_prompt=True,
                log_prompts=settings.debug_mode,
                extra={"frequency_penalty": LOCAL_FREQUENCY_PENALTY},
            )
        )

    def describe(self) -> ProviderInfo:
        info = super().describe()
        # A local server needs no key: it is configured when it has an address.
        return ProviderInfo(info.mode, info.base_url, info.models, bool(self.options.base_url))
