"""A small, fast .xlsx reader: every sheet's cells as Python values, whoever saved the file.

openpyxl's read-only mode spends about 30 µs a cell (and scans a sheet twice when the
file gives no size); this reader streams each sheet's XML with lxml and keeps only
values. It reads what Excel, LibreOffice and openpyxl write: shared and inline strings,
numbers, booleans, errors, dates (by their number format, 1900 and 1904 calendars),
and formulas, which come back as :class:`Formula` so that they are written back as typed.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from contract.cells import Formula

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROW, CELL, VALUE, FORMULA = f"{NS}row", f"{NS}c", f"{NS}v", f"{NS}f"
SHEET_DATA = f"{NS}sheetData"
TEXT, RUN_TEXT, PHONETIC = f"{NS}t", f"{NS}r", f"{NS}rPh"


@dataclass(frozen=True)
class SheetIn:
    """A sheet as found: its name, its visibility and where its XML lives."""

    name: str
    state: str
    part: str


def _column_index(letters: str) -> int:
    """'AB' -> 27 (0-based)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _text(element: Any) -> str:
    """The text of a shared or inline string, rich runs joined, phonetic hints left out."""
    direct = element.find(TEXT)
    if direct is not None:
        return str(direct.text or "")
    return "".join(str(run.findtext(TEXT) or "") for run in element.iterchildren(RUN_TEXT))


class XlsxReader:
    """Open once, then read sheets by name; a broken part raises (the caller refuses)."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        names = set(self.zip.namelist())
        workbook = etree.fromstring(self.zip.read("xl/workbook.xml"))
        rels_part = "xl/_rels/workbook.xml.rels"
        targets = {
            rel.get("Id"): rel.get("Target", "")
            for rel in etree.fromstring(self.zip.read(rels_part)).iter(f"{PKG_NS}Relationship")
        }
        self.sheets: list[SheetIn] = []
        for sheet in workbook.iter(f"{NS}sheet"):
            target = targets[sheet.get(f"{REL_NS}id")]
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            self.sheets.append(
                SheetIn(str(sheet.get("name")), sheet.get("state") or "visible", part)
            )
        properties = workbook.find(f"{NS}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.strings = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()

    def close(self) -> None:
        self.zip.close()

    @property
    def sheetnames(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]

    def _shared_strings(self) -> list[str]:
        with self.zip.open("xl/sharedStrings.xml") as stream:
            strings = []
            for _, element in etree.iterparse(stream, tag=f"{NS}si"):
                strings.append(_text(element))
                element.clear()
            return strings

    def _date_styles(self) -> set[int]:
        styles = etree.fromstring(self.zip.read("xl/styles.xml"))
        custom = {
            int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
            for fmt in styles.iter(f"{NS}numFmt")
        }
        dates: set[int] = set()
        cell_xfs = styles.find(f"{NS}cellXfs")
        for index, xf in enumerate(() if cell_xfs is None else cell_xfs.iterchildren(f"{NS}xf")):
            number = int(xf.get("numFmtId", "0"))
            code = custom.get(number) or BUILTIN_FORMATS.get(number, "General")
            if is_date_format(code):
                dates.add(index)
        return dates

    def rows(self, name: str) -> Iterator[list[Any]]:
        """The sheet's rows from row 1, gaps kept as empty rows, each as a list of values.

        One pass of end events (a cell's own elements end before the cell does), so no
        per-cell searching; the standard library's expat parser is the fastest here."""
        part = next(sheet.part for sheet in self.sheets if sheet.name == name)
        expected = 1
        values: list[Any] = []
        texts: list[str] = []
        value: str | None = None
        formula: str | None = None
        shared_index: str | None = None  # the si of a cell's shared (filled-down) formula
        shared: dict[str, tuple[str, str]] = {}  # si -> (the first cell's formula, its ref)
        columns: dict[str, int] = {}
        sheet_data: ElementTree.Element | None = None  # emptied row by row: memory stays flat
        with self.zip.open(part) as stream:
            for event, element in ElementTree.iterparse(stream, ("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == SHEET_DATA:
                        sheet_data = element
                    continue
                if tag == VALUE:
                    value = element.text
                elif tag == TEXT:
                    texts.append(element.text or "")
                elif tag == CELL:
                    ref = element.get("r")
                    if shared_index is not None and ref:
                        formula = _shared_formula(shared, shared_index, formula, ref)
                        shared_index = None
                    if ref:
                        letters = ref.rstrip("0123456789")
                        index = columns.get(letters)
                        if index is None:
                            index = columns[letters] = _column_index(letters)
                        if index > len(values):
                            values.extend([None] * (index - len(values)))
                    values.append(
                        self._value(element.get("t"), element.get("s"), value, texts, formula)
                    )
                    value = formula = None
                    texts = []
                elif tag == ROW:
                    number = int(element.get("r") or expected)
                    while expected < number:
                        yield []
                        expected += 1
                    yield values
                    values = []
                    expected += 1
                    element.clear()
                    if sheet_data is not None:
                        sheet_data.clear()
                elif tag == FORMULA:
                    formula = element.text
                    if element.get("t") == "shared":
                        shared_index = element.get("si")
                elif tag == PHONETIC:  # a reading aid (furigana), not part of the text
                    del texts[len(texts) - sum(1 for _ in element.iter(TEXT)) :]

    def _value(
        self,
        kind: str | None,
        style: str | None,
        text: str | None,
        texts: list[str],
        formula: str | None,
    ) -> Any:
        if formula:
            return Formula("=" + formula)
        if kind == "inlineStr":
            return "".join(texts)
        if text is None:
            return None
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(text.rstrip("Z"))
        number: int | float = int(text) if text.lstrip("-").isdigit() else float(text)
        if style is not None and int(style) in self.date_styles:
            return from_excel(number, self.epoch)
        return number


def _shared_formula(
    shared: dict[str, tuple[str, str]], index: str, formula: str | None, ref: str
) -> str | None:
    """Excel stores a filled-down formula once, in its first cell; the others name it by
    ``si``. Each cell gets its own formula back, shifted as Excel shifts it."""
    if formula:
        shared[index] = (formula, ref)
        return formula
    if index not in shared:
        return None
    first, origin = shared[index]
    return str(Translator(f"={first}", origin=origin).translate_formula(ref))[1:]
