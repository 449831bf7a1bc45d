"""The trait rules any personality schema can build on, checked on a small made-up schema."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.domain.personality import BigFive
from soul_framework.mind.traits import (
    BIG_FIVE_FACTORS,
    big_five_of,
    checked_description,
    checked_pinned,
    checked_values,
    personality_matrix,
    spread_over_traits,
)

KNOWN = {"calm": "slow to be shaken", "bold": "quick to act", "kind": "gentle with others"}
LOADINGS = {
    "calm": {"neuroticism": -1.0},
    "bold": {"extraversion": 0.75, "neuroticism": -0.25},
    "kind": {"agreeableness": 1.0},
}


def exactly(message: str) -> str:
    """A ``match`` pattern that accepts ``message`` and nothing else."""
    return f"^{re.escape(message)}$"


def test_the_factors_are_those_of_big_five_in_its_order() -> None:
    assert tuple(BigFive.__dataclass_fields__) == BIG_FIVE_FACTORS


# --- values, pins, description ----------------------------------------------------------------


def test_values_become_floats_and_the_bounds_are_inclusive() -> None:
    values = checked_values({"calm": 0, "bold": 100, "kind": 42.5}, KNOWN)
    assert values == {"calm": 0.0, "bold": 100.0, "kind": 42.5}
    assert all(type(value) is float for value in values.values())


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([("calm", 50)], "traits must be a mapping of trait name to value, got [('calm', 50)]"),
        ({"grit": 50}, "unknown trait 'grit'; the traits are: calm, bold, kind"),
        ({"calm": True}, "trait 'calm' must be a number within 0..100, got True"),
        ({"calm": "50"}, "trait 'calm' must be a number within 0..100, got '50'"),
        ({"calm": 100.5}, "trait 'calm' must be within 0..100, got 100.5"),
        ({"calm": -1}, "trait 'calm' must be within 0..100, got -1"),
        ({"calm": math.nan}, "trait 'calm' must be within 0..100, got nan"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_them(given: object, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        checked_values(given, KNOWN)


def test_pins_keep_their_first_order_once_each() -> None:
    assert checked_pinned(("kind", "calm", "kind"), KNOWN) == ["kind", "calm"]
    assert checked_pinned([], KNOWN) == []


@pytest.mark.parametrize(
    ("pinned", "message"),
    [
        ("calm", "pinned must be a list of trait names, got 'calm'"),
        (3, "pinned must be a list of trait names, got 3"),
        (["grit"], "cannot pin unknown trait 'grit'; the traits are: calm, bold, kind"),
    ],
)
def test_bad_pins_are_refused(pinned: object, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        checked_pinned(pinned, KNOWN)


def test_a_description_must_be_text() -> None:
    assert checked_description("a quiet soul") == "a quiet soul"
    with pytest.raises(ValueError, match=r"^description must be text, got 5$"):
        checked_description(5)


# --- the Big Five ---------------------------------------------------------------------------


def test_middle_traits_are_an_average_personality() -> None:
    assert big_five_of(dict.fromkeys(KNOWN, 50.0), LOADINGS) == BigFive()


def test_each_factor_is_the_weighted_distance_of_its_traits_from_the_middle() -> None:
    profile = big_five_of({"calm": 100.0, "bold": 20.0, "kind": 75.0}, LOADINGS)
    # Neuroticism: (-1 * 50 + -0.25 * -30) / (1.25 * 100) = -0.34 from the middle.
    assert profile.neuroticism == pytest.approx(0.5 - 0.34)
    assert profile.extraversion == pytest.approx(0.5 + 0.75 * -30 / 75)
    assert profile.agreeableness == pytest.approx(0.75)
    # No trait loads on these: they stay average.
    assert profile.openness == 0.5
    assert profile.conscientiousness == 0.5


def test_traits_at_their_poles_reach_the_ends_of_the_factors() -> None:
    profile = big_five_of({"calm": 0.0, "bold": 0.0, "kind": 100.0}, LOADINGS)
    assert profile.neuroticism == 1.0
    assert profile.extraversion == 0.0
    assert profile.agreeableness == 1.0


@given(st.fixed_dictionaries({name: st.floats(0, 100) for name in KNOWN}))
def test_the_big_five_stays_within_0_and_1(values: dict[str, float]) -> None:
    profile = big_five_of(values, LOADINGS)
    assert all(0.0 <= getattr(profile, factor) <= 1.0 for factor in BIG_FIVE_FACTORS)


def test_a_factor_change_spreads_over_the_traits_by_their_weights() -> None:
    moved = spread_over_traits({"neuroticism": 4.0, "agreeableness": -2.0}, LOADINGS)
    assert moved == pytest.approx({"calm": -4.0, "bold": -1.0, "kind": -2.0})
    assert spread_over_traits({}, LOADINGS) == {"calm": 0.0, "bold": 0.0, "kind": 0.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"grit": 1.0},
            "unknown Big Five factor 'grit'; the factors are: openness, conscientiousness, "
            "extraversion, agreeableness, neuroticism",
        ),
        ({"openness": math.inf}, "change of 'openness' must be a finite number, got inf"),
        ({"openness": math.nan}, "change of 'openness' must be a finite number, got nan"),
    ],
)
def test_bad_factor_changes_are_refused(change: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        spread_over_traits(change, LOADINGS)


# --- the API view ---------------------------------------------------------------------------


def test_the_matrix_follows_the_descriptions_order_and_rounds_values() -> None:
    matrix = personality_matrix({"kind": 61.0071, "calm": 12.344, "bold": 50.0}, KNOWN)
    assert list(matrix) == ["calm", "bold", "kind"]
    assert matrix["calm"] == {
        "description": "slow to be shaken",
        "value": 12.34,
        "min": 0,
        "max": 100,
    }
    assert matrix["kind"]["value"] == 61.01
    assert all(type(entry["min"]) is int for entry in matrix.values())
