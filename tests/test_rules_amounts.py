"""The rules backend's amounts: small unit prices and quantities with a leading zero."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rules_pdfs import pdf_of

from extract.backends.rules import RulesBackend
from extract.grounding import grounded_values
from extract.rules.typed import money_after, number_at
from schemas.base import field_values
from schemas.invoice import Invoice


def test_a_leading_zero_amount_is_read_as_a_fraction() -> None:
    price = money_after("Unit price: 0.125", True)
    assert price is not None and price.value == Decimal("0.125")
    weight = number_at("0.500 kg")
    assert weight is not None and weight.value == Decimal("0.500")
    german = money_after("Einzelpreis 0,0125 €", True)
    assert german is not None and german.value == Decimal("0.0125")


def test_line_items_keep_three_and_four_decimal_unit_prices(tmp_path: Path) -> None:
    page = [
        (60, 40, "Invoice No: SC-77"),
        (60, 54, "Date: 2018-03-05"),
        (60, 100, "Description"),
        (300, 100, "Qty"),
        (380, 100, "Unit Price"),
        (480, 100, "Amount"),
        (60, 116, "Screws M4"),
        (300, 116, "1000"),
        (380, 116, "0.125"),
        (480, 116, "125.00"),
        (60, 130, "Washers"),
        (300, 130, "2000"),
        (380, 130, "0.0125"),
        (480, 130, "25.00"),
        (380, 170, "Total"),
        (480, 170, "EUR 150.00"),
    ]
    document = pdf_of(tmp_path / "small.pdf", [page])
    result = RulesBackend().extract(document, Invoice).result
    checked = grounded_values(document, field_values(result))
    assert all(v.grounded for v in checked if v.grounded is not None)
    values = {(v.value.field, v.value.item): v.value.value for v in checked}
    assert values[("line_items.unit_price", 1)] == "0.125"
    assert values[("line_items.unit_price", 2)] == "0.0125"  # not rounded to 0.01
    assert values[("line_items.amount", 2)] == "25.00"
    assert values[("total", None)] == "150.00"
