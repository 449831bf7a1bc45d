"""The contract every LLM provider must pass, as a pytest class to subclass.

The suite runs a real :class:`~soul_framework.testing.fake_llm.FakeLLMServer` (fixture
``llm_server``); a provider's tests provide one fixture, ``provider``, that builds the provider
pointed at it (``llm_server.url`` is an OpenAI-compatible base URL), with quick retries::

    from soul_framework.testing.llm_provider_contract import LLMProviderContract

    class TestMyProvider(LLMProviderContract):
        api_key = "sk-test-key"

        @pytest.fixture
        async def provider(self, llm_server):
            provider = MyProvider(Settings(_env_file=None, my_base_url=llm_server.url,
                                           my_api_key=self.api_key, soul_llm_max_retries=2))
            yield provider
            await provider.aclose()

A provider that speaks another protocol runs an adapter in front of the fake server, or tests
its own way and uses this suite as the list of what to check. ``api_key`` is the secret the
provider was built with (it must never show in ``describe()``); ``max_calls`` is the most
requests one completion may make, repairs and retries included. Needs pytest and pytest-asyncio
(``asyncio_mode=auto``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from soul_framework.domain.llm import ChatMessage, Completion, ProviderInfo, Tier
from soul_framework.errors import (
    EmbeddingsUnsupported,
    LLMError,
    LLMInvalidOutput,
    LLMTimeout,
    LLMUnavailable,
)
from soul_framework.protocols import LLMProvider
from soul_framework.testing.fake_llm import FakeLLMServer

HELLO = [ChatMessage("system", "You are terse."), ChatMessage("user", "Say hello.")]
TIMEOUT_SECONDS = 30.0
"""What calls that should answer get: long enough for a loaded machine."""
SHORT_TIMEOUT_SECONDS = 0.5
"""What calls the fake server never answers get."""


class Mood(BaseModel):
    """The structured answer the suite asks for: constraints a model can get wrong."""

    word: str = Field(max_length=20)
    intensity: int = Field(ge=0, le=10)
    kind: Literal["calm", "lively"]


async def complete(
    provider: LLMProvider,
    *,
    output_model: type[BaseModel] | None = None,
    deltas: list[str] | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Completion:
    """One call with every argument given, as the core makes it."""

    async def on_delta(text: str) -> None:
        assert deltas is not None
        deltas.append(text)

    return await provider.complete(
        HELLO,
        tier=Tier.FAST,
        output_model=output_model,
        on_delta=on_delta if deltas is not None else None,
        timeout_seconds=timeout_seconds,
    )


class LLMProviderContract:
    """Subclass and provide a ``provider`` fixture pointed at ``llm_server``."""

    api_key: str | None = None
    max_calls: int = 6

    @pytest.fixture
    def llm_server(self):
        with FakeLLMServer() as server:
            yield server

    @pytest.fixture
    async def provider(self, llm_server) -> LLMProvider:  # pragma: no cover - replaced
        raise NotImplementedError("an LLMProviderContract subclass must provide a 'provider'")

    # --- plain, structured and streamed completions ------------------------------------------

    async def test_it_implements_the_protocol(self, provider):
        assert isinstance(provider, LLMProvider)
        assert isinstance(provider.name, str)
        assert provider.name

    async def test_plain_completion_returns_the_text(self, provider, llm_server):
        llm_server.script("Hello there, friend.")
        completion = await complete(provider)
        assert completion.output == "Hello there, friend."
        assert completion.usage.prompt_tokens >= 0
        assert completion.usage.completion_tokens >= 0
        assert completion.usage.latency_seconds >= 0
        assert "Say hello." in llm_server.chat_requests()[-1].prompt

    async def test_structured_output_is_validated_into_the_model(self, provider, llm_server):
        llm_server.script({"word": "serene", "intensity": 3, "kind": "calm"})
        completion = await complete(provider, output_model=Mood)
        assert completion.output == Mood(word="serene", intensity=3, kind="calm")

    async def test_invalid_json_is_repaired(self, provider, llm_server):
        llm_server.invalid_json_next(1)
        completion = await complete(provider, output_model=Mood)
        assert isinstance(completion.output, Mood)
        assert 2 <= len(llm_server.chat_requests()) <= self.max_calls

    async def test_an_answer_breaking_the_schema_is_repaired(self, provider, llm_server):
        llm_server.script({"word": "x" * 50, "intensity": 99, "kind": "calm"})
        completion = await complete(provider, output_model=Mood)
        assert isinstance(completion.output, Mood)
        assert 2 <= len(llm_server.chat_requests()) <= self.max_calls

    async def test_repairs_are_bounded(self, provider, llm_server):
        llm_server.invalid_json_next(100)
        with pytest.raises(LLMInvalidOutput) as caught:
            await complete(provider, output_model=Mood)
        assert caught.value.code == "llm_invalid_output"
        assert len(llm_server.chat_requests()) <= self.max_calls

    async def test_streamed_deltas_join_to_the_output(self, provider, llm_server):
        llm_server.script("One two three four five six seven.")
        deltas: list[str] = []
        completion = await complete(provider, deltas=deltas)
        assert len(deltas) > 1  # the fake server sends it in pieces
        assert "".join(deltas) == completion.output == "One two three four five six seven."

    # --- failures -----------------------------------------------------------------------------

    async def test_a_hung_server_is_llm_timeout_and_the_next_call_works(self, provider, llm_server):
        llm_server.time_out_next(100)
        with pytest.raises(LLMTimeout) as caught:
            await complete(provider, timeout_seconds=SHORT_TIMEOUT_SECONDS)
        assert caught.value.code == "llm_timeout"
        llm_server.reset()
        llm_server.script("back again")
        assert (await complete(provider)).output == "back again"

    async def test_a_streamed_call_to_a_hung_server_is_llm_timeout(self, provider, llm_server):
        llm_server.time_out_next(100)
        with pytest.raises(LLMTimeout):
            await complete(provider, deltas=[], timeout_seconds=SHORT_TIMEOUT_SECONDS)

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
    async def test_server_errors_are_typed_and_the_next_call_works(
        self, provider, llm_server, status
    ):
        llm_server.fail_next(100, status=status)
        with pytest.raises(LLMError) as caught:
            await complete(provider)
        assert isinstance(caught.value, LLMUnavailable)
        assert caught.value.code == "llm_unavailable"
        assert len(llm_server.chat_requests()) <= self.max_calls
        llm_server.reset()
        llm_server.script("back again")
        assert (await complete(provider)).output == "back again"

    # --- description and embeddings ----------------------------------------------------------

    async def test_describe_does_no_io_and_shows_no_key(self, provider, llm_server):
        before = len(llm_server.requests)
        info = provider.describe()
        assert isinstance(info, ProviderInfo)
        assert info.mode in ("hosted", "local")
        assert set(info.models) <= {"fast", "quality"}
        assert len(llm_server.requests) == before
        if self.api_key:
            assert self.api_key not in repr(dataclasses.asdict(info))

    async def test_embeddings_are_one_vector_per_text_or_unsupported(self, provider):
        texts = ["red apples", "green apples", "tax law"]
        try:
            vectors = await asyncio.wait_for(provider.embed(texts), TIMEOUT_SECONDS)
        except EmbeddingsUnsupported:
            return  # allowed: callers fall back to lexical relevance
        assert len(vectors) == len(texts)
        assert len({len(vector) for vector in vectors}) == 1
        assert all(math.isfinite(x) for vector in vectors for x in vector)
        assert vectors[0]

    async def test_no_texts_are_no_vectors_and_embeddings_keep_working(self, provider):
        try:
            await asyncio.wait_for(provider.embed(["red apples"]), TIMEOUT_SECONDS)
        except EmbeddingsUnsupported:
            return  # nothing to keep working
        assert await asyncio.wait_for(provider.embed([]), TIMEOUT_SECONDS) == []
        [vector] = await asyncio.wait_for(provider.embed(["green apples"]), TIMEOUT_SECONDS)
        assert vector

    async def test_an_embeddings_server_error_is_typed(self, provider, llm_server):
        llm_server.fail_next(100, status=500)
        with pytest.raises(LLMError):
            await asyncio.wait_for(provider.embed(["anything"]), TIMEOUT_SECONDS)
