"""Sentiments toward a user: bounded, saturating changes and a slow closed-form fade."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.domain.relationship import Relationship
from soul_framework.mind.sentiments import (
    SENTIMENT_NEUTRALS,
    apply_sentiment_deltas,
    current_sentiments,
    fade_sentiments,
    neutral_of,
    sentiment_deltas_model,
    sentiment_label,
    strongest_sentiments,
)
from soul_plugins.emotions_lite.sentiments import LITE_SENTIMENTS
from soul_plugins.emotions_rich.sentiments import RICH_SENTIMENTS

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HALF_LIFE = timedelta(days=14)
MAX_DELTA = 15.0
NAMES = tuple(LITE_SENTIMENTS)

values_strategy = st.dictionaries(
    st.sampled_from(NAMES), st.floats(min_value=0, max_value=100), max_size=len(NAMES)
)
deltas_strategy = st.dictionaries(
    st.sampled_from((*NAMES, "not_a_sentiment")),
    st.floats(allow_nan=True, allow_infinity=True),
    max_size=8,
)
seconds = st.floats(min_value=0, max_value=400 * 86400)


def relationship(values: dict[str, float], at: datetime = T0) -> Relationship:
    return Relationship(
        agent_id="jasmine", user_id="u1", created_at=at, sentiments=values, sentiments_at=at
    )


def apply(rel: Relationship, deltas: dict[str, float], now: datetime = T0) -> Relationship:
    return apply_sentiment_deltas(
        rel, deltas, now=now, half_life=HALF_LIFE, max_delta=MAX_DELTA, known=LITE_SENTIMENTS
    )


# --- the sets --------------------------------------------------------------------------------


def test_lite_and_rich_sets_have_the_documented_names():
    assert list(LITE_SENTIMENTS) == [
        "positive",
        "love",
        "hate",
        "trust",
        "admiration",
        "attachment",
        "empathy",
        "curiosity",
        "ambivalence",
        "skepticism",
        "irritation",
        "negativity",
        "fear",
        "sadness",
        "rejection",
        "protectiveness",
    ]
    assert len(RICH_SENTIMENTS) == 66
    assert {"admirationMixedWithEnvy", "guiltMixedWithAffection", "conflicted"} <= set(
        RICH_SENTIMENTS
    )
    for sentiments in (LITE_SENTIMENTS, RICH_SENTIMENTS):
        for description in sentiments.values():
            assert description.strip()
            assert "\n" not in description
    # The neutrals name sentiments both shipped sets have.
    assert set(SENTIMENT_NEUTRALS) <= set(LITE_SENTIMENTS) & set(RICH_SENTIMENTS)


# --- fade ------------------------------------------------------------------------------------


def test_a_half_life_halves_the_distance_to_neutral():
    rel = relationship({"trust": 75.0, "love": 60.0, "curiosity": 0.0})
    faded = current_sentiments(rel, T0 + HALF_LIFE, HALF_LIFE)
    assert faded["trust"] == pytest.approx(15 + 60 / 2)
    assert faded["love"] == pytest.approx(30.0)
    # Below its resting value, curiosity comes back up toward it.
    assert faded["curiosity"] == pytest.approx(10.0)
    assert current_sentiments(rel, T0 + 4 * HALF_LIFE, HALF_LIFE)["love"] == pytest.approx(3.75)


def test_nothing_fades_before_the_clock_starts():
    rel = relationship({"love": 60.0})
    assert current_sentiments(rel, T0 - timedelta(days=3), HALF_LIFE) == {"love": 60.0}
    late = fade_sentiments(rel, T0 - timedelta(days=3), HALF_LIFE)
    assert late.sentiments_at == T0


def test_the_clock_of_a_relationship_stored_without_one_starts_at_last_contact():
    contact = T0 + timedelta(days=10)
    rel = Relationship(
        "jasmine", "u1", created_at=T0, sentiments={"love": 60}, last_contact=contact
    )
    assert current_sentiments(rel, contact + HALF_LIFE, HALF_LIFE)["love"] == pytest.approx(30)


def test_values_stored_out_of_range_or_not_numbers_are_read_sanely():
    rel = relationship({"love": 250.0, "hate": -4.0, "trust": math.nan})
    assert current_sentiments(rel, T0, HALF_LIFE) == {"love": 100.0, "hate": 0.0, "trust": 15.0}


@given(values_strategy, seconds, seconds)
def test_fade_moves_monotonically_toward_neutral(values, first, second):
    rel = relationship(values)
    early, late = sorted((first, second))
    at_early = current_sentiments(rel, T0 + timedelta(seconds=early), HALF_LIFE)
    at_late = current_sentiments(rel, T0 + timedelta(seconds=late), HALF_LIFE)
    for name, stored in values.items():
        neutral = neutral_of(name)
        assert abs(at_late[name] - neutral) <= abs(at_early[name] - neutral) + 1e-9
        assert abs(at_early[name] - neutral) <= abs(stored - neutral) + 1e-9
        # It never passes neutral.
        assert (at_late[name] - neutral) * (stored - neutral) >= 0


@given(values_strategy, seconds, seconds)
def test_fade_composes(values, first, second):
    rel = relationship(values)
    midway = fade_sentiments(rel, T0 + timedelta(seconds=first), HALF_LIFE)
    end = T0 + timedelta(seconds=first + second)
    in_two = current_sentiments(midway, end, HALF_LIFE)
    in_one = current_sentiments(rel, end, HALF_LIFE)
    assert in_two == pytest.approx(in_one, abs=1e-9)


# --- deltas ----------------------------------------------------------------------------------


@given(values_strategy, deltas_strategy, seconds)
def test_sentiments_stay_within_0_and_100(values, deltas, elapsed):
    after = apply(relationship(values), deltas, T0 + timedelta(seconds=elapsed))
    for value in after.sentiments.values():
        assert 0.0 <= value <= 100.0


@given(values_strategy, deltas_strategy)
def test_one_event_moves_a_sentiment_at_most_max_delta(values, deltas):
    rel = relationship(values)
    after = apply(rel, deltas).sentiments
    for name, value in after.items():
        before = values.get(name, neutral_of(name))
        assert abs(value - before) <= MAX_DELTA + 1e-9


@given(
    st.sampled_from(NAMES),
    st.floats(min_value=0, max_value=99),
    st.floats(min_value=1e-4, max_value=1),
)
def test_small_deltas_are_not_lost(name, value, delta):
    rel = relationship({name: value})
    assert apply(rel, {name: delta}).sentiments[name] > value
    lowered = relationship({name: value + 1})
    assert apply(lowered, {name: -delta}).sentiments[name] < value + 1


def test_saturates_near_the_bounds_without_passing_them():
    rel = relationship({"love": 95.0, "hate": 3.0})
    after = apply(rel, {"love": 15, "hate": -15}).sentiments
    assert 95 < after["love"] < 100
    assert 0 < after["hate"] < 3
    assert apply(relationship({"love": 50.0}), {"love": 10}).sentiments["love"] == pytest.approx(
        59.06, abs=0.01
    )


def test_unknown_names_and_non_numbers_are_ignored():
    rel = relationship({"love": 40.0})
    after = apply(rel, {"joy": 10, "love": math.nan, "trust": math.inf, "hate": "a lot"})  # type: ignore[dict-item]
    assert after.sentiments == {"love": 40.0}


def test_a_new_sentiment_starts_at_its_neutral():
    after = apply(relationship({}), {"curiosity": 5, "love": 5}).sentiments
    assert 24 < after["curiosity"] < 25
    assert 4.5 < after["love"] < 5


def test_applying_fades_to_now_first_and_restarts_the_clock_there():
    rel = relationship({"love": 60.0, "hate": 20.0})
    now = T0 + HALF_LIFE
    after = apply(rel, {"love": 1}, now)
    assert after.sentiments_at == now
    assert 30 < after.sentiments["love"] < 31
    assert after.sentiments["hate"] == pytest.approx(10)
    # Read again at the same time: nothing fades twice.
    assert current_sentiments(after, now, HALF_LIFE) == after.sentiments


def test_names_the_current_set_lacks_are_kept():
    rel = relationship({"euphoria": 50.0})
    after = apply(rel, {"euphoria": 10, "love": 10})
    assert after.sentiments["euphoria"] == 50.0
    assert "love" in after.sentiments


def test_applying_leaves_the_rest_of_the_relationship_alone():
    rel = Relationship(
        "jasmine",
        "u1",
        created_at=T0,
        intrinsic="sister",
        extrinsic="friend",
        summary="kind",
        version=4,
    )
    after = apply(rel, {"love": 3})
    assert (after.intrinsic, after.extrinsic, after.summary, after.version) == (
        "sister",
        "friend",
        "kind",
        4,
    )
    assert rel.sentiments == {}


# --- structured output -----------------------------------------------------------------------


def test_the_deltas_model_has_one_number_per_sentiment_and_accepts_any_number():
    names = tuple(RICH_SENTIMENTS)
    model = sentiment_deltas_model(names, 15.0)
    assert sentiment_deltas_model(names, 15.0) is model
    schema = model.model_json_schema()
    assert list(schema["properties"]) == list(names)
    assert schema["properties"]["admirationMixedWithEnvy"] == {
        "default": 0.0,
        "maximum": 15.0,
        "minimum": -15.0,
        "title": "Admirationmixedwithenvy",
        "type": "number",
    }
    parsed = model.model_validate({"trust": 40, "hurt": -2.5, "something_else": 3})
    assert parsed.model_dump()["trust"] == 40.0
    assert parsed.model_dump()["hurt"] == -2.5
    assert parsed.model_dump()["love"] == 0.0
    assert "something_else" not in parsed.model_dump()


def test_parsed_deltas_apply_bounded():
    model = sentiment_deltas_model(NAMES, MAX_DELTA)
    deltas = model.model_validate({"trust": 90}).model_dump()
    after = apply(relationship({"trust": 15.0}), deltas)
    assert after.sentiments["trust"] <= 15.0 + MAX_DELTA


# --- words -----------------------------------------------------------------------------------


def test_labels_read_as_words():
    assert sentiment_label("admirationMixedWithEnvy") == "admiration mixed with envy"
    assert sentiment_label("self_pity") == "self pity"
    assert sentiment_label("trust") == "trust"
    assert len(sentiment_label("x" * 200)) == 40


def test_strongest_sentiments_are_the_felt_ones_strongest_first():
    values = {"trust": 72.0, "love": 40.0, "hate": 2.0, "curiosity": 72.0, "fear": 10.0}
    assert strongest_sentiments(values, limit=3) == [
        ("curiosity", 72.0),
        ("trust", 72.0),
        ("love", 40.0),
    ]
    assert strongest_sentiments(values, limit=10)[-1] == ("fear", 10.0)
    assert strongest_sentiments({"hate": 2.0}, limit=3) == []
