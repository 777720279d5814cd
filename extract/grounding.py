"""Checking every value against the PDF: is the quote on the cited page, is the value in it?

Values that fail are kept and marked ungrounded, so a person sees them; they are never
silently dropped. The schema's arithmetic rules are recomputed here as warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel

from extract.pdf import ParsedDocument
from schemas.base import FieldValue, Kind
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


@dataclass(frozen=True)
class VerifiedValue:
    value: FieldValue
    grounded: bool | None  # None when there is no value to check


def quote_on_page(quote: str, page_text: str) -> bool:
    """Whitespace- and case-tolerant: PDF text breaks lines where the model does not."""
    needle = squeezed(quote)
    return bool(needle) and needle in squeezed(page_text)


@lru_cache(maxsize=4096)
def _printed_dates(quote: str) -> frozenset[str]:
    return frozenset(d.isoformat() for d, _ in dates_in(quote, True) + dates_in(quote, False))


@lru_cache(maxsize=4096)
def _printed_amounts(quote: str) -> tuple[tuple[Decimal, ...], frozenset[Decimal]]:
    """Cached: a line item's one quote holds its quantity, unit price and amount. The set
    answers at once for a value printed exactly, the usual case."""
    amounts = tuple(abs(found) for found, _ in amounts_in(quote))
    return amounts, frozenset(amounts)


def value_in_quote(kind: Kind, value: str, quote: str) -> bool:
    """Type-aware: "1.234,50" holds 1234.50, "05.03.2018" holds 2018-03-05."""
    if kind == "date":
        return value in _printed_dates(quote)
    if kind in ("money", "number"):
        target = amount(value)
        if target is None:
            return False
        printed, exact = _printed_amounts(quote)
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


def is_grounded(
    document: ParsedDocument, value: FieldValue, squeezed_pages: dict[int, str] | None = None
) -> bool:
    """``squeezed_pages`` lets many values of one document share each page's squeezed text."""
    if value.page is None or not value.quote:
        return False
    pages = {} if squeezed_pages is None else squeezed_pages
    return _quote_on_cited_page(document, value.page, value.quote, pages) and value_in_quote(
        value.kind, value.value or "", value.quote
    )


def _quote_on_cited_page(
    document: ParsedDocument, number: int, quote: str, squeezed_pages: dict[int, str]
) -> bool:
    page = document.page(number)
    if page is None or not page.has_text:
        return False
    haystack = squeezed_pages.get(page.number)
    if haystack is None:
        haystack = squeezed_pages[page.number] = squeezed(page.text)
    needle = squeezed_quote(quote)
    return bool(needle) and needle in haystack


def grounded_values(document: ParsedDocument, values: list[FieldValue]) -> list[VerifiedValue]:
    """Each value checked once; a quote that several values share is looked up once."""
    pages: dict[int, str] = {}
    quoted: dict[tuple[int, str], bool] = {}  # (page, quote) -> the quote is on that page
    verified: list[VerifiedValue] = []
    for v in values:
        if v.value is None:
            verified.append(VerifiedValue(v, None))
            continue
        if v.page is None or not v.quote:
            verified.append(VerifiedValue(v, False))
            continue
        key = (v.page, v.quote)
        on_page = quoted.get(key)
        if on_page is None:
            on_page = quoted[key] = _quote_on_cited_page(document, v.page, v.quote, pages)
        verified.append(VerifiedValue(v, on_page and value_in_quote(v.kind, v.value, v.quote)))
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


def arithmetic_warnings(schema: type[BaseModel], values: list[FieldValue]) -> list[str]:
    """The schema's ``sum_rules`` (parts add up to a target) recomputed from the values."""
    warnings: list[str] = []
    rules = getattr(schema, "sum_rules", ())
    totals = _totals(values, {path for parts, target in rules for path in (*parts, target)})
    for parts, target in rules:
        expected = totals.get(target)
        part_totals = [totals.get(part) for part in parts]
        if expected is None or any(p is None for p in part_totals):
            continue
        computed = sum((p for p in part_totals if p is not None), Decimal(0))
        if abs(computed - expected) > TOLERANCE:
            names = " + ".join(parts)
            warnings.append(f"warning: {names} = {computed} but {target} = {expected}")
    return warnings
