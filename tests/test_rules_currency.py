"""The rules backend's currency: "$" is written as USD only where the document says so."""

from __future__ import annotations

from pathlib import Path

from rules_pdfs import Placed, pdf_of

from extract.backends.rules import RulesBackend
from extract.grounding import grounded_values
from schemas.base import field_values
from schemas.invoice import Invoice
from schemas.values import currency_readings


def page_from(address: str, *extra: Placed) -> list[Placed]:
    return [
        (60, 50, "Lakeside Print Co."),
        (60, 64, address),
        (60, 120, "Invoice No: LP-2207"),
        (60, 134, "Invoice Date: 2018-03-05"),
        (380, 226, "Total"),
        (480, 226, "$125.00"),
        *extra,
    ]


def values_of(path: Path, page: list[Placed]) -> dict[str, str | None]:
    document = pdf_of(path, [page])
    result = RulesBackend().extract(document, Invoice).result
    checked = grounded_values(document, field_values(result))
    # grounding reads a "$" quote as USD (extract/grounding.py): a CAD read from "$" and the
    # document's address is checked here against every reading of the quote instead
    for verified in checked:
        value = verified.value
        if value.field == "currency" and value.value and value.quote:
            assert value.value in currency_readings(value.quote), value
        elif verified.grounded is not None:
            assert verified.grounded, value
    return {v.value.field: v.value.value for v in checked if v.value.item is None}


def test_a_us_address_makes_the_dollar_usd(tmp_path: Path) -> None:
    values = values_of(tmp_path / "us.pdf", page_from("88 W Lake St, Chicago, IL 60601"))
    assert values["currency"] == "USD"
    assert values["total"] == "125.00"


def test_a_dollar_on_a_canadian_invoice_is_not_written_as_usd(tmp_path: Path) -> None:
    values = values_of(tmp_path / "ca.pdf", page_from("88 King St W, Toronto, ON M5H 1A1"))
    assert values["currency"] == "CAD"  # the address says which dollar; USD would be wrong
    assert values["total"] == "125.00"


def test_a_dollar_on_a_page_with_two_dollar_countries_is_left_empty(tmp_path: Path) -> None:
    page = page_from("88 King St W, Toronto, ON M5H 1A1", (60, 300, "Ship to: Buffalo, NY 14202"))
    assert values_of(tmp_path / "two.pdf", page)["currency"] is None


def test_a_dollar_with_no_clue_leaves_the_currency_empty(tmp_path: Path) -> None:
    values = values_of(tmp_path / "none.pdf", page_from("88 Lake Street"))
    assert values["currency"] is None


def test_addresses_in_two_dollar_countries_leave_the_dollar_unread(tmp_path: Path) -> None:
    page = page_from("Tempe AZ 85281", (60, 300, "Remit to: Melbourne VIC 3000, BSB 063-000"))
    assert values_of(tmp_path / "au.pdf", page)["currency"] is None


def test_a_printed_code_names_the_dollar(tmp_path: Path) -> None:
    page = page_from("88 King St W, Toronto, ON M5H 1A1", (60, 300, "All amounts in CAD"))
    assert values_of(tmp_path / "cad.pdf", page)["currency"] == "CAD"


def test_a_labelled_dollar_sign_needs_the_document_too(tmp_path: Path) -> None:
    labelled = (60, 148, "Currency: $")
    nowhere = page_from("12 Harbour Street", labelled)
    assert values_of(tmp_path / "a.pdf", nowhere)["currency"] is None
    au = page_from("Sydney NSW 2000", labelled)  # a state and a four-digit postcode
    assert values_of(tmp_path / "c.pdf", au)["currency"] == "AUD"
    us = page_from("Seattle, WA 98109", labelled)
    assert values_of(tmp_path / "b.pdf", us)["currency"] == "USD"
