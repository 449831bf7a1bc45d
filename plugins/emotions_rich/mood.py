"""The rich model's mood in PAD space, after ALMA (Gebhard 2005, "ALMA: a layered model of
affect", AAMAS): where each emotion sits, the personality's default mood, the eight octants.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from soul_framework.domain.personality import BigFive
from soul_framework.mind.emotion_dynamics import PAD

EMOTION_PAD: Mapping[str, PAD] = MappingProxyType(
    {
        # ALMA's published figures (its table of OCC emotions in PAD space).
        "happiness": PAD(0.40, 0.20, 0.10),  # ALMA joy
        "anger": PAD(-0.51, 0.59, 0.25),  # ALMA anger
        "sadness": PAD(-0.40, -0.20, -0.50),  # ALMA distress
        "fear": PAD(-0.64, 0.60, -0.43),  # ALMA fear
        "love": PAD(0.30, 0.10, 0.20),  # ALMA love
        "guilt": PAD(-0.30, 0.10, -0.60),  # ALMA remorse (OCC: blaming oneself)
        "shame": PAD(-0.30, 0.10, -0.60),  # ALMA shame
        "pride": PAD(0.40, 0.30, 0.30),  # ALMA pride
        "hope": PAD(0.20, 0.20, -0.10),  # ALMA hope
        "gratitude": PAD(0.40, 0.20, -0.30),  # ALMA gratitude
        "envy": PAD(-0.20, -0.30, -0.20),  # ALMA resentment (OCC: displeased at another's luck)
        "compassion": PAD(-0.40, -0.20, -0.50),  # ALMA pity (OCC: sorry for another)
        "contentment": PAD(0.30, -0.20, 0.40),  # ALMA satisfaction
        "relief": PAD(0.20, -0.30, 0.40),  # ALMA relief
        # Chosen here (ALMA's table has no such emotion): placed by the same logic, near the
        # ALMA emotion they resemble and in the octant their everyday sense implies.
        "surprise": PAD(0.00, 0.60, -0.10),  # neither pleasant nor not, aroused
        "disgust": PAD(-0.55, 0.30, 0.20),  # aversion: close to ALMA's hate, less aroused
        "serenity": PAD(0.40, -0.40, 0.20),  # relaxed
        "frustration": PAD(-0.40, 0.40, -0.20),  # a blocked goal: between anger and distress
        "anxiety": PAD(-0.45, 0.45, -0.40),  # a milder, more diffuse fear
        "loneliness": PAD(-0.40, -0.30, -0.40),  # near distress, less aroused
        "embarrassment": PAD(-0.30, 0.30, -0.50),  # shame's social, more aroused cousin
        "trust": PAD(0.35, -0.10, 0.10),  # calm, pleasant confidence in another
        "affection": PAD(0.40, 0.15, 0.05),  # love's lighter form
        "bitterness": PAD(-0.40, -0.10, 0.20),  # anger gone cold
        "excitement": PAD(0.50, 0.70, 0.20),  # exuberant anticipation
        "self_loathing": PAD(-0.60, 0.20, -0.60),  # shame turned to contempt
        "love_for_self": PAD(0.40, -0.10, 0.40),  # self-acceptance: pleasant, calm, in charge
    }
)
"""Where each of the 27 emotions sits in PAD space (each axis -1..1)."""

OCTANTS: Mapping[tuple[bool, bool, bool], str] = MappingProxyType(
    {
        (True, True, True): "exuberant",
        (True, True, False): "dependent",
        (True, False, True): "relaxed",
        (True, False, False): "docile",
        (False, False, False): "bored",
        (False, False, True): "disdainful",
        (False, True, False): "anxious",
        (False, True, True): "hostile",
    }
)
"""ALMA's mood octants by the signs of (pleasure, arousal, dominance), True for >= 0."""

NEUTRAL_RADIUS = 0.05
"""A mood closer than this to the origin is called neutral (chosen: below what shows)."""

_FULL_DIAGONAL = math.sqrt(3.0)


def octant(mood: PAD) -> str:
    """The name of the octant the mood lies in (an axis at exactly 0 counts as positive)."""
    return OCTANTS[(mood.pleasure >= 0, mood.arousal >= 0, mood.dominance >= 0)]


def mood_words(mood: PAD) -> str:
    """``"slightly relaxed"``, ``"moderately hostile"``, ``"fully exuberant"`` or ``"neutral"``.

    ALMA grades a mood by its distance from the origin in thirds of the octant's diagonal
    (sqrt 3): slightly up to sqrt(3)/3, moderately up to 2 sqrt(3)/3, fully beyond.
    """
    distance = mood.norm()
    if distance < NEUTRAL_RADIUS:
        return "neutral"
    if distance <= _FULL_DIAGONAL / 3:
        grade = "slightly"
    elif distance <= 2 * _FULL_DIAGONAL / 3:
        grade = "moderately"
    else:
        grade = "fully"
    return f"{grade} {octant(mood)}"


def default_mood(big_five: BigFive) -> PAD:
    """The mood the personality returns to, by ALMA's mapping of Mehrabian's coefficients.

    With each factor moved from 0..1 to ALMA's -1..1 (``2x - 1``, so 0.5 is 0)::

        P = .21 E + .59 A - .19 N
        A = .15 O + .30 A + .57 N
        D = .25 O + .17 C + .60 E - .32 A

    Mehrabian's coefficients are stated for emotional stability (``-N``), which is why
    neuroticism enters with the signs shown here (ALMA's paper prints them flipped). Each axis
    is clipped to -1..1 (arousal and dominance can otherwise reach 1.02 and 1.34).
    """
    o = 2 * big_five.openness - 1
    c = 2 * big_five.conscientiousness - 1
    e = 2 * big_five.extraversion - 1
    a = 2 * big_five.agreeableness - 1
    n = 2 * big_five.neuroticism - 1
    return PAD(
        0.21 * e + 0.59 * a - 0.19 * n,
        0.15 * o + 0.30 * a + 0.57 * n,
        0.25 * o + 0.17 * c + 0.60 * e - 0.32 * a,
    ).clipped()
