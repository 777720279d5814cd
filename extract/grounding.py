"""Checking every value against the PDF: is the quote on the cited page, is the value in it?

Values that fail are kept and marked ungrounded, so a person sees them; they are never
silently dropped. The schema's arithmetic rules are recomputed here as warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from pydantic import BaseModel

from extract.pdf import ParsedDocument
from schemas.base import FieldValue, Kind
from schemas.confidence import ON_PAGE, QuoteFound
from schemas.values import (
    amount,
    amounts_in,
    currency_readings,
    dates_in,
    normalized_text,
    squeezed,
    squeezed_quote,
)

TOLERANCE = Decimal("0.01")

# a word broken at a line end ("Rech-\nnung"), or a soft hyphen: joined again
_HYPHENATED = re.compile(r"(?<=\w)[-\u00ad][ \t]*\r?\n\s*(?=\w)|\u00ad")


class VerifiedValue(NamedTuple):
    """One value as the checks found it. (A tuple: a batch run makes hundreds of thousands.)"""

    value: FieldValue
    grounded: bool | None  # None when there is no value to check
    quote_found: QuoteFound | None = None  # None when there is no value to check
    value_read: bool | None = None  # the typed parser re-reads the value from the quote


def quote_on_page(quote: str, page_text: str) -> bool:
    """Whitespace- and case-tolerant: PDF text breaks lines where the model does not."""
    needle = squeezed(quote)
    return bool(needle) and needle in squeezed(page_text)


@lru_cache(maxsize=4096)
def printed_dates(quote: str) -> frozenset[str]:
    """Every date a text prints, as ISO, read day-first and month-first."""
    return frozenset(d.isoformat() for d, _ in dates_in(quote, True) + dates_in(quote, False))


@lru_cache(maxsize=4096)
def printed_amounts(quote: str) -> tuple[tuple[Decimal, ...], frozenset[Decimal]]:
    """Cached: a line item's one quote holds its quantity, unit price and amount. The set
    answers at once for a value printed exactly, the usual case."""
    amounts = tuple(abs(found) for found, _ in amounts_in(quote))
    return amounts, frozenset(amounts)


def value_in_quote(kind: Kind, value: str, quote: str) -> bool:
    """Type-aware: "1.234,50" holds 1234.50, "05.03.2018" holds 2018-03-05."""
    if kind == "date":
        return value in printed_dates(quote)
    if kind in ("money", "number"):
        target = amount(value)
        if target is None:
            return False
        printed, exact = printed_amounts(quote)
        return abs(target) in exact or any(
            abs(found - abs(target)) <= TOLERANCE for found in printed
        )
    if kind == "code":
        if squeezed(value) in squeezed(quote):
            return True
        return value.upper() in currency_readings(quote)
    if normalized_text(value) in normalized_text(quote):
        return True
    # a text layer that dropped spaces ("NordwindGmbH") holds the name read back into words
    return normalized_text(value).replace(" ", "") in normalized_text(quote).replace(" ", "")


def is_grounded(document: ParsedDocument, value: FieldValue) -> bool:
    """The quote is on the cited page (after repair at most) and the value is in the quote."""
    (checked,) = grounded_values(document, [value])
    return bool(checked.grounded)


class _PageTexts:
    """A document's page texts in the forms quotes are looked up in, each made once."""

    def __init__(self, document: ParsedDocument) -> None:
        self.document = document
        self.squeezed: dict[int, str] = {}
        self.repaired: dict[int, str] = {}

    def found(self, number: int, quote: str) -> QuoteFound:
        if self.on_page(number, quote, verbatim=True):
            return "exact"
        if self.on_page(number, quote, verbatim=False):
            return "repaired"
        others = (p.number for p in self.document.pages if p.number != number)
        if any(self.on_page(other, quote, verbatim=False) for other in others):
            return "other_page"
        return "missing"

    def on_page(self, number: int, quote: str, verbatim: bool) -> bool:
        page = self.document.page(number)
        if page is None or not page.has_text:
            return False
        if verbatim:
            return quote in page.text
        needle = squeezed_quote(quote)
        if not needle:
            return False
        haystack = self.squeezed.get(number)
        if haystack is None:
            haystack = self.squeezed[number] = squeezed(page.text)
        if needle in haystack:
            return True
        joined = self.repaired.get(number)
        if joined is None:
            joined = self.repaired[number] = squeezed(_HYPHENATED.sub("", page.text))
        return needle in joined


def grounded_values(document: ParsedDocument, values: list[FieldValue]) -> list[VerifiedValue]:
    """Each value checked once; a quote that several values share is looked up once."""
    pages = _PageTexts(document)
    quoted: dict[tuple[int, str], QuoteFound] = {}  # (page, quote) -> where it was found
    verified: list[VerifiedValue] = []
    for v in values:
        if v.value is None:
            verified.append(VerifiedValue(v, None))
            continue
        if v.page is None or not v.quote:
            verified.append(VerifiedValue(v, False, "missing", False))
            continue
        key = (v.page, v.quote)
        found = quoted.get(key)
        if found is None:
            found = quoted[key] = pages.found(v.page, v.quote)
        read = value_in_quote(v.kind, v.value, v.quote)
        verified.append(VerifiedValue(v, found in ON_PAGE and read, found, read))
    return verified


def _totals(values: list[FieldValue], paths: set[str]) -> dict[str, Decimal]:
    """The sum of each field's amounts, in one pass; a field with no amount has no sum."""
    present: dict[str, list[Decimal]] = {}
    for v in values:
        if v.field in paths and v.value is not None:
            number = amount(v.value)
            if number is not None:
                present.setdefault(v.field, []).append(number)
    return {path: sum(numbers, Decimal(0)) for path, numbers in present.items()}


@dataclass(frozen=True)
class SumCheck:
    """One of the schema's ``sum_rules`` recomputed from a document's values."""

    parts: tuple[str, ...]
    target: str
    computed: Decimal  # the parts added up
    expected: Decimal  # the target as given

    @property
    def holds(self) -> bool:
        return abs(self.computed - self.expected) <= TOLERANCE


def sum_checks(schema: type[BaseModel], values: list[FieldValue]) -> list[SumCheck]:
    """The schema's ``sum_rules`` (parts add up to a target) that the values let us check:
    a rule whose target or any part has no value is left out."""
    checks: list[SumCheck] = []
    rules = getattr(schema, "sum_rules", ())
    totals = _totals(values, {path for parts, target in rules for path in (*parts, target)})
    for parts, target in rules:
        expected = totals.get(target)
        part_totals = [totals.get(part) for part in parts]
        if expected is None or any(p is None for p in part_totals):
            continue
        computed = sum((p for p in part_totals if p is not None), Decimal(0))
        checks.append(SumCheck(tuple(parts), target, computed, expected))
    return checks


def sums_by_field(checks: list[SumCheck]) -> dict[str, bool]:
    """Per field a checked rule involves: True when every such rule holds, False when one fails."""
    holds: dict[str, bool] = {}
    for check in checks:
        for path in (*check.parts, check.target):
            holds[path] = holds.get(path, True) and check.holds
    return holds


def arithmetic_warnings(checks: list[SumCheck]) -> list[str]:
    """One line per rule that does not hold, for the documents sheet."""
    return [
        f"warning: {' + '.join(c.parts)} = {c.computed} but {c.target} = {c.expected}"
        for c in checks
        if not c.holds
    ]
