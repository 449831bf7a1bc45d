"""The rich personality schema: 34 traits on 0..100.

A stored document looks like::

    {"traits": {"friendliness": 70.0, ...}, "pinned": ["loyalty"], "description": "...",
     "drift": {...}}

``drift`` is the ledger personality drift keeps (see :mod:`soul_framework.mind.drift`); this
schema carries it, and any other key it does not know, through unchanged. The schema has no
presets: a persona gives the traits it cares about and the rest start at 50.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from soul_framework.config import Settings
from soul_framework.domain.personality import BigFive
from soul_framework.mind import traits as trait_rules

RICH_TRAITS = MappingProxyType(
    {
        "friendliness": "kindness and approachability toward others",
        "flirtatiousness": "playful romantic or charming interest",
        "trust": "readiness to believe in others' good intentions",
        "curiosity": "eagerness to learn and explore",
        "empathy": "sensing and sharing what others feel",
        "humor": "seeing and making the funny side of things",
        "seriousness": "gravity and earnestness in manner",
        "optimism": "expecting things to turn out well",
        "confidence": "belief in one's own abilities",
        "adventurousness": "appetite for new and daring experiences",
        "patience": "calm tolerance of delay and difficulty",
        "independence": "self-reliance and thinking for oneself",
        "compassion": "care for others who suffer and wish to help",
        "creativity": "imagination and original ideas",
        "stubbornness": "holding to one's views against persuasion",
        "impulsiveness": "acting on the moment's urge without deliberation",
        "discipline": "self-control, order and perseverance",
        "assertiveness": "stating needs and views directly",
        "skepticism": "doubting claims until shown evidence",
        "affection": "showing fondness and tenderness",
        "adaptability": "ease with change and new circumstances",
        "sociability": "enjoying company and seeking it out",
        "diplomacy": "tact in handling people and disagreements",
        "humility": "modesty about oneself and one's achievements",
        "loyalty": "faithfulness to people and commitments",
        "jealousy": "fear of losing affection or standing to a rival",
        "resilience": "recovering quickly from setbacks",
        "mood_stability": "evenness of mood from hour to hour",
        "forgiveness": "letting go of grudges after a wrong",
        "gratitude": "noticing and appreciating what one receives",
        "self_consciousness": "awareness of being watched and judged, shyness",
        "openness": "receptiveness to new ideas, art and experience",
        "neuroticism": "proneness to worry, tension and negative feeling",
        "excitement": "eagerness and energy, seeking thrills",
    }
)

RICH_LOADINGS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "friendliness": {"extraversion": 0.5, "agreeableness": 0.5},
        "flirtatiousness": {"extraversion": 0.8, "openness": 0.2},
        "trust": {"agreeableness": 1.0},
        "curiosity": {"openness": 1.0},
        "empathy": {"agreeableness": 0.8, "openness": 0.2},
        "humor": {"extraversion": 0.6, "openness": 0.4},
        "seriousness": {"extraversion": -0.5, "conscientiousness": 0.5},
        "optimism": {"extraversion": 0.5, "neuroticism": -0.5},
        "confidence": {"extraversion": 0.5, "neuroticism": -0.5},
        "adventurousness": {"openness": 0.6, "extraversion": 0.4},
        "patience": {"agreeableness": 0.5, "conscientiousness": 0.3, "neuroticism": -0.2},
        "independence": {"openness": 0.5, "neuroticism": -0.3, "agreeableness": -0.2},
        "compassion": {"agreeableness": 1.0},
        "creativity": {"openness": 1.0},
        "stubbornness": {"agreeableness": -0.7, "openness": -0.3},
        "impulsiveness": {"neuroticism": 0.5, "conscientiousness": -0.5},
        "discipline": {"conscientiousness": 1.0},
        "assertiveness": {"extraversion": 0.8, "agreeableness": -0.2},
        "skepticism": {"agreeableness": -0.7, "openness": 0.3},
        "affection": {"agreeableness": 0.5, "extraversion": 0.5},
        "adaptability": {"openness": 0.6, "neuroticism": -0.4},
        "sociability": {"extraversion": 1.0},
        "diplomacy": {"agreeableness": 0.8, "conscientiousness": 0.2},
        "humility": {"agreeableness": 1.0},
        "loyalty": {"agreeableness": 0.5, "conscientiousness": 0.5},
        "jealousy": {"neuroticism": 0.7, "agreeableness": -0.3},
        "resilience": {"neuroticism": -0.8, "conscientiousness": 0.2},
        "mood_stability": {"neuroticism": -1.0},
        "forgiveness": {"agreeableness": 0.8, "neuroticism": -0.2},
        "gratitude": {"agreeableness": 0.7, "extraversion": 0.3},
        "self_consciousness": {"neuroticism": 1.0},
        "openness": {"openness": 1.0},
        "neuroticism": {"neuroticism": 1.0},
        "excitement": {"extraversion": 0.8, "openness": 0.2},
    }
)
"""How each trait loads on the Big Five factors (-1..1; a row's absolute weights sum to 1).

Traits that name a facet of the NEO-PI-R (Costa & McCrae, 1992) load on its factor: trust,
compassion (tender-mindedness) and humility (modesty) on agreeableness; sociability
(gregariousness), assertiveness and excitement (excitement-seeking) on extraversion;
discipline (self-discipline) on conscientiousness; self-consciousness and impulsiveness on
neuroticism (impulsiveness also against deliberation, a conscientiousness facet); curiosity
(ideas) and creativity (fantasy) on openness; ``openness`` and ``neuroticism`` are the factors
themselves. The rest follow their evident content, e.g. optimism and confidence as positive
emotion (extraversion) against depression and vulnerability (neuroticism), stubbornness and
skepticism against agreeableness. A row summing to 1 means a change of one point in the
factors moves a trait by at most one point.
"""


class RichPersonalitySchema:
    """Thirty-four traits on 0..100, no presets (``preset`` must be None)."""

    name = "rich"
    description = "Thirty-four traits on 0..100."
    traits = RICH_TRAITS
    loadings = RICH_LOADINGS

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
        """A validated document: ``traits``, and 50 for the traits they leave out.

        Raises ``ValueError`` for any preset, an unknown trait, a value outside 0..100 or an
        unknown pinned trait; the message names it.
        """
        if preset is not None:
            raise ValueError(
                f"the rich personality schema has no presets (got {preset!r}); give trait values"
            )
        values = trait_rules.checked_values(traits, self.traits)
        return {
            "traits": {name: values.get(name, trait_rules.NEUTRAL) for name in self.traits},
            "pinned": trait_rules.checked_pinned(pinned, self.traits),
            "description": trait_rules.checked_description(description),
        }

    def validate(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A stored document checked and completed: a copy with every trait present (missing
        ones at 50); keys this schema does not know, such as the drift ledger, are kept as
        they are. Raises ``ValueError`` as :meth:`document` does."""
        given = trait_rules.checked_values(document.get("traits", {}), self.traits)
        checked = dict(document)
        checked["traits"] = {name: given.get(name, trait_rules.NEUTRAL) for name in self.traits}
        checked["pinned"] = trait_rules.checked_pinned(document.get("pinned", ()), self.traits)
        checked["description"] = trait_rules.checked_description(document.get("description", ""))
        return checked

    def big_five(self, document: Mapping[str, Any]) -> BigFive:
        """The Big Five of the document's traits through :data:`RICH_LOADINGS`.

        Each factor is 0.5 plus the loading-weighted mean of its traits' distance from 50,
        on 0..1: a factor whose traits are all at their pole is 0 or 1.
        """
        return trait_rules.big_five_of(self.validate(document)["traits"], self.loadings)

    def traits_from_big_five(self, change: Mapping[str, float]) -> dict[str, float]:
        """Points each trait moves for a change of the factors (points on 0..100): the
        weighted sum of the changes of the factors it loads on. Raises ``ValueError`` for an
        unknown factor."""
        return trait_rules.spread_over_traits(change, self.loadings)

    def api_view(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """``{"personality_matrix": {trait: {description, value, min, max}}, "description"}``
        (the lite shape without a type), values rounded to two decimals."""
        checked = self.validate(document)
        return {
            "personality_matrix": trait_rules.personality_matrix(checked["traits"], self.traits),
            "description": checked["description"],
        }
