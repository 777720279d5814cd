"""A small, fast .xlsx reader: every sheet's cells as Python values, whoever saved the file.

openpyxl's read-only mode spends about 30 µs a cell (and scans a sheet twice when the
file gives no size); this reader streams each sheet's XML and keeps only values. It reads
what Excel, LibreOffice and openpyxl write: shared and inline strings, numbers, booleans,
errors, dates (by their number format, 1900 and 1904 calendars), and formulas, which come
back as :class:`Formula` so that they are written back as typed.

Rows are cut out of the XML text with regular expressions, several times faster than an
XML parser's events. That fast path takes only what it reads exactly: plain UTF-8 markup
of the spreadsheet namespace, cells holding a value or one plain string. A row with any
other cell (a formula, rich text) goes to the XML parser, and so does the rest of a sheet
from a stretch of XML with anything unusual (a comment, CDATA, a namespace prefix): the
values are the same either way.

For a person's sheet it also reads what they gave its cells: each cell's format (its
index into the stylesheet, which the writer carries over), the comments, the columns.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from lxml import etree

from contract.cells import Formula, Note
from contract.xlsx_styles import date_formats

# openpyxl's epochs; its helpers are imported only when a file needs them (its import
# alone costs 0.3 s of a warm run, which reads only files this package wrote)
CALENDAR_WINDOWS_1900 = datetime(1899, 12, 30)
CALENDAR_MAC_1904 = datetime(1904, 1, 1)

MAIN_URI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f"{{{MAIN_URI}}}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROW, CELL, VALUE, FORMULA = f"{NS}row", f"{NS}c", f"{NS}v", f"{NS}f"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COL_RE = re.compile(r"<col\b([^>]*?)/?>")
SHEET_DATA = f"{NS}sheetData"
TEXT, RUN_TEXT, PHONETIC = f"{NS}t", f"{NS}r", f"{NS}rPh"

BLOCK = 1 << 18  # bytes of sheet XML read at a time
HEAD_LIMIT = 1 << 22  # no <sheetData> in the first 4 MB: the XML parser reads the sheet
ROW_END = b"</row>"
_ATTRIBUTE_LIST = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*"""
_ATTRIBUTES = rf"({_ATTRIBUTE_LIST})\s*"
ATTRIBUTE_RE = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
NAMESPACE_RE = re.compile(r"""\s(xmlns(?::[^\s=/>]+)?)\s*=\s*("[^"]*"|'[^']*')""")
ROOT_RE = re.compile(r"(?:<\?xml\s[^>]*?\?>)?\s*<worksheet" + _ATTRIBUTES + ">")
ENCODING_RE = re.compile(r"""<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")
SHEET_DATA_RE = re.compile(r"<sheetData" + _ATTRIBUTES + "(/?)>")
ROW_TAG_RE = re.compile(r'\s*<row(?: r="([0-9]+)")?' + _ATTRIBUTES + "(/?)>")
USUAL_ROW_TAG_RE = re.compile(r'\s*<row(?: r="([0-9]+)")?((?: [^\s=/>]+="[^"]*")*)(/?)>')
# A cell: its attributes in the usual form (r, s, t in this order) or any others; then its
# content in a usual form: <v>, or <is> of one plain <t>, or nothing (an empty <v> or <t>
# means nothing too), or <f> (then <v>). Any other content, and anything else in a row,
# is caught (in the last two groups): the XML parser then reads the row.
_PLAIN_TEXT = '<is><t(?: xml:space="preserve")?>'
CELL_RE = re.compile(
    r'<c(?:(?: r="(([A-Z]{1,3})[0-9]+)")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?|'
    + _ATTRIBUTES
    + r")\s*(?:/>|>(?:<v>([^<]+)</v>|"
    + _PLAIN_TEXT
    + r"([^<]+)</t></is>|<v></v>|<v\s*/>|"
    + _PLAIN_TEXT
    + r"</t></is>|(<f"
    + _ATTRIBUTE_LIST
    + r")\s*(?:/>|>([^<]*)</f>)(?:<v>([^<]*)</v>|<v\s*/>)?|(.*?))</c\s*>)|(<)",
    re.S,
)
ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


_UNREAD = object()  # a cell the fast path leaves to the XML parser


@dataclass(frozen=True)
class SheetIn:
    """A sheet as found: its name, its visibility and where its XML lives."""

    name: str
    state: str
    part: str


class StyledRow(list[Any]):
    """A row's values, with the cell formats a person gave some of its cells: column
    (0-based) -> index into the stylesheet's cellXfs."""

    styles: dict[int, int]


Columns = list[tuple[int, int, dict[str, str]]]  # <col> ranges: (min, max, other attributes)


@dataclass
class _Progress:
    """Where the reading of a sheet stands: the next row number, the shared formulas seen
    and the namespaces a row needs to be parsed on its own; which cell formats to report."""

    expected: int = 1
    shared: dict[str, tuple[str, str]] = field(default_factory=dict)  # si -> (formula, ref)
    namespaces: str = ""
    columns: dict[str, int] = field(default_factory=dict)  # 'AB' -> 27
    plain_styles: set[str] = field(default_factory=set)  # s="..." of no date format
    unstyled: frozenset[str] | None = None  # s="..." not to report; None: report none

    def numbered(self, number: str | None, values: list[Any]) -> Iterator[list[Any]]:
        """The row, after an empty row for each row number skipped."""
        row = int(number or self.expected)
        while self.expected < row:
            yield []
            self.expected += 1
        yield values
        self.expected += 1


class _Joined:
    """A stream that gives ``head`` first, then the rest of ``stream``: the XML parser
    takes over a sheet where the fast path stopped."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        return self.stream.read(size)


def _column_index(letters: str) -> int:
    """'AB' -> 27 (0-based)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return ENTITIES[name]
    return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))


