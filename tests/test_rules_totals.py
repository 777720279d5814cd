"""Totals named by their phrase and chosen together: cue words, not-cues, columns, sums.

Each test is a small invoice in one of several languages that prints one class of trap:
a labelled amount that is not the total, a net or gross total named by a cue word, a row
of amounts under a header, a tax on a base, a payable amount beside the invoice's total.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_pdfs import Placed, lines_at, pdf_of

from extract.backends.rules import RulesBackend
from extract.grounding import grounded_values
from schemas.base import field_values
from schemas.invoice import Invoice

BACKEND = RulesBackend()


def extracted(path: Path, page: list[Placed]) -> tuple[dict[str, str | None], dict[str, float]]:
    """The document-level values (every one grounded) and their confidences."""
    document = pdf_of(path, [page])
    extraction = BACKEND.extract(document, Invoice)
    checked = grounded_values(document, field_values(extraction.result))
    assert all(v.grounded for v in checked if v.grounded is not None), "every value is grounded"
    values = {v.value.field: v.value.value for v in checked if v.value.item is None}
    scores = {path: score for (path, item), score in extraction.scores.items() if item is None}
    assert set(scores) == {name for name, value in values.items() if value is not None}
    assert all(0.0 <= score <= 1.0 for score in scores.values())
    return values, scores


def head(seller: str, number: str, date: str) -> list[Placed]:
    return [(60, 50, seller), (60, 64, "Hafenstraße 4, 20457 Hamburg"), (330, 100, number),
            (330, 114, date)]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "net", "tax", "gross"),
    [
        (["Gesamtbetrag Netto 200,00 €", "MwSt. 19 % 38,00 €", "Gesamtbetrag Brutto 238,00 €"],
         "200.00", "38.00", "238.00"),
        (["Montant total net 100,00 €", "TVA 20 % 20,00 €", "Montant total brut 120,00 €"],
         "100.00", "20.00", "120.00"),
        (["Total amount (net): 1,000.00", "Total tax amount: 200.00",
          "Total amount (gross): 1,200.00"], "1000.00", "200.00", "1200.00"),
        (["Base imponible 100,00 €", "IVA 21 % 21,00 €", "Total factura 121,00 €"],
         "100.00", "21.00", "121.00"),
        (["Imponibile 100,00 €", "IVA 22 % 22,00 €", "Totale fattura 122,00 €"],
         "100.00", "22.00", "122.00"),
        (["Subtotaal € 100,00", "BTW 21% € 21,00", "Totaal € 121,00"], "100.00", "21.00",
         "121.00"),
    ],
)  # fmt: skip
def test_net_and_gross_totals_by_their_cue_words(
    tmp_path: Path, lines: list[str], net: str, tax: str, gross: str
) -> None:
    page = head("Brandt Elektro KG", "Rechnungsnummer: 4711", "Rechnungsdatum: 05.03.2024")
    page += lines_at(330, 300, *lines)
    values, scores = extracted(tmp_path / "cues.pdf", page)
    assert (values["subtotal"], values["tax"], values["total"]) == (net, tax, gross)
    assert min(scores["subtotal"], scores["tax"], scores["total"]) >= 0.95  # they add up


def test_amounts_with_a_negative_cue_are_no_total(tmp_path: Path) -> None:
    page = head("Brandt Elektro KG", "Rechnungsnummer: 4711", "Rechnungsdatum: 05.03.2024")
    page += lines_at(
        330,
        300,
        "Total Pcs.: 12",
        "Total Points: 1,250",
        "Gesamtbetrag der Abschläge -12,40 €",
        "Gesamtbetrag 238,00 €",
    )
    values, _ = extracted(tmp_path / "negative.pdf", page)
    assert values["total"] == "238.00"


def test_only_negative_cues_leave_the_total_empty(tmp_path: Path) -> None:
    page = head("Brandt Elektro KG", "Invoice No: 4711", "Invoice Date: 2024-03-05")
    page += lines_at(330, 300, "Total Pcs.: 12", "Discount total: 50.00", "Prepaid amount: 80.00")
    values, _ = extracted(tmp_path / "none.pdf", page)
    assert values["total"] is None


def test_the_invoice_total_and_not_an_amount_due_with_a_previous_balance(tmp_path: Path) -> None:
    page = head("Harbour Foods Ltd", "Invoice No: HF-31", "Invoice Date: 2024-03-05")
    page += lines_at(330, 300, "TOTAL 540.00", "Previous balance 100.00", "AMOUNT DUE 640.00")
    values, _ = extracted(tmp_path / "due.pdf", page)
    assert values["total"] == "540.00"


def test_a_row_of_amounts_is_read_by_its_column_headers(tmp_path: Path) -> None:
    """A monospaced totals table: every header word a cell of its own."""
    page = head("Brandt Elektro KG", "Rechnungsnummer: 4711", "Rechnungsdatum: 05.03.2024")
    header = [
        (60, 300, "Gesamtbeträge"),
        (250, 300, "Netto"),
        (290, 300, "EUR"),
        (340, 300, "MwSt."),
        (380, 300, "EUR"),
        (430, 300, "Brutto"),
        (475, 300, "EUR"),
    ]
    row = [(60, 316, "19,00%"), (100, 316, "MwSt.:"), (260, 316, "500,00"),
           (360, 316, "95,00"), (455, 316, "595,00")]  # fmt: skip
    values, scores = extracted(tmp_path / "columns.pdf", page + header + row)
    assert (values["subtotal"], values["tax"], values["total"]) == ("500.00", "95.00", "595.00")
    assert scores["total"] >= 0.95


def test_a_tax_on_its_base_is_the_amount_after_the_base(tmp_path: Path) -> None:
    page = head("Harbour Foods Ltd", "Invoice No: HF-31", "Invoice Date: 2024-03-05")
    page += lines_at(330, 300, "Subtotal $200.00", "Tax 10% on $200.00 $20.00", "Total $220.00")
    values, _ = extracted(tmp_path / "base.pdf", page)
    assert (values["subtotal"], values["tax"], values["total"]) == ("200.00", "20.00", "220.00")


def test_a_number_the_text_layer_broke_in_two_is_not_read(tmp_path: Path) -> None:
    page = head("Harbour Foods Ltd", "Invoice No: HF-31", "Invoice Date: 2024-03-05")
    page += [(330, 300, "TotalDue: Ä59 50")]
    values, _ = extracted(tmp_path / "broken.pdf", page)
    assert values["total"] is None  # not 50.00


def test_the_rows_of_a_summary_table_are_no_totals(tmp_path: Path) -> None:
    page = head("Harbour Foods Ltd", "Invoice No: HF-31", "Invoice Date: 2024-03-05")
    page += [(60, 300, "Subtotal"), (330, 300, "GST"), (480, 300, "Total")]
    for number, (name, amount) in enumerate([("Parcels", "97.98"), ("Freight", "216.90")]):
        y = 316 + 14 * number
        page += [(60, y, name), (150, y, amount), (480, y, amount)]
    values, _ = extracted(tmp_path / "summary.pdf", page)
    assert values["subtotal"] is None and values["total"] is None


def test_a_credit_notes_negative_amounts_add_up(tmp_path: Path) -> None:
    page = head("Brandt Elektro KG", "Gutschrift Nr. GS-17", "Datum: 05.03.2024")
    page += lines_at(330, 300, "Nettobetrag -100,00 €", "MwSt. 19 % -19,00 €",
                     "Gesamtbetrag -119,00 €")  # fmt: skip
    values, scores = extracted(tmp_path / "credit.pdf", page)
    assert (values["subtotal"], values["tax"], values["total"]) == ("-100.00", "-19.00", "-119.00")
    assert scores["total"] >= 0.95


def test_a_balance_of_nothing_is_no_total(tmp_path: Path) -> None:
    page = head("Harbour Foods Ltd", "Invoice No: HF-31", "Invoice Date: 2024-03-05")
    page += lines_at(330, 300, "Payments received 540.00", "Balance due 0.00")
    values, _ = extracted(tmp_path / "paid.pdf", page)
    assert values["total"] is None


@pytest.mark.parametrize(
    "included", ["incl. VAT 20% 20.00", "inkl. MwSt. 20 % 20,00", "including tax 20.00"]
)
def test_the_tax_a_receipts_total_includes_is_no_rival_total(tmp_path: Path, included: str) -> None:
    """A receipt prints its total, then the tax it includes: "incl." turns no VAT line into
    a second total that would leave the total empty."""
    page = [(200, 60, "Corner Bakery"), (200, 100, "Receipt #4711"), (200, 114, "05/03/2024")]
    page += lines_at(200, 200, "2 x Bread 60.00", "1 x Cake 60.00")
    page += lines_at(200, 260, "TOTAL 120.00", included, "Cash 150.00", "Change 30.00")
    values, _ = extracted(tmp_path / "receipt.pdf", page)
    assert values["total"] == "120.00"


@pytest.mark.parametrize("whole", [None, "Total 162.00"])
def test_one_rate_of_a_vat_breakdown_is_not_the_documents_totals(
    tmp_path: Path, whole: str | None
) -> None:
    """ "VAT rate | Net | VAT | Gross", a row per rate: each row adds up, none is the
    document's net, tax and total, so none is written as such (let alone surely)."""
    page = head("Brandt Elektro KG", "Invoice No: 4711", "Invoice Date: 05.03.2024")
    columns = (300, 370, 440, 510)
    for y, cells in ((300, ("VAT rate", "Net", "VAT", "Gross")),
                     (314, ("20%", "100.00", "20.00", "120.00")),
                     (328, ("5%", "40.00", "2.00", "42.00"))):  # fmt: skip
        page += [(x, y, cell) for x, cell in zip(columns, cells, strict=True)]
    if whole is not None:
        page.append((440, 380, whole))
    values, _ = extracted(tmp_path / "rates.pdf", page)
    assert values["subtotal"] is None and values["tax"] is None
    assert values["total"] in (None, "162.00")


