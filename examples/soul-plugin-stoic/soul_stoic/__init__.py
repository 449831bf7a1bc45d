"""An example plugin: a stoic agent feels only calm, curiosity and concern.

Install it next to Synthetic Soul (``pip install ./examples/soul-plugin-stoic``) and select it
with ``SOUL_EMOTION_MODEL=stoic``.

The model builds on the framework's ``BaselineEmotionModel``, which gives it decay toward
baselines, bounded appraisal, mood congruence and a prompt rendering: a plugin only says which
emotions it has, where they rest for a given personality, and how pleasant each one is.
"""

from types import MappingProxyType

from soul_framework import hookimpl
from soul_framework.mind.emotion_dynamics import EmotionProfile
from soul_framework.mind.emotion_model_base import BaselineEmotionModel

STOIC_PROFILES = MappingProxyType(
    {
        # resting value for an average personality, points each Big Five factor adds
        "calm": EmotionProfile(60, {"neuroticism": -30}, valence=1, adjective="calm"),
        "curiosity": EmotionProfile(35, {"openness": 30}, valence=1, adjective="curious"),
        "concern": EmotionProfile(10, {"neuroticism": 20}, valence=-1, adjective="concerned"),
    }
)


class StoicEmotionModel(BaselineEmotionModel):
    name = "stoic"
    description = "Three quiet emotions for a steady companion."
    emotions = MappingProxyType(
        {
            "calm": "settled, unhurried attention",
            "curiosity": "interest in what is new",
            "concern": "care about something that may go wrong",
        }
    )
    sentiments = MappingProxyType(
        {"respect": "regard for the person", "trust": "confidence in their good will"}
    )
    profiles = STOIC_PROFILES
    valences = MappingProxyType({name: p.valence for name, p in STOIC_PROFILES.items()})


@hookimpl
def register_emotion_models(register):
    register(StoicEmotionModel)
