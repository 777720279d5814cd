"""The rules backend on layouts nobody here designed: labels beside, above, in two columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rules_pdfs import lines_at, pdf_of

from extract.backends.rules import RulesBackend
from extract.documents import folder_documents
from extract.grounding import grounded_values
from extract.pdf import parsed_document
from schemas.base import field_values
from schemas.invoice import Invoice

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BACKEND = RulesBackend()


def values_of(document: Any) -> dict[tuple[str, int | None], str | None]:
    result = BACKEND.extract(document, Invoice).result
    checked = grounded_values(document, field_values(result))
    assert all(v.grounded for v in checked if v.grounded is not None), "every value is grounded"
    return {(v.value.field, v.value.item): v.value.value for v in checked}


def test_the_samples_are_read_exactly() -> None:
    for document in folder_documents(SAMPLES / "pdfs"):
        if not document.file.startswith("invoice-"):
            continue
        truth = json.loads((SAMPLES / "truth" / f"{document.path.stem}.json").read_text())
        values = values_of(parsed_document(document))
        for field in ("invoice_number", "issue_date", "total", "currency", "seller", "buyer"):
            assert values[(field, None)] == truth[field], (document.file, field)
        assert (
            values[("line_items.amount", len(truth["line_items"]))]
            == (truth["line_items"][-1]["amount"])
        )


def test_german_labels_beside_their_values(tmp_path: Path) -> None:
    page = [
        (60, 50, "Brandt Elektro KG"),
        *lines_at(60, 64, "Industriestraße 4", "70565 Stuttgart"),
        *lines_at(320, 120, "Rechnungsnr. 4711-A", "Rechnungsdatum: 5. März 2018"),
        (320, 148, "Fälligkeitsdatum: 19.03.2018"),
        (60, 200, "Beschreibung"),
        (300, 200, "Menge"),
        (380, 200, "Einzelpreis"),
        (480, 200, "Betrag"),
        (60, 216, "Montage Schaltschrank"),
        (300, 216, "2"),
        (380, 216, "1.250,00"),
        (480, 216, "2.500,00"),
        (380, 260, "Nettobetrag"),
        (480, 260, "2.500,00"),
        (380, 274, "MwSt. 19 %"),
        (480, 274, "475,00"),
        (380, 288, "Gesamtbetrag"),
        (480, 288, "2.975,00 €"),
    ]
    values = values_of(pdf_of(tmp_path / "de.pdf", [page]))
    assert values[("invoice_number", None)] == "4711-A"
    assert values[("issue_date", None)] == "2018-03-05"
    assert values[("due_date", None)] == "2018-03-19"
    assert values[("total", None)] == "2975.00"
    assert values[("subtotal", None)] == "2500.00"
    assert values[("tax", None)] == "475.00"
    assert values[("currency", None)] == "EUR"
    assert values[("seller", None)] == "Brandt Elektro KG"
    assert values[("line_items.unit_price", 1)] == "1250.00"
    assert values[("line_items.quantity", 1)] == "2"


def test_labels_above_values_and_a_month_first_locale(tmp_path: Path) -> None:
    page = [
        (60, 50, "Lakeside Print Co."),
        (60, 64, "88 W Lake St, Chicago, IL 60601"),
        (60, 120, "INVOICE #"),
        (200, 120, "INVOICE DATE"),
        (340, 120, "DUE DATE"),
        (60, 134, "LP-2207"),
        (200, 134, "03/05/2018"),
        (340, 134, "04/04/2018"),
        (60, 180, "Item"),
        (300, 180, "Qty"),
        (380, 180, "Rate"),
        (480, 180, "Amount"),
        (60, 196, "Poster print A1"),
        (300, 196, "10"),
        (380, 196, "$12.50"),
        (480, 196, "$125.00"),
        (380, 240, "Balance Due"),
        (480, 240, "$0.00"),
        (380, 226, "Total"),
        (480, 226, "$125.00"),
    ]
    values = values_of(pdf_of(tmp_path / "us.pdf", [page]))
    assert values[("invoice_number", None)] == "LP-2207"
    assert values[("issue_date", None)] == "2018-03-05"  # a US document: month first
    assert values[("due_date", None)] == "2018-04-04"
    assert values[("total", None)] == "125.00"  # the total, not the balance left
    assert values[("currency", None)] == "USD"
    assert values[("line_items.description", 1)] == "Poster print A1"


def test_a_two_column_header_with_french_labels(tmp_path: Path) -> None:
    page = [
        (60, 50, "Atelier Rive Gauche SARL"),
        (330, 50, "FACTURE"),
        (60, 64, "14 rue de Seine"),
        (330, 64, "Facture n° F-2018-031"),
        (60, 78, "75006 Paris"),
        (330, 78, "Date de facture : 23/03/2018"),
        (60, 300, "Total HT : 1 000,00 €"),
        (60, 314, "TVA 20 % : 200,00 €"),
        (60, 328, "Net à payer : 1 200,00 €"),
    ]
    values = values_of(pdf_of(tmp_path / "fr.pdf", [page]))
    assert values[("invoice_number", None)] == "F-2018-031"
    assert values[("issue_date", None)] == "2018-03-23"
    assert values[("total", None)] == "1200.00"
    assert values[("subtotal", None)] == "1000.00"
    assert values[("seller", None)] == "Atelier Rive Gauche SARL"


def test_line_items_continue_on_the_next_page(tmp_path: Path) -> None:
    header = [(60, 100, "Description"), (300, 100, "Qty"), (380, 100, "Unit Price"),
              (480, 100, "Amount")]  # fmt: skip
    first = [(60, 40, "Invoice No: MP-1"), (60, 54, "Date: 2018-03-05"), *header]
    second = list(header)
    for index in range(3):
        row = [(60, "Item A{}"), (300, "1"), (380, "10.00"), (480, "10.00")]
        first += [(x, 116 + 14 * index, text.format(index)) for x, text in row]
        second += [(x, 116 + 14 * index, text.format(index + 3)) for x, text in row]
    second += [(380, 200, "Total"), (480, 200, "EUR 60.00")]
    values = values_of(pdf_of(tmp_path / "pages.pdf", [first, second]))
    descriptions = [values[("line_items.description", item)] for item in range(1, 7)]
    assert descriptions == [f"Item A{index}" for index in range(6)]
    assert values[("total", None)] == "60.00"


def test_prose_and_unlabelled_numbers_give_nothing(tmp_path: Path) -> None:
    """No label, no value: the backend does not guess from the largest number or a date."""
    page = lines_at(
        60,
        60,
        "Thank you for your order of 12 items, shipped 05.03.2018.",
        "Please quote the invoice number when you pay 1.234,50 into account 123456789.",
        "Our total commitment to quality is 100%.",
    )
    values = values_of(pdf_of(tmp_path / "prose.pdf", [page]))
    for field in ("invoice_number", "issue_date", "due_date", "total", "subtotal", "tax"):
        assert values[(field, None)] is None, field


@pytest.mark.parametrize(
    ("label", "printed", "expected"),
    [
        ("Factuurnummer:", "2018-0042", "2018-0042"),
        ("Número de factura:", "A-77", "A-77"),
        ("Numero fattura:", ["FT", "12/2018"][1], "12/2018"),
        ("F actuurnummer:", "993548900", "993548900"),
    ],
)
def test_invoice_number_labels_in_many_languages(
    tmp_path: Path, label: str, printed: str, expected: str
) -> None:
    page = [(60, 60, "Some Company B.V."), (60, 120, f"{label} {printed}")]
    values = values_of(pdf_of(tmp_path / "n.pdf", [page]))
    assert values[("invoice_number", None)] == expected
    assert values[("issue_date", None)] is None
