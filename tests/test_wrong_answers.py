"""Wrong answers injected through the fake Anthropic server: each one ends below the review
threshold and final marks it `needs review`; a correct, grounded, consistent answer is
accepted. The real SDK, pipeline and workbook run; only the model's answers are scripted."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest
from fake_anthropic import FakeAnthropic, Reply, good_answer, invoice_lines, write_invoices
from openpyxl import load_workbook
from rules_pdfs import lines_at, pdf_of

from extract.backends import BackendOptions
from extract.documents import Document
from extract.pdf import ParsedDocument, parsed_document
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store
from schemas.vocabulary import Source

THRESHOLD = 0.9  # accepts a grounded value nothing contradicts, even one nothing confirms
Key = tuple[str, str, int | None]


def answer_for(parsed: ParsedDocument) -> dict[str, Any]:
    """What a careful model answers for the document, as the fake would."""
    return good_answer({page.number: page.text for page in parsed.pages})


def two_page_invoice(folder: Path, number: int) -> ParsedDocument:
    """The header on page 1, the line items and totals on page 2."""
    lines = invoice_lines(number)
    header, rest = lines[:6], [line for line in lines[6:] if line]
    return pdf_of(
        folder / f"invoice-{number:05d}.pdf",
        [lines_at(60, 60, *header), lines_at(60, 60, *rest)],
    )


def run(folder: Path, workbook: Path, accept_above: float | None) -> RunSummary:
    return execute(
        RunOptions(
            folder=folder,
            workbook=workbook,
            backend="anthropic",
            backend_options=BackendOptions(timeout_s=5.0, max_retries=0),
            accept_above=accept_above,
        )
    )


def rows_of(workbook: Path, sheet: str) -> dict[Key, dict[str, Any]]:
    book = load_workbook(workbook, read_only=True)
    rows = book[sheet].iter_rows(values_only=True)
    header = [str(cell) for cell in next(rows)]
    found = {}
    for cells in rows:
        row = dict(zip(header, cells, strict=False))
        file = str(row["file"])
        found[(file[8:13], str(row["field"]), row["item"])] = row
    book.close()
    return found


def parsed_at(path: Path) -> ParsedDocument:
    return parsed_document(Document(path, hashlib.sha256(path.read_bytes()).hexdigest()))


def confidences(workbook: Path, run_id: str) -> dict[Key, float | None]:
    """Each value's confidence as the run store keeps it (the workbook shows the same)."""
    store = Store.beside(workbook)
    try:
        return {
            (str(v["file"])[8:13], v["field"], v["item"]): v["confidence"]
            for v in store.run_values(run_id)
        }
    finally:
        store.close()


@pytest.fixture
def scripted(fake: FakeAnthropic, tmp_path: Path) -> Path:
    """INV-00001 answered well; the others each with one kind of wrong answer."""
    folder = tmp_path / "pdfs"
    paths = {path.stem[8:]: path for path in write_invoices(folder, 3)}

    # a value not on the page: an invoice number the document does not print
    unprinted = answer_for(parsed_at(paths["00002"]))
    unprinted["invoice_number"] = {
        "page": 1,
        "quote": "Invoice number: INV-77777",
        "value": "INV-77777",
    }
    fake.plan("INV-00002", [Reply.with_answer(unprinted)])

    # a total that does not add up: the subtotal's line read as the total
    mixed_up = answer_for(parsed_at(paths["00003"]))
    mixed_up["total"] = copy.deepcopy(mixed_up["subtotal"])
    fake.plan("INV-00003", [Reply.with_answer(mixed_up)])

    # a quote from another page: the total cited on page 1, its quote printed on page 2
    wrong_page = answer_for(two_page_invoice(folder, 4))
    assert wrong_page["total"]["page"] == 2
    wrong_page["total"]["page"] = 1
    fake.plan("INV-00004", [Reply.with_answer(wrong_page)])
    return folder


def test_each_wrong_answer_needs_review_and_a_right_one_is_accepted(
    scripted: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    summary = run(scripted, workbook, THRESHOLD)
    assert summary.ok == 4 and summary.accept_above == THRESHOLD
    extractions, final = rows_of(workbook, "extractions"), rows_of(workbook, "final")
    sure = confidences(workbook, summary.run_id)

    def confidence(key: Key) -> float:
        found = sure[key]
        assert found is not None, key
        return found

    wrong = {
        ("00002", "invoice_number", None): 0.05,  # quote nowhere in the document
        ("00003", "total", None): 0.45,  # grounded, but subtotal + tax is not this total
        ("00004", "total", None): 0.2,  # the quote is on page 2, not the cited page 1
    }
    for key, expected in wrong.items():
        assert confidence(key) == expected < THRESHOLD, key
        assert final[key]["source"] == Source.NEEDS_REVIEW, key
        assert final[key]["value"] == extractions[key]["value"], "the value is kept, marked"
    # the values the wrong total puts in doubt are not accepted either
    for name in ("subtotal", "tax"):
        assert confidence(("00003", name, None)) == 0.45
        assert final[("00003", name, None)]["source"] == Source.NEEDS_REVIEW

    # the correct, grounded, consistent answer: every value it gives is accepted
    good = {key: row for key, row in final.items() if key[0] == "00001"}
    given = {key for key, row in good.items() if extractions[key]["value"] is not None}
    assert len(given) == 16  # 8 header values, 2 line items of 4
    assert all(good[key]["source"] == Source.MODEL for key in given)
    assert {confidence(key) for key in given} <= {0.9, 0.98}
    assert confidence(("00001", "total", None)) == 0.98  # the sums hold with it
    # an empty value is never accepted unseen: nothing on the page vouches for the absence
    assert good[("00001", "due_date", None)]["source"] == Source.NEEDS_REVIEW


def test_without_a_measured_threshold_nothing_is_accepted_unseen(
    scripted: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    summary = run(scripted, workbook, None)
    assert summary.accept_above == 1.0 and "no threshold measured" in summary.accept_reason
    assert {row["source"] for row in rows_of(workbook, "final").values()} == {Source.NEEDS_REVIEW}


def test_an_answer_validation_sent_back_is_less_sure(fake: FakeAnthropic, tmp_path: Path) -> None:
    folder, workbook = tmp_path / "pdfs", tmp_path / "contract.xlsx"
    write_invoices(folder, 1)
    fake.plan("INV-00001", [Reply.with_answer({"document_kind": "invoice", "total": "a lot"})])
    summary = run(folder, workbook, THRESHOLD)
    sure, final = confidences(workbook, summary.run_id), rows_of(workbook, "final")
    number = ("00001", "invoice_number", None)
    assert sure[number] == 0.81  # 0.9, times 0.9 for the one answer sent back
    assert final[number]["source"] == Source.NEEDS_REVIEW
    assert sure[("00001", "total", None)] == 0.882
