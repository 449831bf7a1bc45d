"""Fuzzing the real API from its own OpenAPI document.

One ``soul serve`` process (Hypercorn, SQLite, a Redis database of its own, no worker) answers
requests that schemathesis generates from ``/openapi.json``: schema-valid ones (positive) and,
where an operation has inputs to break, schema-violating ones (negative). Every case is signed
in as a guest of its own, so a case that logs out or claims its account spoils no other.

What every answer must satisfy: schemathesis' own checks (no 5xx, documented statuses, content
types and headers, response bodies that match their schema, valid input accepted, invalid input
refused, authentication enforced) and the contract's conventions (the error envelope on every
non-2xx, ``X-API-Version`` and ``X-Request-ID`` on every response).

Bounded for CI: at most ``MAX_EXAMPLES`` cases per operation and mode, derandomized so a run
repeats the last one, no example database. The two event streams never end on their own; they
are fuzzed apart, reading only the status, the headers and the first bytes.

The cases come from each operation's ``as_strategy()`` under Hypothesis directly: the document
exists only once the server runs, and schemathesis' loader for that situation
(``schemathesis.pytest.from_fixture``) does not run under pytest 9.2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, GenerationMode
from schemathesis.auths import AuthStorage
from schemathesis.core.transport import Response

from soul_framework.testing.deployment import Deployment
from tests.fuzz.contract import assert_within_contract
from tests.fuzz.test_query_parameters import holds_in_utc

MAX_EXAMPLES = 25
"""Cases per operation and mode: 32 runs of at most 25 requests (each with a new guest) keep the
module under a minute on a laptop; claim and login dominate, as each hashes a password."""

STREAM_READ_TIMEOUT_SECONDS = 10.0
"""How long a stream may take to send its status line and first bytes (a failure, not a wait)."""

POSITIVE = (GenerationMode.POSITIVE,)
BOTH = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

# Every operation of the document and how it is fuzzed. Negative cases need something to break:
# a body, a parameter or a required bearer token; operations with none of these are positive
# only. A test below fails when the document gains an operation this table does not name.
OPERATIONS: dict[tuple[str, str], tuple[GenerationMode, ...]] = {
    ("GET", "/v1/"): POSITIVE,
    ("GET", "/v1/meta/ping"): POSITIVE,
    ("GET", "/v1/meta/version"): POSITIVE,
    ("GET", "/v1/meta/llm"): POSITIVE,
    ("GET", "/v1/meta/queue"): POSITIVE,
    ("GET", "/v1/meta/plugins"): POSITIVE,
    ("POST", "/v1/auth/guest"): POSITIVE,
    ("POST", "/v1/auth/login"): BOTH,
    ("POST", "/v1/auth/claim"): BOTH,
    ("POST", "/v1/auth/refresh"): POSITIVE,
    ("POST", "/v1/auth/logout"): POSITIVE,
    ("GET", "/v1/auth/me"): BOTH,
    ("POST", "/v1/messages/submit"): BOTH,
    ("GET", "/v1/messages/conversation"): BOTH,
    ("GET", "/v1/jobs/{job_id}"): BOTH,
    ("GET", "/v1/agents/active"): BOTH,
    ("GET", "/v1/agents/all"): BOTH,
    ("GET", "/v1/agents/active/emotions/history"): BOTH,
    ("GET", "/v1/thoughts/latest"): BOTH,
}
STREAMS: dict[tuple[str, str], tuple[GenerationMode, ...]] = {
    # Any text is a well-formed job id and the token may come in the query or a header, so the
    # document leaves nothing to break.
    ("GET", "/v1/jobs/{job_id}/events"): POSITIVE,
    ("GET", "/v1/messages/stream"): POSITIVE,
}


# RFC 3339 allows date-times no store can hold: 0001-01-01T00:00:00+01:00 is in year 0 in UTC.
# The server refuses those (422, tests/fuzz/test_query_parameters.py); a JSON schema cannot say
# so, so the valid cases drawn here are offset date-times within years 1..9999 in UTC.
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        timezones=st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
            lambda minutes: timezone(timedelta(minutes=minutes))
        )
    )
    .filter(holds_in_utc)
    .map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
)

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a request to a real server has no meaningful per-example deadline
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),  # generation is slow next to real HTTP calls
)


@pytest.fixture(scope="module")
def api_schema(deployment: Deployment) -> Any:
    return schemathesis.openapi.from_url(f"{deployment.base}/openapi.json")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def guest_auth(new_guest_token: Callable[[], str]) -> AuthStorage:
    """A new guest's bearer token for every case (no caching: each case has its own account)."""

    class GuestBearer:
        def get(self, case: Case, context: object) -> str:
            return new_guest_token()

        def set(self, case: Case, data: str, context: object) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    storage = AuthStorage()
    storage.auth(refresh_interval=None)(GuestBearer)
    return storage


