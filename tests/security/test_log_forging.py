"""A client cannot write log lines: a real ``soul serve`` gets request paths whose
percent-encoded line breaks would start a forged access line (``... INFO ... POST
/v1/auth/login 200``); its log holds exactly one line for each request, the breaks escaped."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import quote

import pytest

from soul_framework.testing.deployment import Deployment
from tests.security.conftest import DEVELOPMENT
from tests.security.raw_http import raw_get

FORGED_STAMP = "2026-12-08 12:00:00,000"
FORGED_LINE = f"{FORGED_STAMP} INFO soul_framework.access [1] POST /v1/auth/login 200 1.0ms"
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")

BREAKS = {
    "line feed": ("\n", "\\n"),
    "carriage return": ("\r", "\\r"),
    "both": ("\r\n", "\\r\\n"),
    "next line (C1)": ("\x85", "\\x85"),
    "line separator": ("\u2028", "\\u2028"),
    "paragraph separator": ("\u2029", "\\u2029"),
    "vertical tab": ("\x0b", "\\x0b"),
    "form feed": ("\x0c", "\\x0c"),
    "escape (terminal colours)": ("\x1b[2K", "\\x1b[2K"),
}


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Deployment]) -> Deployment:
    return start_server(DEVELOPMENT)


@pytest.mark.parametrize("kind", list(BREAKS))
def test_a_forged_access_line_stays_on_its_requests_line(server: Deployment, kind: str) -> None:
    line_break, escaped = BREAKS[kind]
    marker = uuid.uuid4().hex
    path = f"/v1/{marker}{line_break}{FORGED_LINE} request_id={marker}"
    assert raw_get(server.base, quote(path, safe="/"))[0] == 404
    # The line is written before the answer is sent: it is in the log now.
    log = (server.logs / "api.log").read_text(encoding="utf-8", errors="replace")
    lines = [line for line in log.splitlines() if marker in line]
    assert len(lines) == 1, lines
    assert RECORD_START.match(lines[0])
    assert f"GET /v1/{marker}{escaped}{FORGED_LINE}" in lines[0]
    assert not [line for line in log.splitlines() if line.startswith(FORGED_STAMP)]
    assert not [character for character in lines[0] if not character.isprintable()]
