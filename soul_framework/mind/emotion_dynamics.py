"""How feelings move: decay toward a resting value, bounded change with diminishing returns,
mood-congruent perception, ALMA's mood pull and push, and the words a prompt shows.

Pure functions on plain numbers and mappings, shared by the emotion models (whose common part
is :class:`soul_framework.mind.emotion_model_base.BaselineEmotionModel`). Intensities are points
on 0..100; PAD coordinates (pleasure, arousal, dominance) are on -1..1; times are seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from soul_framework.domain.personality import BigFive
from soul_framework.mind.traits import BIG_FIVE_FACTORS

if TYPE_CHECKING:
    pass

LOWEST = 0.0
HIGHEST = 100.0


# --- decay ------------------------------------------------------------------------------------


def decay_factor(elapsed_seconds: float, half_life_seconds: float) -> float:
    """The share of a deviation left after ``elapsed_seconds``: ``2^(-elapsed/half_life)``.

    1 for no (or negative) elapsed time. One power whatever the elapsed time, so reading a
    state a year old costs what reading one a second old costs.
    """
    if elapsed_seconds <= 0:
        return 1.0
    return 2.0 ** (-elapsed_seconds / half_life_seconds)


def decay_toward(value: float, baseline: float, factor: float) -> float:
    """``baseline + (value - baseline) * factor``: the value after a decay of ``factor``
    (from :func:`decay_factor`). Never passes the baseline; stays between value and baseline."""
    decayed = baseline + (value - baseline) * factor
    low, high = (value, baseline) if value <= baseline else (baseline, value)
    return min(high, max(low, decayed))


def decay_values(
    values: Mapping[str, float], baselines: Mapping[str, float], factor: float
) -> dict[str, float]:
    """Every value moved toward its baseline by ``factor``."""
    return {name: decay_toward(value, baselines[name], factor) for name, value in values.items()}


# --- change with diminishing returns ---------------------------------------------------------


def bound_delta(delta: float, max_delta: float) -> float:
    """``delta`` limited to ``-max_delta..max_delta`` (the per-event bound)."""
    return max(-max_delta, min(max_delta, delta))


def apply_saturating(
    value: float, delta: float, lower: float = LOWEST, upper: float = HIGHEST
) -> float:
    """``value`` moved by ``delta`` with diminishing returns near the bound it moves toward.

    The step is ``room * (1 - exp(-|delta| / room))``, where ``room`` is the distance left to
    the bound: close to ``delta`` while there is plenty of room (+10 at 50 gives +9.1), ever
    smaller as the bound nears, and never past it. Small steps keep their size in floating
    point (+0.01 at 50 gives +0.009999), unlike the rounding to whole points that used to
    swallow them. ``expm1`` keeps that precision for tiny ratios.
    """
    if not math.isfinite(delta) or delta == 0:
        return min(upper, max(lower, value))
    # The step never exceeds |delta| in exact arithmetic; min() keeps that true in floats too.
    if delta > 0:
        room = upper - value
        if room <= 0:
            return upper
        return min(upper, value + min(delta, -room * math.expm1(-delta / room)))
    room = value - lower
    if room <= 0:
        return lower
    return max(lower, value - min(-delta, -room * math.expm1(delta / room)))


# --- mood-congruent perception ---------------------------------------------------------------


def congruence_factor(
    delta: float, emotion_valence: float, mood_valence: float, strength: float
) -> float:
    """How much the current mood amplifies (>1) or dampens (<1) one proposed change.

    A change is pleasant when it raises a pleasant emotion or lowers an unpleasant one
    (``emotion_valence`` > 0 is pleasant, < 0 unpleasant, 0 neither). It agrees with a good mood
    (``mood_valence`` > 0) when pleasant and with a bad one when unpleasant; agreement scales it
    by ``1 + strength * |emotion_valence * mood_valence|`` and disagreement by
    ``1 - strength * |emotion_valence * mood_valence|``, so the factor lies in 0..2
    (mood-congruent judgement: Bower 1981; Forgas's affect infusion model, 1995). Inputs are
    clipped to their ranges (valences -1..1, strength 0..1).
    """
    if delta == 0:
        return 1.0
    emotion_valence = max(-1.0, min(1.0, emotion_valence))
    mood_valence = max(-1.0, min(1.0, mood_valence))
    strength = max(0.0, min(1.0, strength))
    pleasantness = math.copysign(1.0, delta) * emotion_valence
    return 1.0 + strength * pleasantness * mood_valence


def valence_of(values: Mapping[str, float], valences: Mapping[str, float]) -> float:
    """The feelings' overall valence on -1..1: the mean intensity of the pleasant emotions
    minus that of the unpleasant ones, over 100. Emotions of valence 0 do not count."""
    pleasant = [values[name] for name, v in valences.items() if v > 0 and name in values]
    unpleasant = [values[name] for name, v in valences.items() if v < 0 and name in values]
    good = sum(pleasant) / len(pleasant) if pleasant else 0.0
    bad = sum(unpleasant) / len(unpleasant) if unpleasant else 0.0
    return max(-1.0, min(1.0, (good - bad) / HIGHEST))


def appraise_values(
    values: Mapping[str, float],
    deltas: Mapping[str, float],
    *,
    valences: Mapping[str, float],
    mood_valence: float,
    confidence: float,
    max_delta: float,
    congruence: float,
) -> dict[str, float]:
    """One event's deltas applied to ``values``: each scaled by ``confidence`` (clipped to
    0..1) and by :func:`congruence_factor`, bounded to ``max_delta``, then applied with
    :func:`apply_saturating`. Names not in ``values`` and non-finite deltas are ignored."""
    result = dict(values)
    confidence = clip_confidence(confidence)
    if confidence == 0:
        return result
    for name, delta in deltas.items():
        if name not in result or not math.isfinite(delta) or delta == 0:
            continue
        scaled = delta * confidence
        scaled *= congruence_factor(scaled, valences.get(name, 0.0), mood_valence, congruence)
        result[name] = apply_saturating(result[name], bound_delta(scaled, max_delta))
    return result


def clip_confidence(confidence: float) -> float:
    """Confidence on 0..1; anything not a number counts as no confidence at all."""
    if not math.isfinite(confidence):
        return 0.0
    return max(0.0, min(1.0, confidence))


# --- personality ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmotionProfile:
    """What the dynamics know about one emotion.

    ``resting`` is its baseline (0..100) for an average personality (every Big Five factor at
    0.5); ``factors`` maps Big Five factor names to the points the baseline gains across that
    factor's whole range (0 to 1, so half of it either side of average), and read the other way
    they say which factors the emotion presses on when it runs above its baseline.
    ``valence`` (-1..1) says whether it is pleasant; ``adjective`` is the word for "more ...
    than usual".
    """

    resting: float
    factors: Mapping[str, float] = field(default_factory=dict)
    valence: float = 0.0
    adjective: str = ""


def baseline_for(profile: EmotionProfile, big_five: BigFive) -> float:
    """The resting value of one emotion for this personality, on 0..100."""
    value = float(profile.resting) + sum(
        points * (getattr(big_five, factor) - 0.5) for factor, points in profile.factors.items()
    )
    return max(LOWEST, min(HIGHEST, value))


def baselines_from_personality(
    profiles: Mapping[str, EmotionProfile],
    big_five: BigFive,
    explicit: Mapping[str, float],
) -> dict[str, float]:
    """Every emotion's baseline: the persona's ``explicit`` ones where given, the rest from the
    personality. Raises ``ValueError`` for unknown names and values outside 0..100."""
    unknown = sorted(set(explicit) - set(profiles))
    if unknown:
        raise ValueError(
            f"unknown emotion(s) in baselines: {', '.join(unknown)}; known: {', '.join(profiles)}"
        )
    for name, value in explicit.items():
        if not (math.isfinite(value) and LOWEST <= value <= HIGHEST):
            raise ValueError(f"baseline of {name!r} must be within 0..100, got {value}")
    return {
        name: float(explicit[name]) if name in explicit else baseline_for(profile, big_five)
        for name, profile in profiles.items()
    }


DRIFT_FULL_DEVIATION = 0.5
"""The weighted mean deviation from baseline (as a share of the 0..100 scale) of the emotions
tied to a factor at which that factor's drift pressure is full (1). Chosen: feelings that sit
half the scale away from rest, all in one direction, are as strong a sign as the state gives."""


def drift_pressure(
    profiles: Mapping[str, EmotionProfile],
    values: Mapping[str, float],
    baselines: Mapping[str, float],
) -> dict[str, float]:
    """How far the feelings sit from rest, read through the personality links, per factor.

    For each Big Five factor: the mean of the emotions' deviations from their baselines
    (-1..1 of the scale) weighted by the points that factor adds to each emotion's baseline,
    over :data:`DRIFT_FULL_DEVIATION`, clipped to -1..1. Sustained fear above its baseline
    presses neuroticism up; joy below its baseline presses extraversion down. A factor no
    emotion is tied to gets 0.
    """
    pressure: dict[str, float] = {}
    for factor in BIG_FIVE_FACTORS:
        weighted = 0.0
        total = 0.0
        for name, profile in profiles.items():
            points = profile.factors.get(factor, 0.0)
            if points == 0 or name not in values:
                continue
            deviation = (values[name] - baselines.get(name, values[name])) / HIGHEST
            weighted += points * deviation
            total += abs(points)
        raw = weighted / total / DRIFT_FULL_DEVIATION if total else 0.0
        pressure[factor] = max(-1.0, min(1.0, raw))
    return pressure


# --- PAD space --------------------------------------------------------------------------------


class PAD(NamedTuple):
    """A point of Mehrabian's pleasure-arousal-dominance space, each axis -1..1."""

    pleasure: float
    arousal: float
    dominance: float

    @classmethod
    def of(cls, mapping: Mapping[str, float], default: PAD | None = None) -> PAD:
        """From a ``{"pleasure", "arousal", "dominance"}`` mapping; missing axes from
        ``default`` (or 0)."""
        fallback = default or ORIGIN
        return cls(
            float(mapping.get("pleasure", fallback.pleasure)),
            float(mapping.get("arousal", fallback.arousal)),
            float(mapping.get("dominance", fallback.dominance)),
        )

    def as_dict(self) -> dict[str, float]:
        return {"pleasure": self.pleasure, "arousal": self.arousal, "dominance": self.dominance}

    def norm(self) -> float:
        return math.sqrt(sum(axis * axis for axis in self))

    def clipped(self) -> PAD:
        return PAD(*(max(-1.0, min(1.0, axis)) for axis in self))


