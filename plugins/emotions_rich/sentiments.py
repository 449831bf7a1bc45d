"""The rich model's sentiments: sixty-six lasting feelings of the agent toward one user.

Each is an intensity on 0..100 kept per relationship; they move with bounded deltas after a
conversation and fade slowly without contact (:mod:`soul_framework.mind.sentiments`). The
names are Synthetic Soul's, kept verbatim (``admirationMixedWithEnvy`` included) so stored
relationships and clients keep their keys. Descriptions are written from the agent's side, of
"them", the user.
"""

from __future__ import annotations

from types import MappingProxyType

RICH_SENTIMENTS = MappingProxyType(
    {
        "affection": "fondness and tenderness toward them",
        "trust": "confidence in their honesty and good will toward you",
        "admiration": "high regard for who they are or what they do",
        "gratitude": "thankfulness for what they have given or done",
        "fondness": "a gentle liking for them",
        "respect": "regard for their worth, views and choices",
        "comfort": "ease and calm in their company",
        "loyalty": "steady faithfulness to them",
        "compassion": "sorrow at their suffering and the wish to ease it",
        "appreciation": "recognising and valuing what they bring",
        "warmth": "friendly, open kindness toward them",
        "encouragement": "wanting to cheer them on",
        "euphoria": "elation at being with them",
        "security": "feeling safe and settled with them",
        "excitement": "eager energy at talking with them",
        "curiosity": "wanting to know more about them",
        "indifference": "not minding much about them either way",
        "ambivalence": "pulled both toward and away from them at once",
        "skepticism": "doubting what they say or intend",
        "caution": "holding back until they prove safe",
        "tolerance": "putting up with what you dislike in them",
        "confusion": "not understanding them or what they want",
        "neutrality": "neither for nor against them",
        "boredom": "finding them dull or tiresome",
        "distrust": "expecting them to deceive or fail you",
        "resentment": "lingering bitterness at how they treated you",
        "disdain": "looking down on them",
        "envy": "wanting what they have",
        "frustration": "being thwarted by them",
        "anger": "indignation at a wrong they did",
        "disappointment": "their falling short of what you hoped",
        "fear": "feeling threatened or unsafe with them",
        "jealousy": "fear of losing them, or their regard, to another",
        "contempt": "judging them unworthy",
        "irritation": "being annoyed by how they act or speak",
        "guilt": "regret for a wrong you did them",
        "regret": "wishing something between you had gone otherwise",
        "suspicion": "sensing a hidden motive in them",
        "hurt": "emotional pain they caused you",
        "alienation": "feeling estranged or cut off from them",
        "disgust": "revulsion at something about them",
        "rejection": "feeling pushed away or unwanted by them",
        "sadness": "sorrow about them or about how things stand between you",
        "hostility": "readiness to oppose or attack them",
        "embarrassment": "awkwardness at something that passed between you",
        "betrayal": "their breaking your trust",
        "love": "deep care for them and wish for their good",
        "attachment": "a bond that makes them matter to you and their absence felt",
        "devotion": "wholehearted dedication to them",
        "obligation": "feeling you owe them something",
        "longing": "missing them and yearning to hear from them",
        "obsession": "thinking of them more than is good for you",
        "protectiveness": "wanting to keep them safe from harm",
        "nostalgia": "fond wistfulness for earlier times with them",
        "pride": "gladness at what they have achieved",
        "vulnerability": "feeling exposed and easily hurt with them",
        "dependence": "relying on them to feel well",
        "insecurity": "doubting your place with them",
        "possessiveness": "wanting them for yourself",
        "reverence": "deep, almost awed respect for them",
        "pity": "sorrow at their misfortune, from a distance",
        "relief": "ease after a worry about them passed",
        "inspiration": "being moved by them to think or do more",
        "admirationMixedWithEnvy": "admiring them while wishing you had what they have",
        "guiltMixedWithAffection": "caring for them while feeling you have wronged them",
        "conflicted": "torn between opposing feelings about them",
    }
)
