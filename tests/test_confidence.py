"""The confidence formula: what supports a value, what casts doubt on it, what caps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.confidence import PrintedValues, value_confidences
from extract.grounding import grounded_values, sum_checks
from extract.pdf import Page, ParsedDocument
from schemas.base import FieldValue, Kind
from schemas.confidence import FORMULA_TEXT, Evidence, value_confidence
from schemas.invoice import Invoice


def document(*texts: str) -> ParsedDocument:
    pages = tuple(Page(number=i, text=t) for i, t in enumerate(texts, start=1))
    return ParsedDocument("d", "d.pdf", Path("d.pdf"), "0" * 64, "ok", "", pages)


def value(
    name: str, kind: Kind, text: str | None, page: int | None, quote: str | None
) -> FieldValue:
    item = 1 if name.startswith("line_items.") else None
    return FieldValue(name, item, text, page, quote, kind)


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        (Evidence("exact", True), 0.9),  # on its page, nothing else confirms it
        (Evidence("exact", True, elsewhere=True), 0.95),
        (Evidence("exact", True, sums=True), 0.98),
        (Evidence("exact", True, sums=True, elsewhere=True), 0.99),
        (Evidence("repaired", True, sums=True), 0.931),
        (Evidence("exact", True, sums=False), 0.45),
        (Evidence("exact", True, sums=True, retries=1), 0.882),
        (Evidence("exact", True, sums=True, ocr_score=0.6), 0.588),
        (Evidence("other_page", True, sums=True), 0.2),
        (Evidence("missing", False), 0.05),
        (Evidence("exact", False, sums=True), 0.1),
        (Evidence("exact", True, backend_score=0.97), 0.97),  # the rules' own score
        (Evidence("exact", True, backend_score=1.0), 0.99),  # never certain
        (Evidence("exact", True, sums=False, backend_score=0.9), 0.45),
        (Evidence("other_page", True, backend_score=0.97), 0.2),
    ],
)
def test_the_formula(evidence: Evidence, expected: float) -> None:
    assert value_confidence(evidence) == expected


def test_the_model_saying_it_is_sure_changes_nothing() -> None:
    """The model's own checks (InvoiceChecks) are not an input: only what we recompute."""
    assert "opinion" in FORMULA_TEXT and "0.99" in FORMULA_TEXT
    assert not any(name.startswith("checks") for name in Evidence._fields)


def test_where_a_quote_was_found() -> None:
    doc = document(
        "Invoice No: A-1\nThe Rech-\nnungsbetrag is due",
        "Total:  EUR 1.234,50",
    )
    checked = grounded_values(
        doc,
        [
            value("total", "money", "1234.50", 2, "Total:  EUR 1.234,50"),
            value("total", "money", "1234.50", 2, "TOTAL: EUR 1.234,50"),
            value("invoice_number", "code", "A-1", 1, "Invoice No: A-1"),
            value("seller", "text", "Rechnungsbetrag", 1, "Rechnungsbetrag"),
            value("total", "money", "1234.50", 1, "Total: EUR 1.234,50"),
            value("total", "money", "1234.50", 1, "Total: EUR 1.234,99"),
            value("total", "money", "1234.50", None, None),
            value("tax", "money", None, None, None),
            value("subtotal", "money", "99.00", 2, "Total:  EUR 1.234,50"),
        ],
    )
    assert [(c.quote_found, c.value_read, c.grounded) for c in checked] == [
        ("exact", True, True),
        ("repaired", True, True),  # case and whitespace
        ("exact", True, True),
        ("repaired", True, True),  # a word hyphenated across a line break
        ("other_page", True, False),
        ("missing", False, False),
        ("missing", False, False),
        (None, None, None),  # no value: nothing to check
        ("exact", False, False),  # the quote is there but does not hold the value
    ]


def test_printed_elsewhere_counts_lines_beyond_the_quote() -> None:
    doc = document(
        "Invoice 2026-03-05\nDate: 05.03.2026\nWidget 2 x 11.50 = 23.00\nBolt 2 x 5.00 = 10.00",
        "Total: 33.00\nAmount due: 33.00 EUR\nACME GmbH",
        "ACME GmbH, Main St 1",
    )
    printed = PrintedValues(doc)
    assert printed.elsewhere(value("total", "money", "33.00", 2, "Total: 33.00"))
    assert not printed.elsewhere(value("line_items.amount", "money", "23.00", 1, "= 23.00"))
    # a small number printed twice is chance, not confirmation
    assert not printed.elsewhere(value("line_items.quantity", "number", "2", 1, "Widget 2 x"))
    assert printed.elsewhere(value("issue_date", "date", "2026-03-05", 1, "Date: 05.03.2026"))
    assert printed.elsewhere(value("seller", "text", "ACME GmbH", 2, "ACME GmbH"))
    two_lines = "Total: 33.00\nAmount due: 33.00 EUR"
    assert not printed.elsewhere(value("total", "money", "33.00", 2, two_lines))


def test_confidences_of_a_document_use_its_sums_and_scores() -> None:
    doc = document(
        "Widget 1 x 60.00 = 60.00\nBolt 1 x 40.00 = 40.00\n"
        "Subtotal: 100.00\nTax: 19.00\nTotal: 120.00\nInvoice No: A-1"
    )
    values = [
        FieldValue("line_items.amount", 1, "60.00", 1, "Widget 1 x 60.00 = 60.00", "money"),
        FieldValue("line_items.amount", 2, "40.00", 1, "Bolt 1 x 40.00 = 40.00", "money"),
        FieldValue("subtotal", None, "100.00", 1, "Subtotal: 100.00", "money"),
        FieldValue("tax", None, "19.00", 1, "Tax: 19.00", "money"),
        FieldValue("total", None, "120.00", 1, "Total: 120.00", "money"),
        FieldValue("invoice_number", None, "A-1", 1, "Invoice No: A-1", "code"),
        FieldValue("due_date", None, None, None, None, "date"),
    ]
    checks = sum_checks(Invoice, values)
    checked = grounded_values(doc, values)
    # the lines add up to the subtotal, but subtotal + tax is not the total
    assert value_confidences(doc, checked, checks, {}) == [
        0.98,
        0.98,
        0.45,
        0.45,
        0.45,
        0.9,
        None,
    ]
    scored = value_confidences(doc, checked, checks, {("invoice_number", None): 0.8}, retries=1)
    assert scored[5] == 0.72  # the backend's own score, times the retry's doubt
    exact = value_confidences(doc, checked, checks, {}, exact_source=True)
    assert exact[:2] == [0.99, 0.99] and exact[4] == 0.5  # e-invoice XML: only checks limit it
