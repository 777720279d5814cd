"""A warm re-run copies the sheets it did not change, and only when that is safe.

The copy must be exactly what the full merge would have written, the file must stay a
valid .xlsx, and anything a person did to the workbook in between must send the run
through the full merge, so that nothing they typed is lost.
"""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from contract import update
from contract.reuse import SavedWorkbook, save_reusing, unchanged_since
from contract.sheets import DOCUMENTS, GROUND_TRUTH, RUNS
from contract.zip_copy import copy_member
from extract.run import RunOptions, execute
from extract.store import Store


def run(folder: Path, workbook: Path) -> None:
    execute(RunOptions(folder=folder, workbook=workbook, backend="rules"))


def saved(workbook: Path) -> SavedWorkbook | None:
    store = Store.beside(workbook)
    try:
        return SavedWorkbook.from_json(store.workbook_save(workbook))
    finally:
        store.close()


def run_content(workbook: Path) -> str:
    store = Store.beside(workbook)
    try:
        run_id = store.latest_run_id()
        assert run_id is not None
        return store.run_content(run_id)
    finally:
        store.close()


def forget_saves(workbook: Path) -> None:
    with sqlite3.connect(workbook.with_suffix(".db")) as db:
        db.execute("DELETE FROM workbook_saves")


def cells(workbook: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cells as openpyxl reads them, without what names the run."""
    book = load_workbook(workbook)
    found = {}
    for sheet in book.worksheets:
        if sheet.title == RUNS.name:
            continue
        rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
        if sheet.title == DOCUMENTS.name:
            last_run = rows[0].index("last_run")
            rows = [row[:last_run] + row[last_run + 1 :] for row in rows]
        found[sheet.title] = rows
    return found


@pytest.fixture
def warm(
    samples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    """A workbook after a cold run and a warm one, and a copy of it the warm run would have
    made through the full merge."""
    for scan in samples_copy.glob("scan-*"):
        scan.unlink()  # OCR is slow; the failing PDFs stay: a warm run copies sheets anyway
    workbook = tmp_path / "book" / "contract.xlsx"
    run(samples_copy, workbook)
    full = tmp_path / "full" / "contract.xlsx"
    full.parent.mkdir()
    shutil.copy(workbook, full)
    shutil.copy(workbook.with_suffix(".db"), full.with_suffix(".db"))
    assert unchanged_since(workbook, saved(workbook), run_content(workbook))
    copied: list[Path] = []
    monkeypatch.setattr(
        update, "save_reusing", lambda path, *rest: copied.append(path) or save_reusing(path, *rest)
    )
    run(samples_copy, workbook)  # copies the unchanged sheets
    assert copied == [workbook]
    forget_saves(full)
    run(samples_copy, full)  # the full merge, for the same run
    assert copied == [workbook]
    return workbook, full, samples_copy


def test_a_warm_run_writes_what_the_full_merge_writes(warm: tuple[Path, Path, Path]) -> None:
    reused, full, _ = warm
    assert cells(reused) == cells(full)
    with zipfile.ZipFile(reused) as book:
        assert book.testzip() is None  # every copied member's CRC checks
    runs = load_workbook(reused)[RUNS.name]
    assert runs.max_row == 3  # header, the cold run, the warm run: the runs sheet is new


def test_a_workbook_a_person_saved_takes_the_full_merge(warm: tuple[Path, Path, Path]) -> None:
    workbook, _, folder = warm
    book = load_workbook(workbook)
    sheet = book[GROUND_TRUTH.name]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("verdict") + 1, value="wrong")
    sheet.cell(row=2, column=header.index("expected") + 1, value="INV-TYPED")
    book.save(workbook)
    assert not unchanged_since(workbook, saved(workbook), run_content(workbook))
    run(folder, workbook)
    sheet = load_workbook(workbook)[GROUND_TRUTH.name]
    typed = [row for row in sheet.iter_rows(values_only=True) if "INV-TYPED" in row]
    assert len(typed) == 1 and "wrong" in typed[0]
    assert unchanged_since(workbook, saved(workbook), run_content(workbook))  # fast again


def test_other_values_or_other_code_take_the_full_merge(warm: tuple[Path, Path, Path]) -> None:
    workbook, _, _ = warm
    record = saved(workbook)
    content = run_content(workbook)
    assert unchanged_since(workbook, record, content)
    assert not unchanged_since(workbook, record, content[::-1])
    assert record is not None
    other_code = SavedWorkbook(**{**record.as_json(), "writer": "other"})
    assert not unchanged_since(workbook, SavedWorkbook.from_json(other_code.as_json()), content)
    assert SavedWorkbook.from_json({"size": 1}) is None  # a record from another version


def test_copied_members_keep_their_bytes(tmp_path: Path) -> None:
    source, target = tmp_path / "a.zip", tmp_path / "b.zip"
    big = bytes(range(256)) * 40_000
    with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("small.txt", "hello")
        with archive.open("big.bin", "w", force_zip64=True) as out:
            out.write(big)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        new.writestr("first.txt", "written before the copies")
        copy_member(old, new, "big.bin")
        copy_member(old, new, "small.txt")
        new.writestr("last.txt", "and after")
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.read("big.bin") == big and archive.read("small.txt") == b"hello"
        assert archive.namelist() == ["first.txt", "big.bin", "small.txt", "last.txt"]
