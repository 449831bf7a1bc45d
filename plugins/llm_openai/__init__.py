"""OpenAI (or any OpenAI-compatible endpoint) as the agent's language model."""

from soul_framework import hookimpl
from soul_plugins.llm_openai.provider import OpenAIProvider


@hookimpl
def register_llm_providers(register):
    register(OpenAIProvider)
