"""A provider for any server that speaks OpenAI's chat-completions API.

One ``AsyncOpenAI`` client per provider (one provider per process), explicit connect and read
timeouts, retries with backoff on 429, 5xx and connection errors (honouring ``Retry-After``),
structured output validated against a pydantic model with at most ``MAX_REPAIRS`` repair
attempts that show the model its errors, streaming of text deltas, embeddings where offered.
Failures end as the typed errors of :mod:`soul_framework.errors`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import certifi
import httpx2
import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from soul_framework.domain.llm import ChatMessage, Completion, ProviderInfo, Tier, Usage
from soul_framework.errors import (
    EmbeddingsUnsupported,
    LLMInvalidOutput,
    LLMTimeout,
    LLMUnavailable,
)
from soul_plugins.openai_api.json_text import extract_json
from soul_plugins.openai_api.schema import (
    repair_instruction,
    schema_instruction,
    schema_of,
    strict_schema,
)
from soul_plugins.openai_api.stream_chunks import StreamedText, chunks

log = logging.getLogger(__name__)

MAX_REPAIRS = 2
MAX_RETRY_DELAY_SECONDS = 20.0
BASE_RETRY_DELAY_SECONDS = 0.5

OnDelta = Callable[[str], Awaitable[None]]


@dataclass
class Options:
    """How a provider talks to its server; each plugin fills these from its settings."""

    mode: str
    base_url: str | None
    api_key: str
    models: dict[Tier, str]
    embedding_model: str | None
    connect_timeout_seconds: float
    max_retries: int
    max_tokens: int
    strict: bool
    """Ask for OpenAI's strict schema adherence (falls back to non-strict if refused)."""
    schema_in_prompt: bool
    """Also state the schema in the prompt (servers that may ignore response formats)."""
    log_prompts: bool
    extra: dict[str, Any] = field(default_factory=dict)
    """Extra request parameters (e.g. ``frequency_penalty`` for a small local model)."""


