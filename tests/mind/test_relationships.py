"""Reflecting on a conversation changes the relationship within its rules; prompts show it."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.domain.relationship import (
    EXTRINSIC_RELATIONSHIPS,
    INTRINSIC_RELATIONSHIPS,
    Relationship,
)
from soul_framework.mind.relationships import (
    USERNAME_MAX_CHARS,
    RelationshipRules,
    bounded_summary,
    extrinsic_relationship,
    reflect_relationship,
    render_relationship,
)
from soul_framework.mind.sentiments import apply_sentiment_deltas
from soul_plugins.emotions_lite.sentiments import LITE_SENTIMENTS
from soul_plugins.emotions_rich.sentiments import RICH_SENTIMENTS
from soul_plugins.storage_sqlite.store import SQLiteStore

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RULES = RelationshipRules(half_life=timedelta(days=14), max_delta=15.0, summary_max_chars=600)


def a_relationship(**fields: object) -> Relationship:
    return Relationship(agent_id="jasmine", user_id="u1", created_at=T0, **fields)  # type: ignore[arg-type]


def reflect(rel: Relationship, **changes: object) -> Relationship:
    arguments: dict[str, object] = {
        "summary": None,
        "extrinsic": None,
        "sentiment_deltas": {},
        "now": T0,
        "known": LITE_SENTIMENTS,
        "rules": RULES,
    }
    arguments.update(changes)
    return reflect_relationship(rel, **arguments)  # type: ignore[arg-type]


def test_rules_come_from_the_settings():
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        soul_sentiment_half_life_days=3.5,
        soul_sentiment_max_delta=8,
        soul_relationship_summary_max_chars=200,
    )
    assert RelationshipRules.of(settings) == RelationshipRules(
        half_life=timedelta(days=3.5), max_delta=8.0, summary_max_chars=200
    )
    defaults = RelationshipRules.of(Settings(_env_file=None))  # type: ignore[call-arg]
    assert defaults == RULES


# --- extrinsic relationship ------------------------------------------------------------------


@st.composite
def spelled_differently(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(EXTRINSIC_RELATIONSHIPS))
    cased = "".join(ch.upper() if draw(st.booleans()) else ch for ch in name)
    separator = draw(st.sampled_from([" ", "  ", "_", "-", ""]))
    padding = draw(st.sampled_from(["", " ", "\t", "\n "]))
    return padding + cased.replace(" ", separator) + padding, name


@given(spelled_differently())
def test_a_listed_extrinsic_relationship_is_taken_whatever_its_case_and_spacing(spelled):
    text, name = spelled
    rel = reflect(a_relationship(extrinsic="acquaintance"), extrinsic=text)
    assert rel.extrinsic == name


@given(st.text(max_size=30))
def test_anything_else_leaves_the_extrinsic_relationship_unchanged(text):
    keyed = "".join(ch for ch in text.casefold() if ch.isalnum())
    assume(keyed not in {name.replace(" ", "") for name in EXTRINSIC_RELATIONSHIPS})
    rel = reflect(a_relationship(extrinsic="friend"), extrinsic=text)
    assert rel.extrinsic == "friend"


@pytest.mark.parametrize("text", ["creator", "lover", "best friends", "sister", "", None])
def test_names_outside_the_list_are_refused(text):
    assert extrinsic_relationship(text) is None
    assert reflect(a_relationship(extrinsic="enemy"), extrinsic=text).extrinsic == "enemy"


# --- intrinsic relationship ------------------------------------------------------------------


@given(
    st.sampled_from(INTRINSIC_RELATIONSHIPS),
    st.one_of(st.none(), st.sampled_from(INTRINSIC_RELATIONSHIPS), st.text(max_size=20)),
    st.one_of(st.none(), st.text(max_size=50)),
    st.dictionaries(st.sampled_from(tuple(LITE_SENTIMENTS)), st.floats(-100, 100), max_size=5),
)
def test_reflection_never_changes_the_intrinsic_relationship(intrinsic, extrinsic, summary, deltas):
    rel = a_relationship(intrinsic=intrinsic)
    after = reflect(rel, extrinsic=extrinsic, summary=summary, sentiment_deltas=deltas)
    assert after.intrinsic == intrinsic


# --- summary and contact ---------------------------------------------------------------------


def test_the_summary_is_replaced_and_bounded():
    rel = reflect(a_relationship(summary="old"), summary="  Alice  works\n nights as a nurse. ")
    assert rel.summary == "Alice works nights as a nurse."
    long = reflect(rel, summary="word " * 400)
    assert len(long.summary) <= RULES.summary_max_chars
    assert long.summary.endswith("word…")


@pytest.mark.parametrize("summary", [None, "", "   \n "])
def test_no_summary_keeps_the_old_one(summary):
    assert reflect(a_relationship(summary="old"), summary=summary).summary == "old"


@given(st.text(max_size=2000), st.integers(min_value=1, max_value=700))
def test_bounded_summary_never_exceeds_its_limit(text, limit):
    bounded = bounded_summary(text, limit)
    assert len(bounded) <= limit
    if len(" ".join(text.split())) <= limit:
        assert bounded == " ".join(text.split())


def test_reflection_marks_contact_and_applies_sentiments():
    rel = a_relationship(last_contact=T0, sentiments={"love": 60.0}, sentiments_at=T0)
    now = T0 + timedelta(days=14)
    after = reflect(rel, sentiment_deltas={"trust": 10, "love": 0}, now=now)
    assert after.last_contact == now
    assert after.sentiments_at == now
    assert after.sentiments["love"] == pytest.approx(30.0)
    assert 15 < after.sentiments["trust"] < 25
    # A reflection that runs late does not move the contact back.
    late = reflect(after, now=T0 + timedelta(days=1))
    assert late.last_contact == now


def test_reflection_ignores_sentiments_the_model_does_not_have():
    after = reflect(a_relationship(), sentiment_deltas={"euphoria": 10, "hate": 5})
    assert set(after.sentiments) == {"hate"}
    rich = reflect(a_relationship(), sentiment_deltas={"euphoria": 10}, known=RICH_SENTIMENTS)
    assert set(rich.sentiments) == {"euphoria"}


# --- prompt text -----------------------------------------------------------------------------


def test_render_names_the_relationship_the_strongest_feelings_and_the_view():
    rel = a_relationship(
        intrinsic="creator",
        extrinsic="friend",
        sentiments={
            "trust": 72.0,
            "curiosity": 55.0,
            "love": 30.0,
            "admiration": 20.0,
            "irritation": 12.0,
            "empathy": 8.0,
            "hate": 2.0,
        },
        sentiments_at=T0,
        summary="A night-shift nurse who loves crosswords.",
        last_contact=T0,
    )
    text = render_relationship(rel, T0 + timedelta(days=3), username="alice", rules=RULES)
    assert text.startswith("You and alice: friend. They are your creator.")
    assert "A night-shift nurse who loves crosswords." in text
    assert "You last spoke 3 days ago." in text
    feelings = next(line for line in text.splitlines() if line.startswith("You feel"))
    # Faded over three days, strongest five only.
    assert feelings.startswith("You feel toward them: trust 64, curiosity 50, love 26")
    assert "irritation" in feelings
    assert "empathy" not in feelings
    assert "hate" not in feelings


def test_render_of_a_new_user_shows_the_resting_stance():
    rel = a_relationship()
    assert "no strong feelings" in render_relationship(rel, T0, username="bob", rules=RULES)
    with_set = render_relationship(rel, T0, username="bob", rules=RULES, known=LITE_SENTIMENTS)
    assert "You and bob: stranger." in with_set
    assert "You feel toward them: curiosity 20, trust 15." in with_set


def test_render_leaves_out_names_outside_the_current_set_and_words_mixed_ones():
    rel = a_relationship(sentiments={"hate": 40.0, "admirationMixedWithEnvy": 50.0})
    text = render_relationship(rel, T0, username="bob", rules=RULES, known=RICH_SENTIMENTS)
    assert "admiration mixed with envy 50" in text
    assert "hate" not in text


@given(
    st.text(max_size=300),
    st.text(max_size=3000),
    st.sampled_from((*EXTRINSIC_RELATIONSHIPS, "nonsense")),
    st.sampled_from(INTRINSIC_RELATIONSHIPS),
    st.dictionaries(
        st.sampled_from(tuple(RICH_SENTIMENTS)), st.floats(0, 100), max_size=len(RICH_SENTIMENTS)
    ),
)
def test_render_is_bounded_and_contains_the_relationship(
    username, summary, extrinsic, intrinsic, sentiments
):
    rel = a_relationship(
        intrinsic=intrinsic,
        extrinsic=extrinsic,
        sentiments=sentiments,
        sentiments_at=T0,
        summary=summary,
        last_contact=T0 - timedelta(days=400),
    )
    text = render_relationship(rel, T0, username=username, rules=RULES, known=RICH_SENTIMENTS)
    assert len(text) <= RULES.summary_max_chars + 400
    shown = extrinsic if extrinsic in EXTRINSIC_RELATIONSHIPS else "stranger"
    first = text.splitlines()[0]
    assert f": {shown}." in first
    if intrinsic != "none":
        assert first.endswith(f" They are your {intrinsic}.")
    name = " ".join(username.split())[:USERNAME_MAX_CHARS]
    assert name in first


# --- in a real store -------------------------------------------------------------------------

CONCURRENT_UPDATES = 40


async def test_concurrent_updates_in_sqlite_lose_no_sentiment_change(tmp_path: Path):
    store = SQLiteStore(Settings(_env_file=None, soul_data_dir=tmp_path))  # type: ignore[call-arg]
    await store.open()
    try:
        change = functools.partial(
            apply_sentiment_deltas,
            deltas={"trust": 1.0, "love": 0.5},
            now=T0,
            half_life=RULES.half_life,
            max_delta=RULES.max_delta,
            known=LITE_SENTIMENTS,
        )
        await asyncio.gather(
            *(
                store.update_relationship("jasmine", "u1", change, at=T0)
                for _ in range(CONCURRENT_UPDATES)
            )
        )
        stored = await store.get_relationship("jasmine", "u1")
    finally:
        await store.close()

    expected = a_relationship()
    for _ in range(CONCURRENT_UPDATES):
        expected = change(expected)
    assert stored is not None
    assert stored.version == CONCURRENT_UPDATES
    assert stored.sentiments == pytest.approx(expected.sentiments)
    # Every one of the forty steps counted: far above what one or a few would give.
    assert stored.sentiments["trust"] > 45
