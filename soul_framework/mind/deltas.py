"""Structured-output models that ask an LLM for one change, in points, per named feeling.

Emotion deltas in a reply and sentiment deltas in a reflection are the same shape: one number
per name, 0 when the model leaves it out. The allowed range is stated in the JSON schema
(``minimum``/``maximum``) to guide the model, but parsing accepts any number: the code that
applies the deltas bounds them per event anyway, so an answer of 30 where 25 was asked for is
a strong change, not a failed call.
"""

from __future__ import annotations

import functools

from pydantic import BaseModel, Field, create_model

from soul_framework.mind.output_fields import ANSWER_CONFIG


@functools.cache
def points_model(title: str, names: tuple[str, ...], bound: float, doc: str) -> type[BaseModel]:
    """A model named ``title`` with one float field per name (points, default 0) whose schema
    says ``-bound..bound``; ``doc`` becomes its description in the schema.

    Cached: the same arguments give the same class, made once (schema generation costs
    milliseconds and providers cache the schema per class). Unknown keys in an answer are
    ignored.
    """
    fields = {
        name: (float, Field(default=0.0, json_schema_extra={"minimum": -bound, "maximum": bound}))
        for name in names
    }
    return create_model(  # type: ignore[call-overload]
        title,
        __config__=ANSWER_CONFIG,
        __doc__=doc,
        **fields,
    )
