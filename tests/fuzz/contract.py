"""What every answer of the API must look like, whatever was asked (the contract's Conventions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from soul_framework import API_VERSION


def assert_within_contract(status: int, headers: Mapping[str, str], body: Any) -> None:
    """``X-API-Version`` and ``X-Request-ID`` on every response; on every non-2xx the error
    envelope whose request id is the header's, ``details`` on 422 and ``Retry-After`` on 429.

    ``headers`` must look names up without regard to case; ``body`` is the decoded JSON.
    """
    assert status < 500, f"server error {status}: {body}"
    assert headers.get("X-API-Version") == API_VERSION
    assert headers.get("X-Request-ID")
    if status < 400:
        return
    assert isinstance(body, dict), f"{status} without a JSON object body"
    assert set(body) <= {"error", "details"}
    error = body["error"]
    assert set(error) == {"code", "message", "request_id"}
    assert all(isinstance(error[key], str) and error[key] for key in error)
    assert error["request_id"] == headers["X-Request-ID"]
    if status == 422:
        assert error["code"] == "validation_error"
        assert isinstance(body.get("details"), list)
        assert body["details"]
    else:
        assert "details" not in body
    if status == 429:
        assert headers.get("Retry-After", "").isdigit()
