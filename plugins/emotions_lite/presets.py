"""The sixteen Myers-Briggs presets of the lite personality schema.

The numbers are those of the Synthetic Soul system this framework replaces, kept verbatim so a
persona that names a type gets the personality it always had. Each row lists the ten lite
traits in :data:`PRESET_TRAIT_ORDER`, on 0..100.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PRESET_TRAIT_ORDER = (
    "warmth",
    "playfulness",
    "trust_reliability",
    "curiosity_creativity",
    "empathy_compassion",
    "emotional_stability",
    "assertiveness_confidence",
    "adaptability",
    "discipline_responsibility",
    "perspective",
)
"""The order of the values in each row of :data:`_ROWS`."""

_ROWS: dict[str, tuple[int, ...]] = {
    "ISTJ": (40, 25, 70, 40, 55, 75, 60, 30, 90, 60),
    "ISFJ": (70, 35, 80, 45, 85, 65, 45, 50, 85, 70),
    "INFJ": (65, 40, 75, 80, 90, 60, 55, 65, 70, 85),
    "INTJ": (30, 35, 50, 90, 45, 70, 85, 55, 85, 75),
    "ISTP": (40, 60, 50, 70, 40, 65, 70, 80, 40, 65),
    "ISFP": (65, 55, 60, 65, 70, 55, 45, 70, 45, 65),
    "INFP": (70, 60, 65, 85, 90, 50, 40, 60, 45, 80),
    "INTP": (35, 45, 55, 90, 45, 60, 50, 65, 55, 70),
    "ESTP": (60, 85, 55, 65, 45, 65, 80, 90, 35, 60),
    "ESFP": (80, 90, 65, 70, 70, 60, 65, 85, 35, 65),
    "ENFP": (85, 85, 70, 90, 80, 55, 60, 80, 40, 75),
    "ENTP": (55, 80, 50, 95, 45, 60, 75, 85, 40, 70),
    "ESTJ": (45, 35, 60, 55, 45, 70, 85, 50, 90, 60),
    "ESFJ": (85, 60, 80, 55, 85, 65, 55, 60, 80, 70),
    "ENFJ": (80, 65, 75, 75, 90, 60, 70, 65, 70, 80),
    "ENTJ": (40, 45, 55, 85, 40, 70, 95, 70, 85, 75),
}

MBTI_PRESETS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        code: MappingProxyType(
            {trait: float(value) for trait, value in zip(PRESET_TRAIT_ORDER, row, strict=True)}
        )
        for code, row in _ROWS.items()
    }
)
"""Myers-Briggs code (upper case) to trait values on 0..100, in the order above."""


def preset_traits(code: str) -> MappingProxyType[str, float]:
    """The trait values of the type ``code`` (any case, surrounding spaces ignored).

    Raises ``ValueError`` naming the sixteen codes when ``code`` is not one of them.
    """
    key = code.strip().upper()
    try:
        return MBTI_PRESETS[key]
    except KeyError:
        known = ", ".join(MBTI_PRESETS)
        raise ValueError(
            f"unknown Myers-Briggs preset {code!r}; use one of the sixteen types: {known}"
        ) from None


def closest_type(traits: Mapping[str, float]) -> str:
    """The Myers-Briggs type whose preset lies nearest ``traits`` (Euclidean distance over
    the ten traits; a tie goes to the type listed first above)."""
    best_code, best_distance = "", float("inf")
    for code, preset in MBTI_PRESETS.items():
        distance = sum((traits[name] - value) ** 2 for name, value in preset.items())
        if distance < best_distance:
            best_code, best_distance = code, distance
    return best_code