def contract_conventions(ctx: object, response: Response, case: Case) -> None:
    """The contract's conventions as a schemathesis check (run with the built-in ones)."""
    body = response.json() if response.status_code >= 400 else None
    headers = CaseInsensitiveDict({name: values[-1] for name, values in response.headers.items()})
    assert_within_contract(response.status_code, headers, body)


def _params(table: dict[tuple[str, str], tuple[GenerationMode, ...]]) -> list[Any]:
    return [
        pytest.param(method, path, mode, id=f"{method} {path} {mode.value}")
        for (method, path), modes in table.items()
        for mode in modes
    ]


def test_every_documented_operation_is_fuzzed(api_schema: Any) -> None:
    documented = {
        (operation.method.upper(), operation.path)
        for result in api_schema.get_all_operations()
        for operation in [result.ok()]
    }
    assert documented == set(OPERATIONS) | set(STREAMS)


def test_the_document_describes_errors_headers_and_required_bodies(api_schema: Any) -> None:
    """What lets the checks above hold a response to the document: each operation's other
    statuses are the error envelope, each response has the contract's headers, a body that is
    validated is required."""
    document = api_schema.raw_schema
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    assert envelope["properties"]["error"]["required"] == ["code", "message", "request_id"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            default = operation["responses"]["default"]["content"]["application/json"]
            assert default["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, where
            for response in operation["responses"].values():
                assert {"X-API-Version", "X-Request-ID"} <= set(response["headers"]), where
            if "requestBody" in operation:
                assert operation["requestBody"]["required"] is True, where


@pytest.mark.parametrize(("method", "path", "mode"), _params(OPERATIONS))
def test_operation_answers_within_the_contract(
    api_schema: Any,
    new_guest_token: Callable[[], str],
    session: requests.Session,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    strategy = operation.as_strategy(generation_mode=mode, auth_storage=guest_auth(new_guest_token))

    @FUZZ_SETTINGS
    @given(case=strategy)
    def fuzz(case: Case) -> None:
        case.call_and_validate(session=session, additional_checks=[contract_conventions])

    fuzz()


@pytest.mark.parametrize(("method", "path", "mode"), _params(STREAMS))
def test_stream_answers_within_the_contract(
    api_schema: Any,
    deployment: Deployment,
    new_guest_token: Callable[[], str],
    session: requests.Session,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Case) -> None:
        bearer = {"Authorization": f"Bearer {new_guest_token()}"}
        request = case.as_transport_kwargs(base_url=deployment.base, headers=bearer)
        request.pop("timeout", None)
        with session.request(**request, stream=True, timeout=STREAM_READ_TIMEOUT_SECONDS) as reply:
            if reply.status_code >= 300:
                assert_within_contract(reply.status_code, reply.headers, reply.json())
                return
            assert_within_contract(reply.status_code, reply.headers, None)
            assert reply.headers["Content-Type"].startswith("text/event-stream")
            # The first bytes are a comment or an event: the stream is open and speaking SSE.
            first = next(reply.iter_content(chunk_size=None))
            assert first.startswith((b":", b"event:"))

    fuzz()
