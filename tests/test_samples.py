"""The committed sample corpus is consistent: PDFs, truth files and bad inputs agree.

The evals trust samples/truth as ground truth, so a wrong truth file would make a
right extractor look wrong. These checks read the PDFs independently of the
generator's code: every truth value that a document prints must be in its text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.utils.exceptions import PdfminerException

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PDFS = SAMPLES / "pdfs"
TRUTH = SAMPLES / "truth"
GOOD = sorted(PDFS.glob("invoice-*.pdf"))
SCANS = sorted(PDFS.glob("scan-*.pdf"))
UNOPENABLE = ["bad-corrupt.pdf", "bad-encrypted.pdf", "bad-empty.pdf", "bad-not-a-pdf.pdf"]
FIELDS = {"invoice_number", "issue_date", "due_date", "seller", "buyer", "currency"}
FIELDS |= {"subtotal", "tax", "total", "line_items"}
ITEM_FIELDS = {"description", "quantity", "unit_price", "amount"}
MONTHS_EN = "January February March April May June July August September October November December"
MONTHS_DE = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"


@cache
def page_texts(path: Path) -> tuple[str, ...]:
    with pdfplumber.open(path) as pdf:
        return tuple(page.extract_text() or "" for page in pdf.pages)


def truth_of(path: Path) -> dict[str, object]:
    record = json.loads((TRUTH / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert isinstance(record, dict)
    return record


def line_items_of(record: dict[str, object]) -> list[dict[str, str]]:
    items = record["line_items"]
    assert isinstance(items, list)
    return items


def printed_amounts(value: str) -> set[str]:
    """'1234.50' as an English or a German document prints it."""
    english = f"{Decimal(value):,.2f}"
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")
    return {english, german}


def printed_dates(value: str) -> set[str]:
    """Every way the corpus prints a date; the truth only keeps the ISO form."""
    day = date.fromisoformat(value)
    en, de = MONTHS_EN.split()[day.month - 1], MONTHS_DE.split()[day.month - 1]
    return {
        day.isoformat(),
        f"{day:%d.%m.%Y}",
        f"{day:%m/%d/%Y}",
        f"{day:%d/%m/%Y}",
        f"{day.day} {en} {day.year}",
        f"{en} {day.day}, {day.year}",
        f"{day.day}. {de} {day.year}",
    }


def test_corpus_covers_what_the_evals_need() -> None:
    records = [truth_of(path) for path in GOOD]
    assert len(GOOD) >= 12
    read = [path for path in SCANS if (TRUTH / f"{path.stem}.json").exists()]
    assert len(read) >= 5 and len(read) == len(SCANS) - 1  # and one that is unreadable
    assert {path.stem for path in GOOD + read} == {path.stem for path in TRUTH.glob("*.json")}
    assert len({str(record["currency"]) for record in records}) >= 2
    assert any("due_date" not in record for record in records)
    assert any("Rechnungsnummer" in page_texts(path)[0] for path in GOOD)


@pytest.mark.parametrize("path", GOOD, ids=lambda path: path.stem)
def test_truth_adds_up(path: Path) -> None:
    record = truth_of(path)
    assert set(record) <= FIELDS
    assert FIELDS - {"due_date"} <= set(record)
    items = line_items_of(record)
    assert items
    for item in items:
        assert set(item) == ITEM_FIELDS
        assert Decimal(item["quantity"]) * Decimal(item["unit_price"]) == Decimal(item["amount"])
    subtotal, tax, total = (Decimal(str(record[key])) for key in ("subtotal", "tax", "total"))
    assert sum(Decimal(item["amount"]) for item in items) == subtotal
    assert subtotal + tax == total


@pytest.mark.parametrize("path", GOOD, ids=lambda path: path.stem)
def test_truth_is_printed_in_the_pdf(path: Path) -> None:
    record = truth_of(path)
    text = "\n".join(page_texts(path))
    assert text.strip()
    for key in ("invoice_number", "seller", "buyer"):
        assert str(record[key]) in text, key
    for key in ("issue_date", "due_date"):
        if key in record:
            assert any(form in text for form in printed_dates(str(record[key]))), key
    for key in ("subtotal", "tax", "total"):
        assert any(form in text for form in printed_amounts(str(record[key]))), key
    for item in line_items_of(record):
        assert item["description"] in text
        assert any(form in text for form in printed_amounts(item["amount"])), item


def test_two_page_invoice_continues_its_table() -> None:
    path = PDFS / "invoice-10-two-pages.pdf"
    record = truth_of(path)
    first, second = page_texts(path)
    assert len(line_items_of(record)) >= 40
    assert any(form in second for form in printed_amounts(str(record["total"])))
    assert str(record["invoice_number"]) in first


@pytest.mark.parametrize("name", UNOPENABLE)
def test_bad_input_does_not_open(name: str) -> None:
    with pytest.raises(PdfminerException), pdfplumber.open(PDFS / name) as pdf:
        _ = pdf.pages


def test_encrypted_input_opens_with_its_password() -> None:
    with pdfplumber.open(PDFS / "bad-encrypted.pdf", password="secret") as pdf:
        assert "Invoice" in (pdf.pages[0].extract_text() or "")


@pytest.mark.parametrize("path", SCANS, ids=lambda path: path.stem)
def test_a_scan_has_an_image_and_no_text(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 1
        assert pdf.pages[0].chars == []
        assert len(pdf.pages[0].images) == 1


def test_a_scan_has_the_truth_of_the_invoice_it_shows() -> None:
    for path in SCANS:
        if (TRUTH / f"{path.stem}.json").exists():
            source = PDFS / f"invoice-{path.stem.removeprefix('scan-')}.pdf"
            assert truth_of(path) == truth_of(source), path.name


def test_generator_reproduces_the_committed_corpus(tmp_path: Path) -> None:
    """Truth files must match byte for byte; PDFs by their text, since compressed bytes
    (zlib, the scan's pdfium rendering) may differ between machines."""
    subprocess.run(
        [sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    stale = "is stale: run python samples/make_samples.py"
    fresh_truth = {path.name: path.read_bytes() for path in (tmp_path / "truth").iterdir()}
    assert fresh_truth == {path.name: path.read_bytes() for path in TRUTH.iterdir()}, stale
    assert {path.name for path in (tmp_path / "pdfs").iterdir()} == {
        path.name for path in PDFS.iterdir()
    }, stale
    for path in GOOD:
        assert page_texts(tmp_path / "pdfs" / path.name) == page_texts(path), f"{path.name} {stale}"
