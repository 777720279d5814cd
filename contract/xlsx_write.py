"""A small, fast .xlsx writer for the contract: tables, frozen headers, widths, dropdowns.

openpyxl (and XlsxWriter) spend 10-15 µs per cell; a batch workbook has 2 million
cells and a run writes it twice. This writer builds the sheet XML as text (about 0.5 µs
a cell: common types dispatched on their exact type, a repeated text's XML remembered)
and writes only what the contract needs: inline strings, numbers, booleans,
dates, a person's formulas, one Excel table per sheet, a frozen header row, column
widths, list dropdowns and very hidden sheets. Text is always a text cell, so a value
that starts with = + - @ can never become a formula.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from math import isfinite
from pathlib import Path
from typing import IO, Any, Literal

from contract.cells import Formula, clean_text, column_letter
from contract.zip_copy import copy_member

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAX_ROWS = 1_048_576
EPOCH = datetime(1899, 12, 30)
FLUSH_CHARS = 1 << 20  # long text held before a sheet's rows are written out
SPOOL_BYTES = 8 << 20  # a sheet's XML above this goes to a temp file, not memory
COPY_BYTES = 1 << 20
MEMO_TEXT, MEMO_SIZE = 100, 50_000  # texts up to this long have their XML remembered

FORKS = hasattr(os, "fork") and sys.platform != "darwin"  # as extract.parse decides

# cellXfs of styles.xml, by index
DATE_STYLE, DATETIME_STYLE, WRAP_STYLE, BOLD_WRAP_STYLE = 1, 2, 3, 4


@dataclass(frozen=True)
class Dropdown:
    """A list of allowed values for one column, below the header."""

    column: int  # 1-based
    options: tuple[str, ...]
    error: str


@dataclass
class SheetOut:
    """One sheet to write. With ``table`` the first row is the header of an Excel table."""

    name: str
    rows: Iterable[Sequence[Any]]
    header: list[str] | None = None
    widths: list[float] = field(default_factory=list)
    dropdowns: list[Dropdown] = field(default_factory=list)
    wrapped: bool = False  # wrap text (README)
    state: Literal["visible", "hidden", "veryHidden"] = "visible"
    copied: bool = False  # the same sheet, at the same place, copied from write_xlsx's copy_from
    apart: bool = False  # written by a forked process while this one writes the others


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", "&#10;")


def _serial(value: date | datetime) -> float:
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6
    return float((value - EPOCH.date()).days)


def _text_tail(value: str, wrapped: bool) -> str:
    """A text cell after its reference (from the reference's closing quote on); '' for
    text that is empty once cleaned, as the cell is then left out."""
    text = clean_text(value)
    if not text:
        return ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    style = f' s="{WRAP_STYLE}"' if wrapped else ""
    return f'"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _cell(ref: str, value: Any, wrapped: bool = False) -> str:
    """One <c> element; '' for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        formula = clean_text(value[1:] if value.startswith("=") else value)
        return f'<c r="{ref}"><f>{_escape(formula)}</f></c>'
    if isinstance(value, str):
        tail = _text_tail(value, wrapped)
        return f'<c r="{ref}{tail}' if tail else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        number = float(value) if isinstance(value, Decimal) else value
        if isinstance(number, float) and not isfinite(number):
            return _cell(ref, str(number))
        return (
            f'<c r="{ref}"><v>{number!r}</v></c>'
            if isinstance(number, float)
            else (f'<c r="{ref}"><v>{number}</v></c>')
        )
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, time):
        return _cell(ref, value.isoformat())
    return _cell(ref, str(value))


def _add_row(
    parts: list[str],
    row: str,
    values: Sequence[Any],
    letters: list[str],
    wrapped: bool,
    texts: dict[str, str],
) -> int:
    """Add one <row> to ``parts`` (nothing for a row without a cell): :func:`_cell` for
    each value, with the common types (exact str, int, float, Decimal, bool) done here,
    and each short text's XML remembered in ``texts`` (doc ids, files, fields repeat).
    Returns the characters of its long texts, so the caller can flush in time."""
    start, long = len(parts), 0
    add, remembered = parts.append, texts.get
    add(f'<row r="{row}">')
    for letter, value in zip(letters, values, strict=False):
        kind = type(value)
        if kind is str:
            tail = remembered(value)
            if tail is None:
                tail = _text_tail(value, wrapped)
                if len(value) <= MEMO_TEXT:
                    if len(texts) >= MEMO_SIZE:
                        texts.clear()
                    texts[value] = tail
                else:
                    long += len(tail)
            if tail:
                add(f'<c r="{letter}{row}{tail}')
        elif value is None:
            continue
        elif kind is int:
            add(f'<c r="{letter}{row}"><v>{value}</v></c>')
        elif kind is float and isfinite(value):
            add(f'<c r="{letter}{row}"><v>{value!r}</v></c>')
        elif kind is Decimal and isfinite(number := float(value)):
            add(f'<c r="{letter}{row}"><v>{number!r}</v></c>')
        elif kind is bool:
            add(f'<c r="{letter}{row}" t="b"><v>{1 if value else 0}</v></c>')
        else:
            cell = _cell(letter + row, value, wrapped)
            if cell:
                add(cell)
    if len(parts) == start + 1:
        parts.pop()
    else:
        add("</row>")
    return long


