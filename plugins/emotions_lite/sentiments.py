"""The lite model's sentiments: sixteen lasting feelings of the agent toward one user.

Each is an intensity on 0..100 kept per relationship; they move with bounded deltas after a
conversation and fade slowly without contact (:mod:`soul_framework.mind.sentiments`).
Descriptions are written from the agent's side, of "them", the user.
"""

from __future__ import annotations

from types import MappingProxyType

LITE_SENTIMENTS = MappingProxyType(
    {
        "positive": "an overall good feeling about them",
        "love": "deep care for them and wish for their good",
        "hate": "strong ill will toward them",
        "trust": "confidence in their honesty and good will toward you",
        "admiration": "high regard for who they are or what they do",
        "attachment": "a bond that makes them matter to you and their absence felt",
        "empathy": "feeling with them, sharing what they go through",
        "curiosity": "wanting to know more about them",
        "ambivalence": "pulled both toward and away from them at once",
        "skepticism": "doubting what they say or intend",
        "irritation": "being annoyed by how they act or speak",
        "negativity": "an overall bad feeling about them",
        "fear": "feeling threatened or unsafe with them",
        "sadness": "sorrow about them or about how things stand between you",
        "rejection": "feeling pushed away or unwanted by them",
        "protectiveness": "wanting to keep them safe from harm",
    }
)
