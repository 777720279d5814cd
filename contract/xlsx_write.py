"""A small, fast .xlsx writer for the contract: tables, frozen headers, widths, dropdowns.

openpyxl (and XlsxWriter) spend 10-15 µs per cell; a batch workbook has 2 million
cells and a run writes it twice. This writer builds the sheet XML as text (about 0.5 µs
a cell: common types dispatched on their exact type, a repeated text's XML remembered)
and writes only what the contract needs: inline strings, numbers, booleans,
dates, a person's formulas, links, one Excel table per sheet, a frozen header row, column
widths, list dropdowns, colour bands (conditional formats) and very hidden sheets. Text is
always a text cell, so a value that starts with = + - @ can never become a formula.

What a person gave a cell of their own (a fill, a font, a number format, a comment; see
:class:`contract.cells.Formatted`) and their columns' widths are written back as found,
with the workbook's stylesheet carried over (contract.xlsx_styles).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from math import isfinite
from pathlib import Path
from typing import IO, Any, Literal

from contract.cells import (
    Formatted,
    Formula,
    Link,
    Note,
    clean_text,
    column_letter,
    formula_text,
)
from contract.xlsx_styles import Fill, StyleIds, stylesheet
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
VML = "urn:schemas-microsoft-com:vml"
NOTE_BLOCK = 100  # VML shape id blocks (of 1024) a sheet's comments may use


@dataclass(frozen=True)
class Dropdown:
    """A list of allowed values for one column, below the header."""

    column: int  # 1-based
    options: tuple[str, ...]
    error: str


@dataclass(frozen=True)
class Band:
    """Cells of a column whose number is in [low, high) get ``fill``; blank cells none."""

    fill: Fill
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Shading:
    """Colour bands for one column below the header (a conditional format)."""

    column: int  # 1-based
    bands: tuple[Band, ...]


Columns = list[tuple[int, int, dict[str, str]]]  # <col> ranges: (min, max, attributes)


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
    # with apart: its rows need nothing write_xlsx's ``prepare`` makes, so it is forked
    # before that runs (and is written while it runs)
    early: bool = False
    columns: Columns = field(default_factory=list)  # a person's columns: win over ``widths``
    header_looks: dict[int, Formatted] = field(default_factory=dict)  # by 0-based column
    shading: list[Shading] = field(default_factory=list)
    notes: bool = False  # a cell may carry a comment: the sheet gets a comments part
    printed_wide: bool = False  # printed landscape, every column on one page's width


@dataclass
class _Cells:
    """How one sheet's cells are written: the stylesheet's indexes, the XML of texts and
    links already seen (doc ids, files and pages repeat), the comments found so far."""

    ids: StyleIds
    wrapped: bool = False
    texts: dict[str, str] = field(default_factory=dict)
    links: dict[Link, str] = field(default_factory=dict)
    notes: list[tuple[str, Note]] = field(default_factory=list)

    @property
    def text_style(self) -> str:
        return _style(self.ids.wrap) if self.wrapped else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", "&#10;")


def _serial(value: date | datetime) -> float:
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6
    return float((value - EPOCH.date()).days)


def _text_tail(value: str, style: str) -> str:
    """A text cell after its reference (from the reference's closing quote on); '' for
    text that is empty once cleaned, as the cell is then left out. ``style`` is the
    cell's s attribute, or ''."""
    text = clean_text(value)
    if not text:
        return ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _style(index: int) -> str:
    return f' s="{index}"'


def _link_tail(link: Link, style: str) -> str:
    """A link cell after its reference: a HYPERLINK formula and, as its result, the text."""
    formula = f"HYPERLINK({formula_text(link.target)},{formula_text(link.text)})"
    return f'"{style} t="str"><f>{_escape(formula)}</f><v>{_escape(clean_text(link.text))}</v></c>'


def _cell(ref: str, value: Any, cells: _Cells, style: int | None = None) -> str:
    """One <c> element; '' for an empty cell. ``style`` (a person's cell format) wins over
    the writer's own; a comment of a Formatted value is the caller's to collect."""
    if isinstance(value, Formatted):
        return _cell(ref, value.value, cells, value.style)
    own = "" if style is None else _style(style)
    if value is None:
        return f'<c r="{ref}"{own}/>' if own else ""
    if isinstance(value, Formula):
        formula = clean_text(value[1:] if value.startswith("=") else value)
        return f'<c r="{ref}"{own}><f>{_escape(formula)}</f></c>'
    if isinstance(value, Link):
        return f'<c r="{ref}{_link_tail(value, own or _style(cells.ids.link))}'
    if isinstance(value, str):
        tail = _text_tail(value, own or cells.text_style)
        return f'<c r="{ref}{tail}' if tail else (f'<c r="{ref}"{own}/>' if own else "")
    if isinstance(value, bool):
        return f'<c r="{ref}"{own} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        number = float(value) if isinstance(value, Decimal) else value
        if isinstance(number, float) and not isfinite(number):
            return _cell(ref, str(number), cells, style)
        return (
            f'<c r="{ref}"{own}><v>{number!r}</v></c>'
            if isinstance(number, float)
            else (f'<c r="{ref}"{own}><v>{number}</v></c>')
        )
    if isinstance(value, datetime):
        own = own or _style(cells.ids.datetime)
        return f'<c r="{ref}"{own}><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        own = own or _style(cells.ids.date)
        return f'<c r="{ref}"{own}><v>{_serial(value)!r}</v></c>'
    if isinstance(value, time):
        return _cell(ref, value.isoformat(), cells, style)
    return _cell(ref, str(value), cells, style)


def _add_row(
    parts: list[str], row: str, values: Sequence[Any], letters: list[str], cells: _Cells
) -> int:
    """Add one <row> to ``parts`` (nothing for a row without a cell): :func:`_cell` for
    each value, with the common types (exact str, int, float, Decimal, bool, Link) done
    here, and each short text's and link's XML remembered (doc ids, files, fields repeat).
    Returns the characters of its long texts, so the caller can flush in time."""
    start, long = len(parts), 0
    texts = cells.texts
    add, remembered = parts.append, texts.get
    add(f'<row r="{row}">')
    for letter, value in zip(letters, values, strict=False):
        kind = type(value)
        if kind is str:
            tail = remembered(value)
            if tail is None:
                tail = _text_tail(value, cells.text_style)
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
        elif kind is Link:
            tail = cells.links.get(value)
            if tail is None:
                if len(cells.links) >= MEMO_SIZE:
                    cells.links.clear()
                tail = cells.links[value] = _link_tail(value, _style(cells.ids.link))
            add(f'<c r="{letter}{row}{tail}')
        else:
            if kind is Formatted and value.note is not None:
                cells.notes.append((letter + row, value.note))
            cell = _cell(letter + row, value, cells)
            if cell:
                add(cell)
    if len(parts) == start + 1:
        parts.pop()
    else:
        add("</row>")
    return long


def _header_cell(ref: str, name: str, cells: _Cells, look: Formatted | None) -> str:
    if look is not None and look.note is not None:
        cells.notes.append((ref, look.note))
    if look is not None and look.style is not None:
        style = f' s="{look.style}"'
    else:
        style = f' s="{cells.ids.bold_wrap}"' if cells.wrapped else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_escape(name)}</t></is></c>'