def _header_cell(ref: str, name: str, wrapped: bool) -> str:
    style = f' s="{BOLD_WRAP_STYLE}"' if wrapped else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_escape(name)}</t></is></c>'


def _sheet_top(sheet: SheetOut, rows: int, width: int, selected: bool) -> str:
    parts = [HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">']
    parts.append(f'<dimension ref="A1:{column_letter(max(width, 1))}{max(rows, 1)}"/>')
    tab = ' tabSelected="1"' if selected else ""
    if sheet.header is not None:
        parts.append(
            f'<sheetViews><sheetView workbookViewId="0"{tab}><pane ySplit="1" topLeftCell="A2"'
            ' activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"'
            ' activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        )
    else:
        parts.append(f'<sheetViews><sheetView workbookViewId="0"{tab}/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
            for i, w in enumerate(sheet.widths, start=1)
        )
        parts.append(f"<cols>{cols}</cols>")
    return "".join(parts)


def _sheet_tail(sheet: SheetOut, has_table: bool) -> str:
    parts: list[str] = []
    if sheet.dropdowns:
        parts.append(f'<dataValidations count="{len(sheet.dropdowns)}">')
        for dropdown in sheet.dropdowns:
            letter = column_letter(dropdown.column)
            options = _escape('"' + ",".join(dropdown.options) + '"')
            parts.append(
                f'<dataValidation type="list" allowBlank="1" showInputMessage="1"'
                f' showErrorMessage="1" errorTitle="{_attr(sheet.name)}"'
                f' error="{_attr(dropdown.error)}" sqref="{letter}2:{letter}{MAX_ROWS}">'
                f"<formula1>{options}</formula1></dataValidation>"
            )
        parts.append("</dataValidations>")
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if has_table:
        parts.append('<tableParts count="1"><tablePart r:id="rId1"/></tableParts>')
    parts.append("</worksheet>")
    return "".join(parts)


def _write_sheet(out: IO[bytes], sheet: SheetOut, selected: bool) -> int:
    """Stream the worksheet XML; returns the number of rows written (header included).

    Rows are written as they come, into a spooled temp file (memory for a small sheet,
    disk for a large one), because the sheet's size heads the XML and is known only at
    the end; then the head, the rows and the tail go to ``out``."""
    letters: list[str] = []
    width = len(sheet.header or ())
    rows = 0
    wrapped = sheet.wrapped
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
        chunk: list[str] = []
        if sheet.header is not None:
            letters += [column_letter(i) for i in range(1, width + 1)]
            cells = "".join(
                _header_cell(f"{letters[i]}1", name, wrapped) for i, name in enumerate(sheet.header)
            )
            chunk.append(f'<row r="1">{cells}</row>')
            rows = 1
        texts: dict[str, str] = {}
        held = 0  # characters of long texts in ``chunk``: a sheet of long cells flushes sooner
        for values in sheet.rows:
            rows += 1
            if len(values) > len(letters):
                letters += [column_letter(i) for i in range(len(letters) + 1, len(values) + 1)]
            if len(values) > width:
                width = len(values)
            held += _add_row(chunk, str(rows), values, letters, wrapped, texts)
            if len(chunk) >= 20_000 or held > FLUSH_CHARS:
                body.write("".join(chunk).encode("utf-8"))
                chunk.clear()
                held = 0
        body.write("".join(chunk).encode("utf-8"))
        out.write(_sheet_top(sheet, rows, width, selected).encode("utf-8"))
        out.write(b"<sheetData>")
        body.seek(0)
        shutil.copyfileobj(body, out, COPY_BYTES)
    out.write(b"</sheetData>")
    out.write(_sheet_tail(sheet, sheet.header is not None).encode("utf-8"))
    return rows


def _table_xml(table_id: int, sheet: SheetOut, rows: int) -> bytes:
    assert sheet.header is not None
    ref = f"A1:{column_letter(len(sheet.header))}{max(rows, 2)}"
    columns = "".join(
        f'<tableColumn id="{i}" name="{_attr(name)}"/>'
        for i, name in enumerate(sheet.header, start=1)
    )
    return (
        f'{HEAD}<table xmlns="{MAIN}" id="{table_id}" name="{_attr(sheet.name)}"'
        f' displayName="{_attr(sheet.name)}" ref="{ref}" totalsRowShown="0">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(sheet.header)}">{columns}'
        '</tableColumns><tableStyleInfo name="TableStyleMedium2" showFirstColumn="0"'
        ' showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


STYLES = (
    f'{HEAD}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2"'
    ' defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
)

SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(sheets: list[SheetOut]) -> str:
    types = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>',
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>',
    ]
    tables = 0
    for number, sheet in enumerate(sheets, start=1):
        types.append(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SHEET_TYPE}"/>'
        )
        if sheet.header is not None:
            tables += 1
            types.append(
                f'<Override PartName="/xl/tables/table{tables}.xml" ContentType="{TABLE_TYPE}"/>'
            )
    return (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f"{''.join(types)}</Types>"
    )


def _put_sheet(
    book: zipfile.ZipFile,
    source: zipfile.ZipFile | None,
    number: int,
    sheet: SheetOut,
    table: int | None,
) -> None:
    """The sheet's XML and, for a table, its table part and the link between them."""
    part = f"xl/worksheets/sheet{number}.xml"
    link = f"xl/worksheets/_rels/sheet{number}.xml.rels"
    if sheet.copied:
        if source is None:
            raise ValueError(f"sheet {sheet.name} is to be copied, but from no file")
        for name in [part] if table is None else [part, f"xl/tables/table{table}.xml", link]:
            copy_member(source, book, name)
        return
    with book.open(part, "w", force_zip64=True) as out:
        rows = _write_sheet(out, sheet, selected=number == 1)
    if table is not None:
        book.writestr(f"xl/tables/table{table}.xml", _table_xml(table, sheet, rows))
        book.writestr(
            link,
            f'{HEAD}<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1"'
            f' Type="{OFFICE_REL}/table" Target="../tables/table{table}.xml"/></Relationships>',
        )


@dataclass(frozen=True)
class _Apart:
    """A sheet being written by a forked process into a zip file of its own."""

    pid: int
    part: Path
    number: int
    table: int | None


def _start_apart(path: Path, number: int, sheet: SheetOut, table: int | None) -> _Apart:
    """Fork a process that writes the sheet (its XML, table and link) into ``path``.sheetN.

    A big sheet costs seconds of one core; the machine has more. The sheet's rows must not
    have been started in this process: the child starts them (and so must read from
    connections of its own)."""
    part = path.with_name(f"{path.name}.sheet{number}")
    pid = os.fork()
    if pid == 0:  # the child: write, then leave without running the parent's cleanups
        code = 1
        try:
            with zipfile.ZipFile(
                part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
            ) as own:
                _put_sheet(own, None, number, sheet, table)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return _Apart(pid, part, number, table)


def _finish_apart(book: zipfile.ZipFile, apart: _Apart, sheet: SheetOut) -> None:
    """Copy what the child wrote; if it failed, write the sheet here (its rows are unread)."""
    _, status = os.waitpid(apart.pid, 0)
    try:
        if os.waitstatus_to_exitcode(status) == 0:
            with zipfile.ZipFile(apart.part) as own:
                for name in own.namelist():
                    copy_member(own, book, name)
            return
        _put_sheet(book, None, apart.number, sheet, apart.table)
    finally:
        apart.part.unlink(missing_ok=True)


def _written_apart(sheet: SheetOut) -> bool:
    return sheet.apart and FORKS and not sheet.copied


def write_xlsx(path: Path, sheets: list[SheetOut], copy_from: Path | None = None) -> None:
    """Write the sheets, in order, as one .xlsx file at ``path`` (the caller makes it atomic).

    A ``copied`` sheet is taken as it is from ``copy_from``, a file this function wrote with
    the same sheets in the same places (see contract.reuse)."""
    entries: list[str] = []
    relations: list[str] = []
    placed: list[tuple[int, SheetOut, int | None]] = []  # (sheet number, sheet, table number)
    tables = 0
    for number, sheet in enumerate(sheets, start=1):
        tables += sheet.header is not None
        placed.append((number, sheet, tables if sheet.header is not None else None))
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book,
        zipfile.ZipFile(copy_from) if copy_from else nullcontext() as source,
    ):
        book.writestr("[Content_Types].xml", _content_types(sheets))
        book.writestr(
            "_rels/.rels",
            f'{HEAD}<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1"'
            f' Type="{OFFICE_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        aparts = [  # started first, so that they run while this process writes the rest
            (_start_apart(path, number, sheet, table), sheet)
            for number, sheet, table in placed
            if _written_apart(sheet)
        ]
        for number, sheet, table in placed:
            if not _written_apart(sheet):
                _put_sheet(book, source, number, sheet, table)
            state = "" if sheet.state == "visible" else f' state="{sheet.state}"'
            entries.append(
                f'<sheet name="{_attr(sheet.name)}" sheetId="{number}"{state} r:id="rId{number}"/>'
            )
            relations.append(
                f'<Relationship Id="rId{number}" Type="{OFFICE_REL}/worksheet"'
                f' Target="worksheets/sheet{number}.xml"/>'
            )
        relations.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{OFFICE_REL}/styles"'
            ' Target="styles.xml"/>'
        )
        for apart, sheet in aparts:
            _finish_apart(book, apart, sheet)
        book.writestr("xl/styles.xml", STYLES)
        book.writestr(
            "xl/workbook.xml",
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{''.join(entries)}</sheets></workbook>",
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="{PKG_REL}">{"".join(relations)}</Relationships>',
        )
