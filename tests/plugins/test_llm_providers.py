"""Both LLM providers against a real HTTP server speaking the OpenAI API (the fake one)."""

from __future__ import annotations

import logging
import time
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from soul_framework.domain.llm import ChatMessage, Tier
from soul_framework.errors import (
    EmbeddingsUnsupported,
    LLMInvalidOutput,
    LLMTimeout,
    LLMUnavailable,
)
from soul_framework.testing.fake_llm import FakeLLMServer
from soul_plugins.llm_ollama.provider import OllamaProvider
from soul_plugins.llm_openai.provider import OpenAIProvider

HELLO = [ChatMessage("system", "You are terse."), ChatMessage("user", "Say hello.")]


class Mood(BaseModel):
    word: str = Field(max_length=20)
    intensity: int = Field(ge=0, le=10)
    kind: Literal["calm", "lively"]


@pytest.fixture
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(params=["openai", "ollama"])
def make_provider(request, server, make_settings):
    """A provider of each kind, pointed at the fake server, with quick retries."""

    def build(**values):
        common = {"soul_llm_max_retries": 2, "soul_llm_connect_timeout_seconds": 1}
        if request.param == "openai":
            settings = make_settings(
                openai_api_key="sk-test-key-never-logged",
                openai_base_url=server.url,
                gpt_fast_model="fake-fast",
                gpt_quality_model="fake-quality",
                openai_embedding_model="fake-embed",
                **common,
                **values,
            )
            provider = OpenAIProvider(settings)
        else:
            settings = make_settings(
                ollama_base_url=server.url,
                ollama_fast_model="fake-fast",
                ollama_quality_model="fake-quality",
                ollama_embedding_model="fake-embed",
                **common,
                **values,
            )
            provider = OllamaProvider(settings)
        return provider

    return build


@pytest.fixture
async def provider(make_provider):
    built = make_provider()
    yield built
    await built.aclose()


async def test_plain_completion_returns_text_and_usage(provider, server):
    server.script("Hello there, friend.")
    completion = await provider.complete(HELLO, tier=Tier.FAST)
    assert completion.output == "Hello there, friend."
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0
    assert completion.usage.latency_seconds > 0
    [request] = server.chat_requests()
    assert request.body["model"] == "fake-fast"
    assert "Say hello." in request.prompt


async def test_quality_tier_uses_the_quality_model(provider, server):
    await provider.complete(HELLO, tier=Tier.QUALITY)
    assert server.chat_requests()[0].body["model"] == "fake-quality"


