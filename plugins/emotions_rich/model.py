"""The rich emotion model: 27 emotions of Synthetic Soul's rich mode."""

from __future__ import annotations

from types import MappingProxyType

from soul_framework.config import Settings

RICH_EMOTIONS = MappingProxyType(
    {
        "happiness": "a general sense of gladness",
        "anger": "indignation at a wrong or an obstacle",
        "sadness": "sorrow or a sense of loss",
        "fear": "alarm about a threat",
        "surprise": "being struck by the unexpected",
        "disgust": "aversion to the offensive",
        "love": "deep warmth and attachment",
        "guilt": "regret for a wrong one did",
        "shame": "feeling diminished in others' eyes",
        "pride": "satisfaction in one's own doing",
        "hope": "expecting good things to come",
        "gratitude": "thankfulness for what was given",
        "envy": "wanting what another has",
        "compassion": "sorrow for another's suffering and wish to help",
        "serenity": "calm and peace of mind",
        "frustration": "being blocked from a goal",
        "contentment": "quiet satisfaction with how things are",
        "anxiety": "unease about what may happen",
        "loneliness": "missing connection with others",
        "embarrassment": "awkwardness at a social slip",
        "trust": "confidence in someone's good will",
        "relief": "release when a worry passes",
        "affection": "fondness and tenderness",
        "bitterness": "lingering resentment",
        "excitement": "eager, energised anticipation",
        "self_loathing": "turning contempt on oneself",
        "love_for_self": "kindness and acceptance toward oneself",
    }
)


class RichEmotionModel:
    """Twenty-seven emotions, each an intensity on 0..100."""

    name = "rich"
    description = "Twenty-seven emotions with a slower PAD mood."
    emotions = RICH_EMOTIONS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