ORIGIN = PAD(0.0, 0.0, 0.0)


def decay_pad(mood: PAD, default: PAD, factor: float) -> PAD:
    """The mood moved toward its default by ``factor`` (from :func:`decay_factor`)."""
    return PAD(*(decay_toward(m, d, factor) for m, d in zip(mood, default, strict=True)))


def centre_of(
    points: Iterable[tuple[PAD, float]],
) -> tuple[PAD, float] | None:
    """ALMA's virtual emotion centre of ``(point, intensity)`` pairs with intensity > 0: the
    intensity-weighted mean point, and the intensity-weighted mean intensity (0..1) so that
    a crowd of barely active emotions does not outweigh one strongly felt. None when nothing
    is active."""
    total = 0.0
    squares = 0.0
    sums = [0.0, 0.0, 0.0]
    for point, intensity in points:
        if intensity <= 0:
            continue
        total += intensity
        squares += intensity * intensity
        for axis in range(3):
            sums[axis] += point[axis] * intensity
    if total == 0:
        return None
    return PAD(*(s / total for s in sums)), min(1.0, squares / total)


def shift_mood(mood: PAD, centre: PAD, step: float) -> PAD:
    """Move ``mood`` by at most ``step`` (PAD units) under the pull of ``centre``, as ALMA does.

    Pull: while the mood lies between neutral and the centre (or elsewhere), it moves straight
    toward the centre and stops there. Push: once it sits in the centre's octant at least as
    far out as the centre, it is pushed further along the centre's direction (the feelings
    deepen a mood they agree with). The result is clipped to -1..1 on each axis.
    """
    if step <= 0:
        return mood
    same_octant = all((m >= 0) == (c >= 0) for m, c in zip(mood, centre, strict=True))
    centre_norm = centre.norm()
    if same_octant and centre_norm > 0 and mood.norm() >= centre_norm:
        return PAD(
            *(m + step * c / centre_norm for m, c in zip(mood, centre, strict=True))
        ).clipped()
    gap = PAD(*(c - m for m, c in zip(mood, centre, strict=True)))
    distance = gap.norm()
    if distance == 0:
        return mood
    share = min(1.0, step / distance)
    return PAD(*(m + g * share for m, g in zip(mood, gap, strict=True))).clipped()


