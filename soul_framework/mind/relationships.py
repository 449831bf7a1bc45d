"""What a conversation does to the agent's relationship with one user, and how a prompt shows it.

After a conversation the reflection proposes a new short summary of the user (the agent's own
view of them), maybe a new extrinsic relationship (stranger, friend, ...) and sentiment deltas;
:func:`reflect_relationship` checks and applies them. The intrinsic relationship (creator,
sister, ...) is never changed here: it is a fact granted by configuration (``soul
grant-creator``), not something a user can talk the agent into. Everything is pure, so the
store can run it inside ``update_relationship``'s atomic change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from soul_framework.domain.relationship import EXTRINSIC_RELATIONSHIPS, INTRINSIC_RELATIONSHIPS
from soul_framework.domain.scope import ScopedText
from soul_framework.mind.sentiments import (
    SENTIMENT_NEUTRALS,
    apply_sentiment_deltas,
    current_sentiments,
    neutral_of,
    sentiment_label,
    strongest_sentiments,
)

if TYPE_CHECKING:
    from soul_framework.config import Settings
    from soul_framework.domain.relationship import Relationship

SHOWN_SENTIMENTS = 5
"""How many sentiments a prompt names (chosen: enough for a mixed feeling, such as affection
with some irritation, to show; more reads as a list, not a stance)."""

USERNAME_MAX_CHARS = 64
"""Longest name a prompt shows for the user; longer ones are cut."""


@dataclass(frozen=True, slots=True)
class RelationshipRules:
    """The numbers that bound how a relationship moves and how much of it a prompt shows."""

    half_life: timedelta
    """How long a sentiment takes to fade halfway to neutral without contact."""
    max_delta: float
    """Most points one conversation moves one sentiment."""
    summary_max_chars: int
    """Longest summary of the user kept (and shown)."""

    @classmethod
    def of(cls, settings: Settings) -> RelationshipRules:
        """From ``SOUL_SENTIMENT_HALF_LIFE_DAYS``, ``SOUL_SENTIMENT_MAX_DELTA`` and
        ``SOUL_RELATIONSHIP_SUMMARY_MAX_CHARS``."""
        return cls(
            half_life=timedelta(days=settings.soul_sentiment_half_life_days),
            max_delta=settings.soul_sentiment_max_delta,
            summary_max_chars=settings.soul_relationship_summary_max_chars,
        )


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_EXTRINSIC_BY_KEY = {_key(name): name for name in EXTRINSIC_RELATIONSHIPS}


def extrinsic_relationship(text: str | None) -> str | None:
    """The extrinsic relationship ``text`` names, spelled as in ``EXTRINSIC_RELATIONSHIPS``, or
    None when it names none. Case, spaces, hyphens and underscores do not matter: ``Best
    Friend``, ``best_friend`` and ``bestfriend`` are all ``best friend``."""
    if not text:
        return None
    return _EXTRINSIC_BY_KEY.get(_key(text))


def bounded_summary(text: str, max_chars: int) -> str:
    """``text`` with runs of whitespace made single spaces, cut to at most ``max_chars``
    characters at a word boundary where one is near, ending in an ellipsis when cut. A
    scoped text stays scoped."""
    if isinstance(text, ScopedText):
        return text.derive(lambda t: _bounded(t, max_chars))
    return _bounded(text, max_chars)


def _bounded(text: str, max_chars: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    if max_chars <= 1:
        return flat[:max_chars]
    cut = flat[: max_chars - 1]
    space = cut.rfind(" ")
    # Prefer a word boundary unless it would throw away more than a fifth of the room.
    if space >= (max_chars - 1) * 4 // 5:
        cut = cut[:space]
    return cut.rstrip() + "…"


def reflect_relationship(
    relationship: Relationship,
    *,
    summary: str | None,
    extrinsic: str | None,
    sentiment_deltas: Mapping[str, float],
    now: datetime,
    known: Collection[str],
    rules: RelationshipRules,
    neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS,
) -> Relationship:
    """The relationship after the agent reflected on a conversation at ``now``.

    - ``summary``: the new view of the user, bounded to ``rules.summary_max_chars``; None or
      blank keeps the old one.
    - ``extrinsic``: taken when it names one of ``EXTRINSIC_RELATIONSHIPS``
      (:func:`extrinsic_relationship`); anything else keeps the old one.
    - ``sentiment_deltas``: applied by
      :func:`~soul_framework.mind.sentiments.apply_sentiment_deltas` (faded to ``now``, bounded
      by ``rules.max_delta``, only names in ``known``).
    - ``intrinsic`` is never changed.
    - ``last_contact`` becomes ``now`` (kept when already later: a reflection that runs late
      does not move the contact back).
    """
    changed = apply_sentiment_deltas(
        relationship,
        sentiment_deltas,
        now=now,
        half_life=rules.half_life,
        max_delta=rules.max_delta,
        known=known,
        neutrals=neutrals,
    )
    new_summary = bounded_summary(summary, rules.summary_max_chars) if summary else ""
    last = relationship.last_contact
    return replace(
        changed,
        intrinsic=relationship.intrinsic,
        extrinsic=extrinsic_relationship(extrinsic) or relationship.extrinsic,
        summary=new_summary or relationship.summary,
        last_contact=max(last, now) if last else now,
    )


def render_relationship(
    relationship: Relationship,
    now: datetime,
    *,
    username: str,
    rules: RelationshipRules,
    known: Collection[str] | None = None,
    strongest: int = SHOWN_SENTIMENTS,
    neutrals: Mapping[str, float] = SENTIMENT_NEUTRALS,
) -> ScopedText:
    """The relationship as a prompt reads it, in the user's scope, e.g.::

        You and alice: friend.
        You feel toward them: trust 72, curiosity 55, affection 40.
        Your view of them: A night-shift nurse who ...
        You last spoke 3 days ago.

    Sentiments are faded to ``now``; only the ``strongest`` felt ones (at least
    :data:`~soul_framework.mind.sentiments.FELT_AT_LEAST` points) are named. With ``known``
    (the current sentiment set), names outside it are left out and known ones not stored yet
    count at their neutral (so a new user meets the agent's resting curiosity and trust). The
    summary is cut to ``rules.summary_max_chars``, the username to
    :data:`USERNAME_MAX_CHARS`, so the text is bounded whatever is stored.
    """
    name = " ".join(username.split())[:USERNAME_MAX_CHARS] or "this user"
    extrinsic = extrinsic_relationship(relationship.extrinsic) or EXTRINSIC_RELATIONSHIPS[0]
    lines = [f"You and {name}: {extrinsic}."]
    intrinsic = relationship.intrinsic
    if intrinsic in INTRINSIC_RELATIONSHIPS and intrinsic != "none":
        lines[0] += f" They are your {intrinsic}."

    values = current_sentiments(relationship, now, rules.half_life, neutrals=neutrals)
    if known is not None:
        resting = {n: neutral_of(n, neutrals) for n in known}
        values = {**resting, **{n: v for n, v in values.items() if n in known}}
    felt = strongest_sentiments(values, limit=strongest)
    if felt:
        feelings = ", ".join(f"{sentiment_label(n)} {round(v)}" for n, v in felt)
        lines.append(f"You feel toward them: {feelings}.")
    else:
        lines.append("You have no strong feelings toward them yet.")

    summary = bounded_summary(relationship.summary, rules.summary_max_chars)
    if summary:
        lines.append(f"Your view of them: {summary}")
    self_view = bounded_summary(relationship.self_view, rules.summary_max_chars)
    if self_view:
        lines.append(f"How you see yourself with them: {self_view}")
    if relationship.last_contact is not None:
        days = (now - relationship.last_contact).days
        if days >= 1:
            lines.append(f"You last spoke {days} day{'s' if days != 1 else ''} ago.")
    # Everything here is this user's: their name, what the agent thinks of them and of
    # itself with them.
    return ScopedText("\n".join(lines), relationship.scope)