class OpenAICompatibleProvider:
    """Subclasses set ``name`` and build :class:`Options` from the settings."""

    name = "openai-compatible"

    def __init__(self, options: Options) -> None:
        self.options = options
        self._client: AsyncOpenAI | None = None
        self._json_schema_refused = False
        self._strict_refused: set[str] = set()
        self._embeddings_refused = False

    def warm_up(self) -> None:
        """Do the first-use work of the SDK now (lazy imports, response models, the TLS
        context), so that a worker does it once before forking instead of in every job: the
        first call of a fresh process otherwise costs about 150 ms more than the next ones."""
        tls_context()
        client = self.client
        _ = client.chat.completions, client.embeddings
        ChatCompletion.model_validate(_WARM_COMPLETION)
        self._client = None  # never used: nothing to close, no connection was opened

    # --- protocol ---------------------------------------------------------------------------

    def describe(self) -> ProviderInfo:
        return ProviderInfo(
            mode=self.options.mode,  # type: ignore[arg-type]
            base_url=self.options.base_url,
            models={tier.value: model for tier, model in self.options.models.items()},
            configured=bool(self.options.api_key),
        )

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tier: Tier,
        output_model: type[BaseModel] | None = None,
        on_delta: OnDelta | None = None,
        timeout_seconds: float = 60.0,
    ) -> Completion:
        """One completion; see :class:`soul_framework.protocols.LLMProvider`.

        Only the first attempt streams to ``on_delta``; repair attempts (after invalid
        structured output) run without streaming.
        """
        started = time.perf_counter()
        conversation = [{"role": m.role, "content": m.content} for m in messages]
        if output_model is not None and self.options.schema_in_prompt:
            conversation.insert(0, {"role": "system", "content": schema_instruction(output_model)})
        prompt_tokens = completion_tokens = 0
        for attempt in range(MAX_REPAIRS + 1):
            text, used = await self._chat(
                conversation,
                tier,
                output_model,
                on_delta if attempt == 0 else None,
                timeout_seconds,
            )
            prompt_tokens += used[0]
            completion_tokens += used[1]
            usage = Usage(prompt_tokens, completion_tokens, time.perf_counter() - started)
            if output_model is None:
                return Completion(text, usage)
            try:
                return Completion(output_model.model_validate_json(extract_json(text)), usage)
            except ValidationError as exc:
                problems = _describe_errors(exc)
                log.info(
                    "%s: invalid structured output (attempt %d): %s",
                    self.name,
                    attempt + 1,
                    problems,
                )
                conversation += [
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": repair_instruction(problems)},
                ]
        raise LLMInvalidOutput(
            f"The model's answer did not match {output_model.__name__} after "
            f"{MAX_REPAIRS} repair attempts."
        )

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not self.options.embedding_model or self._embeddings_refused:
            raise EmbeddingsUnsupported()
        if not texts:
            # The API refuses an empty input with 400, which would read as "no embeddings here"
            # and turn them off for good.
            return []
        try:
            response = await self._with_retries(
                lambda: self.client.embeddings.create(
                    model=self.options.embedding_model,  # type: ignore[arg-type]
                    input=list(texts),
                    timeout=self._timeout(60.0),
                ),
                passthrough=(openai.NotFoundError, openai.BadRequestError),
            )
        except (openai.NotFoundError, openai.BadRequestError) as exc:
            self._embeddings_refused = True
            raise EmbeddingsUnsupported() from exc
        return [item.embedding for item in sorted(response.data, key=lambda d: d.index)]

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    # --- the wire -----------------------------------------------------------------------------

    @property
    def client(self) -> AsyncOpenAI:
        """One client for the provider's life: its connection pool is reused by every call."""
        if self._client is None:
            self._client = AsyncOpenAI(
                api_key=self.options.api_key or "unused",
                base_url=self.options.base_url,
                max_retries=0,  # retries are ours: typed errors, Retry-After, logging
                timeout=self._timeout(60.0),
                http_client=openai.DefaultAsyncHttpxClient(
                    verify=tls_context(), timeout=self._timeout(60.0)
                ),
            )
        return self._client

    def _timeout(self, read_seconds: float) -> httpx2.Timeout:
        return httpx2.Timeout(read_seconds, connect=self.options.connect_timeout_seconds)

    async def _chat(
        self,
        conversation: list[dict[str, str]],
        tier: Tier,
        output_model: type[BaseModel] | None,
        on_delta: OnDelta | None,
        timeout_seconds: float,
    ) -> tuple[str, tuple[int, int]]:
        if self.options.log_prompts:
            log.info("%s prompt: %s", self.name, conversation)
        request: dict[str, Any] = {
            "model": self.options.models[tier],
            "messages": conversation,
            "max_tokens": self.options.max_tokens,
            **self.options.extra,
        }
        if output_model is not None:
            request["response_format"] = self._response_format(output_model)
        limits = self._timeout(timeout_seconds)
        try:
            async with asyncio.timeout(timeout_seconds):
                return await self._with_retries(lambda: self._send(request, on_delta, limits))
        except TimeoutError as exc:
            raise LLMTimeout() from exc
        except openai.BadRequestError as exc:
            if self._refused_response_format(request, output_model):
                assert output_model is not None
                if self._json_schema_refused and not _states_schema(conversation):
                    conversation = [
                        {"role": "system", "content": schema_instruction(output_model)},
                        *conversation,
                    ]
                return await self._chat(conversation, tier, output_model, on_delta, timeout_seconds)
            raise LLMUnavailable(f"The model server refused the request: {_status(exc)}") from exc

    def _response_format(self, output_model: type[BaseModel]) -> dict[str, Any]:
        if self._json_schema_refused:
            return {"type": "json_object"}
        strict = self.options.strict and output_model.__name__ not in self._strict_refused
        return {
            "type": "json_schema",
            "json_schema": {
                "name": output_model.__name__,
                "schema": strict_schema(output_model) if strict else schema_of(output_model),
                "strict": strict,
            },
        }

    def _refused_response_format(
        self, request: dict[str, Any], output_model: type[BaseModel] | None
    ) -> bool:
        """After a 400 for a structured request, step down once: strict, then json_schema."""
        response_format = request.get("response_format") or {}
        if output_model is None or response_format.get("type") != "json_schema":
            return False
        if response_format["json_schema"].get("strict"):
            log.warning(
                "%s refused a strict schema for %s; asking without strict",
                self.name,
                output_model.__name__,
            )
            self._strict_refused.add(output_model.__name__)
            return True
        log.warning(
            "%s refused json_schema output; using json_object with the schema in the prompt",
            self.name,
        )
        self._json_schema_refused = True
        self.options.schema_in_prompt = True
        return True

    async def _send(
        self, request: dict[str, Any], on_delta: OnDelta | None, limits: httpx2.Timeout
    ) -> tuple[str, tuple[int, int]]:
        # The body goes out as ``extra_body``, which the SDK sends as it is. Given as keyword
        # arguments, it would first be walked field by field against the SDK's parameter types:
        # for a prompt and a reply schema that walk took more CPU time (about 5 ms) than all
        # the rest of a message's own path. Our body is plain JSON already; nothing is lost.
        arguments = {
            "model": request["model"],
            "messages": [],  # replaced by the body's own
            "extra_body": request,
            "timeout": limits,
        }
        completions = self.client.chat.completions
        if on_delta is None:
            response = await completions.create(**arguments)
            text = response.choices[0].message.content or "" if response.choices else ""
            usage = response.usage
            return text, (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        streamed = StreamedText([])
        async with completions.with_streaming_response.create(
            **arguments, stream=True, stream_options={"include_usage": True}
        ) as response:
            try:
                async for chunk in chunks(response.iter_lines()):
                    delta = streamed.take(chunk)
                    if delta:
                        await on_delta(delta)
            except httpx2.TimeoutException as exc:
                raise LLMTimeout() from exc
            except httpx2.TransportError as exc:
                # Not retried: part of the answer may already have reached the user.
                raise LLMUnavailable(
                    f"The model server broke off its answer: {type(exc).__name__}"
                ) from exc
        return streamed.text, (streamed.prompt_tokens, streamed.completion_tokens)

    async def _with_retries(
        self,
        call: Callable[[], Awaitable[Any]],
        passthrough: tuple[type[Exception], ...] = (openai.BadRequestError,),
    ) -> Any:
        """Run ``call`` with retries; errors in ``passthrough`` reach the caller unchanged."""
        attempts = self.options.max_retries + 1
        for attempt in range(attempts):
            try:
                return await call()
            except passthrough:
                raise
            except openai.APITimeoutError as exc:
                raise LLMTimeout() from exc
            except (
                openai.RateLimitError,
                openai.InternalServerError,
                openai.APIConnectionError,
            ) as exc:
                if attempt == attempts - 1:
                    raise LLMUnavailable(
                        f"The model server failed {attempts} times: {_status(exc)}"
                    ) from exc
                delay = _retry_after(exc) or _backoff(attempt)
                log.info("%s: %s; retrying in %.2fs", self.name, _status(exc), delay)
                await asyncio.sleep(delay)
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise LLMUnavailable("The model server rejected the credentials.") from exc
            except openai.NotFoundError as exc:
                raise LLMUnavailable(f"The model server does not know: {_status(exc)}") from exc
            except openai.APIStatusError as exc:
                raise LLMUnavailable(f"The model server answered {_status(exc)}") from exc
        raise AssertionError("unreachable")


_WARM_COMPLETION = {
    "id": "warm",
    "object": "chat.completion",
    "created": 0,
    "model": "warm",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verified TLS context per process, shared by every client.

    Loading the CA bundle costs 10-50 ms; a job that builds its own client (each job runs on a
    loop of its own) would pay that every time. Made before a worker forks, it is inherited.
    """
    return ssl.create_default_context(cafile=certifi.where())


def _states_schema(conversation: list[dict[str, str]]) -> bool:
    return any("JSON schema" in message["content"] for message in conversation)


def _status(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if status else type(exc).__name__


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_DELAY_SECONDS) if value else None
    except ValueError:
        return None  # an HTTP date; the backoff is good enough


def _backoff(attempt: int) -> float:
    """Exponential with full jitter: 0.5 s, 1 s, 2 s ... times a random factor."""
    ceiling = min(BASE_RETRY_DELAY_SECONDS * 2**attempt, MAX_RETRY_DELAY_SECONDS)
    return ceiling * (0.5 + random.random() / 2)


def _describe_errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False)[:10]:
        where = ".".join(str(part) for part in error["loc"]) or "(the whole answer)"
        lines.append(f"- {where}: {error['msg']}")
    return "\n".join(lines)
