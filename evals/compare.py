"""Typed comparison: a value typed by a tester in Excel and one read from a PDF mean the same.

Dates are compared as dates ("05.03.2026", an Excel date and "2026-03-05" are equal), money
and numbers as decimals with either separator ("1.234,50" is 1234.50, within 0.01), codes
and text normalised (case, whitespace, punctuation). All parsing is schemas.values', so a
value means the same here as in grounding and in the backends.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from schemas.base import Kind
from schemas.values import canonical_value, normalized_text, same_value


def cell_text(value: Any) -> str | None:
    """A workbook cell as text: Excel dates to ISO, floats without binary noise, blanks to None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, (int, Decimal)):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    text = str(value).strip()
    return text or None


def typed_value(kind: Kind, value: Any) -> str | None:
    """The canonical text of a value of that kind (ISO date, plain decimal), or None if empty."""
    return _canonical(kind, cell_text(value))


@lru_cache(maxsize=1 << 16)
def _canonical(kind: Kind, text: str | None) -> str | None:
    """Cached: matching line items compares every row with every other, field by field."""
    return canonical_value(kind, text)


def comparable(kind: Kind, value: Any) -> str:
    """A token that is equal for equal values: used to see whether testers agree."""
    text = typed_value(kind, value)
    if text is None:
        return ""
    return normalized_text(text) if kind in ("text", "code") else text


def same(kind: Kind, left: Any, right: Any) -> bool:
    """Typed equality of two values as they come (cells, store text, truth JSON)."""
    return _same(kind, typed_value(kind, left), typed_value(kind, right))


@lru_cache(maxsize=1 << 16)
def _same(kind: Kind, left: str | None, right: str | None) -> bool:
    return same_value(kind, left, right)


def filled(value: Any) -> bool:
    """A value that says something: not None, not blank text."""
    return cell_text(value) is not None
