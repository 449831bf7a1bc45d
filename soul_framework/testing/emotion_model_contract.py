"""The contract every emotion model must pass, as a pytest class to subclass.

An emotion model plugin's tests provide one fixture, ``model``, that returns the model built
with default settings::

    from soul_framework.testing.emotion_model_contract import EmotionModelContract

    class TestMyModel(EmotionModelContract):
        @pytest.fixture
        def model(self):
            return MyModel(Settings(_env_file=None))

Every test below then runs against it. It checks what the core relies on from any model (decay
that composes and returns to the baselines, bounded appraisal, the initial state, the prompt
text and the drift pressure), not any one model's numbers. ``max_event_delta`` is the largest
change one event may make (``SOUL_EMOTION_MAX_DELTA``'s default); override it if yours differs.
Needs pytest and Hypothesis.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soul_framework.domain.agent import EmotionalState
from soul_framework.domain.personality import BigFive
from soul_framework.protocols import EmotionModel

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FACTORS = frozenset(
    {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}
)
UNKNOWN = "no_such_emotion"
TOLERANCE = 1e-6

# The model is pure, so reusing one across examples is safe; and every subclass runs the same
# inherited test, so examples saved for one model may be replayed against another (harmless:
# each is a valid input for any model).
examples = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
unit = st.floats(min_value=0, max_value=1)
personalities = st.builds(BigFive, unit, unit, unit, unit, unit)
intensities = st.floats(min_value=0, max_value=100)
seconds = st.floats(min_value=0, max_value=30 * 86400)


def moved(model: EmotionModel, values: dict[str, float], at: datetime = T0) -> EmotionalState:
    """An average personality's state with some emotions set away from their baselines."""
    rest = model.initial_state(BigFive(), {}, at)
    return EmotionalState(
        values={**rest.values, **values}, at=at, baselines=rest.baselines, mood=rest.mood
    )


def stirred(model: EmotionModel, data: st.DataObject) -> EmotionalState:
    names = sorted(model.emotions)
    values = data.draw(st.dictionaries(st.sampled_from(names), intensities, min_size=1))
    return moved(model, values)


def assert_in_range(model: EmotionModel, state: EmotionalState) -> None:
    assert set(state.values) == set(model.emotions)
    for name, value in state.values.items():
        assert isinstance(value, float), f"{name} is {value!r}, not a float"
        assert 0 <= value <= 100, f"{name} is {value}, outside 0..100"
    assert all(-1 <= axis <= 1 for axis in state.mood.values())


