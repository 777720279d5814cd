"""The document's currency: a labelled code, the code or sign printed with its totals, or
the currency its lines name when one clearly dominates; otherwise the field stays empty.

A sign several currencies print ("$", "¥", "kr") counts only where the document says which
one it is (``Reading.signs``): a bare "$" on a Canadian invoice is not written as USD, and
an address in two dollar countries leaves it unread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable

from extract.rules.evidence import Candidate, Choice, pooled
from extract.rules.fields import labelled_values
from extract.rules.reading import Reading
from schemas.base import FieldSpec
from schemas.values import currency_code

WITH_TOTALS = 0.9  # printed with the chosen amounts: "Total EUR 3,180.40", "£517.20"
SIGN_READ = 0.85  # the same by an ambiguous sign the document explains ("$" and a US address)
DOMINANT = 0.8  # the one currency the lines name, three times as often as any other


def document_currency(
    reading: Reading,
    spec: FieldSpec,
    amounts: Iterable[Choice],
    blocked: Collection[tuple[int, int]],
) -> Choice | None:
    candidates = [
        found
        for found in labelled_values(reading, spec, blocked)
        if reading.holds(found.page, found.quote)
    ]
    for choice in amounts:  # the chosen total, tax and subtotal, surest first
        found = choice.candidate
        code = currency_code(found.quote, reading.signs)
        if code is None:
            code = currency_code(found.line.text, reading.signs)
            quote = found.line.text
        else:
            quote = found.quote
        if code is None:
            continue
        strength = WITH_TOTALS if _unambiguous(quote) else SIGN_READ
        candidates.append(
            Candidate(spec.path, code, found.page, quote, found.line, strength, "totals")
        )
    if not candidates:  # the lines' currency only where nothing says it more directly
        dominant = _most_printed(reading, spec)
        if dominant is not None:
            candidates.append(dominant)
    choices = pooled(candidates)
    return choices[0] if choices else None


def _unambiguous(text: str) -> bool:
    return currency_code(text, {}) is not None


def _most_printed(reading: Reading, spec: FieldSpec) -> Candidate | None:
    """The one currency the document's lines name, quoted from the first line naming it."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int]] = {}
    lines = reading.all_lines()
    for number, line in enumerate(lines):
        code = currency_code(line.text, reading.signs)
        if code is None:
            continue
        counts[code] += 1
        first.setdefault(code, (line.page, number))
    if not counts:
        return None
    (code, count), *others = counts.most_common()
    if others and others[0][1] * 3 > count:
        return None
    page, number = first[code]
    line = lines[number]
    return Candidate(spec.path, code, page, line.text, line, DOMINANT, "dominant")
