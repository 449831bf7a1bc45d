"""The one structured answer of a reply: perception, decision, reply, expression, feelings.

Field order is the order the model writes them in. It reads the message first (purpose, tone:
a short chain of thought that improves the reply), decides whether to answer, writes the reply
(streamed to the user as it is written) and only then the emotion deltas, whose many numbers
would otherwise delay the first word.

Ranges and enums in the schema guide the model; parsing stays lenient where a strict check
would only turn a usable answer into a failed reply (an expression the persona lacks becomes
its neutral one; the emotion model bounds every delta anyway).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, Field, create_model

from soul_framework.mind.feelings import deltas_model
from soul_framework.mind.output_fields import (
    ANSWER_CONFIG,
    CONFIDENCE,
    choice_field,
    number_field,
    text_field,
)

MESSAGE_MAX_CHARS = 2000
LABEL_MAX_CHARS = 80


def _label(description: str) -> tuple[type[str], object]:
    return text_field(LABEL_MAX_CHARS, description)


@functools.cache
def reply_output_model(
    expressions: tuple[str, ...], emotions: tuple[str, ...], bound: float, *, group: bool
) -> type[BaseModel]:
    """The reply's output model for this persona's expressions and this model's emotions
    (made once per combination: providers cache schemas per model class).

    A direct message is always answered: its schema has no ``respond`` and wants a message of
    at least one character (constrained decoders then cannot return an empty reply). A group
    message may be left alone: ``respond`` false and an empty message.
    """
    deltas = deltas_model(emotions, bound)
    if group:
        decision: dict[str, Any] = {
            "respond": (
                bool,
                Field(
                    default=True,
                    description="Whether to answer: false unless you are addressed or have "
                    "something worth saying.",
                ),
            ),
            "message": text_field(MESSAGE_MAX_CHARS, "Your reply; empty if not answering."),
        }
    else:
        decision = {
            "message": (
                str,
                Field(
                    default="",
                    description="Your reply.",
                    json_schema_extra={"minLength": 1, "maxLength": MESSAGE_MAX_CHARS},
                ),
            )
        }
    return create_model(  # type: ignore[call-overload]
        "ReplyOutput",
        __config__=ANSWER_CONFIG,
        perceived_purpose=_label("What the user wants with their last message, in a few words."),
        perceived_tone=_label("The tone of the user's last message, in a word or two."),
        **decision,
        purpose=_label("What you want with your reply, in a few words."),
        tone=_label("The tone of your reply, in a word or two."),
        expression=choice_field(expressions, "Your facial expression now.", default=expressions[0]),
        emotions=(deltas, Field(default_factory=deltas)),
        confidence=number_field(0.0, 1.0, CONFIDENCE, default=1.0),
    )
