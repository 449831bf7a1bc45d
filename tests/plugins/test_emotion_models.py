"""The bundled emotion models: baselines, decay, appraisal, mood, words and drift."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.domain.agent import EmotionalState
from soul_framework.domain.personality import BigFive
from soul_framework.mind.emotion_dynamics import PAD
from soul_framework.protocols import EmotionModel
from soul_plugins.emotions_lite.model import LiteEmotionModel
from soul_plugins.emotions_rich.model import RICH_PROFILES, RichEmotionModel
from soul_plugins.emotions_rich.mood import EMOTION_PAD, default_mood, mood_words, octant

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FACTORS = {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}


def build(model_class, **values):
    return model_class(Settings(_env_file=None, **values))


@pytest.fixture(params=[LiteEmotionModel, RichEmotionModel], ids=["lite", "rich"])
def model(request):
    return build(request.param)


def joyful(model) -> str:
    return "joy" if model.name == "lite" else "happiness"


# --- identity ---------------------------------------------------------------------------------


def test_names_and_emotion_lists_are_kept():
    lite = build(LiteEmotionModel)
    rich = build(RichEmotionModel)
    assert lite.name == "lite"
    assert list(lite.emotions) == [
        "joy",
        "sadness",
        "anger",
        "fear",
        "surprise",
        "love",
        "disgust",
    ]
    assert rich.name == "rich"
    assert len(rich.emotions) == 27
    assert {"self_loathing", "love_for_self", "happiness", "serenity"} <= set(rich.emotions)
    for m in (lite, rich):
        assert isinstance(m.emotions, MappingProxyType)
        assert isinstance(m, EmotionModel)
        assert all(m.emotions.values())


def test_every_rich_emotion_has_a_place_in_pad_space_and_a_profile():
    assert set(EMOTION_PAD) == set(RichEmotionModel.emotions) == set(RICH_PROFILES)
    assert all(-1 <= x <= 1 for point in EMOTION_PAD.values() for x in point)


def test_alma_figures_are_used_where_alma_gives_them():
    assert EMOTION_PAD["anger"] == PAD(-0.51, 0.59, 0.25)
    assert EMOTION_PAD["fear"] == PAD(-0.64, 0.60, -0.43)
    assert EMOTION_PAD["happiness"] == PAD(0.40, 0.20, 0.10)
    assert EMOTION_PAD["sadness"] == PAD(-0.40, -0.20, -0.50)


# --- initial state ----------------------------------------------------------------------------


def test_a_new_agent_rests_at_its_baselines(model):
    state = model.initial_state(BigFive(), {}, T0)
    assert set(state.values) == set(model.emotions)
    assert state.at == T0
    for name, value in state.values.items():
        assert value == state.baselines[name]
        assert 0 <= value <= 100


def test_baselines_come_from_the_personality(model):
    joy = joyful(model)
    introvert = model.initial_state(BigFive(extraversion=0.1), {}, T0).baselines
    extravert = model.initial_state(BigFive(extraversion=0.9), {}, T0).baselines
    assert extravert[joy] > introvert[joy] + 10
    calm = model.initial_state(BigFive(neuroticism=0.1), {}, T0).baselines
    nervous = model.initial_state(BigFive(neuroticism=0.9), {}, T0).baselines
    assert nervous["fear"] > calm["fear"] + 10
    assert nervous["sadness"] > calm["sadness"] + 10
    cold = model.initial_state(BigFive(agreeableness=0.1), {}, T0).baselines
    warm = model.initial_state(BigFive(agreeableness=0.9), {}, T0).baselines
    assert warm["love"] > cold["love"] + 10
    assert warm["anger"] < cold["anger"]


def test_a_personas_baselines_win(model):
    state = model.initial_state(BigFive(neuroticism=0.9), {"fear": 2.5, "love": 70}, T0)
    assert state.baselines["fear"] == 2.5
    assert state.values["fear"] == 2.5
    assert state.values["love"] == 70


def test_unknown_baselines_are_refused(model):
    with pytest.raises(ValueError, match="nostalgia"):
        model.initial_state(BigFive(), {"nostalgia": 10}, T0)


def test_a_rich_agent_starts_in_its_default_mood():
    personality = BigFive(extraversion=0.8, agreeableness=0.7, neuroticism=0.3)
    state = build(RichEmotionModel).initial_state(personality, {}, T0)
    expected = default_mood(personality)
    assert PAD.of(state.mood) == expected
    assert PAD.of(state.baselines) == expected  # where the mood returns to


# --- decay ------------------------------------------------------------------------------------


def aroused(model, at=T0) -> EmotionalState:
    state = model.initial_state(BigFive(), {}, at)
    return EmotionalState(
        values={**state.values, "fear": 90.0, joyful(model): 5.0},
        at=at,
        baselines=state.baselines,
        mood={"pleasure": -0.6, "arousal": 0.5, "dominance": -0.3} if state.mood else {},
    )


def test_the_decay_rate_is_the_half_life(model):
    state = aroused(model)
    later = model.current(state, T0 + timedelta(seconds=1800))
    rest = state.baselines["fear"]
    assert later.values["fear"] - rest == pytest.approx((90 - rest) / 2)
    assert later.at == T0 + timedelta(seconds=1800)


def test_the_half_life_is_configurable():
    quick = build(LiteEmotionModel, emotional_decay_rate_seconds=60)
    state = aroused(quick)
    later = quick.current(state, T0 + timedelta(seconds=120))
    rest = state.baselines["fear"]
    assert later.values["fear"] - rest == pytest.approx((90 - rest) / 4)


def test_reading_in_the_past_changes_nothing(model):
    state = aroused(model)
    earlier = model.current(state, T0 - timedelta(hours=1))
    assert earlier.values == state.values
    assert earlier.at == T0


def test_after_a_long_silence_feelings_are_back_at_rest(model):
    state = aroused(model)
    later = model.current(state, T0 + timedelta(days=400))
    assert later.values == pytest.approx({n: state.baselines[n] for n in model.emotions})


def test_the_mood_decays_on_its_own_slower_clock():
    rich = build(RichEmotionModel, soul_mood_half_life_seconds=6 * 3600)
    state = aroused(rich)
    rest = PAD.of(state.baselines)
    later = rich.current(state, T0 + timedelta(hours=6))
    assert later.mood["pleasure"] - rest.pleasure == pytest.approx((-0.6 - rest.pleasure) / 2)
    # In six hours the emotions have gone through twelve half-lives, the mood through one.
    assert later.values["fear"] == pytest.approx(state.baselines["fear"], abs=0.1)


def test_an_old_state_without_baselines_is_still_read(model):
    old = EmotionalState(values={"fear": 80.0}, at=T0)
    later = model.current(old, T0 + timedelta(hours=1))
    assert set(later.values) == set(model.emotions)
    assert later.values["fear"] < 80


# --- properties over event sequences ---------------------------------------------------------

NAMES = ["joy", "happiness", "sadness", "fear", "love", "anxiety", "trust", "anger", "surprise"]
events = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=7 * 86400),
        st.dictionaries(
            st.sampled_from(NAMES),
            st.floats(min_value=-400, max_value=400),
            max_size=5,
        ),
        st.floats(min_value=0, max_value=1),
    ),
    max_size=12,
)
personalities = st.builds(
    BigFive,
    *(st.floats(min_value=0, max_value=1) for _ in range(5)),
)


@pytest.mark.parametrize("model_class", [LiteEmotionModel, RichEmotionModel])
@settings(max_examples=60, deadline=None)
@given(personality=personalities, sequence=events)
def test_values_and_mood_stay_in_range(model_class, personality, sequence):
    model = build(model_class)
    state = model.initial_state(personality, {}, T0)
    now = T0
    for wait, deltas, confidence in sequence:
        now += timedelta(seconds=wait)
        before = model.current(state, now)
        state = model.appraise(state, deltas, confidence=confidence, now=now, reason="event")
        assert state.at == now
        for name, value in state.values.items():
            assert 0 <= value <= 100
            assert abs(value - before.values[name]) <= 25 + 1e-9  # the per-event bound
        assert all(-1 <= axis <= 1 for axis in state.mood.values())
        assert len(model.render(state)) < 300
        assert all(-1 <= p <= 1 for p in model.drift_pressure(state).values())


@pytest.mark.parametrize("model_class", [LiteEmotionModel, RichEmotionModel])
@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(min_value=0, max_value=30 * 86400),
    b=st.floats(min_value=0, max_value=30 * 86400),
)
def test_decay_by_a_then_b_is_decay_by_a_plus_b(model_class, a, b):
    model = build(model_class)
    state = aroused(model)
    middle = model.current(state, T0 + timedelta(seconds=a))
    in_two = model.current(middle, T0 + timedelta(seconds=a + b))
    at_once = model.current(state, T0 + timedelta(seconds=a + b))
    assert in_two.values == pytest.approx(at_once.values, abs=1e-6)
    assert in_two.mood == pytest.approx(at_once.mood, abs=1e-9)
    for name in model.emotions:
        rest = state.baselines[name]
        assert abs(middle.values[name] - rest) <= abs(state.values[name] - rest)
        assert abs(at_once.values[name] - rest) <= abs(middle.values[name] - rest) + 1e-12


@pytest.mark.parametrize("model_class", [LiteEmotionModel, RichEmotionModel])
@settings(max_examples=60, deadline=None)
@given(
    wait=st.floats(min_value=0, max_value=86400),
    deltas=st.dictionaries(
        st.sampled_from(["joy", "happiness", "sadness", "fear", "love"]),
        st.floats(min_value=-400, max_value=400),
    ),
)
def test_no_confidence_changes_nothing_but_decay(model_class, wait, deltas):
    model = build(model_class)
    state = aroused(model)
    now = T0 + timedelta(seconds=wait)
    after = model.appraise(state, deltas, confidence=0.0, now=now, reason="ignored")
    decayed = model.current(state, now)
    assert after.values == decayed.values
    assert after.mood == decayed.mood
    assert after.reason == state.reason


# --- appraisal --------------------------------------------------------------------------------


def test_a_small_delta_is_kept(model):
    joy = joyful(model)
    state = model.initial_state(BigFive(), {joy: 50}, T0)
    after = model.appraise(state, {joy: 0.01}, confidence=1.0, now=T0, reason="a smile")
    assert after.values[joy] > 50
    assert after.reason == "a smile"


def test_no_single_event_flips_the_feelings(model):
    joy = joyful(model)
    state = model.initial_state(BigFive(), {joy: 50, "sadness": 10}, T0)
    after = model.appraise(
        state, {joy: -100, "sadness": 100}, confidence=1.0, now=T0, reason="bad news"
    )
    assert after.values[joy] >= 50 - 25
    assert after.values["sadness"] <= 10 + 25


def test_the_per_event_bound_is_configurable():
    strict = build(LiteEmotionModel, soul_emotion_max_delta=5)
    state = strict.initial_state(BigFive(), {"joy": 50}, T0)
    after = strict.appraise(state, {"joy": 80}, confidence=1.0, now=T0, reason="x")
    assert 50 < after.values["joy"] <= 55


def test_appraisal_decays_first():
    lite = build(LiteEmotionModel)
    state = aroused(lite)
    now = T0 + timedelta(seconds=1800)
    after = lite.appraise(state, {"surprise": 1}, confidence=1.0, now=now, reason="x")
    assert after.values["fear"] == pytest.approx(lite.current(state, now).values["fear"])
    assert after.at == now


def test_unknown_emotions_are_ignored(model):
    state = model.initial_state(BigFive(), {}, T0)
    after = model.appraise(state, {"nostalgia": 40}, confidence=1.0, now=T0, reason="x")
    assert after.values == state.values


def lite_state(**values: float) -> EmotionalState:
    lite = build(LiteEmotionModel)
    base = lite.initial_state(BigFive(), {}, T0)
    return EmotionalState(values={**base.values, **values}, at=T0, baselines=base.baselines)


def test_lite_a_sad_agent_reads_remarks_more_darkly():
    lite = build(LiteEmotionModel)
    sad = lite_state(joy=5, love=5, sadness=80, fear=50)
    glad = lite_state(joy=80, love=70, sadness=5, fear=5)
    remark = {"sadness": 6, "joy": 6}
    sad_after = lite.appraise(sad, remark, confidence=1.0, now=T0, reason="a remark")
    glad_after = lite.appraise(glad, remark, confidence=1.0, now=T0, reason="a remark")
    sad_rise = sad_after.values["sadness"] - 80
    glad_rise = glad_after.values["sadness"] - 5
    # Near 80 saturation alone would make the sad agent's rise smaller; congruence wins.
    assert sad_rise > glad_rise
    assert glad_after.values["joy"] - 80 > sad_after.values["joy"] - 5


def test_lite_congruence_can_be_turned_off():
    lite = build(LiteEmotionModel, soul_mood_congruence=0)
    sad = lite_state(joy=5, love=5, sadness=40, fear=50)
    after = lite.appraise(sad, {"sadness": 6}, confidence=1.0, now=T0, reason="x")
    assert after.values["sadness"] == pytest.approx(40 + 60 * (1 - math.exp(-0.1)))


def rich_state(mood: PAD, **values: float) -> EmotionalState:
    rich = build(RichEmotionModel)
    base = rich.initial_state(BigFive(), {}, T0)
    return EmotionalState(
        values={**base.values, **values}, at=T0, baselines=base.baselines, mood=mood.as_dict()
    )


def test_rich_congruence_reads_the_moods_pleasure():
    rich = build(RichEmotionModel)
    gloomy = rich_state(PAD(-0.7, 0.0, 0.0))
    cheerful = rich_state(PAD(0.7, 0.0, 0.0))
    remark = {"sadness": 8, "trust": 8}
    after_gloomy = rich.appraise(gloomy, remark, confidence=1.0, now=T0, reason="x")
    after_cheerful = rich.appraise(cheerful, remark, confidence=1.0, now=T0, reason="x")
    assert after_gloomy.values["sadness"] > after_cheerful.values["sadness"]
    assert after_gloomy.values["trust"] < after_cheerful.values["trust"]


def test_rich_mood_is_pulled_toward_the_active_emotions():
    rich = build(RichEmotionModel)
    neutral = rich_state(ORIGIN_MOOD)
    after = rich.appraise(
        neutral, {"happiness": 25, "excitement": 25}, confidence=1.0, now=T0, reason="a gift"
    )
    mood = PAD.of(after.mood)
    assert mood.pleasure > 0
    assert mood.arousal > 0
    assert mood.norm() <= 0.1 + 1e-9  # SOUL_MOOD_MAX_SHIFT
    frightened = rich.appraise(
        neutral, {"fear": 25, "anxiety": 25}, confidence=1.0, now=T0, reason="a threat"
    )
    fear_mood = PAD.of(frightened.mood)
    assert fear_mood.pleasure < 0
    assert fear_mood.arousal > 0
    assert fear_mood.dominance < 0
    assert octant(fear_mood) == "anxious"


def test_rich_mood_shift_scales_with_confidence_and_setting():
    gentle = build(RichEmotionModel, soul_mood_max_shift=0.02)
    neutral = rich_state(ORIGIN_MOOD)
    sure = gentle.appraise(neutral, {"anger": 25}, confidence=1.0, now=T0, reason="x")
    unsure = gentle.appraise(neutral, {"anger": 25}, confidence=0.5, now=T0, reason="x")
    assert 0 < PAD.of(unsure.mood).norm() < PAD.of(sure.mood).norm() <= 0.02 + 1e-12


def test_many_happy_events_carry_the_mood_into_exuberance():
    rich = build(RichEmotionModel)
    state = rich_state(ORIGIN_MOOD)
    now = T0
    for _ in range(30):
        now += timedelta(minutes=2)
        state = rich.appraise(
            state,
            {"happiness": 15, "excitement": 15, "pride": 10},
            confidence=1.0,
            now=now,
            reason="good times",
        )
    assert octant(PAD.of(state.mood)) == "exuberant"
    assert PAD.of(state.mood).pleasure > 0.3


ORIGIN_MOOD = PAD(0.0, 0.0, 0.0)


# --- PAD mood ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "name"),
    [
        (PAD(0.5, 0.5, 0.5), "exuberant"),
        (PAD(0.5, 0.5, -0.5), "dependent"),
        (PAD(0.5, -0.5, 0.5), "relaxed"),
        (PAD(0.5, -0.5, -0.5), "docile"),
        (PAD(-0.5, -0.5, -0.5), "bored"),
        (PAD(-0.5, -0.5, 0.5), "disdainful"),
        (PAD(-0.5, 0.5, -0.5), "anxious"),
        (PAD(-0.5, 0.5, 0.5), "hostile"),
    ],
)
def test_alma_octants(point, name):
    assert octant(point) == name


def test_mood_grades():
    assert mood_words(PAD(0.01, 0.0, -0.02)) == "neutral"
    assert mood_words(PAD(0.3, -0.2, 0.2)) == "slightly relaxed"
    assert mood_words(PAD(-0.6, 0.5, 0.4)) == "moderately hostile"
    assert mood_words(PAD(0.9, 0.9, 0.9)) == "fully exuberant"


def test_default_mood_follows_mehrabian_with_neuroticism_signs():
    personality = BigFive(
        openness=0.7, conscientiousness=0.6, extraversion=0.8, agreeableness=0.9, neuroticism=0.2
    )
    # On -1..1: O .4, C .2, E .6, A .8, N -.6.
    p = 0.21 * 0.6 + 0.59 * 0.8 - 0.19 * -0.6  # .712
    a = 0.15 * 0.4 + 0.30 * 0.8 + 0.57 * -0.6  # -.042
    d = 0.25 * 0.4 + 0.17 * 0.2 + 0.60 * 0.6 - 0.32 * 0.8  # .238
    mood = default_mood(personality)
    assert mood == pytest.approx(PAD(0.712, -0.042, 0.238))
    assert mood == pytest.approx(PAD(p, a, d))
    assert octant(mood) == "relaxed"


def test_neuroticism_lowers_pleasure_and_raises_arousal():
    steady = default_mood(BigFive(neuroticism=0.1))
    nervous = default_mood(BigFive(neuroticism=0.9))
    assert nervous.pleasure < steady.pleasure
    assert nervous.arousal > steady.arousal
    assert default_mood(BigFive()) == PAD(0.0, 0.0, 0.0)


def test_default_mood_is_clipped():
    extreme = default_mood(BigFive(1.0, 1.0, 1.0, 0.0, 1.0))
    assert extreme.dominance == 1.0  # .25 + .17 + .60 + .32 = 1.34 before clipping
    assert all(-1 <= x <= 1 for x in extreme)


# --- words ------------------------------------------------------------------------------------


def test_lite_render_names_the_strongest_with_numbers():
    lite = build(LiteEmotionModel)
    text = lite.render(lite_state(joy=62.3, love=40, surprise=12, fear=3))
    assert text == (
        "joy 62 (high), love 40, sadness 15; more joyful than usual, less afraid than usual"
    )
    assert len(text) < 300
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_lite_render_at_rest():
    lite = build(LiteEmotionModel)
    text = lite.render(lite.initial_state(BigFive(), {}, T0))
    assert text == "joy 35, love 30, fear 15; close to usual"


def test_rich_render_adds_the_mood_octant():
    rich = build(RichEmotionModel)
    text = rich.render(rich_state(PAD(-0.5, 0.4, -0.3), anxiety=85, fear=60))
    assert text.startswith("anxiety 85 (very high), fear 60 (high)")
    assert "more anxious than usual" in text
    assert text.endswith("mood moderately anxious")
    assert len(text) < 300


# --- drift ------------------------------------------------------------------------------------


def test_feelings_at_rest_press_on_nothing(model):
    pressure = model.drift_pressure(model.initial_state(BigFive(), {}, T0))
    assert set(pressure) == FACTORS
    assert all(p == 0 for p in pressure.values())


def test_sustained_fear_and_sadness_press_neuroticism_up(model):
    base = model.initial_state(BigFive(), {}, T0)
    state = EmotionalState(
        values={**base.values, "fear": 80.0, "sadness": 75.0},
        at=T0,
        baselines=base.baselines,
        mood=base.mood,
    )
    pressure = model.drift_pressure(state)
    assert pressure["neuroticism"] > 0.05
    assert pressure["extraversion"] < 0


def test_joy_presses_extraversion_up(model):
    joy = joyful(model)
    base = model.initial_state(BigFive(), {}, T0)
    state = EmotionalState(
        values={**base.values, joy: 90.0}, at=T0, baselines=base.baselines, mood=base.mood
    )
    pressure = model.drift_pressure(state)
    assert pressure["extraversion"] > 0
    assert pressure["neuroticism"] < 0
