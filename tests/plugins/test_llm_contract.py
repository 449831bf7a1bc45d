"""The bundled LLM providers pass the contract every LLM provider must pass."""

from __future__ import annotations

import pytest

from soul_framework.testing.llm_provider_contract import LLMProviderContract
from soul_plugins.llm_ollama.provider import OllamaProvider
from soul_plugins.llm_openai.provider import OpenAIProvider

QUICK = {"soul_llm_max_retries": 2, "soul_llm_connect_timeout_seconds": 1}


class TestOpenAIProvider(LLMProviderContract):
    api_key = "sk-contract-key-never-shown"

    @pytest.fixture
    async def provider(self, llm_server, make_settings):
        provider = OpenAIProvider(
            make_settings(
                openai_api_key=self.api_key,
                openai_base_url=llm_server.url,
                gpt_fast_model="fake-fast",
                gpt_quality_model="fake-quality",
                openai_embedding_model="fake-embed",
                **QUICK,
            )
        )
        yield provider
        await provider.aclose()


class TestOllamaProvider(LLMProviderContract):
    @pytest.fixture
    async def provider(self, llm_server, make_settings):
        provider = OllamaProvider(
            make_settings(
                ollama_base_url=llm_server.url,
                ollama_fast_model="fake-fast",
                ollama_quality_model="fake-quality",
                ollama_embedding_model="fake-embed",
                **QUICK,
            )
        )
        yield provider
        await provider.aclose()
