"""The workbook is never half-written or overwritten by mistake, and PDF text never runs.

A workbook open in Excel, a corrupt file and a workbook that is not ours are refused
with one line and left byte-identical; saves are atomic with the last 5 kept as backups;
a PDF whose text holds a formula lands in the workbook as text.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from reportlab.pdfgen.canvas import Canvas

from contract.safety import BACKUPS_KEPT, backups_of, save_atomically
from contract.workbook import (
    Contract,
    WorkbookRefused,
    check_contract,
    load_contract,
    save_contract,
)
from extract.cli import cli

HYPERLINK = '=HYPERLINK("http://evil.example/steal","Click")'


def run(folder: Path, workbook: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, lines


@pytest.fixture
def one_pdf(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(Path(__file__).parent.parent / "samples/pdfs/invoice-01-left-labels.pdf", folder)
    return folder


def refused_line(folder: Path, workbook: Path) -> str:
    before = workbook.read_bytes()
    code, lines = run(folder, workbook)
    assert code == 1
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    assert workbook.read_bytes() == before
    return lines[0]


def test_a_workbook_open_in_excel_is_refused_untouched(one_pdf: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    assert run(one_pdf, workbook)[0] == 0
    (tmp_path / "~$contract.xlsx").write_bytes(b"owner")
    line = refused_line(one_pdf, workbook)
    assert "open" in line and "close it" in line


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 not really a zip", b"hello, I am a text file\n"],
    ids=["empty", "broken-zip", "text"],
)
def test_a_corrupt_workbook_is_refused_untouched(
    one_pdf: Path, tmp_path: Path, content: bytes
) -> None:
    workbook = tmp_path / "contract.xlsx"
    workbook.write_bytes(content)
    assert "corrupt" in refused_line(one_pdf, workbook)
    assert not (tmp_path / "backups").exists()


def test_a_truncated_workbook_is_refused_untouched(one_pdf: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    assert run(one_pdf, workbook)[0] == 0
    workbook.write_bytes(workbook.read_bytes()[:3000])
    assert "corrupt" in refused_line(one_pdf, workbook)


def test_a_sheet_with_broken_xml_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    save_contract(good, Contract())
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet4.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    with pytest.raises(WorkbookRefused, match="corrupt"):
        load_contract(broken)


def test_someone_elses_workbook_is_refused_untouched(one_pdf: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "budget.xlsx"
    book = Workbook()
    book.active.append(["month", "spend"])  # type: ignore[union-attr]
    book.save(workbook)
    assert "not a pdf-extract workbook" in refused_line(one_pdf, workbook)


def test_only_xlsx_is_accepted(one_pdf: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsm"
    workbook.write_bytes(b"macro workbook")
    assert ".xlsx" in refused_line(one_pdf, workbook)


def test_saves_keep_the_last_five_backups(tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    versions = []
    for number in range(BACKUPS_KEPT + 3):
        contract = Contract()
        contract.sheet("corrections").append({"doc_id": "a" * 12, "field": "total", "note": number})
        save_contract(workbook, contract)
        versions.append(workbook.read_bytes())
    backups = backups_of(workbook)
    assert len(backups) == BACKUPS_KEPT
    assert [b.read_bytes() for b in backups] == versions[-BACKUPS_KEPT - 1 : -1]


def test_a_failed_save_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    save_contract(workbook, Contract())
    before = workbook.read_bytes()

    def half_write(temp: Path) -> None:
        temp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_atomically(workbook, half_write)
    assert workbook.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["contract.xlsx"]


def injection_pdf(path: Path) -> None:
    """An invoice whose line items read like spreadsheet formulas."""
    canvas = Canvas(str(path), invariant=True)
    y = 800.0
    head = ["INVOICE", "Acme Supplies Ltd", "Main Street 1", "Invoice No: +INV-7"]
    head += ["Invoice Date: 2026-03-05", "Currency: EUR", "Bill To:", "Harbour Trading AS"]
    for line in head:
        canvas.drawString(60, y, line)
        y -= 18
    y -= 10
    table = [
        ("Description", "Qty", "Unit Price", "Amount"),
        (HYPERLINK, "1", "60.00", "60.00"),
        ("@SUM(A1:A9)", "1", "40.00", "40.00"),
    ]
    for cells in table:
        for x, text in zip((60, 330, 400, 480), cells, strict=True):
            canvas.drawString(x, y, text)
        y -= 18
    for line in ["Subtotal: EUR 100.00", "VAT (21%): EUR 21.00", "Total: EUR 121.00"]:
        canvas.drawString(330, y, line)
        y -= 18
    canvas.save()


def test_formulas_in_a_pdf_are_stored_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    injection_pdf(folder / "formula-injection.pdf")
    workbook = tmp_path / "contract.xlsx"
    code, lines = run(folder, workbook)
    assert code == 0, lines
    with zipfile.ZipFile(workbook) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        formulas = [f for name in sheets for f in re.findall(rb"<f>(.*?)</f>", archive.read(name))]
    page_link = rb'HYPERLINK\("pdfs/formula-injection\.pdf#page=1","p\. 1"\)'
    assert formulas and all(re.fullmatch(page_link, f) for f in formulas), "a formula was written"
    book = load_workbook(workbook)
    texts = {
        cell.value: cell.data_type
        for name in ("extractions", "ground_truth", "final")
        for row in book[name].iter_rows()
        for cell in row
        if isinstance(cell.value, str)
        and cell.value.startswith(("=", "+", "-", "@"))
        and book[name].cell(1, cell.column).value != "link"  # the writer's own page links
    }
    assert HYPERLINK in texts and "@SUM(A1:A9)" in texts and "+INV-7" in texts
    assert set(texts.values()) == {"s"}
    values = {row.get("value") for row in load_contract(workbook).sheet("extractions")}
    assert HYPERLINK in values


def test_the_cheap_check_refuses_what_loading_refuses(tmp_path: Path) -> None:
    corrupt, foreign = tmp_path / "corrupt.xlsx", tmp_path / "foreign.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    Workbook().save(foreign)
    for path, reason in [(corrupt, "corrupt"), (foreign, "not a pdf-extract workbook")]:
        with pytest.raises(WorkbookRefused, match=reason):
            check_contract(path)
        with pytest.raises(WorkbookRefused, match=reason):
            load_contract(path)
    check_contract(tmp_path / "new.xlsx")  # a missing workbook is a new one


def test_a_file_saved_by_someone_during_the_write_is_not_replaced(tmp_path: Path) -> None:
    from contract.workbook import load_contract, save_contract

    path = tmp_path / "contract.xlsx"
    save_contract(path, load_contract(path))
    contract = load_contract(path)
    shutil.copy(path, tmp_path / "theirs.xlsx")
    with (tmp_path / "theirs.xlsx").open("ab") as theirs:
        theirs.write(b"\0")  # their save: other bytes, other size
    os.replace(tmp_path / "theirs.xlsx", path)
    before = path.read_bytes()
    with pytest.raises(WorkbookRefused, match="saved by someone else"):
        save_contract(path, contract)
    assert path.read_bytes() == before
