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
from types import MappingProxyType

from soul_framework.mind.emotion_dynamics import EmotionProfile
from soul_framework.mind.emotion_model_base import BaselineEmotionModel
from soul_plugins.emotions_lite.sentiments import LITE_SENTIMENTS

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


class LiteEmotionModel(BaselineEmotionModel):
    """Seven basic emotions, each an intensity on 0..100, with no mood vector of their own.

    Decay half-life: ``EMOTIONAL_DECAY_RATE_SECONDS``. The model reads the agent's mood from
    its emotions (:func:`~soul_framework.mind.emotion_dynamics.valence_of`: joy and love
    against sadness, anger, fear and disgust), so an agent sitting in sadness takes neutral
    remarks more darkly. Read from intensities rather than departures from rest, a warm,
    outgoing personality sees a little more brightly even at rest, as the rich model's default
    mood does. No lite emotion is tied to conscientiousness, so its drift pressure is always 0.
    :meth:`render` gives e.g. ``"joy 62 (high), love 40, surprise 15; more joyful than
    usual"``. The methods are those of
    :class:`~soul_framework.mind.emotion_model_base.BaselineEmotionModel`.
    """

    name = "lite"
    description = "Seven basic emotions (joy, sadness, anger, fear, surprise, love, disgust)."
    emotions = LITE_EMOTIONS
    sentiments = LITE_SENTIMENTS
    profiles = LITE_PROFILES
    valences = LITE_VALENCES
