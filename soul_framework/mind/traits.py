"""Trait documents as personality schemas read them: checked values and pins, the Big Five
through a schema's loadings, and the ``personality_matrix`` the API shows.

Pure functions shared by the personality schemas. Traits are points on 0..100 (50 is the
middle of the scale); Big Five factors are on 0..1 (0.5 is average); *loadings* map each trait
to the Big Five factors it loads on, each weight on -1..1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from soul_framework.domain.personality import BigFive

TRAIT_MIN = 0.0
TRAIT_MAX = 100.0
NEUTRAL = 50.0
"""A trait nothing sets: the middle of the scale."""

BIG_FIVE_FACTORS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
"""The factors in the order of :class:`~soul_framework.domain.personality.BigFive`."""

Loadings = Mapping[str, Mapping[str, float]]
"""Trait name to ``{factor: weight}``, each weight on -1..1."""


def checked_values(given: Mapping[str, Any], known: Mapping[str, str]) -> dict[str, float]:
    """``given`` as floats, every name one of ``known`` and every value a number within
    0..100. Raises ``ValueError`` naming the first unknown trait or bad value."""
    if not isinstance(given, Mapping):
        raise ValueError(f"traits must be a mapping of trait name to value, got {given!r}")
    values: dict[str, float] = {}
    for name, value in given.items():
        if name not in known:
            raise ValueError(f"unknown trait {name!r}; the traits are: {', '.join(known)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"trait {name!r} must be a number within 0..100, got {value!r}")
        if not (TRAIT_MIN <= value <= TRAIT_MAX):  # also rejects NaN
            raise ValueError(f"trait {name!r} must be within 0..100, got {value}")
        values[name] = float(value)
    return values


def checked_pinned(pinned: Sequence[str], known: Mapping[str, str]) -> list[str]:
    """The pinned trait names in their order, each once. Raises ``ValueError`` for anything
    but a list of names of ``known`` (a bare string is not a list of names)."""
    if isinstance(pinned, str) or not isinstance(pinned, Sequence):
        raise ValueError(f"pinned must be a list of trait names, got {pinned!r}")
    names: list[str] = []
    for name in pinned:
        if name not in known:
            raise ValueError(
                f"cannot pin unknown trait {name!r}; the traits are: {', '.join(known)}"
            )
        if name not in names:
            names.append(name)
    return names


def checked_description(description: Any) -> str:
    """``description`` if it is text; raises ``ValueError`` otherwise."""
    if not isinstance(description, str):
        raise ValueError(f"description must be text, got {description!r}")
    return description


def big_five_of(values: Mapping[str, float], loadings: Loadings) -> BigFive:
    """The Big Five of complete trait ``values`` (every trait of ``loadings``).

    Each factor is 0.5 plus the loading-weighted sum of its traits' distance from 50 over the
    sum of the absolute weights times the scale's width, clipped to 0..1: a factor whose traits
    all sit at the pole their weights point to is 0 or 1, one no trait loads on is 0.5.
    """
    factors: dict[str, float] = {}
    for factor in BIG_FIVE_FACTORS:
        weighted = total = 0.0
        for trait, row in loadings.items():
            weight = row.get(factor, 0.0)
            weighted += weight * (values[trait] - NEUTRAL)
            total += abs(weight)
        score = 0.5 + weighted / (total * (TRAIT_MAX - TRAIT_MIN)) if total else 0.5
        factors[factor] = min(1.0, max(0.0, score))
    return BigFive(**factors)


def spread_over_traits(change: Mapping[str, float], loadings: Loadings) -> dict[str, float]:
    """Points each trait of ``loadings`` moves for a change of the factors (points): the
    weighted sum of the changes of the factors it loads on. Raises ``ValueError`` for an
    unknown factor or a change that is not a finite number."""
    for factor, points in change.items():
        if factor not in BIG_FIVE_FACTORS:
            known = ", ".join(BIG_FIVE_FACTORS)
            raise ValueError(f"unknown Big Five factor {factor!r}; the factors are: {known}")
        if not math.isfinite(points):
            raise ValueError(f"change of {factor!r} must be a finite number, got {points}")
    return {
        trait: sum(weight * change.get(factor, 0.0) for factor, weight in row.items())
        for trait, row in loadings.items()
    }


def personality_matrix(
    values: Mapping[str, float], descriptions: Mapping[str, str]
) -> dict[str, Any]:
    """The API's ``personality_matrix``: ``{trait: {description, value, min, max}}`` in the
    order of ``descriptions``, values rounded to two decimals, bounds as whole numbers."""
    return {
        name: {
            "description": description,
            "value": round(values[name], 2),
            "min": int(TRAIT_MIN),
            "max": int(TRAIT_MAX),
        }
        for name, description in descriptions.items()
    }
