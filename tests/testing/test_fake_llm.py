"""The fake LLM server speaks the OpenAI HTTP API well enough for the official SDK."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

import httpx
import openai
import pytest
from pydantic import BaseModel, Field

from soul_framework.testing import fake_llm
from soul_framework.testing.fake_llm import (
    BROKEN_JSON,
    DEFAULT_TEXT,
    FakeLLMServer,
    fake_embedding,
)
from soul_framework.testing.schema_instances import schema_instance

USER = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


@pytest.fixture
async def client(server: FakeLLMServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
        yield sdk


async def _content(client: openai.AsyncOpenAI, **options: Any) -> str | None:
    options.setdefault("messages", USER)
    reply = await client.chat.completions.create(model="fake-fast", **options)
    return reply.choices[0].message.content


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.hypot(*a) / math.hypot(*b)


class Mood(StrEnum):
    CALM = "calm"
    EXCITED = "excited"


class Address(BaseModel):
    city: str = Field(min_length=5)
    zip_code: str = Field(max_length=1)


class Profile(BaseModel):
    name: str = Field(max_length=1)
    age: int = Field(ge=18, lt=20)
    score: float = Field(gt=0.5, le=0.75)
    kind: Literal["person", "robot"]
    mood: Mood
    tags: list[str] = Field(min_length=3, max_length=5)
    home: Address
    friends: list[Address] = Field(min_length=1)
    nickname: str | None = None
    motto: str | None
    born: datetime
    id: UUID


def _json_schema_format(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"name": model.__name__, "schema": model.model_json_schema()}
    return {"type": "json_schema", "json_schema": schema}


# Answers


async def test_plain_completion(client):
    reply = await client.chat.completions.create(model="fake-quality", messages=USER)
    assert reply.object == "chat.completion"
    assert reply.model == "fake-quality"
    assert reply.id
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content == DEFAULT_TEXT
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens == 2
    assert reply.usage.completion_tokens == len(DEFAULT_TEXT.split())
    assert reply.usage.total_tokens == 2 + len(DEFAULT_TEXT.split())


async def test_scripted_answers_come_in_order_then_the_default(server, client):
    server.script(
        "first",
        {"mood": "calm", "level": 2},
        lambda body: f"you said: {body['messages'][-1]['content']}",
        lambda body: {"model": body["model"]},
    )
    assert await _content(client) == "first"
    assert json.loads(await _content(client)) == {"mood": "calm", "level": 2}
    assert await _content(client) == "you said: hello there"
    assert json.loads(await _content(client)) == {"model": "fake-fast"}
    assert await _content(client) == DEFAULT_TEXT


async def test_a_failing_script_callable_answers_500_with_the_reason(server, client):
    def broken(body: dict[str, Any]) -> str:
        raise KeyError("no such field")

    server.script(broken)
    with pytest.raises(openai.InternalServerError, match="no such field"):
        await _content(client)


async def test_json_schema_answers_validate_against_the_pydantic_model(client):
    content = await _content(client, response_format=_json_schema_format(Profile))
    profile = Profile.model_validate_json(content)
    assert profile.motto is not None  # a nullable required field gets a real value
    assert len(profile.tags) == 3


async def test_the_sdk_parse_helper_accepts_the_generated_instance(client):
    reply = await client.chat.completions.parse(
        model="fake-fast", messages=USER, response_format=Profile
    )
    assert isinstance(reply.choices[0].message.parsed, Profile)


async def test_json_object_answers_an_object(client):
    content = await _content(client, response_format={"type": "json_object"})
    assert json.loads(content) == {"answer": "ok"}


async def test_scripted_answers_win_over_generated_ones(server, client):
    server.script({"anything": True})
    content = await _content(client, response_format=_json_schema_format(Profile))
    assert json.loads(content) == {"anything": True}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"$ref": "#/definitions/A", "definitions": {"A": {"type": "integer", "minimum": 3}}}, 3),
        ({"type": ["null", "string"], "minLength": 4}, "okkk"),
        ({"type": "string", "maxLength": 1}, "o"),
        ({"type": "string", "format": "date"}, "2024-01-01"),
        ({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1.5}, 1.25),
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 6),
        ({"type": "integer", "maximum": -3}, -3),
        ({"type": "integer", "minimum": 1, "multipleOf": 5}, 5),
        ({"oneOf": [{"type": "null"}, {"const": 7}]}, 7),
        ({"enum": [None, "x"]}, "x"),
        ({"type": "boolean"}, False),
        (
            {
                "allOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                    {"properties": {"b": {"type": "integer", "exclusiveMinimum": 0}}},
                    {"required": ["b"], "properties": {"b": {"maximum": 9}}},
                ]
            },
            {"a": "ok", "b": 1},
        ),
        (
            {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3},
            ["a", "b", "c"],
        ),
        (
            {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
            ["ok", "ok1"],
        ),
        (
            {"type": "object", "minProperties": 2, "additionalProperties": {"type": "null"}},
            {"key0": None, "key1": None},
        ),
        (
            {"prefixItems": [{"type": "string"}, {"type": "null"}], "minItems": 2},
            ["ok", None],
        ),
        (
            {
                "$defs": {
                    "Node": {
                        "type": "object",
                        "properties": {
                            "kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
                        },
                        "required": ["kids"],
                    }
                },
                "$ref": "#/$defs/Node",
            },
            {"kids": []},
        ),
    ],
)
def test_schema_instances(schema, expected):
    assert schema_instance(schema) == expected


@pytest.mark.parametrize(
    "schema",
    [False, {"$ref": "https://example.com/schema.json"}, {"$ref": "#/$defs/Missing"}],
)
def test_schema_instances_refuse_what_they_cannot_satisfy(schema):
    with pytest.raises(ValueError):  # noqa: PT011 - the messages vary by cause
        schema_instance(schema)


# Streaming


async def test_streaming_sends_small_pieces_and_a_final_usage(server, client):
    server.script("The quick brown fox jumps over the lazy dog.")
    stream = await client.chat.completions.create(
        model="fake-fast", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) > 5
    assert "".join(pieces) == "The quick brown fox jumps over the lazy dog."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 9
    assert chunks[-1].usage.total_tokens == 9 + 2


async def test_streamed_pieces_arrive_as_they_are_sent(server, client):
    server.token_delay_seconds = 0.1
    server.script("abcdefghijkl")  # role, three pieces, stop: four delays between events
    stream = await client.chat.completions.create(model="fake-fast", messages=USER, stream=True)
    arrivals = [time.monotonic() async for _ in stream]
    assert len(arrivals) == 5
    # Each event reaches the client on its own, none held back until the next is written.
    assert all(later - earlier > 0.05 for earlier, later in itertools.pairwise(arrivals))


async def test_streaming_without_usage_ends_with_the_stop_chunk(client):
    stream = await client.chat.completions.create(model="fake-fast", messages=USER, stream=True)
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(chunk.usage is None for chunk in chunks)


# Failures


async def test_fail_next_answers_500_then_recovers(server, client):
    server.fail_next()
    with pytest.raises(openai.InternalServerError) as caught:
        await _content(client)
    assert caught.value.status_code == 500
    assert caught.value.body["type"] == "server_error"
    assert await _content(client) == DEFAULT_TEXT


async def test_fail_next_with_429_sends_retry_after(server, client):
    server.fail_next(2, status=429, retry_after=2)
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as caught:
            await _content(client)
        assert caught.value.response.headers["retry-after"] == "2"
        assert caught.value.body["code"] == "rate_limit_exceeded"
    assert await _content(client) == DEFAULT_TEXT
    assert len(server.chat_requests()) == 3  # failed requests are recorded too


async def test_failures_do_not_use_up_scripted_answers(server, client):
    server.script("kept for the retry")
    server.fail_next(status=503)
    with pytest.raises(openai.InternalServerError):
        await _content(client)
    assert await _content(client) == "kept for the retry"


async def test_time_out_next_holds_the_request_until_the_client_gives_up(server, client):
    server.time_out_next()
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await _content(client, timeout=0.5)
    assert time.monotonic() - started < 3
    assert await _content(client) == DEFAULT_TEXT
    assert len(server.chat_requests()) == 2


async def test_stop_releases_a_held_request(server):
    server.time_out_next()
    async with httpx.AsyncClient(timeout=30) as http:
        held = asyncio.create_task(
            http.post(f"{server.url}/chat/completions", json={"model": "m", "messages": USER})
        )
        for _ in range(500):  # the request arrives on a server thread: poll, up to 5 s
            if server.requests:
                break
            await asyncio.sleep(0.01)
        started = time.monotonic()
        await asyncio.to_thread(server.stop)
        with pytest.raises(httpx.RemoteProtocolError):
            await held
    assert time.monotonic() - started < 2


async def test_a_held_request_is_given_up_after_the_hold_limit(server, monkeypatch):
    monkeypatch.setattr(fake_llm, "HOLD_LIMIT_SECONDS", 0.3)
    server.time_out_next()
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(f"{server.url}/embeddings", json={"model": "m", "input": "hi"})
    assert 0.3 <= time.monotonic() - started < 3


async def test_invalid_json_next_breaks_only_structured_answers(server, client):
    server.script("plain")
    server.invalid_json_next()
    assert await _content(client) == "plain"  # not structured: the switch waits
    server.script({"ok": 1})
    content = await _content(client, response_format={"type": "json_object"})
    assert content == BROKEN_JSON
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)
    # The scripted answer was kept for the retry.
    assert await _content(client, response_format={"type": "json_object"}) == '{"ok": 1}'


async def test_wrap_json_next_fences_or_chats_around_the_json(server, client):
    server.wrap_json_next()
    server.wrap_json_next(style="prose")
    fmt = _json_schema_format(Address)
    fenced = await _content(client, response_format=fmt)
    assert fenced.startswith("```json\n")
    assert fenced.endswith("\n```")
    Address.model_validate_json(fenced.removeprefix("```json\n").removesuffix("\n```"))
    chatty = await _content(client, response_format=fmt)
    assert chatty.startswith("Sure! Here is the answer: {")
    assert chatty.endswith("} Hope this helps.")
    Address.model_validate_json(chatty[chatty.index("{") : chatty.rindex("}") + 1])
    Address.model_validate_json(await _content(client, response_format=fmt))


async def test_json_schema_can_be_unsupported_while_json_object_works(server, client):
    server.json_schema_supported = False
    with pytest.raises(openai.BadRequestError, match="response_format"):
        await _content(client, response_format=_json_schema_format(Address))
    assert json.loads(await _content(client, response_format={"type": "json_object"}))


def answered(server: FakeLLMServer, timeout: float = 5.0) -> list[fake_llm.RecordedRequest]:
    """The recorded requests, once the server's threads have noted the end of each answer."""
    deadline = time.monotonic() + timeout
    while any(r.answered_at is None for r in server.requests) and time.monotonic() < deadline:
        time.sleep(0.01)
    return list(server.requests)