def _columns_xml(sheet: SheetOut, width: int) -> str:
    """<cols>: a person's columns as found, the writer's widths for the others."""
    ranges = sorted(sheet.columns)
    taken = {i for low, high, _ in ranges for i in range(low, min(high, width) + 1)}
    ranges += [
        (i, i, {"width": f"{w:g}", "customWidth": "1"})
        for i, w in enumerate(sheet.widths, start=1)
        if i not in taken
    ]
    cols = "".join(
        f'<col min="{low}" max="{high}"'
        + "".join(f' {name}="{_attr(value)}"' for name, value in attributes.items())
        + "/>"
        for low, high, attributes in sorted(ranges, key=lambda found: found[0])
    )
    return f"<cols>{cols}</cols>" if cols else ""


def _sheet_top(sheet: SheetOut, rows: int, width: int, selected: bool) -> str:
    parts = [HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">']
    if sheet.printed_wide:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
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
    parts.append(_columns_xml(sheet, width))
    return "".join(parts)


def _band_formula(cell: str, band: Band) -> str:
    tests = [f"ISNUMBER({cell})"]
    if band.low is not None:
        tests.append(f"{cell}>={band.low:g}")
    if band.high is not None:
        tests.append(f"{cell}<{band.high:g}")
    return f"AND({','.join(tests)})"


def _shading_xml(sheet: SheetOut, rows: int, ids: StyleIds) -> str:
    """One conditional format per shaded column, over the rows written."""
    parts: list[str] = []
    priority = 0
    for shading in sheet.shading:
        letter = column_letter(shading.column)
        parts.append(f'<conditionalFormatting sqref="{letter}2:{letter}{max(rows, 2)}">')
        for band in shading.bands:
            priority += 1
            formula = _escape(_band_formula(f"{letter}2", band))
            parts.append(
                f'<cfRule type="expression" dxfId="{ids.fill(band.fill)}" priority="{priority}">'
                f"<formula>{formula}</formula></cfRule>"
            )
        parts.append("</conditionalFormatting>")
    return "".join(parts)


def _sheet_tail(sheet: SheetOut, rows: int, ids: StyleIds) -> str:
    parts: list[str] = [_shading_xml(sheet, rows, ids)]
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
    if sheet.printed_wide:
        parts.append('<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    if sheet.notes:
        parts.append(f'<legacyDrawing r:id="{VML_LINK}"/>')
    if sheet.header is not None:
        parts.append(f'<tableParts count="1"><tablePart r:id="{TABLE_LINK}"/></tableParts>')
    parts.append("</worksheet>")
    return "".join(parts)


def _write_sheet(out: IO[bytes], sheet: SheetOut, selected: bool, cells: _Cells) -> int:
    """Stream the worksheet XML; returns the number of rows written (header included).
    The comments of its cells are left in ``cells.notes``.

    Rows are written as they come, into a spooled temp file (memory for a small sheet,
    disk for a large one), because the sheet's size heads the XML and is known only at
    the end; then the head, the rows and the tail go to ``out``."""
    letters: list[str] = []
    width = len(sheet.header or ())
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
        chunk: list[str] = []
        if sheet.header is not None:
            letters += [column_letter(i) for i in range(1, width + 1)]
            looks = sheet.header_looks
            header = "".join(
                _header_cell(f"{letters[i]}1", name, cells, looks.get(i))
                for i, name in enumerate(sheet.header)
            )
            chunk.append(f'<row r="1">{header}</row>')
            rows = 1
        held = 0  # characters of long texts in ``chunk``: a sheet of long cells flushes sooner
        for values in sheet.rows:
            rows += 1
            if len(values) > len(letters):
                letters += [column_letter(i) for i in range(len(letters) + 1, len(values) + 1)]
            if len(values) > width:
                width = len(values)
            held += _add_row(chunk, str(rows), values, letters, cells)
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
    out.write(_sheet_tail(sheet, rows, cells.ids).encode("utf-8"))
    return rows


def _comments_xml(notes: list[tuple[str, Note]]) -> bytes:
    authors = list(dict.fromkeys(note.author for _, note in notes))
    number = {author: index for index, author in enumerate(authors)}
    names = "".join(f"<author>{_escape(author)}</author>" for author in authors)
    comments = "".join(
        f'<comment ref="{ref}" authorId="{number[note.author]}"><text>{note.text_xml}</text>'
        "</comment>"
        for ref, note in notes
    )
    return (
        f'{HEAD}<comments xmlns="{MAIN}"><authors>{names}</authors>'
        f"<commentList>{comments}</commentList></comments>"
    ).encode()


def _ref_numbers(ref: str) -> tuple[int, int]:
    """'C5' -> (row 4, column 2), both 0-based."""
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def _vml_xml(notes: list[tuple[str, Note]], number: int) -> bytes:
    """The drawing of the comments' boxes (hidden until the cell is pointed at), which
    Excel needs beside the comments themselves; shape ids are unique per sheet."""
    first = number * NOTE_BLOCK
    blocks = ",".join(str(first + i) for i in range(max(1, -(-len(notes) // 1024))))
    shapes = []
    for index, (ref, _) in enumerate(notes):
        row, column = _ref_numbers(ref)
        anchor = f"{column + 1}, 15, {max(row - 1, 0)}, 10, {column + 3}, 15, {row + 3}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{first * 1024 + index + 1}" type="#_x0000_t202"'
            ' style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:108pt;'
            'height:59.25pt;z-index:1;visibility:hidden" fillcolor="#ffffe1"'
            ' o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black"'
            ' obscured="t"/><v:path o:connecttype="none"/><v:textbox'
            ' style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>"
        )
    return (
        f'<xml xmlns:v="{VML}" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout><v:shapetype id="_x0000_t202"'
        ' coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke'
        ' joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(shapes)}</xml>"
    ).encode()


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


SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TABLE_LINK, COMMENTS_LINK, VML_LINK = "rId1", "rId2", "rId3"  # a sheet's relationships


def _content_types(sheets: list[SheetOut]) -> str:
    types = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>',
        f'<Default Extension="vml" ContentType="{VML_TYPE}"/>',
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
        if sheet.notes:
            types.append(
                f'<Override PartName="/{_comments_part(number)}" ContentType="{COMMENTS_TYPE}"/>'
            )
    return (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f"{''.join(types)}</Types>"
    )


def _comments_part(number: int) -> str:
    return f"xl/comments{number}.xml"


def _vml_part(number: int) -> str:
    return f"xl/drawings/vmlDrawing{number}.vml"


def _links_xml(number: int, table: int | None) -> str:
    links = []
    if table is not None:
        links.append(
            f'<Relationship Id="{TABLE_LINK}" Type="{OFFICE_REL}/table"'
            f' Target="../tables/table{table}.xml"/>'
        )
    links.append(
        f'<Relationship Id="{COMMENTS_LINK}" Type="{OFFICE_REL}/comments"'
        f' Target="../comments{number}.xml"/><Relationship Id="{VML_LINK}"'
        f' Type="{OFFICE_REL}/vmlDrawing" Target="../drawings/vmlDrawing{number}.vml"/>'
    )
    return f'{HEAD}<Relationships xmlns="{PKG_REL}">{"".join(links)}</Relationships>'


def _put_sheet(
    book: zipfile.ZipFile,
    source: zipfile.ZipFile | None,
    number: int,
    sheet: SheetOut,
    table: int | None,
    ids: StyleIds,
) -> None:
    """The sheet's XML and, for a table, its table part; its comments and their drawing;
    the links between them."""
    part = f"xl/worksheets/sheet{number}.xml"
    link = f"xl/worksheets/_rels/sheet{number}.xml.rels"
    if sheet.copied:
        if source is None:
            raise ValueError(f"sheet {sheet.name} is to be copied, but from no file")
        names = [part]
        if table is not None:
            names.append(f"xl/tables/table{table}.xml")
        if sheet.notes:
            names += [_comments_part(number), _vml_part(number)]
        if table is not None or sheet.notes:
            names.append(link)
        for name in names:
            copy_member(source, book, name)
        return
    cells = _Cells(ids, wrapped=sheet.wrapped)
    with book.open(part, "w", force_zip64=True) as out:
        rows = _write_sheet(out, sheet, number == 1, cells)
    if table is not None:
        book.writestr(f"xl/tables/table{table}.xml", _table_xml(table, sheet, rows))
    if sheet.notes:
        book.writestr(_comments_part(number), _comments_xml(cells.notes))
        book.writestr(_vml_part(number), _vml_xml(cells.notes, number))
        book.writestr(link, _links_xml(number, table))
    elif table is not None:
        book.writestr(
            link,
            f'{HEAD}<Relationships xmlns="{PKG_REL}"><Relationship Id="{TABLE_LINK}"'
            f' Type="{OFFICE_REL}/table" Target="../tables/table{table}.xml"/></Relationships>',
        )


@dataclass
class _Apart:
    """A sheet being written by a forked process into a zip file of its own."""

    pid: int
    part: Path
    number: int
    table: int | None
    reaped: bool = False  # waited for: its pid is free again and may name another process


def _start_apart(
    path: Path, number: int, sheet: SheetOut, table: int | None, ids: StyleIds
) -> _Apart:
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
                _put_sheet(own, None, number, sheet, table, ids)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return _Apart(pid, part, number, table)


def _abandon_apart(apart: _Apart) -> None:
    """Stop a child whose sheet will not be used (the save failed) and remove its file."""
    if not apart.reaped:
        try:
            os.kill(apart.pid, signal.SIGKILL)
            os.waitpid(apart.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    apart.part.unlink(missing_ok=True)


def _finish_apart(book: zipfile.ZipFile, apart: _Apart, sheet: SheetOut, ids: StyleIds) -> None:
    """Copy what the child wrote; if it failed, write the sheet here (its rows are unread)."""
    _, status = os.waitpid(apart.pid, 0)
    apart.reaped = True
    try:
        if os.waitstatus_to_exitcode(status) == 0:
            with zipfile.ZipFile(apart.part) as own:
                for name in own.namelist():
                    copy_member(own, book, name)
            return
        _put_sheet(book, None, apart.number, sheet, apart.table, ids)
    finally:
        apart.part.unlink(missing_ok=True)


def _written_apart(sheet: SheetOut) -> bool:
    return sheet.apart and FORKS and not sheet.copied


def _fills(sheets: list[SheetOut]) -> tuple[Fill, ...]:
    found = (band.fill for sheet in sheets for shading in sheet.shading for band in shading.bands)
    return tuple(dict.fromkeys(found))


def write_xlsx(
    path: Path,
    sheets: list[SheetOut],
    copy_from: Path | None = None,
    styles: bytes | None = None,
    prepare: Callable[[], None] | None = None,
) -> None:
    """Write the sheets, in order, as one .xlsx file at ``path`` (the caller makes it atomic).

    ``styles`` is the stylesheet of the workbook the sheets were read from: every cell
    format a person's cells point at keeps its index (see contract.xlsx_styles).
    A ``copied`` sheet is taken as it is from ``copy_from``, a file this function wrote with
    the same sheets in the same places, whose stylesheet ``styles`` is (see contract.reuse).
    ``prepare`` runs before any sheet's rows are read, except those of ``early`` sheets
    written apart: they are forked first and written while it runs (a run's merge of its
    values, on one core, while another writes the extractions sheet)."""
    sheet_styles = stylesheet(styles, _fills(sheets))
    ids = sheet_styles.ids
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
        # started first, so that they run while this process writes the rest: those that
        # need nothing of ``prepare`` before it, the others once it is done
        aparts: list[tuple[_Apart, SheetOut]] = []
        try:
            for early in (True, False):
                if not early and prepare is not None:
                    prepare()
                aparts += [
                    (_start_apart(path, number, sheet, table, ids), sheet)
                    for number, sheet, table in placed
                    if _written_apart(sheet) and sheet.early == early
                ]
            for number, sheet, table in placed:
                if not _written_apart(sheet):
                    _put_sheet(book, source, number, sheet, table, ids)
                state = "" if sheet.state == "visible" else f' state="{sheet.state}"'
                entries.append(
                    f'<sheet name="{_attr(sheet.name)}" sheetId="{number}"{state}'
                    f' r:id="rId{number}"/>'
                )
                relations.append(
                    f'<Relationship Id="rId{number}" Type="{OFFICE_REL}/worksheet"'
                    f' Target="worksheets/sheet{number}.xml"/>'
                )
            relations.append(
                f'<Relationship Id="rId{len(sheets) + 1}" Type="{OFFICE_REL}/styles"'
                ' Target="styles.xml"/>'
            )
            while aparts:  # taken off only once finished: an interrupted wait leaves it
                _finish_apart(book, *aparts[0], ids)  # for the cleanup below
                aparts.pop(0)
        finally:
            for apart, _ in aparts:  # left by a failure: their sheets are not wanted
                _abandon_apart(apart)
        book.writestr("xl/styles.xml", sheet_styles.xml)
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
