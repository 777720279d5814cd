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
def _printed_amounts(quote: str) -> tuple[Decimal, ...]:
    """Cached: a line item's one quote holds its quantity, unit price and amount."""
    return tuple(abs(found) for found, _ in amounts_in(quote))


def value_in_quote(kind: Kind, value: str, quote: str) -> bool:
    """Type-aware: "1.234,50" holds 1234.50, "05.03.2018" holds 2018-03-05."""
    if kind == "date":
        return value in _printed_dates(quote)
    if kind in ("money", "number"):
        target = amount(value)
        return target is not None and any(
            abs(found - abs(target)) <= TOLERANCE for found in _printed_amounts(quote)
        )
    if kind == "code":
        if squeezed(value) in squeezed(quote):
            return True
        return value.upper() in currency_readings(quote)
    return normalized_text(value) in normalized_text(quote)


def is_grounded(
    document: ParsedDocument, value: FieldValue, squeezed_pages: dict[int, str] | None = None
) -> bool:
    """``squeezed_pages`` lets many values of one document share each page's squeezed text."""
    if value.page is None or not value.quote:
        return False
    page = document.page(value.page)
    if page is None or not page.has_text:
        return False
    pages = {} if squeezed_pages is None else squeezed_pages
    haystack = pages.get(page.number)
    if haystack is None:
        haystack = pages[page.number] = squeezed(page.text)
    needle = squeezed(value.quote)
    return (
        bool(needle)
        and needle in haystack
        and value_in_quote(value.kind, value.value or "", value.quote)
    )


def grounded_values(document: ParsedDocument, values: list[FieldValue]) -> list[VerifiedValue]:
    pages: dict[int, str] = {}
    return [
        VerifiedValue(v, None if v.value is None else is_grounded(document, v, pages))
        for v in values
    ]


def _total(values: list[FieldValue], path: str) -> Decimal | None:
    numbers = [amount(v.value) for v in values if v.field == path and v.value is not None]
    present = [n for n in numbers if n is not None]
    return sum(present, Decimal(0)) if present else None


def arithmetic_warnings(schema: type[BaseModel], values: list[FieldValue]) -> list[str]:
    """The schema's ``sum_rules`` (parts add up to a target) recomputed from the values."""
    warnings: list[str] = []
    for parts, target in getattr(schema, "sum_rules", ()):
        expected = _total(values, target)
        part_totals = [_total(values, part) for part in parts]
        if expected is None or any(p is None for p in part_totals):
            continue
        computed = sum((p for p in part_totals if p is not None), Decimal(0))
        if abs(computed - expected) > TOLERANCE:
            names = " + ".join(parts)
            warnings.append(f"warning: {names} = {computed} but {target} = {expected}")
    return warnings
