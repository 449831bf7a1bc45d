"""The one place where errors become the contract's envelope.

``{"error": {"code", "message", "request_id"}}`` for every non-2xx response, plus a top-level
``"details"`` list for validation failures.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from quart import Quart, Response, jsonify
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from soul_framework.api.request_id import current_request_id
from soul_framework.errors import RateLimited, SoulError
from soul_framework.masking import mask_credentials

log = logging.getLogger("soul_framework.api")

DEFAULT_MESSAGES = {
    401: "Authentication failed.",
    403: "Not authorized.",
    404: "Resource not found.",
    422: "Request validation failed.",
    429: "Rate limit exceeded.",
}

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an error response in the envelope (headers are added by ``after_request``)."""
    body: dict[str, Any] = {
        "error": {
            "code": code or CODES_BY_STATUS.get(status, "error"),
            # A message may quote a URL (a plugin's error); its credentials are not for clients.
            "message": mask_credentials(message or DEFAULT_MESSAGES.get(status, "Request failed.")),
            "request_id": current_request_id(),
        }
    }
    if details is not None:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class InvalidBody(Exception):
    """The body could not be decoded as JSON (bad syntax or not UTF-8)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validation_details(error: BaseException) -> list[dict[str, Any]]:
    """Which field, what was wrong: one entry per problem, JSON-safe."""
    if isinstance(error, ValidationError):
        return [
            {"loc": [str(part) for part in item["loc"]], "msg": item["msg"], "type": item["type"]}
            for item in error.errors(include_url=False, include_context=False, include_input=False)
        ]
    return [{"loc": ["body"], "msg": str(error), "type": "invalid"}]


def install_error_handlers(app: Quart) -> None:
    @app.errorhandler(RequestSchemaValidationError)
    async def _schema_invalid(error: RequestSchemaValidationError) -> Response:
        return error_response(422, details=validation_details(error.validation_error))

    @app.errorhandler(InvalidBody)
    async def _body_invalid(error: InvalidBody) -> Response:
        details = [{"loc": ["body"], "msg": error.reason, "type": "json_invalid"}]
        return error_response(422, details=details)

    @app.errorhandler(SoulError)
    async def _soul_error(error: SoulError) -> Response:
        message = error.message
        if error.status >= 500:
            # The specific cause goes to the log; the client gets the class's general sentence.
            log.warning("%s (request_id=%s): %s", error.code, current_request_id(), error)
            message = type(error).message
        headers = {}
        if isinstance(error, RateLimited):
            headers["Retry-After"] = str(error.retry_after_seconds)
        return error_response(error.status, error.code, message, headers=headers)

    @app.errorhandler(HTTPException)
    async def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        # Keep headers that carry meaning (Allow on 405, Retry-After on 429/503).
        kept = {
            name: value
            for name, value in error.get_headers()
            if name.lower() in {"allow", "retry-after"}
        }
        if status == 500:
            original = getattr(error, "original_exception", None)
            if original is not None:
                log.error(
                    "unhandled error (request_id=%s)",
                    current_request_id(),
                    exc_info=(type(original), original, original.__traceback__),
                )
            return error_response(500, "internal_error", headers=kept)
        return error_response(status, headers=kept)

    @app.errorhandler(Exception)
    async def _unhandled(error: Exception) -> Response:
        log.error("unhandled error (request_id=%s)", current_request_id(), exc_info=error)
        return error_response(500, "internal_error")
