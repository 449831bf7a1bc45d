"""The lite emotion model: the seven emotions of Synthetic Soul's lite mode.

Each emotion is an intensity on 0..100 that rests at a baseline drawn from the personality and
returns to it exponentially: ``EMOTIONAL_DECAY_RATE_SECONDS`` is the **half-life** of an
emotion's distance from its baseline (with the default 1800 s, joy 40 points above rest is 20
above after 30 minutes, 10 after an hour). The decay is evaluated in closed form whenever the
state is read, so nothing is written on a clock and the cost does not depend on how long ago the
state was stored. Events change the values through
:func:`soul_framework.mind.emotion_dynamics.appraise_values`: confidence, mood congruence
(``SOUL_MOOD_CONGRUENCE``, the mood read from the current emotions), a per-event bound
(``SOUL_EMOTION_MAX_DELTA``) and diminishing returns near 0 and 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

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

LITE_EMOTIONS = MappingProxyType(
    {
        "joy": "gladness and delight at what is happening",
        "sadness": "sorrow, disappointment or a sense of loss",
        "anger": "irritation or indignation at a wrong or an obstacle",
        "fear": "worry or alarm about a threat",
        "surprise": "being struck by something unexpected",
        "love": "warmth, tenderness and attachment",
        "disgust": "aversion to something offensive or distasteful",
    }
)

# Baselines for an average personality and the points each Big Five factor adds across its
# range. The directions follow the trait-affect literature (extraversion goes with positive
# affect, neuroticism with negative affect: Costa & McCrae 1980, Watson & Clark 1992;
# agreeableness with warmth and less anger; openness with being struck by the new); the sizes
# are chosen so that an average agent is mildly content, and no personality alone takes an
# emotion past 75 or leaves a pleasant one at 0.
LITE_PROFILES: Mapping[str, EmotionProfile] = MappingProxyType(
    {
        "joy": EmotionProfile(
            35, {"extraversion": 40, "neuroticism": -20}, valence=1, adjective="joyful"
        ),
        "sadness": EmotionProfile(
            15, {"neuroticism": 30, "extraversion": -10}, valence=-1, adjective="sad"
        ),
        "anger": EmotionProfile(
            10, {"neuroticism": 20, "agreeableness": -20}, valence=-1, adjective="angry"
        ),
        "fear": EmotionProfile(15, {"neuroticism": 30}, valence=-1, adjective="afraid"),
        "surprise": EmotionProfile(15, {"openness": 20}, valence=0, adjective="surprised"),
        "love": EmotionProfile(
            30, {"agreeableness": 40, "extraversion": 10}, valence=1, adjective="loving"
        ),
        "disgust": EmotionProfile(
            8, {"neuroticism": 10, "agreeableness": -10}, valence=-1, adjective="disgusted"
        ),
    }
)
"""Valence: joy and love are pleasant, sadness, anger, fear and disgust unpleasant, surprise
either; the mood that colours perception is the pleasant ones' mean minus the others'."""

LITE_VALENCES = MappingProxyType({name: p.valence for name, p in LITE_PROFILES.items()})


class LiteEmotionModel:
    """Seven basic emotions, each an intensity on 0..100.

    Decay half-life: ``EMOTIONAL_DECAY_RATE_SECONDS``. With no mood vector of its own, the
    model reads the agent's mood from its emotions (:func:`valence_of`: joy and love against
    sadness, anger, fear and disgust), so an agent sitting in sadness takes neutral remarks
    more darkly. Read from intensities rather than departures from rest, a warm, outgoing
    personality sees a little more brightly even at rest, as the rich model's default mood
    does. Every method is pure.
    """

    name = "lite"
    description = "Seven basic emotions (joy, sadness, anger, fear, surprise, love, disgust)."
    emotions = LITE_EMOTIONS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.half_life_seconds = settings.emotional_decay_rate_seconds
        self._neutral = baselines_from_personality(LITE_PROFILES, BigFive(), {})

    def initial_state(
        self, big_five: BigFive, baselines: Mapping[str, float], at: datetime
    ) -> EmotionalState:
        rest = baselines_from_personality(LITE_PROFILES, big_five, baselines)
        return EmotionalState(values=dict(rest), at=at, baselines=rest)

    def current(self, state: EmotionalState, now: datetime) -> EmotionalState:
        baselines = self._complete_baselines(state)
        values = {name: state.values.get(name, baselines[name]) for name in LITE_EMOTIONS}
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
        values = appraise_values(
            present.values,
            deltas,
            valences=LITE_VALENCES,
            mood_valence=valence_of(present.values, LITE_VALENCES),
            confidence=confidence,
            max_delta=self.settings.soul_emotion_max_delta,
            congruence=self.settings.soul_mood_congruence,
        )
        felt = clip_confidence(confidence) > 0 and values != present.values
        return EmotionalState(
            values=values,
            at=present.at,
            baselines=present.baselines,
            reason=reason if felt and reason else present.reason,
        )

    def render(self, state: EmotionalState) -> str:
        """The strongest three emotions with their values and the largest departures from
        baseline, e.g. ``"joy 62 (high), love 40, surprise 15; more joyful than usual"``.
        Pass the state :meth:`current` returns."""
        return describe_emotions(state.values, self._complete_baselines(state), LITE_PROFILES)

    def drift_pressure(self, state: EmotionalState) -> Mapping[str, float]:
        """Per Big Five factor, -1..1, from how far each emotion sits from its baseline
        (:func:`soul_framework.mind.emotion_dynamics.drift_pressure`). No lite emotion is tied
        to conscientiousness, so its pressure is always 0. Pass the state :meth:`current`
        returns."""
        return drift_pressure(LITE_PROFILES, state.values, self._complete_baselines(state))

    def _complete_baselines(self, state: EmotionalState) -> dict[str, float]:
        # A state stored before baselines existed rests where an average personality would.
        return {name: state.baselines.get(name, self._neutral[name]) for name in LITE_EMOTIONS}