def _xml_text(raw: str) -> str:
    """Character data as an XML parser gives it: line ends as \\n, references resolved."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return ENTITY_RE.sub(_entity, raw) if "&" in raw else raw


def _attributes(raw: str) -> dict[str, str]:
    """Attributes as an XML parser gives them (white space in a value made spaces)."""
    found = {}
    for name, double, single in ATTRIBUTE_RE.findall(raw):
        value = double or single
        if "\r" in value:
            value = value.replace("\r\n", " ").replace("\r", " ")
        found[name] = _xml_text(value.replace("\n", " ").replace("\t", " "))
    return found


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
        self.styles = self.zip.read("xl/styles.xml") if "xl/styles.xml" in names else None
        self.date_styles = date_formats(self.styles) if self.styles else set()

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

    def _part(self, name: str) -> str:
        return next(sheet.part for sheet in self.sheets if sheet.name == name)

    def rows(
        self, name: str, unstyled: frozenset[int] | None = None, block: int = BLOCK
    ) -> Iterator[list[Any]]:
        """The sheet's rows from row 1, gaps kept as empty rows, each as a list of values.
        With ``unstyled`` (cell formats that are nobody's doing), a row with a cell in any
        other format is a :class:`StyledRow`.

        The XML is read ``block`` bytes at a time and cut after a row's end, so memory stays
        flat; a small block suits a caller who wants only the first rows (a header)."""
        part = self._part(name)
        progress = _Progress()
        if unstyled is not None:
            progress.unstyled = frozenset(str(index) for index in unstyled)
        with self.zip.open(part) as stream:
            head = stream.read(block)
            while (found := head.find(b"<sheetData")) < 0 or head.find(b">", found) < 0:
                more = stream.read(block)
                head += more
                if not more or len(head) > HEAD_LIMIT:
                    break
            start = _rows_start(head, progress)
            if start is None:
                yield from self._parsed_rows(_Joined(head, stream), progress)
            else:
                yield from self._fast_rows(head[:start], head[start:], stream, progress, block)

    def notes(self, name: str) -> dict[tuple[int, int], Note]:
        """The sheet's comments by cell: (row, column), both 0-based."""
        part = self._part(name)
        links = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if links not in self.zip.namelist():
            return {}
        found: dict[tuple[int, int], Note] = {}
        for link in etree.fromstring(self.zip.read(links)).iter(f"{PKG_NS}Relationship"):
            if link.get("Type") != COMMENTS_REL or link.get("TargetMode") == "External":
                continue
            target = link.get("Target", "")
            comments = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
            )
            root = etree.fromstring(self.zip.read(comments))
            authors = [str(author.text or "") for author in root.iter(f"{NS}author")]
            for comment in root.iter(f"{NS}comment"):
                text = comment.find(f"{NS}text")
                ref = comment.get("ref", "")
                letters = ref.rstrip("0123456789")
                if text is None or not letters or letters == ref:
                    continue
                author_id = int(comment.get("authorId", "0"))
                author = authors[author_id] if author_id < len(authors) else ""
                inner = "".join(
                    etree.tostring(child, encoding="unicode", with_tail=False) for child in text
                )
                key = (int(ref[len(letters) :]) - 1, _column_index(letters))
                found[key] = Note(author, _without_namespace_noise(inner))
        return found

    def columns(self, name: str) -> Columns:
        """The sheet's <col> ranges: widths, hidden columns, column formats."""
        with self.zip.open(self._part(name)) as stream:
            head = b""
            while b"<sheetData" not in head and len(head) <= HEAD_LIMIT:
                more = stream.read(BLOCK)
                if not more:
                    break
                head += more
        text = head[: head.find(b"<sheetData")].decode("utf-8", "replace")
        found: Columns = []
        for raw in COL_RE.findall(text):
            attributes = _attributes(raw)
            try:
                low, high = int(attributes.pop("min")), int(attributes.pop("max"))
            except (KeyError, ValueError):
                continue
            found.append((low, high, attributes))
        return found

    def _fast_rows(
        self,
        head: bytes,
        pending: bytes,
        stream: IO[bytes],
        progress: _Progress,
        block: int = BLOCK,
    ) -> Iterator[list[Any]]:
        """Whole rows a block at a time; the XML parser takes over from a block with
        anything unusual, or when the XML ends too soon (and says what is wrong)."""
        while True:
            end = pending.find(b"</sheetData")
            if end < 0:
                cut = pending.rfind(ROW_END)
                more = stream.read(block) if cut < 0 or len(pending) < block else b""
                if more:
                    pending += more
                    continue
                if cut < 0:
                    yield from self._parsed_rows(_Joined(head + pending, stream), progress)
                    return
                end = cut + len(ROW_END)
            text = pending[:end].decode("utf-8")
            unusual = "<!" in text or "<?" in text or "xmlns" in text
            rows = None if unusual else self._text_rows(text, progress)
            if rows is None:
                yield from self._parsed_rows(_Joined(head + pending, stream), progress)
                return
            yield from rows
            pending = pending[end:]
            if pending.startswith(b"</sheetData"):
                if b"</worksheet" not in pending + stream.read():
                    raise ValueError("the sheet's XML ends early")
                return

    def _text_rows(self, text: str, progress: _Progress) -> list[list[Any]] | None:
        """The rows in a stretch of plain XML; None (and nothing read) when it holds anything
        but rows of cells."""
        expected = progress.expected
        rows: list[list[Any]] = []
        pieces = text.split("</row>")  # each: self-closed rows, then one row's start and cells
        for index, piece in enumerate(pieces):
            position = 0
            while (
                tag := USUAL_ROW_TAG_RE.match(piece, position) or ROW_TAG_RE.match(piece, position)
            ) and tag.group(3):
                rows += progress.numbered(_row_number(tag), [])  # <row r="7"/>: an empty row
                position = tag.end()
            if index == len(pieces) - 1 and tag is None and piece[position:].strip() == "":
                return rows  # after the last </row>
            if tag is None or index == len(pieces) - 1:
                progress.expected = expected
                return None
            values = self._row_values(piece, tag.end(), progress)
            if values is not None:
                rows += progress.numbered(_row_number(tag), values)
            elif piece.find("<row", tag.end()) < 0:  # the XML parser reads this row
                source = f"<sheetData{progress.namespaces}>{piece[tag.start() :]}</row></sheetData>"
                rows += self._parsed_rows(BytesIO(source.encode()), progress)
            else:
                progress.expected = expected
                return None
        return rows

    def _row_values(self, piece: str, start: int, progress: _Progress) -> list[Any] | None:
        """The values of the row's cells, from ``start`` in ``piece`` to its end; None when
        a cell (or anything else in the row) is not in a usual form."""
        values: list[Any] = []
        strings, date_styles, columns = self.strings, self.date_styles, progress.columns
        plain, unstyled = progress.plain_styles, progress.unstyled
        styled: dict[int, int] | None = None
        for (
            ref,
            letters,
            style,
            kind,
            others,
            value,
            inline,
            formula_tag,
            formula,
            result,
            content,
            other,
        ) in CELL_RE.findall(piece, start):
            if others or content or other:
                if content or other:
                    return None
                found = _attributes(others)
                ref = found.get("r", "")
                letters = ref.rstrip("0123456789")
                style = found.get("s", "")
                kind = found.get("t", "")
            if letters:
                index = columns.get(letters)
                if index is None:
                    index = columns[letters] = _column_index(letters)
                if index > len(values):
                    values.extend([None] * (index - len(values)))
            if unstyled is not None and style and style not in unstyled:
                if styled is None:
                    styled = {}
                styled[len(values)] = int(style)
            if formula_tag:
                cell = self._formula_value(ref, kind, style, formula_tag, formula, result, progress)
                if cell is _UNREAD:
                    return None
                values.append(cell)
            elif kind == "inlineStr":
                values.append(_xml_text(inline) if "&" in inline or "\r" in inline else inline)
            elif not value:
                values.append(None)
            else:
                if "&" in value or "\r" in value:
                    value = _xml_text(value)
                if kind == "s":
                    values.append(strings[int(value)])
                elif (kind == "" or kind == "n") and (not style or style in plain):
                    values.append(int(value) if value.lstrip("-").isdigit() else float(value))
                elif (kind == "" or kind == "n") and int(style) not in date_styles:
                    plain.add(style)
                    values.append(int(value) if value.lstrip("-").isdigit() else float(value))
                else:
                    values.append(self._value(kind or None, style or None, value, [], None))
        return values if styled is None else _styled(values, styled)

    def _formula_value(
        self,
        ref: str,
        kind: str,
        style: str,
        tag: str,
        formula: str,
        result: str,
        progress: _Progress,
    ) -> Any:
        """A cell with a formula (``tag`` is the start of its <f>, ``formula`` and
        ``result`` its texts), as the XML parser reads it; _UNREAD for a shared formula
        without a cell reference."""
        text = _xml_text(formula) or None
        attributes = _attributes(tag[2:]) if "shared" in tag or "&" in tag else {}
        if attributes.get("t") == "shared" and (index := attributes.get("si")) is not None:
            if not ref:
                return _UNREAD
            text = _shared_formula(progress.shared, index, text, ref)
        value = _xml_text(result) or None
        return self._value(kind or None, style or None, value, [], text)

    def _parsed_rows(self, source: Any, progress: _Progress) -> Iterator[list[Any]]:
        """The rows as the XML parser reads them: one pass of end events (a cell's own
        elements end before the cell does), so no per-cell searching."""
        values: list[Any] = []
        texts: list[str] = []
        value: str | None = None
        formula: str | None = None
        shared_index: str | None = None  # the si of a cell's shared (filled-down) formula
        columns: dict[str, int] = {}
        sheet_data: ElementTree.Element | None = None  # emptied row by row: memory stays flat
        unstyled, styled = progress.unstyled, {}
        for event, element in ElementTree.iterparse(source, ("start", "end")):
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
                    formula = _shared_formula(progress.shared, shared_index, formula, ref)
                    shared_index = None
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _column_index(letters)
                    if index > len(values):
                        values.extend([None] * (index - len(values)))
                style = element.get("s")
                if unstyled is not None and style and style not in unstyled:
                    styled[len(values)] = int(style)
                values.append(self._value(element.get("t"), style, value, texts, formula))
                value = formula = None
                texts = []
            elif tag == ROW:
                yield from progress.numbered(
                    element.get("r"), _styled(values, styled) if styled else values
                )
                values, styled = [], {}
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
            from openpyxl.utils.datetime import from_excel

            return from_excel(number, self.epoch)
        return number


