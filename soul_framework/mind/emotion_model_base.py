"""The base of the bundled emotion models: emotions resting at baselines from the personality.

The pure math lives in :mod:`soul_framework.mind.emotion_dynamics`; this class puts it
together as the :class:`~soul_framework.protocols.EmotionModel` protocol describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from soul_framework.config import Settings
from soul_framework.domain.agent import EmotionalState
from soul_framework.domain.personality import BigFive
from soul_framework.mind.emotion_dynamics import (
    EmotionProfile,
    appraise_values,
    baselines_from_personality,
    clip_confidence,
    decay_factor,
    decay_values,
    describe_emotions,
    drift_pressure,
    valence_of,
)


class BaselineEmotionModel:
    """An :class:`~soul_framework.protocols.EmotionModel` whose emotions rest at baselines
    drawn from the personality and return to them, as the protocol's methods describe.

    A subclass names its ``emotions``, their ``profiles`` (baselines, Big Five links and
    adjectives) and ``valences`` (-1..1, for mood congruence). Emotions decay with the
    half-life ``EMOTIONAL_DECAY_RATE_SECONDS`` (:func:`decay_factor`) and events move them
    through :func:`appraise_values`. A state stored without some baselines rests, for those,
    where an average personality would. Without a mood of its own the model reads the mood
    that colours perception from its emotions (:func:`valence_of`) and keeps ``mood`` empty;
    a model with a mood extends :meth:`current` and overrides :meth:`mood_valence` and
    :meth:`mood_after`. Every method is pure.
    """

    name: str
    description: str
    emotions: Mapping[str, str]
    profiles: Mapping[str, EmotionProfile]
    valences: Mapping[str, float]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.half_life_seconds = settings.emotional_decay_rate_seconds
        self._neutral = baselines_from_personality(self.profiles, BigFive(), {})

    def initial_state(
        self, big_five: BigFive, baselines: Mapping[str, float], at: datetime
    ) -> EmotionalState:
        rest = baselines_from_personality(self.profiles, big_five, baselines)
        return EmotionalState(values=dict(rest), at=at, baselines=rest)

    def current(self, state: EmotionalState, now: datetime) -> EmotionalState:
        baselines = self._complete_baselines(state)
        values = {name: state.values.get(name, baselines[name]) for name in self.emotions}
        elapsed = (now - state.at).total_seconds()
        if elapsed <= 0:
            return EmotionalState(
                values=values, at=state.at, baselines=baselines, reason=state.reason
            )
        factor = decay_factor(elapsed, self.half_life_seconds)
        return EmotionalState(
            values=decay_values(values, baselines, factor),
            at=now,
            baselines=baselines,
            reason=state.reason,
        )

    def appraise(
        self,
        state: EmotionalState,
        deltas: Mapping[str, float],
        *,
        confidence: float,
        now: datetime,
        reason: str,
    ) -> EmotionalState:
        present = self.current(state, now)
        confidence = clip_confidence(confidence)
        values = appraise_values(
            present.values,
            deltas,
            valences=self.valences,
            mood_valence=self.mood_valence(present),
            confidence=confidence,
            max_delta=self.settings.soul_emotion_max_delta,
            congruence=self.settings.soul_mood_congruence,
        )
        felt = confidence > 0 and values != present.values
        return EmotionalState(
            values=values,
            at=present.at,
            baselines=present.baselines,
            mood=self.mood_after(present, values, confidence),
            reason=reason if felt and reason else present.reason,
        )

    def mood_valence(self, present: EmotionalState) -> float:
        """The mood that colours the perception of an event, -1..1 (``present`` is the state
        :meth:`current` returns): here the valence of the emotions."""
        return valence_of(present.values, self.valences)

    def mood_after(
        self, present: EmotionalState, values: Mapping[str, float], confidence: float
    ) -> dict[str, float]:
        """The mood once an event has moved the emotions from ``present`` to ``values`` with
        ``confidence`` (0..1): here none."""
        return {}

    def render(self, state: EmotionalState) -> str:
        """The strongest three emotions with their values and the largest departures from
        baseline (:func:`describe_emotions`). Pass the state :meth:`current` returns."""
        return describe_emotions(state.values, self._complete_baselines(state), self.profiles)

    def drift_pressure(self, state: EmotionalState) -> Mapping[str, float]:
        """Per Big Five factor, -1..1, from how far each emotion sits from its baseline
        (:func:`drift_pressure`). Pass the state :meth:`current` returns."""
        return drift_pressure(self.profiles, state.values, self._complete_baselines(state))

    def _complete_baselines(self, state: EmotionalState) -> dict[str, float]:
        return {name: state.baselines.get(name, self._neutral[name]) for name in self.emotions}
