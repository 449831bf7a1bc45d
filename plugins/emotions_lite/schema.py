"""The lite personality schema: ten traits and a Myers-Briggs type.

A stored document looks like::

    {"myers-briggs": "ENFP", "traits": {"warmth": 85.0, ...}, "pinned": ["warmth"],
     "description": "...", "drift": {...}}

``drift`` is the ledger personality drift keeps (see :mod:`soul_framework.mind.drift`); this
schema carries it, and any other key it does not know, through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from soul_framework.config import Settings
from soul_framework.domain.personality import BigFive
from soul_framework.mind import traits as trait_rules
from soul_plugins.emotions_lite.presets import MBTI_PRESETS, closest_type, preset_traits

LITE_TRAITS = MappingProxyType(
    {
        "warmth": "friendliness and kindness toward others",
        "playfulness": "humour and light-heartedness",
        "trust_reliability": "dependability and trust in others",
        "curiosity_creativity": "desire to learn and to imagine",
        "empathy_compassion": "feeling with others and caring for them",
        "emotional_stability": "calm under pressure, slow to be shaken",
        "assertiveness_confidence": "self-assurance and directness",
        "adaptability": "ease with change",
        "discipline_responsibility": "order, diligence and keeping one's word",
        "perspective": "seeing the wider picture and other points of view",
    }
)

LITE_LOADINGS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "warmth": {"extraversion": 0.5, "agreeableness": 0.5},
        "playfulness": {"extraversion": 0.7, "openness": 0.3},
        "trust_reliability": {"agreeableness": 0.5, "conscientiousness": 0.5},
        "curiosity_creativity": {"openness": 1.0},
        "empathy_compassion": {"agreeableness": 1.0},
        "emotional_stability": {"neuroticism": -1.0},
        "assertiveness_confidence": {"extraversion": 0.7, "neuroticism": -0.3},
        "adaptability": {"openness": 0.6, "neuroticism": -0.4},
        "discipline_responsibility": {"conscientiousness": 1.0},
        "perspective": {"openness": 0.7, "agreeableness": 0.3},
    }
)
"""How each trait loads on the Big Five factors (-1..1; a row's absolute weights sum to 1).

Where a trait matches a facet of the NEO-PI-R (Costa & McCrae, 1992) it loads on that facet's
factor: warmth is a facet of extraversion and, as kindness, of agreeableness; trust of
agreeableness and dutifulness of conscientiousness; assertiveness of extraversion, its
confidence the opposite of neuroticism's self-consciousness and vulnerability; tender-minded
empathy of agreeableness; ideas and fantasy (curiosity, creativity) of openness; order and
self-discipline of conscientiousness; emotional stability is the opposite pole of neuroticism.
The rest follow their evident content: playfulness is mostly positive emotion (extraversion)
with some openness; adaptability is openness to new actions with low vulnerability; perspective
is openness to values with agreeable tolerance. A row summing to 1 means a change of one point
in the factors moves a trait by at most one point.
"""


class LitePersonalitySchema:
    """Ten traits on 0..100 plus a Myers-Briggs type (the API keeps ``myers-briggs``).

    ``preset`` is one of the sixteen types (:mod:`soul_plugins.emotions_lite.presets`), in any
    case. Without one, the document's type is the type whose preset lies nearest the traits,
    so ``myers-briggs`` always names one of the sixteen.
    """

    name = "lite"
    description = "Ten traits on 0..100 and a Myers-Briggs type."
    traits = LITE_TRAITS
    loadings = LITE_LOADINGS
    presets = MBTI_PRESETS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def document(
        self,
        traits: Mapping[str, float],
        *,
        preset: str | None,
        pinned: Sequence[str],
        description: str,
    ) -> dict[str, Any]:
        """A validated document: the preset's values, overridden by ``traits``.

        Traits neither gives are 50. Raises ``ValueError`` for an unknown type, an unknown
        trait, a value outside 0..100 or an unknown pinned trait; the message names it.
        """
        values = dict(preset_traits(preset)) if preset is not None else {}
        values.update(trait_rules.checked_values(traits, self.traits))
        complete = {name: values.get(name, trait_rules.NEUTRAL) for name in self.traits}
        code = preset.strip().upper() if preset is not None else closest_type(complete)
        return {
            "myers-briggs": code,
            "traits": complete,
            "pinned": trait_rules.checked_pinned(pinned, self.traits),
            "description": trait_rules.checked_description(description),
        }

    def validate(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A stored document checked and completed: a copy with every trait present.

        Traits a stored document lacks take its type's preset value (or 50); keys this schema
        does not know, such as the drift ledger, are kept as they are. Raises ``ValueError``
        as :meth:`document` does.
        """
        code = document.get("myers-briggs")
        given = trait_rules.checked_values(document.get("traits", {}), self.traits)
        if code is None:
            code = closest_type(
                {name: given.get(name, trait_rules.NEUTRAL) for name in self.traits}
            )
        if not isinstance(code, str):
            raise ValueError(f"myers-briggs must be a type such as 'ENFP', got {code!r}")
        start = preset_traits(code)
        checked = dict(document)
        checked["myers-briggs"] = code.strip().upper()
        checked["traits"] = {name: given.get(name, start[name]) for name in self.traits}
        checked["pinned"] = trait_rules.checked_pinned(document.get("pinned", ()), self.traits)
        checked["description"] = trait_rules.checked_description(document.get("description", ""))
        return checked

    def big_five(self, document: Mapping[str, Any]) -> BigFive:
        """The Big Five of the document's traits through :data:`LITE_LOADINGS`.

        Each factor is 0.5 plus the loading-weighted mean of its traits' distance from 50,
        on 0..1: a factor whose traits are all at 100 (or all at 0 for negative loadings) is 1.
        """
        return trait_rules.big_five_of(self.validate(document)["traits"], self.loadings)

    def traits_from_big_five(self, change: Mapping[str, float]) -> dict[str, float]:
        """Points each trait moves for a change of the factors (points on 0..100): the
        weighted sum of the changes of the factors it loads on (emotional stability moves
        against neuroticism). Raises ``ValueError`` for an unknown factor."""
        return trait_rules.spread_over_traits(change, self.loadings)

    def api_view(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """``{"myers-briggs", "personality_matrix": {trait: {description, value, min, max}},
        "description"}``, values rounded to two decimals."""
        checked = self.validate(document)
        return {
            "myers-briggs": checked["myers-briggs"],
            "personality_matrix": trait_rules.personality_matrix(checked["traits"], self.traits),
            "description": checked["description"],
        }
