"""Saving the workbook again without rewriting what did not change.

A warm re-run (the same PDFs, every answer from the cache) changes two small sheets,
documents and runs; rewriting the two million unchanged cells of the others took seconds.
When the file is byte for byte the one the last run saved, and this run's values are that
run's, every other sheet is copied from the old file as it is, compressed bytes and all.
Anything else (a person's edit, a changed value, another version of pdf-extract) takes the
full merge of contract.update.
"""

from __future__ import annotations

import functools
import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from contract.safety import file_stamp, save_atomically
from contract.sheets import DOCUMENTS, RUNS, SHEET_BY_NAME
from contract.workbook import Row, sheet_out
from contract.xlsx_write import SheetOut, write_xlsx

REWRITTEN = (DOCUMENTS.name, RUNS.name)  # what a run changes even when its values do not
STYLES_PART = "xl/styles.xml"


@dataclass(frozen=True)
class SavedSheet:
    name: str
    state: Literal["visible", "hidden", "veryHidden"]
    header: list[str] | None  # a table's columns as written; None for a plain sheet
    notes: bool = False  # it has a comments part (copied with it)


@dataclass(frozen=True)
class SavedWorkbook:
    """What a run wrote into a workbook: enough to tell, next time, that nothing changed."""

    size: int
    sha256: str
    content: str  # the run's values (see Store.run_content)
    writer: str  # the code that wrote them (writer_version)
    sheets: tuple[SavedSheet, ...]
    reusable: bool  # False when a person added columns to a sheet a run rewrites
    shown: str = ""  # what the sheets show besides the values: colours' threshold, links

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SavedWorkbook | None:
        """None for nothing saved, or for a record this version cannot read."""
        if not data:
            return None
        try:
            sheets = tuple(SavedSheet(**sheet) for sheet in data["sheets"])
            return cls(**{**data, "sheets": sheets})
        except (KeyError, TypeError):
            return None


@functools.cache
def writer_version() -> str:
    """A digest of this package's code: a sheet written by other code is never reused."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def saved_workbook(
    path: Path, sheets: Iterable[SheetOut], content: str, reusable: bool, shown: str = ""
) -> SavedWorkbook:
    """The record of a save just made at ``path``."""
    return SavedWorkbook(
        size=path.stat().st_size,
        sha256=file_sha256(path),
        content=content,
        writer=writer_version(),
        sheets=tuple(SavedSheet(s.name, s.state, s.header, s.notes) for s in sheets),
        reusable=reusable,
        shown=shown,
    )


def unchanged_since(
    path: Path, saved: SavedWorkbook | None, content: str, shown: str | None = None
) -> bool:
    """The file is the one ``saved`` describes, and the run's values are the ones it holds
    (shown as it shows them, unless ``shown`` is None)."""
    if saved is None or not (saved.reusable and content):
        return False
    if (saved.content, saved.writer) != (content, writer_version()):
        return False
    if shown is not None and shown != saved.shown:
        return False
    exists, _, size = file_stamp(path)
    return exists and size == saved.size and file_sha256(path) == saved.sha256


def save_reusing(
    path: Path, saved: SavedWorkbook, documents: list[Row], runs: list[Row]
) -> SavedWorkbook:
    """Rewrite documents and runs; copy every other sheet (and the stylesheet its cells
    point into) from the file as it is."""
    fresh = {DOCUMENTS.name: documents, RUNS.name: runs}
    sheets = [
        SheetOut(name=s.name, rows=(), header=s.header, state=s.state, copied=True, notes=s.notes)
        if s.name not in fresh or s.header is None
        else sheet_out(SHEET_BY_NAME[s.name], s.header, fresh[s.name])
        for s in saved.sheets
    ]
    loaded = file_stamp(path)
    with zipfile.ZipFile(path) as book:
        styles = book.read(STYLES_PART) if STYLES_PART in book.namelist() else None
    save_atomically(
        path, lambda temp: write_xlsx(temp, sheets, copy_from=path, styles=styles), loaded
    )
    return saved_workbook(path, sheets, saved.content, reusable=True, shown=saved.shown)