async def test_structured_output_is_validated(provider, server):
    server.script({"word": "serene", "intensity": 3, "kind": "calm"})
    completion = await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert completion.output == Mood(word="serene", intensity=3, kind="calm")
    response_format = server.chat_requests()[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Mood"


async def test_openai_asks_for_strict_schemas(make_provider, server):
    provider = make_provider()
    await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    json_schema = server.chat_requests()[0].body["response_format"]["json_schema"]
    if provider.name == "openai":
        assert json_schema["strict"] is True
        assert json_schema["schema"]["additionalProperties"] is False
        assert set(json_schema["schema"]["required"]) == {"word", "intensity", "kind"}
    else:
        assert json_schema["strict"] is False
        # Small local models also get the schema in words.
        assert "JSON schema" in server.chat_requests()[0].prompt
    await provider.aclose()


async def test_streaming_delivers_deltas_and_usage(provider, server):
    server.script("One two three four five six seven.")
    deltas: list[str] = []

    async def on_delta(text: str) -> None:
        deltas.append(text)

    completion = await provider.complete(HELLO, tier=Tier.FAST, on_delta=on_delta)
    assert len(deltas) > 2
    assert "".join(deltas) == completion.output == "One two three four five six seven."
    assert completion.usage.completion_tokens > 0
    assert server.chat_requests()[0].body["stream"] is True


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_transient_failures_are_retried(provider, server, status):
    server.fail_next(2, status=status)
    server.script("finally")
    completion = await provider.complete(HELLO, tier=Tier.FAST)
    assert completion.output == "finally"
    assert len(server.chat_requests()) == 3


async def test_retry_after_is_honoured(provider, server):
    server.fail_next(1, status=429, retry_after=1)
    started = time.monotonic()
    await provider.complete(HELLO, tier=Tier.FAST)
    assert time.monotonic() - started >= 0.95


async def test_persistent_failure_is_llm_unavailable(provider, server):
    server.fail_next(10, status=500)
    with pytest.raises(LLMUnavailable) as caught:
        await provider.complete(HELLO, tier=Tier.FAST)
    assert caught.value.code == "llm_unavailable"
    assert len(server.chat_requests()) == 3  # the first try and two retries


async def test_unreachable_server_is_llm_unavailable(make_settings):
    provider = OllamaProvider(
        make_settings(
            ollama_base_url="http://127.0.0.1:1/v1",
            soul_llm_max_retries=1,
        )
    )
    with pytest.raises(LLMUnavailable):
        await provider.complete(HELLO, tier=Tier.FAST)
    await provider.aclose()


async def test_rejected_credentials_are_not_retried(provider, server):
    server.fail_next(5, status=401)
    with pytest.raises(LLMUnavailable, match="credentials"):
        await provider.complete(HELLO, tier=Tier.FAST)
    assert len(server.chat_requests()) == 1


async def test_a_hung_server_is_llm_timeout(provider, server):
    server.time_out_next(1)
    started = time.monotonic()
    with pytest.raises(LLMTimeout) as caught:
        await provider.complete(HELLO, tier=Tier.FAST, timeout_seconds=0.5)
    assert caught.value.code == "llm_timeout"
    assert time.monotonic() - started < 5


async def test_invalid_output_is_repaired(provider, server):
    server.invalid_json_next(1)
    completion = await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert isinstance(completion.output, Mood)
    requests = server.chat_requests()
    assert len(requests) == 2
    # The repair attempt shows the model what was wrong.
    assert "did not match the required JSON schema" in requests[1].prompt


async def test_schema_violations_are_repaired_with_the_errors_shown(provider, server):
    server.script({"word": "x" * 50, "intensity": 99, "kind": "calm"})
    completion = await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert isinstance(completion.output, Mood)
    repair = server.chat_requests()[1].prompt
    assert "word" in repair
    assert "intensity" in repair


async def test_output_still_invalid_after_two_repairs_is_llm_invalid_output(provider, server):
    server.invalid_json_next(3)
    with pytest.raises(LLMInvalidOutput) as caught:
        await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert caught.value.code == "llm_invalid_output"
    assert len(server.chat_requests()) == 3


@pytest.mark.parametrize("style", ["fence", "prose"])
async def test_json_wrapped_in_fences_or_prose_is_found(provider, server, style):
    server.wrap_json_next(1, style=style)
    completion = await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert isinstance(completion.output, Mood)
    assert len(server.chat_requests()) == 1


async def test_servers_without_json_schema_get_json_object(provider, server):
    server.json_schema_supported = False
    server.script({"word": "ok", "intensity": 1, "kind": "lively"})
    completion = await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert completion.output.kind == "lively"
    formats = [r.body["response_format"]["type"] for r in server.chat_requests()]
    assert formats[-1] == "json_object"
    assert "JSON schema" in server.chat_requests()[-1].prompt
    # Remembered: the next call goes straight to json_object.
    server.requests.clear()
    server.script({"word": "again", "intensity": 2, "kind": "calm"})
    await provider.complete(HELLO, tier=Tier.FAST, output_model=Mood)
    assert [r.body["response_format"]["type"] for r in server.chat_requests()] == ["json_object"]


async def test_embeddings(provider, server):
    vectors = await provider.embed(["red apples", "green apples", "tax law"])
    assert len(vectors) == 3
    assert len({len(v) for v in vectors}) == 1


async def test_embeddings_unsupported_is_clear(provider, server):
    server.embeddings_supported = False
    with pytest.raises(EmbeddingsUnsupported):
        await provider.embed(["anything"])
    # Remembered without asking again.
    count = len(server.requests)
    with pytest.raises(EmbeddingsUnsupported):
        await provider.embed(["anything"])
    assert len(server.requests) == count


async def test_no_embedding_model_means_unsupported(make_settings):
    provider = OllamaProvider(make_settings())
    with pytest.raises(EmbeddingsUnsupported):
        await provider.embed(["x"])


async def test_keys_and_prompts_stay_out_of_the_logs(make_provider, server, caplog):
    provider = make_provider()
    server.fail_next(1, status=500)
    with caplog.at_level(logging.DEBUG):
        await provider.complete([ChatMessage("user", "my secret diary entry")], tier=Tier.FAST)
    assert "sk-test-key-never-logged" not in caplog.text
    assert "my secret diary entry" not in caplog.text
    await provider.aclose()


async def test_debug_mode_logs_prompts(make_provider, server, caplog):
    provider = make_provider(debug_mode=True)
    with caplog.at_level(logging.INFO):
        await provider.complete([ChatMessage("user", "a prompt to show")], tier=Tier.FAST)
    assert "a prompt to show" in caplog.text
    assert "sk-test-key-never-logged" not in caplog.text
    await provider.aclose()


async def test_one_client_per_provider(provider, server):
    await provider.complete(HELLO, tier=Tier.FAST)
    client = provider.client
    await provider.complete(HELLO, tier=Tier.FAST)
    assert provider.client is client


async def test_streamed_answers_leave_the_connection_reusable(provider, server):
    async def on_delta(text: str) -> None:
        pass

    for _ in range(3):
        await provider.complete(HELLO, tier=Tier.FAST, on_delta=on_delta)
    await provider.complete(HELLO, tier=Tier.FAST)
    assert len(server.chat_requests()) == 4
    assert server.connections_made == 1
