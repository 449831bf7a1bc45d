"""Ollama, llama.cpp's server, or any local OpenAI-compatible server as the language model.

Also offers ``soul up`` a small local model when no language model is configured.
"""

from soul_framework import hookimpl
from soul_plugins.llm_ollama.provider import OllamaProvider


@hookimpl
def register_llm_providers(register):
    register(OllamaProvider)


@hookimpl
def register_local_services(register, settings):
    from soul_plugins.llm_ollama.service import LocalModelService, needs_local_model

    if needs_local_model(settings):
        register(LocalModelService(settings))
