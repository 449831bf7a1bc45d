"""What the agent has read when it answers one of several messages sent in a row."""

from __future__ import annotations

from datetime import UTC, datetime

from soul_framework.domain.conversation import Message
from soul_framework.mind.reply import turns_until

T = datetime(2100, 1, 1, tzinfo=UTC)


def user(mid: str) -> Message:
    return Message(mid, "c", "u", "user", False, mid, T)


def agent(mid: str, reply_to: str | None) -> Message:
    return Message(mid, "c", "a", "agent", True, mid, T, reply_to=reply_to)


def test_messages_sent_in_a_row_are_answered_one_at_a_time():
    # Stored in arrival order: three messages, then the reply to the first.
    history = [user("m0"), user("m1"), user("m2"), agent("r0", "m0")]
    assert [m.id for m in turns_until(history, "m0")] == ["m0", "r0"]
    assert [m.id for m in turns_until(history, "m1")] == ["m0", "r0", "m1"]
    assert [m.id for m in turns_until(history, "m2")] == ["m0", "r0", "m1", "m2"]


def test_outreach_stays_where_it_happened():
    history = [user("m0"), agent("r0", "m0"), agent("hello", None), user("m1")]
    assert [m.id for m in turns_until(history, "m1")] == ["m0", "r0", "hello", "m1"]


def test_unknown_message_keeps_the_history():
    history = [user("m0"), agent("r0", "m0")]
    assert turns_until(history, "missing") == history
