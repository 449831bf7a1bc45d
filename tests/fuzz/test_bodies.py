"""Hostile request bodies against the real server: each is refused in the error envelope, none
crashes the server, and nothing is stored.

The routes that read a body (submit, login, claim) get, among others, bodies over
``SOUL_MAX_BODY_BYTES`` (announced or streamed in chunks), JSON nested deeper than the parser
can follow, bytes that are not UTF-8, a body sent as another media type, an empty body and JSON
that is not an object. ``tests/api/test_conventions.py`` checks the envelope of such bodies on
a test route; here they go through Hypercorn to the real routes, and the sender's conversation
and account are checked afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.testing.deployment import Deployment
from tests.fuzz.contract import assert_within_contract

MAX_BODY_BYTES = Settings(_env_file=None).soul_max_body_bytes  # the default, as deployed
OVER_THE_LIMIT = MAX_BODY_BYTES + 1024
NESTING_LEVELS = 100_000
"""Far past the JSON parser's recursion limit (about 1,000), while the body stays under the
size limit: the depth alone must be refused."""

JSON = "application/json"
SUBMIT, LOGIN, CLAIM = "/v1/messages/submit", "/v1/auth/login", "/v1/auth/claim"

UNIQUE = uuid.uuid4().hex[:12]  # the server is shared with the other fuzz tests
VALID_BODIES: dict[str, dict[str, str]] = {
    SUBMIT: {"message": "hello there"},
    LOGIN: {"email": f"someone-{UNIQUE}@example.org", "password": "long enough password"},
    CLAIM: {
        "email": f"claimed-{UNIQUE}@example.org",
        "password": "long enough password",
        "username": f"ada_{UNIQUE}",
    },
}
"""Bodies each route would accept as JSON: sent any other way, the refusal is the sending's."""


def nested(levels: int, inside: bytes = b"") -> bytes:
    return b"[" * levels + inside + b"]" * levels


