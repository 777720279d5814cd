"""What people give their cells survives the runs: fills, fonts, number formats, comments
and column widths in ground_truth, corrections and a sheet of their own, whether the
workbook was last saved by openpyxl (as Excel-like tools do) or by LibreOffice."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from libreoffice import SOFFICE, converted
from lxml import etree
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from contract import update
from contract.looks import LOOK
from contract.reuse import SavedWorkbook, save_reusing, unchanged_since
from contract.sheets import CORRECTIONS, GROUND_TRUTH
from contract.workbook import load_contract
from contract.xlsx_styles import BASE, stylesheet, unstyled_formats
from extract.run import RunOptions, execute
from extract.store import Store

YELLOW, RED = "FFFFFF00", "FFFF0000"
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MARKED = ("invoice-03-labels-above-gbp.pdf", "total")  # the row a tester marks


def run(folder: Path, workbook: Path) -> None:
    execute(RunOptions(folder=folder, workbook=workbook, backend="rules"))


def reusable(workbook: Path) -> bool:
    """The next run of the same folder copies the unchanged sheets (the warm path)."""
    store = Store.beside(workbook)
    try:
        run_id = store.latest_run_id()
        assert run_id is not None
        saved = SavedWorkbook.from_json(store.workbook_save(workbook))
        return unchanged_since(workbook, saved, store.run_content(run_id))
    finally:
        store.close()


def row_of(sheet: Worksheet, file: str, field: str) -> dict[str, Any]:
    """The cells of the row with this file and field, by column name."""
    header = [cell.value for cell in sheet[1]]
    for cells in sheet.iter_rows(min_row=2):
        row = dict(zip(header, cells, strict=False))
        if row["file"].value == file and row["field"].value == field:
            return row
    raise AssertionError(f"no row {file} {field}")


def edit_as_people_do(workbook: Path) -> None:
    book = load_workbook(workbook)
    truth = book[GROUND_TRUTH.name]
    row = row_of(truth, *MARKED)
    row["suggested"].fill = PatternFill("solid", fgColor=YELLOW)
    row["verdict"].value = "wrong"
    row["verdict"].font = Font(bold=True, color=RED)
    row["note"].value = 1.5
    row["note"].number_format = "0.000"
    row["note"].comment = Comment("Ask the supplier", "ana")
    header = {cell.value: cell for cell in truth[1]}
    header["note"].fill = PatternFill("solid", fgColor=YELLOW)
    truth.column_dimensions[header["note"].column_letter].width = 41
    corrections = book[CORRECTIONS.name]
    corrections.append([row["doc_id"].value, "total", None, 12.5, "client", "why"])
    corrections["D2"].comment = Comment("Checked with the client", "client")
    corrections.column_dimensions["F"].width = 50
    own = book.create_sheet("my notes")
    own["A1"] = "to check"
    own["A1"].fill = PatternFill("solid", fgColor=YELLOW)
    own["B3"] = 3.5
    own["B3"].comment = Comment("mine", "ben")
    own.column_dimensions["A"].width = 25
    book.save(workbook)


def saved_by(saver: str, workbook: Path, folder: Path) -> None:
    """The workbook as ``saver`` saves it after a person's edit."""
    edit_as_people_do(workbook)
    if saver == "libreoffice":
        resaved = converted(workbook, "xlsx", folder)
        shutil.copy(resaved, workbook)


def comment_text(cell: Any) -> str:
    return "" if cell.comment is None else str(cell.comment.text).strip()


