"""Numbers and dates without a label of their own: title lines, number signs, letter dates.

And the labelled dates that are not the issue date: delivery, order and print dates, and
placeholder years.
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
TOTALS = lines_at(330, 400, "Subtotal 100.00", "VAT 20% 20.00", "Total 120.00")


def values_of(path: Path, page: list[Placed]) -> dict[str, str | None]:
    document = pdf_of(path, [page])
    checked = grounded_values(document, field_values(BACKEND.extract(document, Invoice).result))
    assert all(v.grounded for v in checked if v.grounded is not None), "every value is grounded"
    return {v.value.field: v.value.value for v in checked if v.value.item is None}


@pytest.mark.parametrize(
    ("title", "number", "issued"),
    [
        ("Rechnung Nr. 2024-0815 vom 12.03.2024", "2024-0815", "2024-03-12"),
        ("Facture n° F-118 du 05/11/2024", "F-118", "2024-11-05"),
        ("Factura nº A-2207 del 3 de marzo de 2024", "A-2207", "2024-03-03"),
        ("Fattura n. 118/2024 del 05/11/2024", "118/2024", "2024-11-05"),
        ("INVOICE 2024-31 March 8, 2024", "2024-31", "2024-03-08"),
    ],
)
def test_number_and_date_inside_a_title_line(
    tmp_path: Path, title: str, number: str, issued: str
) -> None:
    page = [(60, 50, "Brandt Elektro KG"), (60, 64, "Industriestraße 4, 70565 Stuttgart"),
            (60, 130, title), *TOTALS]  # fmt: skip
    values = values_of(tmp_path / "title.pdf", page)
    assert (values["invoice_number"], values["issue_date"]) == (number, issued)


@pytest.mark.parametrize(
    ("lines", "number"),
    [
        (["FACTURE", "N° FR-2024-0117"], "FR-2024-0117"),
        (["FACTURE", "12/03/2024", "nº2022-4410"], "2022-4410"),
        (["RECHNUNG", "Nr.RE-7742"], "RE-7742"),
        (["I N V O I C E #7"], "7"),
        (["INVOICE", "No. INV-3071 Order ref: PO-88"], "INV-3071"),
    ],
)
def test_a_number_sign_in_the_title_block(tmp_path: Path, lines: list[str], number: str) -> None:
    page = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 50, *lines), *TOTALS]
    assert values_of(tmp_path / "sign.pdf", page)["invoice_number"] == number


def test_a_sign_after_another_word_numbers_something_else(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), (330, 50, "FACTURE"), (330, 64, "Dossier"),
            (400, 64, "n° : 000003"), *TOTALS]  # fmt: skip
    assert values_of(tmp_path / "dossier.pdf", page)["invoice_number"] is None


def test_a_telephone_number_after_the_label_is_no_invoice_number(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), (330, 50, "Invoice #: +1 (234) 567-890"), *TOTALS]
    assert values_of(tmp_path / "phone.pdf", page)["invoice_number"] is None


@pytest.mark.parametrize(
    ("line", "issued"),
    [
        ("Stuttgart, den 04.03.2024", "2024-03-04"),
        ("Lyon, le 12 mai 2023", "2023-05-12"),
        ("Le lundi 21 novembre 2022", "2022-11-21"),
    ],
)
def test_the_date_of_a_letter(tmp_path: Path, line: str, issued: str) -> None:
    page = [(60, 50, "Brandt Elektro KG"), (330, 90, line), (60, 130, "Invoice No: 4711"),
            (60, 700, "Datum: 30.10.2024 Zeit: 04:59:13 Seite: 1"), *TOTALS]  # fmt: skip
    assert values_of(tmp_path / "letter.pdf", page)["issue_date"] == issued


def test_a_lone_date_beside_the_title(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 50, "Invoice 204519", "March 17, 2025",
            "Page 1 / 1"), *TOTALS]  # fmt: skip
    values = values_of(tmp_path / "lone.pdf", page)
    assert (values["invoice_number"], values["issue_date"]) == ("204519", "2025-03-17")


def test_delivery_and_order_dates_are_not_the_issue_date(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 100, "Numéro de facture: F-17",
            "Date de livraison: 5 octobre 2023", "Date de la facture: 1 octobre 2023",
            "Order Date: 2023-09-20"), *TOTALS]  # fmt: skip
    assert values_of(tmp_path / "fr.pdf", page)["issue_date"] == "2023-10-01"
    only = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 100, "Invoice No: A-17",
            "Date of delivery: 2024-01-10", "Delivery Date: 2024-01-10"), *TOTALS]  # fmt: skip
    assert values_of(tmp_path / "en.pdf", only)["issue_date"] is None


def test_a_placeholder_year_is_no_date_and_a_compact_date_is_one(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 100, "Invoice number: 7",
            "Invoice date: 01.01.0001", "Due date: 20250311"), *TOTALS]  # fmt: skip
    values = values_of(tmp_path / "years.pdf", page)
    assert values["issue_date"] is None
    assert values["due_date"] == "2025-03-11"


def test_a_due_date_before_the_issue_date_is_not_kept(tmp_path: Path) -> None:
    page = [(60, 50, "Brandt Elektro KG"), *lines_at(330, 100, "Invoice number: 7",
            "Invoice date: 2024-05-10", "Due: 2024-04-01"), *TOTALS]  # fmt: skip
    values = values_of(tmp_path / "order.pdf", page)
    assert values["issue_date"] == "2024-05-10" and values["due_date"] is None


def test_a_date_that_reads_two_ways_is_less_sure_where_nothing_says_which(
    tmp_path: Path,
) -> None:
    def issued(name: str, totals: list[Placed]) -> tuple[str | None, float | None]:
        page = [(60, 50, "Brandt Elektro KG"), (330, 100, "Invoice number: 7"),
                (330, 114, "Invoice date: 03/05/2024"), *totals]  # fmt: skip
        document = pdf_of(tmp_path / name, [page])
        extraction = BACKEND.extract(document, Invoice)
        issue = {v.field: v.value for v in field_values(extraction.result)}["issue_date"]
        return issue, extraction.scores.get(("issue_date", None))

    value, unsure = issued("plain.pdf", TOTALS)
    assert value == "2024-05-03" and unsure is not None and unsure < 0.9  # day first: a guess
    euro = lines_at(330, 400, "Subtotal 100,00 €", "VAT 20% 20,00 €", "Total 120,00 €")
    value, sure = issued("euro.pdf", euro)
    assert value == "2024-05-03" and sure is not None and sure >= 0.9


def test_a_date_after_a_label_of_its_own_is_no_lone_date(tmp_path: Path) -> None:
    """ "Leistungsdatum: | 2024-05-02" beside the number: a compound label the schema does
    not list still says the date is something else; the title's date is the issue date."""
    page = [
        (60, 50, "Brandt Elektro KG"),
        (60, 220, "Rechnung Nr. 2024-1314 vom 07.05.2024"),
        (330, 250, "Leistungsdatum:"),
        (450, 250, "02.05.2024"),
        (330, 264, "Bestelldatum:"),
        (450, 264, "05.04.2024"),
        *TOTALS,
    ]
    assert values_of(tmp_path / "compound.pdf", page)["issue_date"] == "2024-05-07"
    page = [
        (60, 50, "Brandt Elektro KG"),
        *[(330, 100 + 14 * n, label) for n, label in enumerate(
            ["Leverdatum:", "Datum:", "Factuurnummer:", "Besteldatum:"])],
        *[(450, 100 + 14 * n, value) for n, value in enumerate(
            ["07-08-2024", "09-08-2024", "INV-0370", "19-07-2024"])],
        *TOTALS,
    ]  # fmt: skip
    assert values_of(tmp_path / "nl.pdf", page)["issue_date"] == "2024-08-09"
