"""Date evidence weighed where it stands: header and footer, a day-month order nobody
states, a date printed after the number it belongs to, and dates that must come in order."""

from __future__ import annotations

import re
from dataclasses import replace

from extract.rules.evidence import Candidate, Choice, with_strength
from extract.rules.reading import Reading
from extract.rules.typed import date_after
from schemas.base import FieldSpec

FOOTER_SHARE = 0.7  # below this share of its page a line is in the footer
IN_FOOTER = 0.15  # taken off a weakly labelled date there ("Datum: 30.10.2024 Zeit: 04:59")


HEADER_SHARE = 0.4  # above this share of page 1 a line is in the document's header
IN_HEADER = 0.1  # added to a weakly labelled date there ("Date: 05.03.2024" under the title)


def placed(reading: Reading, candidate: Candidate) -> Candidate:
    """A weakly labelled date is the document's more surely in its header, less so in a
    footer ("Datum: 30.10.2024 Zeit: 04:59" is when it was printed)."""
    page = reading.document.page(candidate.page)
    height = page.height if page is not None and page.height else float("inf")
    if candidate.why != "weak":
        return candidate
    if candidate.line.top > height * FOOTER_SHARE:
        return with_strength(candidate, candidate.strength - IN_FOOTER)
    if candidate.page == 1 and candidate.line.top < height * HEADER_SHARE:
        return with_strength(candidate, candidate.strength + IN_HEADER)
    return candidate


IN_ORDER = 0.05  # added to both dates when the due date follows the issue date
IN_ORDER_DAYS = 370
IN_ORDER_CAP = 0.95


UNSURE_ORDER = 0.2  # taken off "03/05/2024" where nothing says day or month comes first
_EITHER_WAY = re.compile(r"(?<!\d)(\d{1,2})[/-](\d{1,2})[/-](?:\d{4}|\d{2})(?!\d)")


def unsure_order(reading: Reading, candidate: Candidate) -> Candidate:
    """A date that reads as two days ("03/05/2024": 3 May or March 5) where the document says
    nothing of its order is a guess: less sure. Dotted dates ("03.05.2024") are day first."""
    if reading.day_first_known:
        return candidate
    for match in _EITHER_WAY.finditer(candidate.quote):
        first, second = int(match[1]), int(match[2])
        if first != second and first <= 12 and second <= 12:
            return with_strength(candidate, candidate.strength - UNSURE_ORDER)
    return candidate


def dates_in_order(specs: list[FieldSpec], chosen: dict[str, Choice]) -> None:
    """A date that must not come before another (``not_before``: the due date and the issue
    date): when they do, the less sure of the two is not written."""
    for spec in specs:
        earlier = spec.extra.get("not_before")
        if not isinstance(earlier, str) or spec.path not in chosen or earlier not in chosen:
            continue
        late, early = chosen[spec.path], chosen[earlier]
        if late.candidate.value < early.candidate.value:
            weaker = spec.path if late.confidence <= early.confidence else earlier
            chosen.pop(weaker)
        elif (late.candidate.value - early.candidate.value).days <= IN_ORDER_DAYS:
            for path, choice in ((spec.path, late), (earlier, early)):  # they bear each other out
                confidence = min(IN_ORDER_CAP, choice.confidence + IN_ORDER)
                chosen[path] = replace(
                    choice, confidence=round(max(choice.confidence, confidence), 3)
                )


def after_field(reading: Reading, spec: FieldSpec, chosen: dict[str, Choice]) -> list[Candidate]:
    """A date printed right after another field's value: "Facture n° F-118 du 05/11/2024"."""
    after = spec.extra.get("after_field")
    if spec.kind != "date" or not isinstance(after, str) or after not in chosen:
        return []
    found = []
    for anchor in chosen[after].support:
        if anchor.end < 0:
            continue
        rest = anchor.line.text[anchor.end :]
        got = date_after(rest, reading.day_first)
        if got is None:
            continue
        start = anchor.line.text.find(anchor.quote)
        if start < 0:
            continue
        quote = anchor.line.text[start : anchor.end + got.end].strip()
        strength = min(anchor.strength, 0.85)
        found.append(
            Candidate(spec.path, got.value, anchor.page, quote, anchor.line, strength, "after")
        )
    return found
