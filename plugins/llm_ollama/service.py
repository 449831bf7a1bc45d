"""The local model as a service of ``soul up``: when no language model is configured, a fresh
machine still chats, with llama.cpp's server and SmolLM2-135M (see :mod:`.local_model`)."""

from __future__ import annotations

import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable

from soul_framework.config import Settings
from soul_framework.errors import ConfigError
from soul_plugins.llm_ollama.local_model import (
    MODEL_ALIAS,
    LocalModelServer,
    LocalModelUnavailable,
    ensure_local_model,
)

PROBE_TIMEOUT_SECONDS = 1.0
PROMPT_BUDGET_TOKENS = 1500
"""Prompt tokens per reply for the bundled model: its 4096-token context is shared by the
server's parallel slots and each answer needs room for up to SOUL_LLM_MAX_TOKENS more."""


def needs_local_model(settings: Settings) -> bool:
    """``SOUL_LOCAL_MODEL``: ``on``, ``off``, or ``auto`` (when the local provider is the one
    selected and nothing answers at ``OLLAMA_BASE_URL``)."""
    if settings.soul_local_model != "auto":
        return settings.soul_local_model == "on"
    if settings.llm_provider_name != "ollama":
        return False
    return not _answers(settings.ollama_base_url.rstrip("/") + "/models")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_SECONDS) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalModelService:
    """``llama-server`` with the bundled small model, on a free port of 127.0.0.1."""

    name = "local model (llama-server, SmolLM2-135M)"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = _free_port()
        # The server listens on 127.0.0.1 only, but any local web page could still call it:
        # a key of its own keeps it ours.
        self.api_key = secrets.token_urlsafe(24)
        self._server: LocalModelServer | None = None

    def prepare(self, say: Callable[[str], None]) -> None:
        say("no language model is configured: using a small local one (first use builds it)")
        try:
            binary, model = ensure_local_model(say)
        except LocalModelUnavailable as exc:
            raise ConfigError(str(exc)) from exc
        self._server = LocalModelServer(binary, model, self.port)

    def _prepared(self) -> LocalModelServer:
        if self._server is None:
            raise RuntimeError("prepare() first")
        return self._server

    def command(self) -> list[str]:
        return [*self._prepared().command(), "--api-key", self.api_key]

    def own_environment(self) -> dict[str, str]:
        # Passive OpenMP waiting: spinning threads slow generation 10-100x on a busy machine.
        return {"OMP_WAIT_POLICY": "PASSIVE"}

    def environment(self) -> dict[str, str]:
        return {
            "LLM_MODE": "local",
            "LLM_PROVIDER": "ollama",
            "OLLAMA_BASE_URL": self._prepared().url,
            "OLLAMA_API_KEY": self.api_key,
            "OLLAMA_FAST_MODEL": MODEL_ALIAS,
            "OLLAMA_QUALITY_MODEL": MODEL_ALIAS,
            # The small model's context is shared by its parallel slots: keep prompts short.
            "SOUL_PROMPT_BUDGET_TOKENS": str(PROMPT_BUDGET_TOKENS),
        }

    def ready_url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}/health"
