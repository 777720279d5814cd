"""Candidates and how sure the rules are of them: one scale, [0, 1], written only above a bar.

Every value the rules might write is a Candidate carrying the strength of the evidence that
found it (a specific label, a generic one, a title line, a letterhead...). Candidates of
one field are pooled by value: the same value found in several places agrees with itself,
a different value found about as strongly contradicts it. What survives is checked jointly
(sums, date order, seller not buyer) by the backend, and written only when its confidence
reaches ``WRITE_AT``: an empty cell costs a tester seconds, a wrong one costs trust.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from extract.rules.lines import Line

WRITE_AT = 0.6  # a value less sure than this stays empty

# how strongly each kind of evidence names a field, before agreement and conflicts
SPECIFIC_LABEL = 0.9  # "Invoice number:", "Rechnungsdatum", "Total TTC"
GENERIC_LABEL = 0.8  # a field's generic label: "Total", "Date" ... of its ``labels``
WEAK_LABEL = 0.65  # one of its ``weak_labels``: "Amount due", "Date", a title word
CUE_ONLY = 0.5  # a cue word without a label ("Netto" over a column): needs the sums
CUE_CONFIRMS = 0.05  # a cue of the field beside its label ("Gesamtbetrag brutto")
BELOW = 0.05  # read under its label rather than beside it
AGREEMENT = 0.5  # how much of the doubt a second, independent place takes away
AGREES_FROM = 0.35  # the least strength that counts as a second place
CONFLICT = 0.6  # how much of a rival value's strength is taken off the best value's
WEAK_RIVAL = 0.3  # the share of that for a rival found by weak labels only ("Balance due")
SUMS_AGREE = 0.97  # parts that add up to a total, each labelled: as sure as the rules get


@dataclass(frozen=True)
class Candidate:
    """One value one piece of evidence proposes for one field."""

    path: str
    value: Any
    page: int
    quote: str
    line: Line
    strength: float
    why: str  # what found it: "label", "column", "below", "title", "letter", ...
    end: int = -1  # where the value ends in the line's text (same-line values only)

    @property
    def place(self) -> tuple[int, int]:
        return (self.line.page, self.line.index)


@dataclass(frozen=True)
class Choice:
    """The value chosen for a field, with its confidence and the candidates behind it."""

    candidate: Candidate
    confidence: float
    support: tuple[Candidate, ...]  # every candidate of the same value
    rivals: tuple[Candidate, ...]  # the best candidate of each other value


def pooled(
    candidates: Iterable[Candidate], key: Callable[[Any], Any] | None = None
) -> list[Choice]:
    """The field's values, best first: each value's strongest candidate, raised by agreement
    from other places, lowered by the strongest rival value. ``key`` says which values are
    one (names that differ in case or a legal form)."""
    by_value: dict[Any, list[Candidate]] = {}
    for candidate in candidates:
        by_value.setdefault((key or _key)(candidate.value), []).append(candidate)
    if not by_value:
        return []
    scored: list[tuple[float, list[Candidate]]] = []
    for group in by_value.values():
        group.sort(key=lambda c: -c.strength)
        strength = min(1.0, group[0].strength)
        places = {group[0].place}
        for other in group[1:]:
            if other.place not in places and other.strength >= AGREES_FROM:
                strength = 1 - (1 - strength) * (1 - AGREEMENT * min(1.0, other.strength))
                places.add(other.place)
        scored.append((strength, group))
    scored.sort(key=lambda entry: -entry[0])
    choices = []
    for number, (strength, group) in enumerate(scored):
        rivals = [other[1][0] for n, other in enumerate(scored) if n != number]
        rank = _rank(group)
        best_rival = max(
            (
                other_strength * WEAK_RIVAL ** max(0, rank - _rank(other))
                for n, (other_strength, other) in enumerate(scored)
                if n != number and (_rank(other) >= 0 or rank < 1)
            ),
            default=0.0,
        )
        confidence = max(0.0, strength - CONFLICT * best_rival)
        choices.append(Choice(group[0], round(confidence, 3), tuple(group), tuple(rivals)))
    choices.sort(key=lambda choice: -choice.confidence)
    return choices


# evidence that alone decides little, weakest first: a rival ranked n below the best value
# costs it only ``WEAK_RIVAL ** n`` of its strength; one below 0 (a name of the letterhead
# that is not its first) does not compete with a letterhead at all
KIND_RANKS = {"other": -1, "weak": 0, "footer": 0, "letterhead": 1, "footer_block": 1}
STRONG_RANK = 2


def _rank(group: list[Candidate]) -> int:
    return max(KIND_RANKS.get(candidate.why, STRONG_RANK) for candidate in group)


def with_strength(candidate: Candidate, strength: float) -> Candidate:
    return replace(candidate, strength=max(0.0, min(1.0, strength)))


def _key(value: Any) -> Any:
    return value.casefold().strip() if isinstance(value, str) else value