# --- words for prompts ------------------------------------------------------------------------

NOTABLE_DEVIATION = 10.0
"""Points away from baseline from which a prompt says "more/less ... than usual" (chosen: a
tenth of the scale is about the smallest change a reader of the numbers would call a change)."""


def intensity_word(value: float) -> str:
    """``very high`` from 80, ``high`` from 60, nothing below (chosen thresholds)."""
    if value >= 80:
        return "very high"
    if value >= 60:
        return "high"
    return ""


def describe_emotions(
    values: Mapping[str, float],
    baselines: Mapping[str, float],
    profiles: Mapping[str, EmotionProfile],
    *,
    strongest: int = 3,
    changes: int = 2,
) -> str:
    """Feelings in a few words and numbers, e.g. ``"joy 62 (high), love 40, surprise 21; more
    joyful than usual, less afraid than usual"``: the ``strongest`` emotions with rounded
    values, then the ``changes`` largest departures from baseline (at least
    :data:`NOTABLE_DEVIATION` points), or ``close to usual`` when none is notable."""
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:strongest]
    parts = []
    for name, value in ranked:
        word = intensity_word(value)
        label = f"{name.replace('_', ' ')} {round(value)}"
        parts.append(f"{label} ({word})" if word else label)
    departures = sorted(
        (
            (value - baselines.get(name, value), name)
            for name, value in values.items()
            if abs(value - baselines.get(name, value)) >= NOTABLE_DEVIATION
        ),
        key=lambda item: (-abs(item[0]), item[1]),
    )[:changes]
    if departures:
        shifts = ", ".join(_comparison(gap, name, profiles) for gap, name in departures)
    else:
        shifts = "close to usual"
    return f"{', '.join(parts)}; {shifts}"


_COMPARATIVES = MappingProxyType(
    {"happy": "happier", "sad": "sadder", "angry": "angrier", "lonely": "lonelier"}
)


def _comparison(gap: float, name: str, profiles: Mapping[str, EmotionProfile]) -> str:
    profile = profiles.get(name)
    adjective = profile.adjective if profile and profile.adjective else name.replace("_", " ")
    if gap < 0:
        return f"less {adjective} than usual"
    return f"{_COMPARATIVES.get(adjective, 'more ' + adjective)} than usual"


# --- a model built on these dynamics ---------------------------------------------------------
