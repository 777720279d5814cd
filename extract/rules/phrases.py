"""Which field a label phrase names: its labels, weighed with the cue words around them.

A phrase is the text that announces a value: "Montant total net", "19,00% MwSt.:" with a
column header "Brutto EUR" over it, "Allowance (Tax: 19%): Discount". Its labels say which
fields it may name (a specific label more surely than a generic one); a field's not-cues
rule it out ("Discount", "Pcs."); a field's cues pick it among the named ones, or name it
when another field's label is ruled out by that very word ("Gesamtbetrag Netto" is the net
total). Labels inside parentheses only qualify ("Nettobetrag (zzgl. 19% MwSt.)").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from extract.rules.evidence import (
    CUE_CONFIRMS,
    CUE_ONLY,
    GENERIC_LABEL,
    SPECIFIC_LABEL,
    WEAK_LABEL,
)
from extract.rules.labels import LabelHit
from extract.rules.lines import Line
from extract.rules.reading import Reading

_PARENTHESES = re.compile(r"\([^)]*\)?")
AMBIGUOUS = 0.3  # taken off when a phrase names two fields equally
WORDY = 6  # a phrase of more words than this reads as a sentence, not a label
WORDY_COST = 0.15


@dataclass(frozen=True)
class Segment:
    """A stretch of one line's text that is part of a phrase."""

    line: Line
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


@dataclass(frozen=True)
class Naming:
    path: str
    strength: float
    weak: bool  # named by one of the field's weak labels only


def _bracketed(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _PARENTHESES.finditer(text)]


def segment_hits(reading: Reading, segment: Segment) -> list[LabelHit]:
    """The labels printed in one segment of a phrase, outside parentheses."""
    bracketed = [(segment.start + a, segment.start + b) for a, b in _bracketed(segment.text)]
    return [
        hit
        for hit in reading.hits_in(segment.line)
        if segment.start <= hit.start
        and hit.end <= segment.end
        and not any(a <= hit.start < b for a, b in bracketed)
    ]


def phrase_hits(reading: Reading, segments: Iterable[Segment]) -> list[LabelHit]:
    """The labels printed in the phrase, outside parentheses."""
    return [hit for segment in segments for hit in segment_hits(reading, segment)]


def _without_labels(reading: Reading, segments: list[Segment]) -> str:
    """The phrase with its labels cut out: the words of "Net à payer" are no cue of their own."""
    parts = []
    for segment in segments:
        text, cursor = segment.line.text, segment.start
        for hit in segment_hits(reading, segment):
            parts.append(text[cursor : hit.start])
            cursor = hit.end
        parts.append(text[cursor : segment.end])
    return " ".join(parts)


def namings(
    reading: Reading, segments: list[Segment], paths: Collection[str], beside: bool = False
) -> list[Naming]:
    """The fields among ``paths`` the phrase names, surest first; ``beside``: the phrase is
    printed right before its amount, on the amount's line."""
    hits = phrase_hits(reading, segments)
    text = " ".join(segment.text for segment in segments)
    cued, ruled_out = reading.cues.of(_without_labels(reading, segments))
    labelled: dict[str, tuple[float, bool]] = {}
    for hit in hits:
        for path in hit.fields:
            if path not in paths:
                continue
            if reading.labels.weak(path, hit):
                strength, weak = WEAK_LABEL, True
            elif reading.labels.is_specific(path, hit):
                strength, weak = SPECIFIC_LABEL, False
            else:
                strength, weak = GENERIC_LABEL, False
            if path not in labelled or strength > labelled[path][0]:
                labelled[path] = (strength, weak)
    named: dict[str, tuple[float, bool]] = {}
    for path, (strength, weak) in labelled.items():
        if path not in ruled_out:
            named[path] = (strength + (CUE_CONFIRMS if path in cued else 0.0), weak)
    transferred = min((GENERIC_LABEL, *(s for s, _ in labelled.values())))
    for path in sorted(cued & set(paths)):
        if path in named or path in ruled_out:
            continue
        if beside and labelled and set(labelled) <= reading.cues.parts.get(path, frozenset()):
            continue  # "incl. VAT 20% 2.67": a part's label beside its amount does not become
            # its total's (a column header may: "Total | incl. VAT" over a row's gross amount)
        # "Montant total net": the label names a sibling field, the cue says which
        named[path] = (transferred if labelled else CUE_ONLY, False)
    if len(named) > 1:
        preferred = {path: entry for path, entry in named.items() if path in cued}
        if preferred:
            named = preferred
    if len(named) > 1:
        best = max(strength for strength, _ in named.values())
        named = {path: entry for path, entry in named.items() if entry[0] >= best}
        if len(named) > 1:
            named = {path: (s - AMBIGUOUS, w) for path, (s, w) in named.items()}
    words = len(text.split())
    cost = WORDY_COST if words > WORDY else 0.0
    found = [Naming(path, round(s - cost, 3), w) for path, (s, w) in named.items()]
    return sorted(found, key=lambda naming: -naming.strength)