def in_chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    """A body with no Content-Length (chunked transfer): the limit must hold while reading."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def hostile_bodies(route: str) -> dict[str, tuple[Any, str | None, int]]:
    """name -> (body, Content-Type, expected status)."""
    valid = json.dumps(VALID_BODIES[route]).encode()
    oversized = json.dumps({**VALID_BODIES[route], "padding": "x" * OVER_THE_LIMIT}).encode()
    return {
        "over the size limit": (oversized, JSON, 413),
        "over the size limit, in chunks": (in_chunks(oversized), JSON, 413),
        "nested arrays": (nested(NESTING_LEVELS), JSON, 422),
        "nested objects": (b'{"a":' * 40_000 + b"1" + b"}" * 40_000, JSON, 422),
        "nesting inside a field": (
            b'{"message": ' + nested(NESTING_LEVELS) + b', "email": "a@b.c"}',
            JSON,
            422,
        ),
        "invalid UTF-8": (valid[:-2] + b'\xff\xfe"}', JSON, 422),
        "UTF-16": (json.dumps(VALID_BODIES[route]).encode("utf-16"), JSON, 422),
        "empty": (b"", JSON, 422),
        "not JSON": (b"{message: hello}", JSON, 422),
        "a JSON array": (b'["hello"]', JSON, 422),
        "a JSON string": (b'"hello"', JSON, 422),
        "a JSON number": (b"42", JSON, 422),
        "JSON null": (b"null", JSON, 422),
        "as text/plain": (valid, "text/plain", 422),
        "as a form": (b"message=hello", "application/x-www-form-urlencoded", 422),
        "with no Content-Type": (valid, None, 422),
    }


CASES = [
    pytest.param(route, name, id=f"{route} {name}")
    for route in (SUBMIT, LOGIN, CLAIM)
    for name in hostile_bodies(route)
]


@pytest.fixture
def guest(deployment: Deployment, new_guest_token: Callable[[], str]) -> Iterator[httpx.Client]:
    """A client signed in as a new guest."""
    client = httpx.Client(
        base_url=deployment.base,
        headers={"Authorization": f"Bearer {new_guest_token()}"},
        timeout=30,
    )
    yield client
    client.close()


def stored_messages(client: httpx.Client) -> list[dict[str, Any]]:
    reply = client.get("/v1/messages/conversation")
    assert reply.status_code == 200
    return reply.json()["conversation"]["messages"]


@pytest.mark.parametrize(("route", "name"), CASES)
def test_hostile_body_is_refused_in_the_envelope_and_nothing_is_stored(
    guest: httpx.Client, route: str, name: str
) -> None:
    body, content_type, expected = hostile_bodies(route)[name]
    me_before = guest.get("/v1/auth/me").json()
    headers = {"Content-Type": content_type} if content_type else {}

    reply = guest.post(route, content=body, headers=headers)

    assert reply.status_code == expected
    assert_within_contract(reply.status_code, reply.headers, reply.json())
    assert reply.json()["error"]["code"] == (
        "payload_too_large" if expected == 413 else "validation_error"
    )
    assert stored_messages(guest) == []
    # The account is still the same guest, signed in: no claim, no new session.
    assert guest.get("/v1/auth/me").json() == me_before


@pytest.mark.parametrize("route", [SUBMIT, LOGIN, CLAIM])
def test_too_deep_nesting_says_so(guest: httpx.Client, route: str) -> None:
    reply = guest.post(route, content=nested(NESTING_LEVELS), headers={"Content-Type": JSON})
    assert reply.status_code == 422
    assert reply.json()["details"] == [
        {"loc": ["body"], "msg": "The body is nested too deeply.", "type": "json_invalid"}
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_not_sent_as_json_says_which_media_type_is_expected(
    guest: httpx.Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = guest.post(SUBMIT, content=json.dumps(VALID_BODIES[SUBMIT]), headers=headers)
    assert reply.status_code == 422
    (detail,) = reply.json()["details"]
    assert detail["loc"] == ["body"]
    assert "application/json" in detail["msg"]


def test_the_valid_bodies_are_accepted(guest: httpx.Client) -> None:
    """The refusals above are the hostile sending's: the same content as JSON goes through."""
    assert guest.post(SUBMIT, json=VALID_BODIES[SUBMIT]).status_code == 202
    assert [m["message"] for m in stored_messages(guest)] == [VALID_BODIES[SUBMIT]["message"]]
    assert guest.post(LOGIN, json=VALID_BODIES[LOGIN]).status_code == 401  # no such account
    assert guest.post(CLAIM, json=VALID_BODIES[CLAIM]).status_code == 200


PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,  # real HTTP calls
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    # JSON has no NaN or infinity (the client refuses to send them).
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
body_like = st.fixed_dictionaries(
    {},
    optional={
        "message": json_values,
        "type": json_values,
        "email": json_values,
        "password": json_values,
        "username": json_values,
    },
)


@pytest.mark.parametrize("route", [SUBMIT, LOGIN, CLAIM])
@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2048))
def test_any_bytes_get_an_answer_within_the_contract(
    guest: httpx.Client, route: str, data: bytes
) -> None:
    reply = guest.post(route, content=data, headers={"Content-Type": JSON})
    assert_within_contract(reply.status_code, reply.headers, _json_or_none(reply))


@pytest.mark.parametrize("route", [SUBMIT, LOGIN, CLAIM])
@PROPERTY_SETTINGS
@given(value=json_values | body_like)
def test_any_json_gets_an_answer_within_the_contract(
    guest: httpx.Client, route: str, value: Any
) -> None:
    reply = guest.post(route, json=value)
    assert_within_contract(reply.status_code, reply.headers, _json_or_none(reply))


def _json_or_none(reply: httpx.Response) -> Any:
    return reply.json() if reply.status_code >= 400 else None
