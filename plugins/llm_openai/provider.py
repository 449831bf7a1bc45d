"""The hosted provider: OpenAI's API, or any endpoint that speaks it (``OPENAI_BASE_URL``)."""

from __future__ import annotations

from soul_framework.config import Settings
from soul_framework.domain.llm import Tier
from soul_plugins.openai_api.provider import OpenAICompatibleProvider, Options


class OpenAIProvider(OpenAICompatibleProvider):
    """Reads ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``GPT_FAST_MODEL``, ``GPT_QUALITY_MODEL``,
    ``OPENAI_EMBEDDING_MODEL``. Structured output uses strict json_schema."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        super().__init__(
            Options(
                mode="hosted",
                base_url=settings.openai_base_url,
                api_key=key,
                models={
                    Tier.FAST: settings.gpt_fast_model,
                    Tier.QUALITY: settings.gpt_quality_model,
                },
                embedding_model=settings.openai_embedding_model,
                connect_timeout_seconds=settings.soul_llm_connect_timeout_seconds,
                max_retries=settings.soul_llm_max_retries,
                max_tokens=settings.soul_llm_max_tokens,
                strict=True,
                schema_in_prompt=False,
                log_prompts=settings.debug_mode,
            )
        )
