"""Typed values: what a field's kind makes of a cell, for Excel, final and the export.

Amounts are decimal numbers and dates ISO text, however a person typed them: a number
typed as text ("1234.50", "1.234,50"), a date typed as an Excel date or as 05.03.2026.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from schemas.base import KINDS, Kind
from schemas.values import amount, canonical_value

NUMERIC: tuple[Kind, ...] = ("money", "number")


def kinds_of(rows: Iterable[dict[str, Any]]) -> dict[str, Kind]:
    """Each field's kind, from rows that carry one (the run's values)."""
    kinds: dict[str, Kind] = {}
    for row in rows:
        kind, name = row.get("kind"), row.get("field")
        if name and kind in KINDS:
            kinds.setdefault(str(name), kind)
    return kinds


def typed_value(kind: Kind | None, value: Any) -> Any:
    """Decimal for amounts and numbers, ISO text for dates, text otherwise; None when blank.
    A value that cannot be read as its kind is kept as the text it is, never dropped."""
    # the usual values (a run types each of its values three times) the short way: the
    # same results as general_typed_value, without its checks
    exact = type(value)
    if exact is str and kind != "date":
        text = value.strip()
        if not text:
            return None
        return _decimal_text(text) if kind in NUMERIC else text
    if exact is Decimal and kind in NUMERIC:
        return value  # Decimal(str(value)): the same number, written the same
    return general_typed_value(kind, value)


def general_typed_value(kind: Kind | None, value: Any) -> Any:
    """typed_value for any cell a person or a library may give (bools, floats, dates)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind in NUMERIC:
        return _decimal(value)
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return canonical_value("date", str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 1001.0 -> "1001"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return _decimal_text(str(value).strip())


def _decimal_text(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        parsed = amount(text)
        return parsed if parsed is not None else text


def canonical_text(kind: Kind | None, value: Any) -> str | None:
    """One text per meaning, to compare values and to fill a text column."""
    typed = typed_value(kind, value)
    if typed is None:
        return None
    if isinstance(typed, Decimal):
        text = format(typed.normalize(), "f")
        return text
    return str(typed).strip() or None
