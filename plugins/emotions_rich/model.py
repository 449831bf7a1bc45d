"""The rich emotion model: 27 emotions of Synthetic Soul's rich mode, with a PAD mood.

Two layers on two clocks, after ALMA (Gebhard 2005):

- **Emotions**, each an intensity on 0..100 resting at a baseline drawn from the personality.
  ``EMOTIONAL_DECAY_RATE_SECONDS`` is the **half-life** of an emotion's distance from its
  baseline (default 1800 s: 40 points above rest become 20 after 30 minutes).
- **Mood**, a point in PAD space (pleasure, arousal, dominance, each -1..1) resting at the
  personality's default mood (:func:`~soul_plugins.emotions_rich.mood.default_mood`), with its
  own half-life ``SOUL_MOOD_HALF_LIFE_SECONDS`` (default 6 h, twelve times the emotions'; ALMA's
  is sixty times, but on a 20 s / 20 min clock made for a scene, not a friendship).

Both decay in closed form when the state is read: nothing is written on a clock. Each event
applies its deltas (confidence, mood congruence read from the mood's pleasure, a bound of
``SOUL_EMOTION_MAX_DELTA`` points, diminishing returns near 0 and 100), then moves the mood at
most ``SOUL_MOOD_MAX_SHIFT`` toward the PAD centre of the emotions running above their
baselines (ALMA's pull, or its push once the mood is already beyond that centre).

The state keeps the default mood beside the emotions' baselines, under ``pleasure``,
``arousal`` and ``dominance`` in ``baselines``: each key of ``values`` and of ``mood`` finds
its resting value there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from soul_framework.config import Settings
from soul_framework.domain.agent import EmotionalState
from soul_framework.domain.personality import BigFive
from soul_framework.mind.emotion_dynamics import (
    PAD,
    EmotionProfile,
    centre_of,
    decay_factor,
    decay_pad,
    drift_pressure,
    shift_mood,
)
from soul_framework.mind.emotion_model_base import BaselineEmotionModel
from soul_plugins.emotions_rich.mood import EMOTION_PAD, default_mood, mood_words
from soul_plugins.emotions_rich.sentiments import RICH_SENTIMENTS

RICH_EMOTIONS = MappingProxyType(
    {
        "happiness": "a general sense of gladness",
        "anger": "indignation at a wrong or an obstacle",
        "sadness": "sorrow or a sense of loss",
        "fear": "alarm about a threat",
        "surprise": "being struck by the unexpected",
        "disgust": "aversion to the offensive",
        "love": "deep warmth and attachment",
        "guilt": "regret for a wrong one did",
        "shame": "feeling diminished in others' eyes",
        "pride": "satisfaction in one's own doing",
        "hope": "expecting good things to come",
        "gratitude": "thankfulness for what was given",
        "envy": "wanting what another has",
        "compassion": "sorrow for another's suffering and wish to help",
        "serenity": "calm and peace of mind",
        "frustration": "being blocked from a goal",
        "contentment": "quiet satisfaction with how things are",
        "anxiety": "unease about what may happen",
        "loneliness": "missing connection with others",
        "embarrassment": "awkwardness at a social slip",
        "trust": "confidence in someone's good will",
        "relief": "release when a worry passes",
        "affection": "fondness and tenderness",
        "bitterness": "lingering resentment",
        "excitement": "eager, energised anticipation",
        "self_loathing": "turning contempt on oneself",
        "love_for_self": "kindness and acceptance toward oneself",
    }
)

MOOD_AXES = ("pleasure", "arousal", "dominance")

# Resting value for an average personality and the points each Big Five factor adds across its
# range (chosen; directions from the trait-affect literature: extraversion with positive affect,
# neuroticism with negative affect, Costa & McCrae 1980, Watson & Clark 1992; agreeableness with
# warmth, trust and less hostility; conscientiousness with guilt-proneness and pride, Fayard et
# al. 2012; openness with surprise and excitement). Self-conscious and hostile emotions rest
# low, warm ones moderate. Adjectives are the words for "more ... than usual".
_PROFILE_TABLE: dict[str, tuple[float, dict[str, float], str]] = {
    "happiness": (35, {"extraversion": 40, "neuroticism": -20}, "happy"),
    "anger": (8, {"neuroticism": 20, "agreeableness": -20}, "angry"),
    "sadness": (12, {"neuroticism": 30, "extraversion": -10}, "sad"),
    "fear": (10, {"neuroticism": 30}, "afraid"),
    "surprise": (15, {"openness": 20}, "surprised"),
    "disgust": (6, {"neuroticism": 10, "agreeableness": -10}, "disgusted"),
    "love": (30, {"agreeableness": 40, "extraversion": 10}, "loving"),
    "guilt": (8, {"neuroticism": 20, "conscientiousness": 10}, "guilty"),
    "shame": (6, {"neuroticism": 20}, "ashamed"),
    "pride": (25, {"conscientiousness": 20, "extraversion": 10, "neuroticism": -10}, "proud"),
    "hope": (35, {"extraversion": 20, "neuroticism": -20, "openness": 10}, "hopeful"),
    "gratitude": (30, {"agreeableness": 30}, "grateful"),
    "envy": (6, {"neuroticism": 20, "agreeableness": -10}, "envious"),
    "compassion": (35, {"agreeableness": 40}, "compassionate"),
    "serenity": (35, {"neuroticism": -40}, "serene"),
    "frustration": (10, {"neuroticism": 20, "agreeableness": -10}, "frustrated"),
    "contentment": (35, {"neuroticism": -30, "extraversion": 10}, "content"),
    "anxiety": (15, {"neuroticism": 40}, "anxious"),
    "loneliness": (12, {"neuroticism": 20, "extraversion": -20}, "lonely"),
    "embarrassment": (8, {"neuroticism": 20, "extraversion": -10}, "embarrassed"),
    "trust": (35, {"agreeableness": 30, "neuroticism": -10}, "trusting"),
    "relief": (10, {}, "relieved"),
    "affection": (35, {"agreeableness": 30, "extraversion": 10}, "affectionate"),
    "bitterness": (6, {"neuroticism": 20, "agreeableness": -20}, "bitter"),
    "excitement": (25, {"extraversion": 30, "openness": 20}, "excited"),
    "self_loathing": (4, {"neuroticism": 20}, "self-loathing"),
    "love_for_self": (35, {"neuroticism": -30, "conscientiousness": 10}, "self-accepting"),
}

# Valence for mood congruence: the sign of the emotion's pleasure in PAD space (surprise, at
# 0, is neither).
RICH_PROFILES: Mapping[str, EmotionProfile] = MappingProxyType(
    {
        name: EmotionProfile(
            resting,
            MappingProxyType(factors),
            valence=float(
                math.copysign(1.0, EMOTION_PAD[name].pleasure) if EMOTION_PAD[name].pleasure else 0
            ),
            adjective=adjective,
        )
        for name, (resting, factors, adjective) in _PROFILE_TABLE.items()
    }
)

RICH_VALENCES = MappingProxyType({name: p.valence for name, p in RICH_PROFILES.items()})


class RichEmotionModel(BaselineEmotionModel):
    """Twenty-seven emotions, each an intensity on 0..100, under a slower PAD mood.

    Emotion half-life: ``EMOTIONAL_DECAY_RATE_SECONDS``; mood half-life:
    ``SOUL_MOOD_HALF_LIFE_SECONDS``. The emotions behave as in
    :class:`~soul_framework.mind.emotion_model_base.BaselineEmotionModel`; this class adds the
    mood: it rests at the default mood, whose axes ``baselines`` holds beside the emotions',
    colours perception through its pleasure, and is pulled by each event (:meth:`pulled_mood`).
    Every method is pure.
    """

    name = "rich"
    description = "Twenty-seven emotions with a slower PAD mood."
    emotions = RICH_EMOTIONS
    sentiments = RICH_SENTIMENTS
    profiles = RICH_PROFILES
    valences = RICH_VALENCES

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.mood_half_life_seconds = settings.soul_mood_half_life_seconds
        self._neutral_mood = default_mood(BigFive())

    def initial_state(
        self, big_five: BigFive, baselines: Mapping[str, float], at: datetime
    ) -> EmotionalState:
        state = super().initial_state(big_five, baselines, at)
        mood = default_mood(big_five).as_dict()
        return replace(state, baselines={**state.baselines, **mood}, mood=mood)

    def current(self, state: EmotionalState, now: datetime) -> EmotionalState:
        present = super().current(state, now)
        rest_mood = PAD.of(present.baselines)
        mood = PAD.of(state.mood, rest_mood)
        elapsed = (now - state.at).total_seconds()
        if elapsed > 0:
            mood = decay_pad(mood, rest_mood, decay_factor(elapsed, self.mood_half_life_seconds))
        return replace(present, mood=mood.as_dict())

    def mood_valence(self, present: EmotionalState) -> float:
        """The mood's pleasure, -1..1."""
        return PAD.of(present.mood).pleasure

    def mood_after(
        self, present: EmotionalState, values: Mapping[str, float], confidence: float
    ) -> dict[str, float]:
        """The mood of ``present`` pulled by the emotions' new ``values`` (:meth:`pulled_mood`),
        unmoved when ``confidence`` is 0."""
        mood = PAD.of(present.mood)
        if confidence > 0:
            mood = self.pulled_mood(mood, values, present.baselines, confidence)
        return mood.as_dict()

    def pulled_mood(
        self,
        mood: PAD,
        values: Mapping[str, float],
        baselines: Mapping[str, float],
        confidence: float,
    ) -> PAD:
        """The mood after one event: moved toward the centre of the emotions above their
        baselines (each weighted by how far above, as a share of the scale), by at most
        ``SOUL_MOOD_MAX_SHIFT`` times the centre's intensity times ``confidence``."""
        active = (
            (EMOTION_PAD[name], (value - baselines[name]) / 100.0) for name, value in values.items()
        )
        centre = centre_of(active)
        if centre is None:
            return mood
        point, intensity = centre
        step = self.settings.soul_mood_max_shift * intensity * confidence
        return shift_mood(mood, point, step)

    def render(self, state: EmotionalState) -> str:
        """The strongest three emotions, the largest departures from baseline and the mood's
        octant, e.g. ``"happiness 62 (high), trust 41, love 38; more excited than usual;
        mood slightly exuberant"``. Pass the state :meth:`current` returns."""
        mood = PAD.of(state.mood, PAD.of(self._complete_baselines(state)))
        return f"{super().render(state)}; mood {mood_words(mood)}"

    def drift_pressure(self, state: EmotionalState) -> Mapping[str, float]:
        """As in the base class, with emotions missing from ``state`` at their baselines."""
        baselines = self._complete_baselines(state)
        values = {name: state.values.get(name, baselines[name]) for name in self.emotions}
        return drift_pressure(self.profiles, values, baselines)

    def _complete_baselines(self, state: EmotionalState) -> dict[str, float]:
        mood = {
            axis: state.baselines.get(axis, default)
            for axis, default in zip(MOOD_AXES, self._neutral_mood, strict=True)
        }
        return {**super()._complete_baselines(state), **mood}