@pytest.mark.parametrize(
    "saver",
    [
        "openpyxl",
        pytest.param(
            "libreoffice",
            marks=pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed"),
        ),
    ],
)
def test_people_s_formatting_survives_two_runs(
    saver: str, samples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for failing in [*samples_copy.glob("bad-*"), *samples_copy.glob("scan-*")]:
        failing.unlink()  # a document that fails is read again by every run: never warm
    workbook = tmp_path / "book" / "contract.xlsx"
    run(samples_copy, workbook)
    saved_by(saver, workbook, tmp_path / "resaved")
    run(samples_copy, workbook)  # the full merge: a person saved the file
    assert reusable(workbook)
    copies: list[Path] = []
    monkeypatch.setattr(
        update, "save_reusing", lambda path, *rest: copies.append(path) or save_reusing(path, *rest)
    )
    run(samples_copy, workbook)  # the warm path: sheets copied as they are
    assert copies == [workbook]

    book = load_workbook(workbook)
    truth = book[GROUND_TRUTH.name]
    row = row_of(truth, *MARKED)
    assert row["suggested"].fill.fgColor.rgb == YELLOW
    assert row["verdict"].value == "wrong"
    assert row["verdict"].font.b and row["verdict"].font.color.rgb == RED
    assert row["note"].value == 1.5 and row["note"].number_format == "0.000"
    assert comment_text(row["note"]) == "Ask the supplier"
    header = {cell.value: cell for cell in truth[1]}
    assert header["note"].fill.fgColor.rgb == YELLOW
    assert truth.column_dimensions[header["note"].column_letter].width == pytest.approx(41, 0.02)
    plain = row_of(truth, MARKED[0], "subtotal")["suggested"]
    assert plain.fill.fgColor.rgb != YELLOW  # only the cell the person filled
    corrections = book[CORRECTIONS.name]
    assert corrections["D2"].value == 12.5
    assert comment_text(corrections["D2"]) == "Checked with the client"
    assert corrections.column_dimensions["F"].width == pytest.approx(50, 0.02)
    own = book["my notes"]
    assert own["A1"].value == "to check" and own["A1"].fill.fgColor.rgb == YELLOW
    assert own["B3"].value == 3.5 and comment_text(own["B3"]) == "mine"
    assert own.column_dimensions["A"].width == pytest.approx(25, 0.02)


def test_their_styles_keep_their_indexes_and_ours_are_added_once() -> None:
    theirs = BASE.replace(
        '<cellXfs count="1">',
        '<cellXfs count="3"><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="2" fontId="0" fillId="1" borderId="0" xfId="0"/>',
    ).encode()
    merged = stylesheet(theirs)
    before = etree.fromstring(theirs).find(f"{NS}cellXfs")
    after = etree.fromstring(merged.xml).find(f"{NS}cellXfs")
    assert before is not None and after is not None
    old = [etree.tostring(xf) for xf in before]
    assert [etree.tostring(xf) for xf in after][: len(old)] == old
    assert min(merged.ids.own - {0}) == len(old)  # ours come after theirs
    assert stylesheet(merged.xml) == merged  # a second run adds nothing


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_a_save_by_libreoffice_alone_gives_no_row_a_look(
    samples_copy: Path, tmp_path: Path
) -> None:
    """LibreOffice rewrites every cell format it saves (the links' blue, the README's
    wrapping): those are still nobody's formatting, so the rows stay lean for the merge."""
    workbook = tmp_path / "book" / "contract.xlsx"
    run(samples_copy, workbook)
    resaved = converted(workbook, "xlsx", tmp_path / "resaved")
    with zipfile.ZipFile(resaved) as book:
        assert book.read("xl/styles.xml") != stylesheet(None).xml  # rewritten indeed
    contract = load_contract(resaved)
    rows = contract.sheet(GROUND_TRUTH.name)
    assert rows and not [row for row in rows if LOOK in row]
    assert not contract.looks[GROUND_TRUTH.name].header


def test_a_person_s_fill_or_font_is_theirs_and_the_writer_s_formats_are_not() -> None:
    ours = stylesheet(None)
    count = len(etree.fromstring(ours.xml).find(f"{NS}cellXfs"))  # type: ignore[arg-type]
    theirs = (
        ours.xml.replace(
            b"</cellXfs>",
            b'<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0"/>'
            b'<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0"/></cellXfs>',
        )
        .replace(
            b"</fills>",
            b'<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill>'
            b"</fill></fills>",
        )
        .replace(b'<fills count="2">', b'<fills count="3">')
        .replace(f'<cellXfs count="{count}">'.encode(), f'<cellXfs count="{count + 2}">'.encode())
    )
    found = unstyled_formats(theirs)
    assert count not in found and count + 1 not in found  # the yellow fill, the bold font
    assert ours.ids.own <= found  # the default, and the writer's own