async def test_latency_delays_each_answer(server, client):
    server.latency_seconds = 0.3
    started = time.monotonic()
    await _content(client)
    await client.embeddings.create(model="fake-fast", input="hi")
    assert time.monotonic() - started >= 0.6
    # Each request knows how long the fake took over it: the latency, and a little more. (The
    # server's thread notes the end just after its last write, which the client may beat.)
    served = [r.served_seconds for r in answered(server)]
    assert len(served) == 2
    assert all(s is not None and 0.3 <= s < 5 for s in served)


# Embeddings


async def test_embeddings_are_deterministic_unit_vectors(server, client):
    texts = ["the cat sat on the mat", "a cat on a mat", "quantum field theory lecture"]
    reply = await client.embeddings.create(model="fake-fast", input=texts)
    vectors = [item.embedding for item in reply.data]
    assert [item.index for item in reply.data] == [0, 1, 2]
    assert all(len(v) == 64 for v in vectors)
    assert all(math.isclose(math.hypot(*v), 1, rel_tol=1e-5) for v in vectors)
    assert reply.usage.prompt_tokens == 6 + 5 + 4
    with FakeLLMServer() as other:
        async with openai.AsyncOpenAI(base_url=other.url, api_key="x") as other_client:
            again = await other_client.embeddings.create(model="fake-fast", input=texts[0])
    assert again.data[0].embedding == vectors[0]
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2]) + 0.3


