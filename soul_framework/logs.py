"""Logging set-up shared by every process: one line per event, the request id where known.

Values in log lines often come from clients (a request's path, a header, a name). A line
break among them would let a client write a line of its own that reads like one of ours (a
forged ``POST /v1/auth/login 200``), so every record is written as one line: control
characters (CR, LF and the rest of C0 and C1), Unicode line and paragraph separators and
bidirectional overrides are shown escaped (``\\n``, ``\\x1b``, ``\\u2028``). A traceback
keeps its lines, each indented, so nothing in it starts a line as a record does. Credentials
in URLs are masked (:mod:`soul_framework.masking`).
"""

from __future__ import annotations

import logging
import re
from types import TracebackType

from soul_framework.config import Settings
from soul_framework.masking import mask_credentials

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
CONTINUATION = "    "
"""Indent of a traceback's lines below its record."""

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match[0]
    named = _NAMED_ESCAPES.get(character)
    if named:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every character that could break or disguise a log line escaped."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """What a record's line shows of ``text``: escaped and with credentials masked."""
    return mask_credentials(escape_controls(text))


class OneLineFormatter(logging.Formatter):
    """A record is one line; its traceback or stack, if any, follows as indented lines."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info:
            # Another handler's formatter may have cached the traceback without indents.
            record.exc_text = None
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return one_line(super().formatMessage(record))

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join(CONTINUATION + one_line(line) for line in text.split("\n"))


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.soul_log_level.upper(), logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Quiet libraries that log every connection at INFO.
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "pymongo"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