def _styled(values: list[Any], styles: dict[int, int]) -> StyledRow:
    row = StyledRow(values)
    row.styles = styles
    return row


def _without_namespace_noise(xml: str) -> str:
    """A comment's runs as lxml gives them one by one: each names the main namespace again,
    which the comments part the writer makes declares once."""
    return xml.replace(f' xmlns="{MAIN_URI}"', "")


def _row_number(tag: re.Match[str]) -> str | None:
    number, attributes = tag.group(1), tag.group(2)
    return number or (_attributes(attributes).get("r") if attributes else None)


def _rows_start(head: bytes, progress: _Progress) -> int | None:
    """Where the rows start in ``head``, just after <sheetData>; None unless the sheet is
    plain UTF-8 markup of the main namespace up to there (the XML parser then reads it).
    Keeps the namespaces declared, which a row parsed on its own needs."""
    found = head.find(b"<sheetData")
    if found < 0 or head.startswith((b"\xfe\xff", b"\xff\xfe")):
        return None
    end = head.find(b">", found) + 1
    try:
        text = head[:end].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    encoding = ENCODING_RE.match(text)
    if encoding and encoding.group(1).lower() not in ("utf-8", "utf8"):
        return None
    root = ROOT_RE.match(text)
    tag = SHEET_DATA_RE.fullmatch(text, text.rfind("<sheetData"))
    if root is None or tag is None or tag.group(2):  # an empty <sheetData/>: no rows to cut
        return None
    between = text[root.end() : tag.start()]
    if "<!" in between or "<?" in between or "xmlns" in between:
        return None
    declared = dict(NAMESPACE_RE.findall(root.group(1) + tag.group(1)))
    if _attributes(root.group(1)).get("xmlns") != MAIN_URI or "xmlns" in _attributes(tag.group(1)):
        return None
    progress.namespaces = "".join(f" {name}={value}" for name, value in declared.items())
    return end


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
    from openpyxl.formula.translate import Translator

    return str(Translator(f"={first}", origin=origin).translate_formula(ref))[1:]
