"""The OpenAPI document says what every response of the contract carries, not only successes.

quart-schema documents the success model of each route. Clients that generate code from
``/openapi.json`` (and API fuzzers) also need to know that a request body is required, that any
other status comes in the error envelope, and that every response has ``X-API-Version`` and
``X-Request-ID``; this provider adds those to every operation.
"""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider
from quart_schema.validation import DataSource
from werkzeug.routing.rules import Rule

from soul_framework import API_VERSION

ERROR_ENVELOPE = "ErrorEnvelope"

ERROR_ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": ERROR_ENVELOPE,
    "description": "Every non-2xx response; validation failures (422) add `details`.",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. not_found"},
                "message": {"type": "string", "description": "One human sentence"},
                "request_id": {"type": "string", "description": "Ties the answer to the log"},
            },
        },
        "details": {
            "type": "array",
            "description": "Which field, what was wrong (422 only)",
            "items": {"type": "object"},
        },
    },
}

RESPONSE_HEADERS: dict[str, Any] = {
    "X-API-Version": {
        "description": "The contract version this server speaks.",
        "required": True,
        "schema": {"type": "string", "const": API_VERSION},
    },
    "X-Request-ID": {
        "description": "The request's X-Request-ID when it is a sane token, else a new uuid4.",
        "required": True,
        "schema": {"type": "string"},
    },
}


class ContractOpenAPIProvider(OpenAPIProvider):
    """quart-schema's document plus the error envelope, required bodies and common headers."""

    def build_request_body(
        self, model: type[Any], source: DataSource
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        request_body, components = super().build_request_body(model, source)
        # A route that validates a body refuses a request without one (422).
        request_body["required"] = True
        return request_body, components

    def build_paths(self, rule: Rule) -> tuple[dict, dict]:
        paths, components = super().build_paths(rule)
        for operations in paths.values():
            for operation in operations.values():
                # Status keys as text, as OpenAPI writes them: the JSON encoder sorts keys, and
                # quart-schema's integers do not sort with "default".
                responses = {str(status): body for status, body in operation["responses"].items()}
                operation["responses"] = responses
                responses.setdefault(
                    "default",
                    {
                        "description": "Any other status, in the error envelope.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{ERROR_ENVELOPE}"}
                            }
                        },
                    },
                )
                for response in responses.values():
                    response.setdefault("headers", {}).update(RESPONSE_HEADERS)
        components[ERROR_ENVELOPE] = ERROR_ENVELOPE_SCHEMA
        return paths, components
