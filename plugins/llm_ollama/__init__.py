"""Ollama, llama.cpp's server, or any local OpenAI-compatible server as the language model."""

from soul_framework import hookimpl
from soul_plugins.llm_ollama.provider import OllamaProvider


@hookimpl
def register_llm_providers(register):
    register(OllamaProvider)
