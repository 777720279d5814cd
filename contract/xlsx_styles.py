"""The workbook's stylesheet: people's styles carried over, the writer's own added once.

A person who fills a cell yellow, or types a date in their own format, adds a cell format
(an ``xf``) to styles.xml and points the cell at it by index. To keep their formatting,
the writer keeps their stylesheet as it is (so every index they use still means the same)
and appends only the formats it needs itself (dates, wrapped README text, links, the
review colours' differential formats), each once: a format already there is found and
reused, so a workbook that goes through many runs does not grow.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f"{{{MAIN}}}"
HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# A stylesheet to start from when the workbook has none (a new workbook, or ours from
# before styles were carried over): what Excel needs and nothing more.
BASE = (
    f'<styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2"'
    ' defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
)
# the order CT_Stylesheet gives its children: a missing list is inserted in its place
ORDER = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
    "tableStyles", "colors", "extLst",
)  # fmt: skip

DATE_FORMAT = "yyyy\\-mm\\-dd"
DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
BOLD_FONT = '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
LINK_FONT = (
    '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/><family val="2"/></font>'
)
WRAP = '<alignment vertical="top" wrapText="1"/>'


@dataclass(frozen=True)
class Fill:
    """A differential format of a fill colour and a font colour (RRGGBB), for a
    conditional format: what Excel's Good, Neutral and Bad cell styles are made of."""

    fill: str
    font: str


@dataclass(frozen=True)
class StyleIds:
    """Where the writer's own cell formats are in this workbook's stylesheet (cellXfs
    indexes), and each fill's differential format (dxfs index)."""

    date: int
    datetime: int
    wrap: int
    bold_wrap: int
    link: int
    fills: tuple[tuple[Fill, int], ...] = ()

    @property
    def own(self) -> frozenset[int]:
        """The writer's formats and the default: a cell in one of these was not formatted by
        a person (the writer gives it the same look again)."""
        return frozenset((0, self.date, self.datetime, self.wrap, self.bold_wrap, self.link))

    def fill(self, fill: Fill) -> int:
        return dict(self.fills)[fill]


@dataclass(frozen=True)
class Stylesheet:
    xml: bytes
    ids: StyleIds


def _list(root: etree._Element, name: str) -> etree._Element:
    """The stylesheet's list of ``name``, made (in its place) when missing."""
    found = root.find(NS + name)
    if found is not None:
        return found
    element = etree.Element(NS + name, count="0")
    after = ORDER.index(name)
    for index, child in enumerate(root):
        tag = etree.QName(child).localname
        if tag in ORDER and ORDER.index(tag) > after:
            root.insert(index, element)
            return element
    root.append(element)
    return element


def _same(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, method="c14n"))


def _index_of(parent: etree._Element, xml: str, tag: str) -> int:
    """The index of an element equal to ``xml`` among ``parent``'s ``tag`` children,
    appended (and the count updated) when there is none."""
    wanted = etree.fromstring(f'<x xmlns="{MAIN}">{xml}</x>')[0]
    key = _same(wanted)
    children = parent.findall(NS + tag)
    for index, child in enumerate(children):
        if _same(child) == key:
            return index
    parent.append(wanted)
    parent.set("count", str(len(children) + 1))
    return len(children)


def _number_format(root: etree._Element, code: str) -> int:
    """The id of a custom number format with this code, added when missing."""
    formats = _list(root, "numFmts")
    ids = [int(f.get("numFmtId", "0")) for f in formats.findall(NS + "numFmt")]
    for found in formats.findall(NS + "numFmt"):
        if found.get("formatCode") == code:
            return int(found.get("numFmtId", "0"))
    number = max([163, *ids]) + 1  # 164 is the first id a file may define
    etree.SubElement(formats, NS + "numFmt", numFmtId=str(number), formatCode=code)
    formats.set("count", str(len(ids) + 1))
    return number


def _cell_format(root: etree._Element, number: int, font: int, inner: str = "") -> int:
    attributes = f'numFmtId="{number}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
    if number:
        attributes += ' applyNumberFormat="1"'
    if font:
        attributes += ' applyFont="1"'
    if inner:
        attributes += ' applyAlignment="1"'
    return _index_of(_list(root, "cellXfs"), f"<xf {attributes}>{inner}</xf>", "xf")


def _differential(fill: Fill) -> str:
    return (
        f'<dxf><font><color rgb="FF{fill.font}"/></font><fill><patternFill>'
        f'<bgColor rgb="FF{fill.fill}"/></patternFill></fill></dxf>'
    )


def _parsed(theirs: bytes | None) -> etree._Element:
    if theirs:
        try:
            root = etree.fromstring(theirs)
            if root.tag == NS + "styleSheet" and root.find(NS + "cellXfs") is not None:
                return root
        except etree.XMLSyntaxError:
            pass
    return etree.fromstring(BASE)


@functools.lru_cache(maxsize=8)
def stylesheet(theirs: bytes | None, fills: tuple[Fill, ...] = ()) -> Stylesheet:
    """``theirs`` (a workbook's styles.xml; None for a new one) with the writer's formats
    and ``fills`` added where missing. Every index ``theirs`` has keeps its meaning."""
    root = _parsed(theirs)
    fonts = _list(root, "fonts")
    bold, link = _index_of(fonts, BOLD_FONT, "font"), _index_of(fonts, LINK_FONT, "font")
    date = _cell_format(root, _number_format(root, DATE_FORMAT), 0)
    datetime_ = _cell_format(root, _number_format(root, DATETIME_FORMAT), 0)
    wrap = _cell_format(root, 0, 0, WRAP)
    bold_wrap = _cell_format(root, 0, bold, WRAP)
    link_format = _cell_format(root, 0, link)
    dxfs = _list(root, "dxfs")
    found = tuple((fill, _index_of(dxfs, _differential(fill), "dxf")) for fill in fills)
    ids = StyleIds(date, datetime_, wrap, bold_wrap, link_format, found)
    return Stylesheet(HEAD + etree.tostring(root, encoding="UTF-8"), ids)


# as openpyxl's is_date_format, so that reading a workbook never imports openpyxl
_LITERAL_OR_LOCALE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
BUILTIN_DATES = frozenset((14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47))


def is_date_format(code: str) -> bool:
    return _DATE_PART.search(_LITERAL_OR_LOCALE.sub("", code.split(";")[0])) is not None


def date_formats(styles: bytes) -> set[int]:
    """The cellXfs indexes whose number format shows a date or a time."""
    root = etree.fromstring(styles)
    custom = {
        int(found.get("numFmtId", "0")): found.get("formatCode", "")
        for found in root.iter(NS + "numFmt")
    }
    dates: set[int] = set()
    cell_xfs = root.find(NS + "cellXfs")
    for index, xf in enumerate(() if cell_xfs is None else cell_xfs.iterchildren(NS + "xf")):
        number = int(xf.get("numFmtId", "0"))
        code = custom.get(number)
        if (code is not None and is_date_format(code)) or (
            code is None and number in BUILTIN_DATES
        ):
            dates.add(index)
    return dates
