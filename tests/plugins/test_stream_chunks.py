"""The OpenAI-compatible wire: a streamed answer's chunks, a stream that breaks, timeouts."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from soul_framework.domain.llm import ChatMessage, Tier
from soul_framework.errors import LLMUnavailable
from soul_plugins.llm_openai.provider import OpenAIProvider
from soul_plugins.openai_api.stream_chunks import StreamedText, chunks


async def lines_of(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


def data(chunk: dict) -> str:
    return "data: " + json.dumps(chunk)


def delta(text: str) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": text}}]}


async def read(*lines: str) -> tuple[StreamedText, list[str]]:
    streamed = StreamedText([])
    deltas = [d async for chunk in chunks(lines_of(*lines)) if (d := streamed.take(chunk))]
    return streamed, deltas


async def test_deltas_and_usage_are_read_up_to_done():
    streamed, deltas = await read(
        data({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
        "",
        data(delta("Hel")),
        "",
        ": a comment line, ignored",
        data(delta("lo")),
        "",
        data({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 2}}),
        "",
        "data: [DONE]",
        "",
        data(delta("after the end")),
        "",
    )
    assert deltas == ["Hel", "lo"]
    assert streamed.text == "Hello"
    assert (streamed.prompt_tokens, streamed.completion_tokens) == (12, 2)


async def test_an_event_may_span_several_data_lines_and_the_last_needs_no_blank_line():
    chunk = json.dumps(delta("split"), indent=1).splitlines()
    streamed, _ = await read(*(f"data: {part}" for part in chunk), "", data(delta("!")))
    assert streamed.text == "split!"


@pytest.mark.parametrize(
    "lines",
    [
        [data({"error": {"message": "overloaded"}}), ""],
        ["event: error", data({"message": "overloaded"}), ""],
        ["data: {not json", ""],
        ["data: [1, 2]", ""],
    ],
)
async def test_errors_and_garbage_in_the_stream_are_llm_unavailable(lines):
    with pytest.raises(LLMUnavailable):
        await read(data(delta("partial")), "", *lines)


@pytest.fixture
def breaking_server() -> Iterator[str]:
    """A server that starts a streamed answer, then closes the connection mid-body."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        with listener:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                event = (data(delta("half an ans")) + "\n\n").encode()
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                    + f"{len(event):x}\r\n".encode()
                    + event
                    + b"\r\n"
                )  # no closing chunk: the body is cut off

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/v1"
    thread.join(5)


async def test_a_stream_cut_off_mid_answer_is_llm_unavailable(breaking_server, make_settings):
    provider = OpenAIProvider(
        make_settings(
            openai_api_key="sk-test",
            openai_base_url=breaking_server,
            gpt_fast_model="fake-fast",
            soul_llm_max_retries=0,
        )
    )
    deltas: list[str] = []

    async def on_delta(text: str) -> None:
        deltas.append(text)

    with pytest.raises(LLMUnavailable, match="broke off"):
        await provider.complete([ChatMessage("user", "hi")], tier=Tier.FAST, on_delta=on_delta)
    assert deltas == ["half an ans"]
    await provider.aclose()


async def test_the_configured_timeouts_reach_the_http_client(make_settings):
    provider = OpenAIProvider(
        make_settings(openai_api_key="sk-test", soul_llm_connect_timeout_seconds=2.5)
    )
    limits = provider.client.timeout
    # The SDK's own type: another HTTP library's Timeout would be nested inside it unread.
    assert isinstance(limits, openai.Timeout)
    assert (limits.connect, limits.read, limits.write) == (2.5, 60.0, 60.0)
    await provider.aclose()
