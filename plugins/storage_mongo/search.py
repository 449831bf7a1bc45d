"""Lexical memory search: the word tokens every memory keeps, and how hits are scored.

Two paths give relevance. With a MongoDB text index the server scores (``$text``, stemmed,
stop words dropped). Without one (servers that refuse text indexes, or when switched off) the
store matches the ``terms`` each memory document keeps and ranks the candidates here with BM25.
Both take any query text: only its word tokens are used, so quotes, operators and brackets
never reach the server as syntax.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

WORD = re.compile(r"\w+")
"""A word token; ``str`` patterns are Unicode-aware, so accented and non-Latin words count."""

MAX_QUERY_TERMS = 64
"""Longer queries keep their first distinct terms; relevance needs no more."""

CANDIDATE_LIMIT = 1000
"""How many of the most recently created matching memories the fallback path ranks."""

K1 = 1.2
B = 0.75
"""The usual BM25 constants: term-frequency saturation and length normalisation."""


def tokens(text: str) -> list[str]:
    """The distinct lower-cased word tokens of ``text``, in order of first appearance."""
    return list(dict.fromkeys(WORD.findall(text.lower())))


def memory_terms(event: str, thoughts: str, tags: Iterable[str]) -> list[str]:
    """What a memory document keeps for the fallback search: the distinct tokens of its
    event, thoughts and tags."""
    return tokens(" ".join([event, thoughts, *tags]))


def query_terms(query: str) -> list[str]:
    """The terms a query searches for (empty when it has no word at all)."""
    return tokens(query)[:MAX_QUERY_TERMS]


def text_search(terms: Sequence[str]) -> str:
    """The ``$text`` search string for a query's terms: words only, which ``$text`` ORs.

    Quotes and a leading ``-`` are syntax to ``$text`` (phrases, negation); passing the query's
    words alone keeps any user text an ordinary search.
    """
    return " ".join(terms)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the fallback path needs of one matching memory to rank it."""

    id: str
    terms: frozenset[str]
    importance: int
    created_at: datetime

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Candidate:
        return cls(
            id=document["_id"],
            terms=frozenset(document.get("terms") or ()),
            importance=int(document.get("importance", 0)),
            created_at=document["created_at"],
        )


def rank(
    candidates: Sequence[Candidate], terms: Sequence[str], *, total: int, limit: int
) -> list[tuple[str, float]]:
    """The best ``limit`` candidates as (memory id, BM25 score), best first.

    ``total`` is how many memories are in scope (the N of inverse document frequency; at least
    the number of candidates). Each memory holds a term once, so a term's frequency is 1 and
    the score rewards rare terms and short memories. Ties go to the more important, then the
    more recent memory.
    """
    if not candidates or not terms:
        return []
    wanted = set(terms)
    total = max(total, len(candidates))
    frequency = {t: sum(1 for c in candidates if t in c.terms) for t in wanted}
    idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in frequency.items() if n}
    average_length = sum(len(c.terms) for c in candidates) / len(candidates) or 1.0
    scored = []
    for candidate in candidates:
        matched = wanted & candidate.terms
        if not matched:
            continue
        norm = 1 - B + B * len(candidate.terms) / average_length
        score = sum(idf[t] for t in matched) * (K1 + 1) / (1 + K1 * norm)
        scored.append((score, candidate))
    scored.sort(key=lambda s: (s[0], s[1].importance, s[1].created_at), reverse=True)
    return [(candidate.id, score) for score, candidate in scored[:limit]]