class EmotionModelContract:
    """Subclass and provide a ``model`` fixture (the model built with default settings)."""

    max_event_delta: float = 25.0
    max_render_chars: int = 300

    @pytest.fixture
    def model(self) -> EmotionModel:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("an EmotionModelContract subclass must provide a 'model' fixture")

    # --- identity -----------------------------------------------------------------------------

    def test_it_implements_the_protocol(self, model):
        assert isinstance(model, EmotionModel)
        assert isinstance(model.name, str)
        assert model.name
        assert model.description
        assert model.emotions
        assert all(model.emotions.values())
        assert UNKNOWN not in model.emotions
        assert all(isinstance(text, str) and text for text in model.sentiments.values())

    # --- initial state ------------------------------------------------------------------------

    @examples
    @given(personality=personalities)
    def test_a_new_agent_rests_at_its_baselines(self, model, personality):
        state = model.initial_state(personality, {}, T0)
        assert state.at == T0
        assert_in_range(model, state)
        for name, value in state.values.items():
            assert value == state.baselines[name]

    @examples
    @given(data=st.data(), personality=personalities, value=intensities)
    def test_explicit_baselines_win(self, model, data, personality, value):
        name = data.draw(st.sampled_from(sorted(model.emotions)))
        state = model.initial_state(personality, {name: value}, T0)
        assert state.baselines[name] == value
        assert state.values[name] == value

    def test_unknown_baselines_are_refused(self, model):
        with pytest.raises(ValueError, match=UNKNOWN):
            model.initial_state(BigFive(), {UNKNOWN: 10.0}, T0)

    # --- decay --------------------------------------------------------------------------------

    @examples
    @given(data=st.data(), a=seconds, b=seconds)
    def test_decay_by_a_then_b_is_decay_by_a_plus_b(self, model, data, a, b):
        state = stirred(model, data)
        middle = model.current(state, T0 + timedelta(seconds=a))
        in_two = model.current(middle, T0 + timedelta(seconds=a + b))
        at_once = model.current(state, T0 + timedelta(seconds=a + b))
        assert in_two.at == at_once.at == T0 + timedelta(seconds=a + b)
        assert in_two.values == pytest.approx(at_once.values, abs=TOLERANCE)
        assert in_two.mood == pytest.approx(at_once.mood, abs=TOLERANCE)

    @examples
    @given(data=st.data(), a=seconds, b=seconds)
    def test_decay_returns_toward_the_baselines_without_overshooting(self, model, data, a, b):
        state = stirred(model, data)
        middle = model.current(state, T0 + timedelta(seconds=a))
        later = model.current(state, T0 + timedelta(seconds=a + b))
        assert_in_range(model, later)
        for name in model.emotions:
            rest = state.baselines[name]
            start, mid, end = (
                state.values[name] - rest,
                middle.values[name] - rest,
                later.values[name] - rest,
            )
            assert abs(mid) <= abs(start) + TOLERANCE
            assert abs(end) <= abs(mid) + TOLERANCE
            assert mid * start >= 0, f"{name} went past its baseline"
            assert end * start >= 0, f"{name} went past its baseline"

    def test_after_a_long_silence_feelings_are_back_at_rest(self, model):
        state = moved(model, dict.fromkeys(model.emotions, 100.0))
        later = model.current(state, T0 + timedelta(days=400))
        rest = {name: state.baselines[name] for name in model.emotions}
        assert later.values == pytest.approx(rest, abs=0.01)

    @examples
    @given(data=st.data(), back=st.floats(min_value=1e-3, max_value=365 * 86400))
    def test_reading_in_the_past_changes_nothing(self, model, data, back):
        state = stirred(model, data)
        earlier = model.current(state, T0 - timedelta(seconds=back))
        assert earlier.values == state.values
        assert earlier.mood == state.mood
        assert earlier.at == T0

    # --- appraisal ----------------------------------------------------------------------------

    @examples
    @given(
        data=st.data(),
        wait=seconds,
        confidence=unit,
        delta=st.floats(min_value=-400, max_value=400),
    )
    def test_one_event_moves_each_emotion_a_bounded_amount(
        self, model, data, wait, confidence, delta
    ):
        state = stirred(model, data)
        names = data.draw(st.lists(st.sampled_from(sorted(model.emotions)), min_size=1))
        now = T0 + timedelta(seconds=wait)
        before = model.current(state, now)
        after = model.appraise(
            state, dict.fromkeys(names, delta), confidence=confidence, now=now, reason="an event"
        )
        assert after.at == now
        assert_in_range(model, after)
        for name in model.emotions:
            assert abs(after.values[name] - before.values[name]) <= self.max_event_delta + 1e-9

    @examples
    @given(data=st.data(), wait=seconds)
    def test_appraisal_decays_to_now_first(self, model, data, wait):
        state = stirred(model, data)
        now = T0 + timedelta(seconds=wait)
        after = model.appraise(state, {}, confidence=1.0, now=now, reason="nothing")
        assert after.values == pytest.approx(model.current(state, now).values, abs=TOLERANCE)

    def test_near_the_ends_emotions_saturate_without_overshooting(self, model):
        for name in model.emotions:
            for start, delta in ((97.0, 400.0), (3.0, -400.0)):
                state = moved(model, {name: start})
                for _ in range(20):  # one event after another, no time between them
                    after = model.appraise(state, {name: delta}, confidence=1.0, now=T0, reason="x")
                    assert 0 <= after.values[name] <= 100
                    step = after.values[name] - state.values[name]
                    assert step * delta >= 0, f"{name} moved against its delta"
                    state = after
                assert state.values[name] != start, f"{name} did not move at all"

    def test_a_small_delta_is_kept_as_a_float(self, model):
        for name in model.emotions:
            state = moved(model, {name: 50.0})
            after = model.appraise(state, {name: 0.01}, confidence=1.0, now=T0, reason="a smile")
            assert after.values[name] > 50
            assert after.values[name] != math.floor(after.values[name])
            assert after.reason == "a smile"

    def test_unknown_emotions_are_ignored(self, model):
        state = moved(model, {})
        after = model.appraise(state, {UNKNOWN: 40.0}, confidence=1.0, now=T0, reason="x")
        assert after.values == state.values
        assert UNKNOWN not in after.values

    @examples
    @given(data=st.data(), delta=st.floats(min_value=0.5, max_value=20))
    def test_change_scales_with_confidence(self, model, data, delta):
        name = data.draw(st.sampled_from(sorted(model.emotions)))
        sign = data.draw(st.sampled_from([1.0, -1.0]))
        state = moved(model, {name: 50.0})

        def moved_by(confidence: float) -> float:
            after = model.appraise(
                state, {name: sign * delta}, confidence=confidence, now=T0, reason="x"
            )
            return sign * (after.values[name] - 50.0)

        assert moved_by(0.0) == pytest.approx(0.0, abs=TOLERANCE)
        assert 0 < moved_by(0.25) < moved_by(1.0)

    # --- words and drift ----------------------------------------------------------------------

    @examples
    @given(data=st.data())
    def test_render_is_a_short_description(self, model, data):
        for state in (model.initial_state(BigFive(), {}, T0), stirred(model, data)):
            text = model.render(state)
            assert isinstance(text, str)
            assert text.strip()
            assert len(text) <= self.max_render_chars

    def test_words_and_drift_hold_at_the_extremes(self, model):
        for value in (0.0, 100.0):
            state = moved(model, dict.fromkeys(model.emotions, value))
            text = model.render(state)
            assert text.strip()
            assert len(text) <= self.max_render_chars
            assert all(-1 <= push <= 1 for push in model.drift_pressure(state).values())

    def test_a_state_stored_without_baselines_is_still_read(self, model):
        name = next(iter(model.emotions))
        old = EmotionalState(values={name: 80.0}, at=T0)
        later = model.current(old, T0 + timedelta(hours=1))
        assert_in_range(model, later)
        after = model.appraise(old, {name: 5.0}, confidence=1.0, now=T0, reason="x")
        assert_in_range(model, after)
        assert model.render(old).strip()
        assert set(model.drift_pressure(old)) == FACTORS

    @examples
    @given(data=st.data())
    def test_drift_pressure_is_bounded_per_big_five_factor(self, model, data):
        pressure = model.drift_pressure(stirred(model, data))
        assert set(pressure) == FACTORS
        assert all(-1 <= push <= 1 for push in pressure.values())

    def test_feelings_at_rest_press_on_nothing(self, model):
        pressure = model.drift_pressure(model.initial_state(BigFive(), {}, T0))
        assert pressure == pytest.approx(dict.fromkeys(FACTORS, 0.0), abs=TOLERANCE)
