"""Whose context a text was made from: its *scope*, the heart of how users are kept apart.

Every text the mind produces carries the scope of what it was made from. The agent's own state
(persona, identity, feelings, its own memories and thoughts) is :data:`PUBLIC`; what one user
said, and everything made from it, is that user's (``user:<id>``); a model's answer takes the
union of the scopes of everything in its prompt. A text may reach an *audience* only when its
scope lies within that audience's: public text reaches anyone, a user's text reaches that user
and nobody else, a text made from two users' words reaches neither alone.

This is a rule about where data flows, not about what the words say: no filter can recognise a
paraphrase, while a scope is carried whatever the model writes. :class:`ScopedText` carries it
with the text; the store guard (:mod:`soul_framework.store_guard`) refuses a write whose scope
does not fit the field, and prompt assembly (:func:`soul_framework.mind.prompt.assemble`)
refuses a section whose scope does not fit the prompt's audience.

Any string operation on a :class:`ScopedText` (slicing, joining, formatting) returns a plain
``str``, which has *no* scope: guarded fields refuse it. Code that derives one text from others
says so with :meth:`ScopedText.derive` or :func:`scoped`, so the scope is never lost silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


class ScopeViolation(Exception):
    """Text of one scope was about to reach a place another audience can read."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The owners a text was made from (``user:<id>``, later ``group:<id>``); none: public."""

    owners: frozenset[str] = frozenset()

    @classmethod
    def user(cls, user_id: str) -> Scope:
        if not user_id:
            raise ValueError("a user scope needs the user's id")
        return cls(frozenset({f"user:{user_id}"}))

    @property
    def is_public(self) -> bool:
        return not self.owners

    def __or__(self, other: Scope) -> Scope:
        return Scope(self.owners | other.owners)

    def within(self, audience: Scope) -> bool:
        """Whether text of this scope may reach ``audience`` (every owner is in it)."""
        return self.owners <= audience.owners

    def __str__(self) -> str:
        return "public" if self.is_public else "+".join(sorted(self.owners))


PUBLIC = Scope()


class ScopedText(str):
    """A text and the scope of what it was made from. It is a ``str`` for every reader."""

    __slots__ = ("scope",)
    scope: Scope

    def __new__(cls, text: str, scope: Scope) -> ScopedText:
        if not isinstance(scope, Scope):
            raise TypeError(f"a scope is needed, got {type(scope).__name__}")
        made = super().__new__(cls, text)
        made.scope = scope
        return made

    def derive(self, change: Callable[[str], str]) -> ScopedText:
        """``change(self)`` with this text's scope (a text made from this one alone)."""
        return ScopedText(change(str(self)), self.scope)

    def __reduce__(self) -> tuple[object, ...]:
        return (ScopedText, (str(self), self.scope))


def keep_scope(text: str, change: Callable[[str], str]) -> str:
    """``change(text)``, scoped as ``text`` was (a plain text stays plain, and unplaceable)."""
    return text.derive(change) if isinstance(text, ScopedText) else change(text)


def public(text: str) -> ScopedText:
    """Text that is the agent's own or the persona's (written by its author, not by a user)."""
    return ScopedText(text, PUBLIC)


def scope_of(texts: Iterable[str]) -> Scope:
    """The union of the scopes of ``texts``; a text without a scope is refused, because
    nobody can say where it came from (an empty one holds nothing and counts as public)."""
    scope = PUBLIC
    for text in texts:
        if text == "":
            continue  # an empty text holds nothing of anyone
        if not isinstance(text, ScopedText):
            raise ScopeViolation("a text without a scope cannot be placed")
        scope = scope | text.scope
    return scope


def scoped(text: str, *sources: str) -> ScopedText:
    """``text`` made from ``sources``: it takes the union of their scopes."""
    return ScopedText(text, scope_of(sources))


def require_within(text: str, audience: Scope, *, field: str) -> None:
    """Raise :class:`ScopeViolation` unless ``text`` carries a scope within ``audience``."""
    if not isinstance(text, ScopedText):
        raise ScopeViolation(f"{field} takes only text with a scope (got a plain str)")
    if not text.scope.within(audience):
        # The text itself is never put in the message: it may be the secret being kept.
        raise ScopeViolation(f"{field} may hold text of {audience}, not of {text.scope}")