async def test_embeddings_as_plain_floats(server):
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{server.url}/embeddings",
            json={"model": "m", "input": "hello world", "encoding_format": "float"},
        )
    assert answer.status_code == 200
    assert answer.json()["data"][0]["embedding"] == fake_embedding("hello world")


async def test_embeddings_can_be_unsupported(server, client):
    server.embeddings_supported = False
    with pytest.raises(openai.NotFoundError):
        await client.embeddings.create(model="fake-fast", input="hi")


# Models, recording, HTTP details


async def test_models_are_listed(client):
    assert [model.id async for model in client.models.list()] == ["fake-fast", "fake-quality"]


async def test_requests_are_recorded_with_prompts(server, client):
    messages = [
        {"role": "system", "content": "You are kind."},
        {"role": "user", "content": [{"type": "text", "text": "hello"}]},
    ]
    await _content(client, messages=messages, temperature=0.2)
    await client.embeddings.create(model="fake-fast", input="hi")
    first, second = server.requests
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.headers["authorization"] == "Bearer x"
    assert first.body["temperature"] == 0.2
    assert first.prompt == "You are kind.\nhello"
    assert server.chat_requests() == [first]
    assert (second.path, second.prompt) == ("/v1/embeddings", "")


async def test_unknown_paths_and_malformed_bodies_get_openai_errors(server):
    async with httpx.AsyncClient() as http:
        missing = await http.get(f"{server.url}/nothing")
        broken = await http.post(f"{server.url}/chat/completions", content=b"{not json")
        no_messages = await http.post(f"{server.url}/chat/completions", json={"model": "m"})
    assert missing.status_code == 404
    assert set(missing.json()["error"]) >= {"message", "type", "code"}
    assert broken.status_code == 400
    assert no_messages.status_code == 400
    assert [r.body for r in server.requests] == [None, None, {"model": "m"}]


