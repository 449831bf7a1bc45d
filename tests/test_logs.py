"""Every log record is one line: what a client sent cannot start a line of its own, and
credentials in URLs are masked (the formatter every process logs through)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from soul_framework.logs import FORMAT, OneLineFormatter, escape_controls


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the service's formatter into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(OneLineFormatter(FORMAT))
    logger = logging.getLogger("tests.one_line")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("bell\x07 del\x7f", "bell\\x07 del\\x7f"),
        ("next line\x85 csi\x9b", "next line\\x85 csi\\x9b"),
        ("\u2028 and \u2029", "\\u2028 and \\u2029"),
        ("bidi \u202e override \u2066 isolate", "bidi \\u202e override \\u2066 isolate"),
        ("plain text, accents é, emoji 🙂", "plain text, accents é, emoji 🙂"),
    ],
)
def test_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown


def test_a_client_value_in_a_message_cannot_start_a_line(logged) -> None:
    logger, buffer = logged
    username = "mallory\n2026-12-08 12:00:00,000 INFO soul_framework.access [1] GET /v1/ 200"
    logger.warning("sign-in refused for %s", username)
    output = buffer.getvalue()
    assert output.count("\n") == 1
    assert "mallory\\n2026-12-08 12:00:00,000 INFO" in output


def test_a_traceback_keeps_its_lines_indented_under_its_record(logged) -> None:
    logger, buffer = logged
    try:
        raise ValueError("bad input\n2026-12-08 12:00:00,000 INFO forged [1] looks real")
    except ValueError:
        logger.exception("request failed")
    first, *rest = buffer.getvalue().rstrip("\n").split("\n")
    assert first.endswith("request failed")
    assert rest[0] == "    Traceback (most recent call last):"
    assert all(line.startswith("    ") for line in rest)
    assert "    2026-12-08 12:00:00,000 INFO forged [1] looks real" in rest


def test_credentials_in_urls_are_masked(logged) -> None:
    logger, buffer = logged
    logger.info("connecting to %s", "redis://:hunter2@cache.example.org:6379/0")
    logger.info("store at %s", "mongodb://soul:hunter2@db.example.org/x?authSource=admin")
    logger.info("model at %s", "https://llm.example.org/v1?api_key=hunter2&model=m")
    try:
        raise ConnectionError("cannot reach postgres://app:hunter2@db/x")
    except ConnectionError:
        logger.exception("start-up failed")
    output = buffer.getvalue()
    assert "hunter2" not in output
    assert "redis://:****@cache.example.org:6379/0" in output
    assert "mongodb://soul:****@db.example.org/x?authSource=admin" in output
    assert "https://llm.example.org/v1?api_key=****&model=m" in output
    assert "postgres://app:****@db/x" in output
