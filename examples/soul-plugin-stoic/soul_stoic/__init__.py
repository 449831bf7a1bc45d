"""An example plugin: a stoic agent feels only calm, curiosity and concern.

Install it next to Synthetic Soul (``pip install ./examples/soul-plugin-stoic``) and select it
with ``SOUL_EMOTION_MODEL=stoic``.
"""

from soul_framework import hookimpl
from soul_framework.config import Settings


class StoicEmotionModel:
    name = "stoic"
    description = "Three quiet emotions for a steady companion."
    emotions = {
        "calm": "settled, unhurried attention",
        "curiosity": "interest in what is new",
        "concern": "care about something that may go wrong",
    }

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


@hookimpl
def register_emotion_models(register):
    register(StoicEmotionModel)