async def test_concurrent_requests_each_get_one_scripted_answer(server, client):
    server.script(*(f"answer {i}" for i in range(20)))
    answers = await asyncio.gather(*(_content(client) for _ in range(20)))
    assert sorted(answers) == sorted(f"answer {i}" for i in range(20))
    assert len(server.requests) == 20


async def test_reset_forgets_requests_scripts_and_switches(server, client):
    server.script("old")
    server.fail_next(3)
    server.latency_seconds = 5
    await client.models.list()
    server.reset()
    assert server.requests == []
    assert server.latency_seconds == 0
    assert await _content(client) == DEFAULT_TEXT


# Lifecycle


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fake-llm-")]


async def test_stop_is_clean_and_start_is_idempotent():
    server = FakeLLMServer()
    assert server.start() is server
    url = server.start().url
    assert url == server.url
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{url}/models")).status_code == 200  # leaves a kept-alive link
        server.stop()
        server.stop()
        assert _server_threads() == []
        with pytest.raises(httpx.TransportError):
            await http.get(f"{url}/models")
    with pytest.raises(RuntimeError):
        _ = server.url


async def test_context_manager_and_two_servers_at_once():
    with FakeLLMServer(models=("a",)) as one, FakeLLMServer(models=("b",)) as two:
        assert one.url != two.url
        one.script("from one")
        two.script("from two")
        async with (
            openai.AsyncOpenAI(base_url=one.url, api_key="x", max_retries=0) as first,
            openai.AsyncOpenAI(base_url=two.url, api_key="x", max_retries=0) as second,
        ):
            assert await _content(second) == "from two"
            assert await _content(first) == "from one"
            assert [m.id async for m in second.models.list()] == ["b"]
    assert _server_threads() == []
