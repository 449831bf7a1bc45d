"""The lite emotion model: the seven emotions of Synthetic Soul's lite mode."""

from __future__ import annotations

from types import MappingProxyType

from soul_framework.config import Settings

LITE_EMOTIONS = MappingProxyType(
    {
        "joy": "gladness and delight at what is happening",
        "sadness": "sorrow, disappointment or a sense of loss",
        "anger": "irritation or indignation at a wrong or an obstacle",
        "fear": "worry or alarm about a threat",
        "surprise": "being struck by something unexpected",
        "love": "warmth, tenderness and attachment",
        "disgust": "aversion to something offensive or distasteful",
    }
)


class LiteEmotionModel:
    """Seven basic emotions, each an intensity on 0..100."""

    name = "lite"
    description = "Seven basic emotions (joy, sadness, anger, fear, surprise, love, disgust)."
    emotions = LITE_EMOTIONS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
