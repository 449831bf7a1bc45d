"""Types for query parameters whose values must also be ones the store can represent.

A query string is the easiest input to get wrong on purpose: whatever it holds is refused
with 422 ``validation_error`` (saying which parameter and why) before it reaches a store.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

_DATE_AND_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d")


def _date_time_text(value: Any) -> Any:
    # pydantic would also take a number (Unix seconds, or milliseconds past a threshold it
    # picks); the contract's timestamps are ISO-8601 text, so only that is read.
    if isinstance(value, str) and _DATE_AND_TIME.match(value):
        return value
    raise ValueError("must be an ISO-8601 date and time, as in 2026-01-01T00:00:00Z")


def _as_utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        # The contract's timestamps carry their offset; guessing one (the server's zone, or
        # UTC) would silently shift what the client meant by hours.
        raise ValueError("needs an explicit UTC offset, as in 2026-01-01T00:00:00Z or +02:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 is a year-0 instant in UTC, which no datetime can hold.
        raise ValueError("is outside the years 1 to 9999 once converted to UTC") from None


Instant = Annotated[
    datetime,
    BeforeValidator(_date_time_text),
    AfterValidator(_as_utc),
    Field(
        description="ISO-8601 with an explicit UTC offset (2026-01-01T00:00:00Z); the instant "
        "must fall within the years 1 to 9999 in UTC."
    ),
]
"""A point in time given with its UTC offset, handed on in UTC."""
