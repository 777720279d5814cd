"""Every value's confidence, from what the checks found on its document.

Gathers each value's ``Evidence`` (where its quote was found, whether our parser reads the
value in it, the schema's sums, the value printed elsewhere, validation retries, the
backend's own score, the OCR score of the quoted words on a scanned page) and applies the
one formula, schemas.confidence.value_confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from extract.grounding import (
    SumCheck,
    VerifiedValue,
    printed_amounts,
    printed_dates,
    sums_by_field,
)
from extract.ocr import quote_ocr_score
from extract.pdf import ParsedDocument
from schemas.base import FieldValue
from schemas.confidence import EXACT_SOURCE_SCORE, ON_PAGE, Evidence, value_confidence
from schemas.values import amount, squeezed

MIN_REPEATED_DIGITS = 3  # "2" or "10" printed twice is chance; "11.50" printed twice is not


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
    known: dict[Evidence, float] = {}  # a document's values share a few kinds of evidence
    confidences: list[float | None] = []
    for item in checked:
        value, found = item.value, item.quote_found
        if item.grounded is None or found is None:
            confidences.append(None)
            continue
        score = scores.get(value.key)
        if score is None and exact_source:
            score = EXACT_SOURCE_SCORE
        read = bool(item.value_read)
        evidence = Evidence(
            found,
            read,
            sums.get(value.field),
            score is None and read and found in ON_PAGE and printed.elsewhere(value),
            retries,
            score,
            quote_ocr_score(document.page(value.page or 0), value.quote or ""),
        )
        confidence = known.get(evidence)
        if confidence is None:
            confidence = known[evidence] = value_confidence(evidence)
        confidences.append(confidence)
    return confidences
