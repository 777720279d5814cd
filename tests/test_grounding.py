"""Grounding: the quote must be on the cited page and hold the value, by type."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.grounding import (
    arithmetic_warnings,
    is_grounded,
    quote_on_page,
    sum_checks,
    value_in_quote,
)
from extract.pdf import Page, ParsedDocument
from schemas.base import FieldValue, Kind
from schemas.invoice import Invoice


def document(*texts: str) -> ParsedDocument:
    pages = tuple(Page(number=i, text=t) for i, t in enumerate(texts, start=1))
    return ParsedDocument("d", "d.pdf", Path("d.pdf"), "0" * 64, "ok", "", pages)


def value(field: str, kind: Kind, text: str, page: int, quote: str) -> FieldValue:
    return FieldValue(field, None, text, page, quote, kind)


def test_quote_matching_ignores_case_and_line_breaks() -> None:
    assert quote_on_page("Total due:  EUR 1.234,50", "...\nTOTAL DUE: EUR\n1.234,50\n")
    assert not quote_on_page("Total due: EUR 1.234,51", "Total due: EUR 1.234,50")
    assert not quote_on_page("", "anything")


@pytest.mark.parametrize(
    ("kind", "text", "quote", "expected"),
    [
        ("money", "1234.50", "Gesamtbetrag 1.234,50 €", True),
        ("money", "1234.50", "Total $1,234.50", True),
        ("money", "1234.50", "Total $1,234.05", False),
        ("date", "2018-03-05", "Rechnungsdatum: 05.03.2018", True),
        ("date", "2018-03-05", "Invoice date: 5 March 2018", True),
        ("date", "2018-03-05", "Invoice date: 03/05/2018", True),
        ("date", "2018-03-06", "Invoice date: 5 March 2018", False),
        ("code", "INV-1001", "Invoice No: INV-1001", True),
        ("code", "EUR", "Total 12,00 €", True),
        ("text", "Acme GmbH", "ACME  GmbH, Hauptstr. 1", True),
        ("text", "Acme AG", "Acme GmbH", False),
    ],
)
def test_value_in_quote_is_type_aware(kind: Kind, text: str, quote: str, expected: bool) -> None:
    assert value_in_quote(kind, text, quote) is expected


def test_a_value_cited_to_the_wrong_page_is_ungrounded() -> None:
    doc = document("Invoice No: A-1", "Total: 99.00")
    assert is_grounded(doc, value("total", "money", "99.00", 2, "Total: 99.00"))
    assert not is_grounded(doc, value("total", "money", "99.00", 1, "Total: 99.00"))
    assert not is_grounded(doc, value("total", "money", "99.00", 3, "Total: 99.00"))
    assert not is_grounded(doc, value("total", "money", "99.00", 2, None))


def test_arithmetic_rules_of_the_schema_give_warnings() -> None:
    values = [
        FieldValue("subtotal", None, "100.00", 1, "", "money"),
        FieldValue("tax", None, "19.00", 1, "", "money"),
        FieldValue("total", None, "120.00", 1, "", "money"),
        FieldValue("line_items.amount", 1, "60.00", 1, "", "money"),
        FieldValue("line_items.amount", 2, "40.00", 1, "", "money"),
    ]
    warnings = arithmetic_warnings(sum_checks(Invoice, values))
    assert warnings == ["warning: subtotal + tax = 119.00 but total = 120.00"]
