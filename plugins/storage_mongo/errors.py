"""Driver errors turned into the framework's errors, in one place.

Connection-type failures become :class:`StorageUnavailable` (the API answers 503 and the store
works again once the server is back); a duplicate key on the accounts' unique indexes becomes
:class:`EmailInUse` or :class:`UsernameInUse`. Messages name the kind of failure only: never the
URI, its credentials or a stack trace.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    ProtocolError,
)

from soul_framework.errors import (
    ConfigError,
    Conflict,
    EmailInUse,
    StorageUnavailable,
    UsernameInUse,
)

P = ParamSpec("P")
R = TypeVar("R")

UNAVAILABLE_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        18,  # AuthenticationFailed: the server is there but will not serve us
        64,  # WriteConcernFailed
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        189,  # PrimarySteppedDown
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)
"""Server error codes that mean "cannot be served now" rather than "this request is wrong"."""

EMAIL_INDEX = "email_unique"
USERNAME_INDEX = "username_unique"


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the server cannot be reached or cannot serve right now."""
    if isinstance(exc, ConnectionFailure | ProtocolError):
        return True
    if isinstance(exc, OperationFailure) and not isinstance(exc, DuplicateKeyError):
        return exc.code in UNAVAILABLE_CODES or exc.has_error_label("RetryableWriteError")
    return False


def unavailable(exc: BaseException) -> StorageUnavailable:
    """The error a caller sees for a connection-type failure (names only the failure's kind)."""
    return StorageUnavailable(f"MongoDB is unreachable: {type(exc).__name__}")


def translate_errors(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Decorate a store coroutine so connection-type driver errors leave it as
    :class:`StorageUnavailable` and an unusable URI as :class:`ConfigError`."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ConfigurationError as exc:
            raise ConfigError(f"The MongoDB URI is not valid: {exc}") from exc
        except (ConnectionFailure, ProtocolError, OperationFailure) as exc:
            if is_unavailable(exc):
                raise unavailable(exc) from exc
            raise

    return wrapper


def duplicate_index(exc: DuplicateKeyError) -> str | None:
    """The name of the unique index a duplicate key hit, or None when it was ``_id``."""
    details = exc.details or {}
    pattern = details.get("keyPattern") or {}
    if "email" in pattern:
        return EMAIL_INDEX
    if "username_key" in pattern:
        return USERNAME_INDEX
    # Servers that omit keyPattern still name the index in the message.
    message = str(details.get("errmsg", exc))
    for name in (EMAIL_INDEX, USERNAME_INDEX):
        if f"index: {name}" in message:
            return name
    return None


def account_conflict(exc: DuplicateKeyError) -> Conflict:
    """The account error for a duplicate key on the users collection."""
    index = duplicate_index(exc)
    if index == EMAIL_INDEX:
        return EmailInUse()
    if index == USERNAME_INDEX:
        return UsernameInUse()
    return Conflict("An account with this id exists already.")
