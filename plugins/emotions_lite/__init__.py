"""The lite mind: 7 emotions and the 10-trait personality with Myers-Briggs presets."""

from soul_framework import hookimpl
from soul_plugins.emotions_lite.model import LiteEmotionModel
from soul_plugins.emotions_lite.schema import LitePersonalitySchema


@hookimpl
def register_emotion_models(register):
    register(LiteEmotionModel)


@hookimpl
def register_personality_schemas(register):
    register(LitePersonalitySchema)
