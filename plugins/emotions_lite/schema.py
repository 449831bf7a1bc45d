"""The lite personality schema: ten traits and a Myers-Briggs type."""

from __future__ import annotations

from types import MappingProxyType

from soul_framework.config import Settings

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


class LitePersonalitySchema:
    """Ten traits on 0..100 plus a Myers-Briggs type (the API keeps ``myers-briggs``)."""

    name = "lite"
    description = "Ten traits on 0..100 and a Myers-Briggs type."
    traits = LITE_TRAITS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
