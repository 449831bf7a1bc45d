"""Every query parameter of the API against extreme values, through the real server.

Whatever a query string holds (the first or last instant a datetime can hold, shifted by an
offset past either end; integers beyond 2**63; float spellings, NaN; other digits; unicode,
NUL and invalid UTF-8; very long values; the empty string; a parameter given twice), the answer
is never a 5xx and always within the contract: 422 ``validation_error`` with details that name
the parameter, or a success. Nothing the store cannot represent reaches it (``since`` of
``0001-01-01T00:00:00+01:00`` is before year 1 in UTC and was a 500).

The parameters come from the OpenAPI document, plus ``access_token`` (the event streams read it
for EventSource, which cannot send headers); a test fails when the document gains a query
parameter this module does not know, so a new one is fuzzed from its first day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soul_framework.testing.deployment import Deployment
from tests.fuzz.contract import assert_within_contract

HISTORY = "/v1/agents/active/emotions/history"
CONVERSATION = "/v1/messages/conversation"
JOB_EVENTS = "/v1/jobs/{job_id}/events"
MESSAGE_STREAM = "/v1/messages/stream"

QUERY_PARAMETERS: dict[tuple[str, str], str] = {
    (HISTORY, "since"): "instant",
    (HISTORY, "limit"): "integer",
    (CONVERSATION, "limit"): "integer",
    (CONVERSATION, "before"): "integer",
}
"""Every query parameter the document declares, and the kind of value it takes."""
TOKEN_PARAMETERS = [(MESSAGE_STREAM, "access_token"), (JOB_EVENTS, "access_token")]
"""The token of the event streams (undeclared: a Bearer header works as well)."""

MAX_EXAMPLES = 60

INSTANT_EXTREMES = [
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T23:58:59.999999+23:59",
    "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    "9999-12-31T23:59:59.999999-00:01",
    "9999-12-31T00:01:00-23:59",
    "2026-01-01T00:00:00",  # no offset
    "2026-01-01",
    "2026-01-01T00:00:00+24:00",
    "2026-01-01T00:00:00+99:99",
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:61Z",
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "0",  # numbers are not ISO-8601 (pydantic would read Unix seconds)
    "0.35",
    "1767225600",
    "-62135596801",
    "1e20",
]
"""Refused: ``since`` must be an ISO-8601 date-time with an offset, within years 1..9999 in
UTC."""
INSTANT_LIMITS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00-23:59",
    "0001-01-01T23:59:00+23:59",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59.999999+23:59",
    "9999-12-31T00:00:00-23:59",
]
"""Accepted: the first and last instants a store can hold, with any offset that keeps them."""

INTEGER_EXTREMES = [
    "0",
    "-1",
    str(2**53),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    str(10**400),
    "9" * 5000,
    "1e3",
    "1.5",
    "1e400",
    "-0.0",
    "0x10",
]
"""Refused by every integer parameter (none reaches 2**53)."""

ANY_VALUE = [
    "",
    "NaN",
    "nan",
    "-NaN",
    "inf",
    "-inf",
    "Infinity",
    "null",
    "true",
    "[]",
    "{}",
    " 1",
    "1 ",
    "\uff11",  # fullwidth digit one
    "\u0663",  # Arabic-Indic digit three
    "é",
    "🙂",
    "\u202eevil",
    "\x00",
    "\n",
    "a" * 16_000,
    "%",
    "%zz",
    "1_0",
    "2026-01-01T00:00:00.1234567890123456789Z",
]
"""Sent to every parameter: each gets an answer within the contract, whatever it is."""
RAW_ENCODED = ["%FF", "%C0%AF", "%ED%A0%80", "%00%00", "%E2%80%A8"]
"""Percent-encoded bytes that are not UTF-8 (or decode to NUL or a line separator)."""

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def http(deployment: Deployment) -> httpx.Client:
    with httpx.Client(base_url=deployment.base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def bearer(new_guest_token: Callable[[], str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {new_guest_token()}"}


def ask(http: httpx.Client, path: str, query: str, headers: dict[str, str]) -> httpx.Response:
    """``GET path?query`` with ``query`` sent exactly as given (already encoded)."""
    path = path.replace("{job_id}", "job-for-query-fuzzing")
    reply = http.get(f"{path}?{query}", headers=headers)
    body = reply.json() if reply.status_code >= 400 else None
    assert_within_contract(reply.status_code, reply.headers, body)
    return reply


def encoded(name: str, value: str) -> str:
    return f"{name}={quote(value, safe='')}"


def assert_refused(reply: httpx.Response, name: str) -> None:
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["error"]["code"] == "validation_error"
    assert [name] in [detail["loc"] for detail in body["details"]], body["details"]


def assert_answered(reply: httpx.Response, name: str) -> None:
    """A success, or a refusal that says it was this parameter."""
    if reply.status_code != 200:
        assert_refused(reply, name)


def test_every_query_parameter_of_the_document_is_fuzzed(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    declared = {
        (path, parameter["name"])
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    assert declared == set(QUERY_PARAMETERS)


PARAMETERS = [pytest.param(path, name, id=f"{path} {name}") for path, name in QUERY_PARAMETERS]
INSTANTS = [(path, name) for (path, name), kind in QUERY_PARAMETERS.items() if kind == "instant"]
INTEGERS = [(path, name) for (path, name), kind in QUERY_PARAMETERS.items() if kind == "integer"]


@pytest.mark.parametrize(("path", "name"), INSTANTS)
@pytest.mark.parametrize("value", INSTANT_EXTREMES)
def test_an_instant_a_store_cannot_hold_is_refused(http, bearer, path, name, value) -> None:
    assert_refused(ask(http, path, encoded(name, value), bearer), name)


@pytest.mark.parametrize(("path", "name"), INSTANTS)
@pytest.mark.parametrize("value", INSTANT_LIMITS)
def test_the_first_and_last_instants_are_accepted(http, bearer, path, name, value) -> None:
    assert ask(http, path, encoded(name, value), bearer).status_code == 200


@pytest.mark.parametrize(("path", "name"), INTEGERS)
@pytest.mark.parametrize("value", INTEGER_EXTREMES)
def test_an_integer_out_of_bounds_or_misspelt_is_refused(http, bearer, path, name, value) -> None:
    assert_refused(ask(http, path, encoded(name, value), bearer), name)


@pytest.mark.parametrize(("path", "name"), PARAMETERS)
def test_any_value_gets_an_answer_within_the_contract(http, bearer, path, name) -> None:
    for value in ANY_VALUE:
        assert_answered(ask(http, path, encoded(name, value), bearer), name)
    for raw in RAW_ENCODED:
        assert_answered(ask(http, path, f"{name}={raw}", bearer), name)
    assert_answered(ask(http, path, f"{name}=1&{name}=2", bearer), name)


@pytest.mark.parametrize(("path", "name"), PARAMETERS)
def test_arbitrary_text_gets_an_answer_within_the_contract(http, bearer, path, name) -> None:
    @FUZZ_SETTINGS
    @given(value=st.text(max_size=300))
    def fuzz(value: str) -> None:
        assert_answered(ask(http, path, encoded(name, value), bearer), name)

    fuzz()


OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


@pytest.mark.parametrize(("path", "name"), INSTANTS)
def test_any_offset_date_time_is_accepted_exactly_when_it_is_within_the_years(
    http, bearer, path, name
) -> None:
    @FUZZ_SETTINGS
    @given(
        moment=st.one_of(
            st.datetimes(timezones=OFFSETS),
            st.datetimes(max_value=datetime(1, 1, 2), timezones=OFFSETS),
            st.datetimes(min_value=datetime(9999, 12, 30), timezones=OFFSETS),
        )
    )
    def fuzz(moment: datetime) -> None:
        reply = ask(http, path, encoded(name, moment.isoformat()), bearer)
        if holds_in_utc(moment):
            assert reply.status_code == 200, reply.text
        else:
            assert_refused(reply, name)

    fuzz()


def holds_in_utc(moment: datetime) -> bool:
    """Whether ``moment`` can be expressed in UTC (within years 1..9999 there)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


