"""A confidence in [0, 1] for every value, from what can be checked: the one formula, here.

Never the model's opinion of itself. What supports a value: for the rules backend (or any
backend that gives an evidence score) that score; for an LLM, the checks that confirm it
(the schema's sums hold with it, the same value is printed elsewhere in the document). What
casts doubt multiplies it down (a quote that matched only after repair, a sum that fails,
an answer validation sent back, OCR words read with low scores), and a value the page does
not show is capped low whatever else holds. No value is ever fully sure: the top is 0.99,
so a review threshold of 1.0 accepts nothing unseen.

The README sheet shows ``FORMULA_TEXT``; change a constant and that text follows. A change
of the formula must bump ``CONFIDENCE_VERSION``: cached answers are then checked again
(see extract.run), never re-bought.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from extract.grounding import (
    ON_PAGE,
    QuoteFound,
    SumCheck,
    VerifiedValue,
    printed_amounts,
    printed_dates,
    sums_by_field,
)
from extract.pdf import ParsedDocument
from schemas.base import FieldValue
from schemas.values import amount, squeezed

CONFIDENCE_VERSION = 2  # bump with any change below: cached values get their confidence again

MOST = 0.99  # no check makes a value certain
DOUBT = 0.10  # an LLM value that is on its page and nothing else confirms: 0.90
DOUBT_IF_SUMS_HOLD = 0.2  # the schema's sums hold with the value: doubt x 0.2
DOUBT_IF_ELSEWHERE = 0.5  # the same value is printed elsewhere in the document: doubt x 0.5
REPAIRED_QUOTE = 0.95  # the quote matched only once whitespace, case or hyphenation repaired
SUMS_FAIL = 0.5  # a sum rule this value is part of does not add up
PER_RETRY = 0.9  # per answer the schema's validation sent back before this one
NOT_ON_PAGE_CAP: Mapping[QuoteFound, float] = {"other_page": 0.2, "missing": 0.05}
NOT_READ_CAP = 0.1  # the quote is on the page but our parser does not read the value in it
EXACT_SOURCE_SCORE = 1.0  # the PDF's own e-invoice XML: exact, so only the checks limit it
MIN_REPEATED_DIGITS = 3  # "2" or "10" printed twice is chance; "11.50" printed twice is not

FORMULA_TEXT = (
    "confidence = min(0.99, support x doubts, cap); never the model's opinion of itself."
    f" support: the rules backend's own evidence score; for an LLM 1 - {DOUBT:g}, the doubt"
    f" multiplied by {DOUBT_IF_SUMS_HOLD:g} when the schema's sums hold with the value and by"
    f" {DOUBT_IF_ELSEWHERE:g} when the same value is printed elsewhere in the document"
    f" (so 0.90, 0.95, 0.98 or 0.99); e-invoice XML {EXACT_SOURCE_SCORE:g}."
    f" doubts: x {REPAIRED_QUOTE:g} when the quote matched only after whitespace, case or"
    f" hyphenation repair; x {SUMS_FAIL:g} when a sum the value is part of does not add up;"
    f" x {PER_RETRY:g} per answer the schema's validation sent back; x the OCR score of the"
    " words quoted on a scanned page."
    f" cap: {NOT_ON_PAGE_CAP['other_page']:g} when the quote is on another page than cited,"
    f" {NOT_ON_PAGE_CAP['missing']:g} when it is nowhere in the document, {NOT_READ_CAP:g}"
    " when the quote does not hold the value."
)


@dataclass(frozen=True)
class Evidence:
    """What the checks found for one value: every input of the formula."""

    quote_found: QuoteFound
    value_read: bool  # our typed parser reads the value in the quote
    sums: bool | None = None  # the schema's sums with this field: hold, fail, or none checked
    elsewhere: bool = False  # the same value is printed elsewhere in the document too
    retries: int = 0  # answers the schema's validation refused before this one
    backend_score: float | None = None  # the backend's own evidence score, if it gives one
    ocr_score: float | None = None  # the OCR score of the quoted words (None: a text layer)


def _unit(score: float) -> float:
    return min(max(score, 0.0), 1.0)


def value_confidence(evidence: Evidence) -> float:
    """The formula (see ``FORMULA_TEXT``), rounded to three decimals."""
    if evidence.backend_score is None:
        doubt = DOUBT
        if evidence.sums:
            doubt *= DOUBT_IF_SUMS_HOLD
        if evidence.elsewhere:
            doubt *= DOUBT_IF_ELSEWHERE
        support = 1.0 - doubt
    else:
        support = _unit(evidence.backend_score)
    if evidence.quote_found == "repaired":
        support *= REPAIRED_QUOTE
    if evidence.sums is False:
        support *= SUMS_FAIL
    support *= PER_RETRY ** max(evidence.retries, 0)
    if evidence.ocr_score is not None:
        support *= _unit(evidence.ocr_score)
    cap = NOT_ON_PAGE_CAP.get(evidence.quote_found, MOST)
    if not evidence.value_read:
        cap = min(cap, NOT_READ_CAP)
    return round(min(MOST, cap, support), 3)


class PrintedValues:
    """On how many lines of a document each value is printed, counted once per document on
    demand: amounts and dates as our typed parser reads them, texts and codes squeezed."""

    def __init__(self, document: ParsedDocument) -> None:
        self.document = document
        self._amounts: Counter[Decimal] | None = None
        self._dates: Counter[str] | None = None
        self._text: str | None = None

    def _lines(self) -> list[str]:
        return [line for page in self.document.pages for line in page.text.splitlines()]

    def amounts(self) -> Counter[Decimal]:
        if self._amounts is None:
            self._amounts = Counter(a for line in self._lines() for a in printed_amounts(line)[1])
        return self._amounts

    def dates(self) -> Counter[str]:
        if self._dates is None:
            self._dates = Counter(d for line in self._lines() for d in printed_dates(line))
        return self._dates

    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(squeezed(page.text) for page in self.document.pages)
        return self._text

    def elsewhere(self, value: FieldValue) -> bool:
        """The value is printed on more lines of the document than its own quote covers."""
        if value.value is None or not value.quote:
            return False
        lines = value.quote.splitlines() or [value.quote]
        if value.kind in ("money", "number"):
            number = amount(value.value)
            if number is None or sum(c.isdigit() for c in value.value) < MIN_REPEATED_DIGITS:
                return False
            number = abs(number)
            return self.amounts()[number] > sum(number in printed_amounts(q)[1] for q in lines)
        if value.kind == "date":
            return self.dates()[value.value] > sum(value.value in printed_dates(q) for q in lines)
        needle = squeezed(value.value)
        if len(needle) < MIN_REPEATED_DIGITS:
            return False
        return self.text().count(needle) > squeezed(value.quote).count(needle)


def value_confidences(
    document: ParsedDocument,
    checked: list[VerifiedValue],
    checks: list[SumCheck],
    scores: Mapping[tuple[str, int | None], float],
    retries: int = 0,
    exact_source: bool = False,
) -> list[float | None]:
    """Each checked value's confidence (None for an empty value), in order.

    ``scores`` are the backend's own evidence scores by value key; ``exact_source`` says the
    values come from the PDF's e-invoice XML. What is printed elsewhere is counted only for
    values without a score: a backend's score already weighs its own evidence.
    """
    sums = sums_by_field(checks)
    printed = PrintedValues(document)
    confidences: list[float | None] = []
    for item in checked:
        value = item.value
        if item.grounded is None or item.quote_found is None:
            confidences.append(None)
            continue
        score = scores.get(value.key)
        if score is None and exact_source:
            score = EXACT_SOURCE_SCORE
        on_page = item.quote_found in ON_PAGE and bool(item.value_read)
        evidence = Evidence(
            quote_found=item.quote_found,
            value_read=bool(item.value_read),
            sums=sums.get(value.field),
            elsewhere=score is None and on_page and printed.elsewhere(value),
            retries=retries,
            backend_score=score,
        )
        confidences.append(value_confidence(evidence))
    return confidences
