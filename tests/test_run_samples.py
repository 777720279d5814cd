"""The vertical slice, as a new user runs it: `extract run samples/pdfs` fills the workbook."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

import extract.run
from contract.sheets import SHEETS
from extract import parse
from extract.cli import cli
from extract.documents import Document, file_sha256
from extract.grounding import quote_on_page
from extract.ocr import Ocr
from extract.parse import PARSER, blob_pages, read_key
from extract.pdf import Page, parsed_document
from extract.store import Store
from schemas.base import field_specs
from schemas.invoice import Invoice
from schemas.values import same_value
from schemas.vocabulary import Status

TRUTH = Path(__file__).resolve().parent.parent / "samples" / "truth"
KEY_FIELDS = {"invoice_number": "code", "issue_date": "date", "currency": "code", "total": "money"}
KINDS = {spec.path: spec.kind for spec in field_specs(Invoice)}


def run(folder: Path, workbook: Path) -> Result:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Result]:
    root = tmp_path_factory.mktemp("slice")
    folder = root / "pdfs"
    shutil.copytree(Path(__file__).resolve().parent.parent / "samples" / "pdfs", folder)
    workbook = root / "contract.xlsx"
    return folder, workbook, run(folder, workbook)


def sheets(workbook: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(workbook, sheet_name=None)


def test_every_pdf_has_a_document_row(first_run: tuple[Path, Path, Result]) -> None:
    folder, workbook, result = first_run
    documents = sheets(workbook)["documents"]
    assert sorted(documents["file"]) == sorted(p.name for p in folder.glob("*.pdf"))
    status = dict(zip(documents["file"], documents["status"], strict=True))
    assert status["bad-corrupt.pdf"] == Status.CORRUPT
    assert status["bad-encrypted.pdf"] == Status.ENCRYPTED
    assert status["bad-empty.pdf"] == Status.EMPTY
    assert status["bad-not-a-pdf.pdf"] == Status.NOT_PDF
    assert status["scan-unreadable.pdf"] == Status.NO_TEXT
    bad = documents[documents["status"] != Status.OK]
    assert bad["error"].notna().all() and (bad["error"].str.len() > 10).all()
    assert "5 failed" in result.output and "20 ok" in result.output


def test_all_sheets_are_named_tables_with_their_columns(
    first_run: tuple[Path, Path, Result],
) -> None:
    _, workbook, _ = first_run
    book = load_workbook(workbook)
    for spec in SHEETS:
        sheet = book[spec.name]
        assert spec.name in sheet.tables, f"{spec.name} is not an Excel table"
        header = [cell.value for cell in sheet[1]]
        assert header[: len(spec.columns)] == list(spec.columns)
        assert sheet.freeze_panes == "A2"


def truth_of(file: str) -> dict[str, Any] | None:
    path = TRUTH / f"{Path(file).stem}.json"
    return json.loads(path.read_text()) if path.exists() else None


def test_rules_backend_gets_the_key_fields_right(first_run: tuple[Path, Path, Result]) -> None:
    _, workbook, _ = first_run
    extractions = sheets(workbook)["extractions"]
    right: dict[str, int] = dict.fromkeys(KEY_FIELDS, 0)
    documents = 0
    for file, rows in extractions.groupby("file"):
        truth = truth_of(str(file))
        if truth is None:
            continue
        documents += 1
        values = {row.field: row.value for row in rows.itertuples() if pd.isna(row.item)}
        for field, kind in KEY_FIELDS.items():
            found = values.get(field)
            found = None if pd.isna(found) else str(found)
            right[field] += same_value(kind, found, truth.get(field))  # type: ignore[arg-type]
    assert documents == 20  # 14 invoices and 6 scans of them
    assert all(count == documents for count in right.values()), right  # 100% on our samples


def test_the_scans_read_as_well_as_their_invoices(first_run: tuple[Path, Path, Result]) -> None:
    """OCR'd samples: the key fields at least 95% right, at most 2% of the values wrong."""
    _, workbook, _ = first_run
    extractions = sheets(workbook)["extractions"]
    scans = extractions[extractions["file"].str.startswith("scan-")]
    right: dict[str, int] = dict.fromkeys(KEY_FIELDS, 0)
    found = wrong = 0
    for file, rows in scans.groupby("file"):
        truth = truth_of(str(file))
        assert truth is not None
        for row in rows.itertuples():
            if pd.isna(row.value):
                continue
            item = None if pd.isna(row.item) else int(row.item)
            if item is None:
                expected = truth.get(str(row.field))
            else:
                expected = truth["line_items"][item - 1].get(str(row.field).split(".")[1])
            found += 1
            wrong += not same_value(KINDS[str(row.field)], str(row.value), expected)
            if item is None and row.field in KEY_FIELDS:
                right[str(row.field)] += same_value(
                    KEY_FIELDS[str(row.field)], str(row.value), expected
                )
    documents = scans["file"].nunique()
    assert documents == 6
    assert all(count >= 0.95 * documents for count in right.values()), right
    assert found > 100 and wrong <= 0.02 * found, (wrong, found)


