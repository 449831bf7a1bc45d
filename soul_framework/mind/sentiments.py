"""How the agent's lasting feelings toward one user move: bounded changes after a conversation,
a slow fade toward neutral without contact.

A sentiment is an intensity on 0..100 kept in the :class:`Relationship` as it was at
``sentiments_at``. Like emotions, it fades in closed form when read (no write on a clock, the
cost does not depend on how long ago it was stored), only on a much slower clock: emotions
settle within hours, what the agent feels about a person lasts weeks. Each update fades the
stored values to its time and restarts the clock there, so the clock always runs from the
last contact that changed them. Deltas are bounded per event and saturate near 0 and 100 in
floating point, with the same helpers the emotion models use
(:mod:`soul_framework.mind.emotion_dynamics`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType

from pydantic import BaseModel

from soul_framework.domain.relationship import Relationship
from soul_framework.mind.deltas import points_model
from soul_framework.mind.emotion_dynamics import (
    HIGHEST,
    LOWEST,
    apply_saturating,
    bound_delta,
    decay_factor,
    decay_toward,
)

SENTIMENT_NEUTRALS: Mapping[str, float] = MappingProxyType({"curiosity": 20.0, "trust": 15.0})
"""Where a sentiment rests without contact, 0..100; every name not listed rests at 0.

A sentiment is a feeling toward *this* person, built from what passed between them, so with
no history (or after a long silence) none of them is felt: 0. Two exceptions are how a
companion meets anyone. Curiosity rests at 20: interest in whoever talks to it is what a
companion is for, and it should not fade to nothing about a user who merely went quiet. Trust
rests at 15: people extend some trust to strangers on credit (in Berg, Dickhaut & McCabe's
1995 investment game, 30 of 32 senders passed money to an anonymous partner, on average about
half their stake), but much less than trust that is earned, so a betrayal's distrust also heals
back to a little trust, not to none. Both sets of sentiments shipped (lite and rich) have
these two names; a model without them just ignores the entries."""


def neutral_of(name: str, neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS) -> float:
    """The resting value of one sentiment, 0..100."""
    return float(neutrals.get(name, LOWEST))


def fade_clock_start(relationship: Relationship) -> datetime:
    """When the stored sentiments were last set: ``sentiments_at``, or for a relationship
    stored without it, its last contact or its creation."""
    return relationship.sentiments_at or relationship.last_contact or relationship.created_at


def current_sentiments(
    relationship: Relationship,
    now: datetime,
    half_life: timedelta,
    *,
    neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS,
) -> dict[str, float]:
    """The stored sentiments faded to ``now``, each 0..100.

    Every value moves toward its neutral as ``neutral + (v - neutral) * 2^(-t / half_life)``,
    ``t`` the time since :func:`fade_clock_start`: after one half-life half the distance is
    left, after four a sixteenth. ``now`` at or before that start: the stored values. Stored
    values outside 0..100 are clipped, and ones that are not numbers count as neutral.
    """
    elapsed = (now - fade_clock_start(relationship)).total_seconds()
    factor = decay_factor(elapsed, half_life.total_seconds())
    faded = {}
    for name, value in relationship.sentiments.items():
        neutral = neutral_of(name, neutrals)
        faded[name] = decay_toward(_sane(value, neutral), neutral, factor)
    return faded


def fade_sentiments(
    relationship: Relationship,
    now: datetime,
    half_life: timedelta,
    *,
    neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS,
) -> Relationship:
    """The relationship with its sentiments faded to ``now`` and their clock set there (kept
    where it already was when ``now`` is earlier, so a late clock never fades twice)."""
    start = fade_clock_start(relationship)
    return replace(
        relationship,
        sentiments=current_sentiments(relationship, now, half_life, neutrals=neutrals),
        sentiments_at=max(start, now),
    )


def apply_sentiment_deltas(
    relationship: Relationship,
    deltas: Mapping[str, float],
    *,
    now: datetime,
    half_life: timedelta,
    max_delta: float,
    known: Collection[str],
    neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS,
) -> Relationship:
    """The relationship after one event's sentiment changes (points, may be negative).

    Fades to ``now`` first (:func:`fade_sentiments`), then moves each sentiment named in
    ``known`` (a sentiment set, e.g. the emotion model's ``sentiments``) by its delta bounded
    to ``-max_delta..max_delta``, with diminishing returns near 0 and 100 and in floating
    point (:func:`~soul_framework.mind.emotion_dynamics.apply_saturating`). A sentiment not
    stored yet starts at its neutral. Unknown names and deltas that are not finite numbers
    are ignored; stored names the set no longer has are kept as they are (faded), so switching
    emotion models back and forth loses nothing. Pure: safe inside a store's atomic update.
    """
    present = fade_sentiments(relationship, now, half_life, neutrals=neutrals)
    values = dict(present.sentiments)
    for name, delta in deltas.items():
        if name not in known or not isinstance(delta, int | float) or not math.isfinite(delta):
            continue
        if delta == 0:
            continue
        start = values.get(name, neutral_of(name, neutrals))
        values[name] = apply_saturating(start, bound_delta(float(delta), max_delta))
    return replace(present, sentiments=values)


def sentiment_deltas_model(names: tuple[str, ...], bound: float) -> type[BaseModel]:
    """The structured-output model for the sentiment part of a reflection: one number per
    sentiment, in points, default 0; the schema asks for ``-bound..bound`` and parsing takes
    any number (:func:`apply_sentiment_deltas` bounds it). The same arguments give the same
    class (:func:`~soul_framework.mind.deltas.points_model` is cached)."""
    return points_model(
        "SentimentDeltas",
        names,
        bound,
        f"How much each of your feelings toward this user changes because of this "
        f"conversation, in points from -{bound:g} to {bound:g}; 0 for no change.",
    )


# --- words for prompts ------------------------------------------------------------------------

FELT_AT_LEAST = 5.0
"""Points from which a prompt mentions a sentiment (chosen: below a twentieth of the scale a
feeling is too faint to be worth the words)."""

LABEL_MAX_CHARS = 40


def sentiment_label(name: str) -> str:
    """The words for a sentiment's name: ``admirationMixedWithEnvy`` becomes ``admiration mixed
    with envy``, ``self_pity`` ``self pity``; at most :data:`LABEL_MAX_CHARS` characters."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return " ".join(spaced.lower().split())[:LABEL_MAX_CHARS]


def strongest_sentiments(
    values: Mapping[str, float], *, limit: int, at_least: float = FELT_AT_LEAST
) -> list[tuple[str, float]]:
    """Up to ``limit`` sentiments of at least ``at_least`` points, strongest first (ties by
    name, so the same state always reads the same)."""
    felt = [(name, value) for name, value in values.items() if value >= at_least]
    return sorted(felt, key=lambda item: (-item[1], item[0]))[: max(0, limit)]


def _sane(value: object, neutral: float) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return neutral
    return min(HIGHEST, max(LOWEST, float(value)))
