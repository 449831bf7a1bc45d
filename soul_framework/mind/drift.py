"""Personality drift: experiences move traits slowly, within bounds, and the change is kept.

An emotion model says how the current feelings push each Big Five factor
(:meth:`~soul_framework.protocols.EmotionModel.drift_pressure`, -1..1); :func:`drift` turns one
event's push into small trait changes through the personality schema and writes them, with a
ledger, into a new personality document.

Adult personality is stable: rank-order consistency of traits rises to about .74 between ages
50 and 70 (Roberts & DelVecchio, 2000, Psychological Bulletin 126:3-25) and mean levels move by
at most a few tenths of a standard deviation per decade (Roberts, Walton & Viechtbauer, 2006,
Psychological Bulletin 132:1-25). A companion lives on a faster clock than a person, so its
drift is visible within weeks, but it is still slow: with the defaults (0.5 points per trait
and event, 2 points per trait and UTC day, see ``Settings.soul_drift_*``) no single message
moves a trait by more than half a point, and moving a trait by 15 points (roughly one standard
deviation of a 0..100 trait scale) takes at least a week of pressure in one direction.

The ledger lives in the document under ``"drift"``::

    {"day": "2026-11-25", "moved": {trait: points moved on that day (absolute, summed)},
     "total": {trait: net points moved since the agent was born}}
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from soul_framework.mind.traits import TRAIT_MAX, TRAIT_MIN

if TYPE_CHECKING:
    from soul_framework.protocols import PersonalitySchema


LEDGER_KEY = "drift"
"""The key of the drift ledger inside a personality document."""


def drift(
    document: Mapping[str, Any],
    schema: PersonalitySchema,
    pressure: Mapping[str, float],
    *,
    now: datetime,
    rate: float,
    max_per_event: float,
    max_per_day: float,
) -> dict[str, Any]:
    """A new personality document with one event's drift applied; ``document`` is unchanged.

    ``pressure`` maps Big Five factors to a push on -1..1 (values beyond are clamped);
    ``rate`` is the factor change, in points, of a full push. The schema spreads the factor
    changes over its traits (:meth:`PersonalitySchema.traits_from_big_five`). Each trait then
    moves by at most ``max_per_event`` points, and by at most ``max_per_day`` points (summed
    absolute movement) per UTC day of ``now``; pinned traits never move, and values stay
    within 0..100, in floating point. An event dated before the ledger's day counts against
    that day's allowance, so clocks that disagree never grant a trait more than its daily cap.

    Raises ``ValueError`` for a naive ``now``, negative or non-finite limits, or a pressure
    that is not a finite number (unknown factors: as the schema decides).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    for label, limit in (
        ("rate", rate),
        ("max_per_event", max_per_event),
        ("max_per_day", max_per_day),
    ):
        if not (math.isfinite(limit) and limit >= 0):
            raise ValueError(f"{label} must be a finite number of points >= 0, got {limit}")
    push: dict[str, float] = {}
    for factor, value in pressure.items():
        if not math.isfinite(value):
            raise ValueError(f"pressure on {factor!r} must be a finite number, got {value}")
        push[factor] = rate * max(-1.0, min(1.0, value))

    changes = schema.traits_from_big_five(push)
    result = copy.deepcopy(dict(document))
    traits: dict[str, float] = dict(result.get("traits", {}))
    pinned = set(result.get("pinned", ()))
    ledger = _ledger(result.get(LEDGER_KEY), now.astimezone(UTC).date().isoformat())

    for trait, change in changes.items():
        if trait in pinned or trait not in traits or change == 0:
            continue
        room_today = max(0.0, max_per_day - ledger["moved"].get(trait, 0.0))
        bound = min(max_per_event, room_today)
        step = max(-bound, min(bound, change))
        before = traits[trait]
        after = max(TRAIT_MIN, min(TRAIT_MAX, before + step))
        moved = after - before
        if moved == 0:
            continue
        traits[trait] = after
        ledger["moved"][trait] = ledger["moved"].get(trait, 0.0) + abs(moved)
        ledger["total"][trait] = ledger["total"].get(trait, 0.0) + moved

    result["traits"] = traits
    result[LEDGER_KEY] = ledger
    return result


def _ledger(stored: Any, today: str) -> dict[str, Any]:
    """The ledger to write ``today``'s movement into: the day's allowance starts afresh on a
    later day; the totals always carry on."""
    stored = stored if isinstance(stored, Mapping) else {}
    day = stored.get("day")
    total = {name: float(points) for name, points in dict(stored.get("total", {})).items()}
    if isinstance(day, str) and day >= today:
        moved = {name: float(points) for name, points in dict(stored.get("moved", {})).items()}
        return {"day": day, "moved": moved, "total": total}
    return {"day": today, "moved": {}, "total": total}