def test_every_value_has_a_page_and_a_quote_on_that_page(
    first_run: tuple[Path, Path, Result],
) -> None:
    folder, workbook, _ = first_run
    extractions = sheets(workbook)["extractions"]
    found = extractions[extractions["value"].notna()]
    assert len(found) > 100
    parsed: dict[str, tuple[Page, ...]] = {}
    with closing(Store.beside(workbook)) as store:
        for row in found.itertuples():
            if row.file not in parsed:
                parsed[row.file] = pages_read(store, folder / str(row.file))
            page = parsed[row.file][int(row.page) - 1]
            assert quote_on_page(str(row.quote), page.text), row
    assert found["grounded"].astype(bool).all()
    assert {page.ocr for pages in parsed.values() for page in pages} == {True, False}


def pages_read(store: Store, path: Path) -> tuple[Page, ...]:
    """The pages the run read (OCR's for a scan), from its parse cache; checked against a
    fresh parse of the text layer for a digital PDF."""
    sha256 = file_sha256(path)
    cached = store.cached_parse(sha256, read_key(Ocr.AUTO)) or store.cached_parse(sha256, PARSER)
    assert cached is not None, path
    pages = blob_pages(cached[2])
    if not any(page.ocr for page in pages):
        assert pages == parsed_document(Document(path, sha256)).pages
    return pages


def test_a_second_run_keeps_what_testers_typed(
    first_run: tuple[Path, Path, Result], tmp_path: Path
) -> None:
    folder, original, _ = first_run
    workbook = tmp_path / "contract.xlsx"
    shutil.copy(original, workbook)
    book = load_workbook(workbook)
    sheet = book["ground_truth"]
    header = [cell.value for cell in sheet[1]]
    verdict, expected, tester = (header.index(n) + 1 for n in ("verdict", "expected", "tester"))
    typed = {}
    for row in range(2, 8):
        sheet.cell(row, verdict).value = "wrong"
        sheet.cell(row, expected).value = f"typed-{row}"
        sheet.cell(row, tester).value = "ana"
        typed[(sheet.cell(row, 1).value, sheet.cell(row, 3).value)] = f"typed-{row}"
    book.save(workbook)
    run(folder, workbook)
    truth = sheets(workbook)["ground_truth"]
    kept = {
        (r.doc_id, r.field): r.expected for r in truth.itertuples() if isinstance(r.expected, str)
    }
    assert kept == typed


def test_workbook_opens_in_libreoffice(
    first_run: tuple[Path, Path, Result], tmp_path: Path
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    _, workbook, _ = first_run
    done = subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook)],
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "contract.pdf").stat().st_size > 1000


def test_a_copy_is_extracted_once_and_the_workbook_folder_is_made(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    (folder / "sub").mkdir(parents=True)
    original = Path(__file__).resolve().parent.parent / "samples" / "pdfs"
    shutil.copy(original / "invoice-01-left-labels.pdf", folder / "a.pdf")
    shutil.copy(original / "invoice-01-left-labels.pdf", folder / "sub" / "copy.pdf")
    workbook = tmp_path / "new" / "folder" / "contract.xlsx"
    result = run(folder, workbook)
    assert "1 documents, 1 ok" in result.output
    assert "duplicate" in result.output and "copy.pdf" in result.output
    assert list(sheets(workbook)["documents"]["file"]) == ["a.pdf"]


def test_a_run_served_from_the_caches_forks_no_parse_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    original = Path(__file__).resolve().parent.parent / "samples" / "pdfs"
    for name in ("invoice-01-left-labels.pdf", "invoice-07-de-rechnung.pdf"):
        shutil.copy(original / name, folder / name)
    forked: list[str] = []  # the thread that forked each parse worker

    class Counted(parse._Worker):
        def __init__(self, *args: Any) -> None:
            forked.append(threading.current_thread().name)
            super().__init__(*args)

    monkeypatch.setattr(parse, "_Worker", Counted)
    workbook = tmp_path / "contract.xlsx"
    assert "2 ok, 0 failed, 0 from cache" in run(folder, workbook).output
    assert forked and set(forked) == {"MainThread"}  # the first run parses in workers
    forked.clear()
    assert "2 ok, 0 failed, 2 from cache" in run(folder, workbook).output
    assert forked == []  # the second finds every answer in the cache: nothing to fork
    monkeypatch.setattr(extract.run, "CONFIDENCE_VERSION", 999)  # a new formula
    run(folder, workbook)
    assert forked and set(forked) == {"MainThread"}  # extracted again, forked as at first
