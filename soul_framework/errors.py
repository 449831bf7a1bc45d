"""The errors a person reads: one hierarchy, mapped to the API's envelope in one place.

Every :class:`SoulError` carries the HTTP status and the machine ``code`` of the /v1 contract, so
``soul_framework.api.envelope`` turns any of them into the same JSON shape.
"""

from __future__ import annotations


class SoulError(Exception):
    """Base of every error the framework raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    message: str = "Request failed."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        super().__init__(self.message)


# --- start-up and configuration -------------------------------------------------------------


class ConfigError(SoulError):
    """A setting is missing or unsafe; the message names the variable and how to fix it."""

    code = "config_error"


class PluginError(SoulError):
    """A plugin could not be loaded, or plugins disagree (two register the same name)."""

    code = "plugin_error"


class PluginConflictError(PluginError):
    """Two plugins registered the same name in one family."""


class MissingCapabilityError(PluginError):
    """No registered plugin provides what the configuration asks for."""


# --- dependencies ---------------------------------------------------------------------------


class QueueUnavailable(SoulError):
    status = 503
    code = "queue_unavailable"
    message = "The job queue is unavailable; try again shortly."


class StorageUnavailable(SoulError):
    status = 503
    code = "storage_unavailable"
    message = "The store is unavailable; try again shortly."


class LLMError(SoulError):
    """A provider could not produce a usable answer."""

    status = 502
    code = "llm_unavailable"
    message = "The language model is unavailable."


class LLMUnavailable(LLMError):
    pass


class LLMTimeout(LLMError):
    status = 504
    code = "llm_timeout"
    message = "The language model did not answer in time."


class LLMInvalidOutput(LLMError):
    code = "llm_invalid_output"
    message = "The language model's answer did not match the expected shape."


class EmbeddingsUnsupported(LLMError):
    """The provider has no embeddings; callers fall back to lexical relevance."""

    status = 501
    code = "embeddings_unsupported"
    message = "This language model provider offers no embeddings."


# --- requests -------------------------------------------------------------------------------


class AuthFailed(SoulError):
    """401 with the contract's specific code (``invalid_token``, ``csrf_mismatch``, ...)."""

    status = 401
    code = "unauthorized"
    message = "Authentication failed."

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message, code=code)


class RateLimited(SoulError):
    status = 429
    code = "rate_limited"
    message = "Rate limit exceeded."

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__()
        self.retry_after_seconds = max(1, retry_after_seconds)


class NotFound(SoulError):
    status = 404
    code = "not_found"
    message = "Resource not found."


class Conflict(SoulError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class EmailInUse(Conflict):
    code = "email_in_use"
    message = "That email address is already in use."


class UsernameInUse(Conflict):
    code = "username_in_use"
    message = "That username is already in use."


class AlreadyClaimed(Conflict):
    code = "already_claimed"
    message = "This account is not a guest account."
