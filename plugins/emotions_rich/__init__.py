"""The rich mind: 27 emotions with a PAD mood, and the 34-trait personality."""

from soul_framework import hookimpl
from soul_plugins.emotions_rich.model import RichEmotionModel
from soul_plugins.emotions_rich.schema import RichPersonalitySchema


@hookimpl
def register_emotion_models(register):
    register(RichEmotionModel)


@hookimpl
def register_personality_schemas(register):
    register(RichPersonalitySchema)
