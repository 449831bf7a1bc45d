"""An in-process mind for pipeline tests: the real runtime, SQLite store and OpenAI provider,
the provider talking to the fake LLM server over HTTP (which records every prompt)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace

import pytest

from soul_framework.mind.reply import Mind, ReplyRequest
from soul_framework.runtime import Runtime
from soul_framework.testing.fake_llm import FakeLLMServer
from tests.test_hooks_coverage import said


@pytest.fixture
def llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@dataclass
class World:
    runtime: Runtime
    llm: FakeLLMServer

    @property
    def store(self):
        return self.runtime.store

    @property
    def provider(self):
        return self.runtime.llm_provider

    @property
    def mind(self) -> Mind:
        return Mind.of(self.runtime)

    async def said(self, user_id: str, text: str, *, kind: str = "dm") -> ReplyRequest:
        """Store ``text`` from ``user_id`` as submit does, and the request to answer it."""
        return replace(await said(self.runtime, user_id, text), kind=kind)


@pytest.fixture
async def world(make_settings, llm) -> AsyncIterator[World]:
    settings = make_settings(
        openai_api_key="sk-fake",
        openai_base_url=llm.url,
        gpt_fast_model="fake-fast",
        gpt_quality_model="fake-quality",
        soul_llm_max_retries=0,
    )
    runtime = Runtime.build(settings)
    await runtime.store.open()
    yield World(runtime, llm)
    await runtime.aclose()
