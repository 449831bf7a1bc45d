"""The arithmetic of feelings: decay, bounded saturating change, congruence, mood shifts."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from soul_framework.domain.personality import BigFive
from soul_framework.mind.emotion_dynamics import (
    PAD,
    EmotionProfile,
    apply_saturating,
    appraise_values,
    baselines_from_personality,
    bound_delta,
    centre_of,
    congruence_factor,
    decay_factor,
    decay_pad,
    decay_toward,
    describe_emotions,
    drift_pressure,
    shift_mood,
    valence_of,
)

intensity = st.floats(min_value=0, max_value=100)
seconds = st.floats(min_value=0, max_value=10 * 365 * 86400)
half_life = st.floats(min_value=1, max_value=30 * 86400)
delta = st.floats(min_value=-500, max_value=500)
axis = st.floats(min_value=-1, max_value=1)
pad = st.builds(PAD, axis, axis, axis)


# --- decay ------------------------------------------------------------------------------------


def test_one_half_life_halves_the_distance_to_baseline():
    factor = decay_factor(1800, 1800)
    assert decay_toward(90, 30, factor) == pytest.approx(60)
    assert decay_toward(10, 30, decay_factor(3600, 1800)) == pytest.approx(25)


def test_no_elapsed_time_no_decay():
    assert decay_factor(0, 1800) == 1.0
    assert decay_factor(-5, 1800) == 1.0


def test_decay_of_centuries_is_one_power_and_lands_on_baseline():
    assert decay_toward(99, 12, decay_factor(1e12, 1800)) == 12


@given(value=intensity, baseline=intensity, elapsed=seconds, life=half_life)
def test_decay_stays_between_value_and_baseline(value, baseline, elapsed, life):
    decayed = decay_toward(value, baseline, decay_factor(elapsed, life))
    assert min(value, baseline) <= decayed <= max(value, baseline)
    assert 0 <= decayed <= 100


@given(value=intensity, baseline=intensity, first=seconds, second=seconds, life=half_life)
def test_decay_moves_monotonically_toward_baseline(value, baseline, first, second, life):
    earlier = decay_toward(value, baseline, decay_factor(first, life))
    later = decay_toward(value, baseline, decay_factor(first + second, life))
    assert abs(later - baseline) <= abs(earlier - baseline)


@given(value=intensity, baseline=intensity, a=seconds, b=seconds, life=half_life)
def test_decay_composes(value, baseline, a, b, life):
    halfway = decay_toward(value, baseline, decay_factor(a, life))
    in_two = decay_toward(halfway, baseline, decay_factor(b, life))
    at_once = decay_toward(value, baseline, decay_factor(a + b, life))
    assert in_two == pytest.approx(at_once, abs=1e-9)


@given(mood=pad, default=pad, a=seconds, b=seconds, life=half_life)
def test_mood_decay_composes_and_stays_in_range(mood, default, a, b, life):
    halfway = decay_pad(mood, default, decay_factor(a, life))
    in_two = decay_pad(halfway, default, decay_factor(b, life))
    at_once = decay_pad(mood, default, decay_factor(a + b, life))
    assert in_two == pytest.approx(at_once, abs=1e-12)
    assert all(-1 <= x <= 1 for x in at_once)


# --- saturating change ------------------------------------------------------------------------


@given(value=intensity, change=delta)
def test_saturating_change_never_leaves_the_scale(value, change):
    assert 0 <= apply_saturating(value, change) <= 100


@given(value=intensity, change=delta)
def test_saturating_change_never_overshoots_and_keeps_direction(value, change):
    moved = apply_saturating(value, change)
    if change > 0:
        assert value <= moved <= value + change
    elif change < 0:
        assert value + change <= moved <= value
    else:
        assert moved == value


@given(
    value=st.floats(min_value=95, max_value=100),
    change=st.floats(min_value=0, max_value=1000),
)
def test_near_the_top_a_delta_never_passes_100(value, change):
    assert apply_saturating(value, change) <= 100


@given(value=st.floats(min_value=0, max_value=5), change=st.floats(min_value=-1000, max_value=0))
def test_near_the_bottom_a_delta_never_passes_0(value, change):
    assert apply_saturating(value, change) >= 0


def test_returns_diminish_near_the_bound():
    at_middle = apply_saturating(50, 10) - 50
    near_top = apply_saturating(90, 10) - 90
    assert 9 < at_middle < 10
    almost_full = apply_saturating(98, 10) - 98
    assert almost_full < 2 < near_top < 0.75 * at_middle
    # Repeated strong events still climb past the old ceiling of about 80.
    value = 50.0
    for _ in range(4):
        value = apply_saturating(value, 25)
    assert 95 < value < 100


def test_a_hundredth_of_a_point_is_kept():
    assert apply_saturating(50, 0.01) > 50
    assert apply_saturating(50, 0.01) == pytest.approx(50.01, abs=1e-5)
    assert apply_saturating(50, -0.01) < 50


@given(
    value=st.floats(min_value=0, max_value=99),
    change=st.floats(min_value=1e-9, max_value=1),
    sign=st.sampled_from([1, -1]),
)
def test_a_small_delta_is_never_lost_to_rounding(value, change, sign):
    if sign < 0:
        value = 100 - value  # at least a point above 0
    moved = apply_saturating(value, sign * change)
    assert moved != value
    assert (moved - value) * sign > 0


@given(change=delta, bound=st.floats(min_value=0.1, max_value=100))
def test_bound_delta(change, bound):
    assert abs(bound_delta(change, bound)) <= bound
    if abs(change) <= bound:
        assert bound_delta(change, bound) == change


# --- appraisal of a set of values -------------------------------------------------------------

VALENCES = {"joy": 1.0, "sadness": -1.0, "surprise": 0.0}
values_strategy = st.fixed_dictionaries(
    {"joy": intensity, "sadness": intensity, "surprise": intensity}
)
deltas_strategy = st.dictionaries(
    st.sampled_from(["joy", "sadness", "surprise", "unknown"]), delta, max_size=4
)


@given(
    values=values_strategy,
    deltas=deltas_strategy,
    confidence=st.floats(min_value=0, max_value=1),
    mood_valence=axis,
    bound=st.floats(min_value=0.5, max_value=50),
    strength=st.floats(min_value=0, max_value=1),
)
def test_appraisal_respects_the_per_event_bound_and_the_scale(
    values, deltas, confidence, mood_valence, bound, strength
):
    after = appraise_values(
        values,
        deltas,
        valences=VALENCES,
        mood_valence=mood_valence,
        confidence=confidence,
        max_delta=bound,
        congruence=strength,
    )
    assert set(after) == set(values)
    for name, value in after.items():
        assert 0 <= value <= 100
        assert abs(value - values[name]) <= bound + 1e-9


@given(values=values_strategy, deltas=deltas_strategy, mood_valence=axis)
def test_no_confidence_no_change(values, deltas, mood_valence):
    after = appraise_values(
        values,
        deltas,
        valences=VALENCES,
        mood_valence=mood_valence,
        confidence=0.0,
        max_delta=25,
        congruence=0.5,
    )
    assert after == values


def test_confidence_scales_the_change():
    common = {"valences": VALENCES, "mood_valence": 0.0, "max_delta": 25, "congruence": 0.5}
    full = appraise_values({"joy": 0.0}, {"joy": 10}, confidence=1.0, **common)["joy"]
    half = appraise_values({"joy": 0.0}, {"joy": 10}, confidence=0.5, **common)["joy"]
    assert half == pytest.approx(apply_saturating(0, 5))
    assert full == pytest.approx(apply_saturating(0, 10))


def test_unknown_names_and_non_numbers_are_ignored():
    after = appraise_values(
        {"joy": 40.0},
        {"nostalgia": 30, "joy": math.nan},
        valences=VALENCES,
        mood_valence=0.0,
        confidence=1.0,
        max_delta=25,
        congruence=0.5,
    )
    assert after == {"joy": 40.0}


# --- congruence -------------------------------------------------------------------------------


def test_a_bad_mood_darkens_perception():
    # Raising sadness agrees with a bad mood; raising joy goes against it.
    assert congruence_factor(+10, -1.0, -0.8, 0.5) == pytest.approx(1.4)
    assert congruence_factor(+10, +1.0, -0.8, 0.5) == pytest.approx(0.6)
    # Lowering joy is unpleasant, so a bad mood amplifies it too.
    assert congruence_factor(-10, +1.0, -0.8, 0.5) == pytest.approx(1.4)


def test_a_good_mood_brightens_perception():
    assert congruence_factor(+10, +1.0, 0.6, 0.5) == pytest.approx(1.3)
    assert congruence_factor(+10, -1.0, 0.6, 0.5) == pytest.approx(0.7)
    assert congruence_factor(-10, -1.0, 0.6, 0.5) == pytest.approx(1.3)


def test_neutral_mood_neutral_emotion_or_no_strength_change_nothing():
    assert congruence_factor(10, 1.0, 0.0, 0.5) == 1.0
    assert congruence_factor(10, 0.0, -1.0, 0.5) == 1.0
    assert congruence_factor(10, 1.0, -1.0, 0.0) == 1.0


def test_the_same_remark_lands_harder_on_a_sad_agent():
    common = {"valences": VALENCES, "confidence": 1.0, "max_delta": 25, "congruence": 0.5}
    start = {"joy": 30.0, "sadness": 30.0, "surprise": 0.0}
    sad = appraise_values(start, {"sadness": 8}, mood_valence=-0.7, **common)["sadness"]
    glad = appraise_values(start, {"sadness": 8}, mood_valence=0.7, **common)["sadness"]
    assert sad - 30 > 8 > glad - 30 > 0


def test_valence_of_feelings():
    assert valence_of({"joy": 80, "sadness": 0, "surprise": 50}, VALENCES) == pytest.approx(0.8)
    assert valence_of({"joy": 10, "sadness": 70, "surprise": 0}, VALENCES) == pytest.approx(-0.6)


# --- personality ------------------------------------------------------------------------------

PROFILES = {
    "joy": EmotionProfile(35, {"extraversion": 40, "neuroticism": -20}, 1, "joyful"),
    "fear": EmotionProfile(15, {"neuroticism": 30}, -1, "afraid"),
    "calm": EmotionProfile(20, {}, 1, "calm"),
}


def test_baselines_follow_the_personality_and_explicit_ones_win():
    average = baselines_from_personality(PROFILES, BigFive(), {})
    assert average == {"joy": 35, "fear": 15, "calm": 20}
    outgoing = baselines_from_personality(PROFILES, BigFive(extraversion=1.0), {})
    assert outgoing["joy"] == pytest.approx(55)
    anxious = baselines_from_personality(PROFILES, BigFive(neuroticism=0.9), {"calm": 3})
    assert anxious["fear"] == pytest.approx(27)
    assert anxious["joy"] == pytest.approx(27)
    assert anxious["calm"] == 3


def test_unknown_or_out_of_range_baselines_are_refused():
    with pytest.raises(ValueError, match="nostalgia"):
        baselines_from_personality(PROFILES, BigFive(), {"nostalgia": 10})
    with pytest.raises(ValueError, match=r"0\.\.100"):
        baselines_from_personality(PROFILES, BigFive(), {"joy": 120})


def test_drift_pressure_follows_the_personality_links():
    rest = {"joy": 35.0, "fear": 15.0, "calm": 20.0}
    assert all(p == 0 for p in drift_pressure(PROFILES, rest, rest).values())
    frightened = drift_pressure(PROFILES, {**rest, "fear": 60.0}, rest)
    assert frightened["neuroticism"] > 0
    assert frightened["extraversion"] == 0
    assert frightened["openness"] == 0
    glad = drift_pressure(PROFILES, {**rest, "joy": 85.0}, rest)
    assert glad["extraversion"] == pytest.approx(1.0)  # 50 points above rest: full push
    assert glad["neuroticism"] < 0


@given(values=st.fixed_dictionaries({"joy": intensity, "fear": intensity, "calm": intensity}))
def test_drift_pressure_is_bounded(values):
    rest = {"joy": 35.0, "fear": 15.0, "calm": 20.0}
    pressure = drift_pressure(PROFILES, values, rest)
    assert set(pressure) == {
        "openness",
        "conscientiousness",
        "extraversion",
        "agreeableness",
        "neuroticism",
    }
    assert all(-1 <= p <= 1 for p in pressure.values())


# --- PAD mood ---------------------------------------------------------------------------------


def test_centre_is_weighted_by_intensity_and_ignores_inactive_emotions():
    centre = centre_of([(PAD(1, 0, 0), 0.3), (PAD(0, 1, 0), 0.1), (PAD(0, 0, 1), -0.5)])
    assert centre is not None
    point, strength = centre
    assert point == pytest.approx(PAD(0.75, 0.25, 0.0))
    assert strength == pytest.approx((0.09 + 0.01) / 0.4)
    assert centre_of([(PAD(1, 1, 1), 0.0)]) is None


def test_mood_is_pulled_toward_the_centre_without_passing_it():
    moved = shift_mood(PAD(0, 0, 0), PAD(0.3, 0.4, 0.0), 0.1)
    assert moved == pytest.approx(PAD(0.06, 0.08, 0.0))
    assert shift_mood(PAD(0.25, 0.35, 0), PAD(0.3, 0.4, 0), 1.0) == pytest.approx(PAD(0.3, 0.4, 0))


def test_mood_beyond_the_centre_is_pushed_further_out():
    pushed = shift_mood(PAD(0.6, 0.6, 0.6), PAD(0.3, 0.3, 0.3), 0.1)
    assert pushed.norm() == pytest.approx(PAD(0.6, 0.6, 0.6).norm() + 0.1)
    assert all(x > 0.6 for x in pushed)


def test_mood_in_another_octant_is_pulled_across():
    moved = shift_mood(PAD(-0.5, 0.2, 0.1), PAD(0.4, 0.2, 0.1), 0.2)
    assert moved == pytest.approx(PAD(-0.3, 0.2, 0.1))


@given(mood=pad, centre=pad, step=st.floats(min_value=0, max_value=2))
def test_mood_shift_is_bounded_and_stays_in_range(mood, centre, step):
    moved = shift_mood(mood, centre, step)
    assert all(-1 <= x <= 1 for x in moved)
    distance = PAD(*(a - b for a, b in zip(moved, mood, strict=True))).norm()
    assert distance <= step + 1e-9


# --- words ------------------------------------------------------------------------------------


def test_description_names_the_strongest_and_the_changes():
    rest = {"joy": 35.0, "fear": 15.0, "calm": 20.0}
    text = describe_emotions({"joy": 62.4, "fear": 3.0, "calm": 20.0}, rest, PROFILES)
    assert text == "joy 62 (high), calm 20, fear 3; more joyful than usual, less afraid than usual"
    assert describe_emotions(rest, rest, PROFILES).endswith("; close to usual")


@given(values=st.fixed_dictionaries({"joy": intensity, "fear": intensity, "calm": intensity}))
def test_description_is_short(values):
    assume(all(math.isfinite(v) for v in values.values()))
    assert len(describe_emotions(values, {"joy": 35, "fear": 15, "calm": 20}, PROFILES)) < 300
