"""Personality as the mind's models read it: the Big Five, whatever schema a persona uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BigFive:
    """The five-factor profile, each factor on 0..1 (0.5 is average).

    Personality schemas translate their own traits into it, so emotion models derive baselines
    and a default mood without knowing which schema a persona uses.
    """

    openness: float = 0.5
    conscientiousness: float = 0.5
    extraversion: float = 0.5
    agreeableness: float = 0.5
    neuroticism: float = 0.5

    def __post_init__(self) -> None:
        for name in (
            "openness",
            "conscientiousness",
            "extraversion",
            "agreeableness",
            "neuroticism",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