@pytest.mark.parametrize(("path", "name"), INTEGERS)
def test_any_integer_is_accepted_exactly_when_it_is_within_bounds(http, bearer, path, name) -> None:
    document = http.get("/openapi.json").json()
    low, high = _bounds(document, path, name)

    @FUZZ_SETTINGS
    @given(
        number=st.one_of(
            st.integers(),
            st.integers(min_value=2**62, max_value=2**66),
            st.integers(min_value=-(2**66), max_value=-(2**62)),
            st.integers(min_value=low - 2, max_value=low + 2),
            st.integers(min_value=high - 2, max_value=high + 2),
        )
    )
    def fuzz(number: int) -> None:
        reply = ask(http, path, encoded(name, str(number)), bearer)
        if low <= number <= high:
            assert reply.status_code == 200, reply.text
        else:
            assert_refused(reply, name)

    fuzz()


def _bounds(document: dict[str, Any], path: str, name: str) -> tuple[int, int]:
    (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    schema = parameter["schema"]
    schema = next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "integer")
    return schema["minimum"], schema["maximum"]


@pytest.mark.parametrize(("path", "name"), TOKEN_PARAMETERS)
def test_a_stream_token_of_any_shape_is_refused_in_the_envelope(http, path, name) -> None:
    values = [*ANY_VALUE, *INTEGER_EXTREMES, "a.b.c", "x" * 16_000, "Bearer x"]
    for value in values:
        reply = ask(http, path, encoded(name, value), {})
        assert reply.status_code == 401, (value, reply.text)
    for raw in RAW_ENCODED:
        assert ask(http, path, f"{name}={raw}", {}).status_code == 401