def test_several_vat_rates_add_up_with_the_net_and_a_shipping_line_leaves_it_unsure(
    tmp_path: Path,
) -> None:
    """Net + VAT 7 % + VAT 19 % = total: the net and the total are sure, the tax in all is
    printed nowhere. A shipping line between subtotal and tax: which amount is the net is
    unsure, so no part is written."""
    page = head("Brandt Elektro KG", "Rechnungsnummer: 4711", "Rechnungsdatum: 05.03.2024")
    page += lines_at(330, 300, "Nettobetrag 300,00", "MwSt. 7 % 7,00", "MwSt. 19 % 38,00",
                     "Gesamtbetrag 345,00")  # fmt: skip
    values, scores = extracted(tmp_path / "rates.pdf", page)
    assert (values["subtotal"], values["tax"], values["total"]) == ("300.00", None, "345.00")
    assert min(scores["subtotal"], scores["total"]) >= 0.88  # confirmed by the rates
    page = head("Brandt Elektro KG", "Invoice No: 4711", "Invoice Date: 05.03.2024")
    page += lines_at(330, 300, "Subtotal 100.00", "Shipping 10.00", "Tax 22.00", "Total 132.00")
    values, _ = extracted(tmp_path / "shipping.pdf", page)
    assert values["subtotal"] is None and values["tax"] is None
