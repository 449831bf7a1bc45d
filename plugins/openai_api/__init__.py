"""The OpenAI chat-completions wire API, shared by the ``llm_openai`` and ``llm_ollama`` plugins.

Not a plugin itself (it registers nothing): a library both providers build on.
"""
