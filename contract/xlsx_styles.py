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


def _on(element: etree._Element | None) -> bool:
    """<b/>, <b val="1"/>, <b val="true"/>: on; missing or val 0/false: off."""
    return element is not None and element.get("val", "1").lower() not in ("0", "false")


def _colour(element: etree._Element | None) -> tuple[str, ...]:
    if element is None:
        return ()
    if element.get("rgb"):
        return ("rgb", element.get("rgb", "").upper()[-6:])  # alpha aside: LibreOffice drops it
    return tuple(f"{name}={value}" for name, value in sorted(element.attrib.items()))


def _font_look(font: etree._Element | None) -> tuple[object, ...]:
    if font is None:
        return ()
    size, name = font.find(NS + "sz"), font.find(NS + "name")
    underline = font.find(NS + "u")
    return (
        _on(font.find(NS + "b")),
        _on(font.find(NS + "i")),
        _on(font.find(NS + "strike")),
        None if underline is None else underline.get("val", "single"),
        _colour(font.find(NS + "color")),
        None if size is None else float(size.get("val", "0")),
        None if name is None else name.get("val"),
    )


def _fill_look(fill: etree._Element | None) -> tuple[object, ...]:
    pattern = None if fill is None else fill.find(NS + "patternFill")
    if pattern is None or pattern.get("patternType", "none") in ("none", "gray125"):
        return ()  # the two fills every stylesheet starts with both show nothing
    return (pattern.get("patternType"), _colour(pattern.find(NS + "fgColor")))


def _border_look(border: etree._Element | None) -> tuple[object, ...]:
    if border is None:
        return ()
    return tuple(
        (etree.QName(side).localname, side.get("style"), _colour(side.find(NS + "color")))
        for side in border
        if side.get("style")
    )


def _looks(root: etree._Element) -> list[tuple[object, ...]]:
    """How each cell format shows a cell: number format, font, fill, border, alignment,
    whatever the file's way of writing them (LibreOffice rewrites every format it saves)."""

    def listed(name: str, tag: str) -> list[etree._Element]:
        found = root.find(NS + name)
        return [] if found is None else found.findall(NS + tag)

    codes = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(NS + "numFmt")}
    fonts, fills, borders = (
        listed("fonts", "font"),
        listed("fills", "fill"),
        listed("borders", "border"),
    )

    def item(items: list[etree._Element], index: str | None) -> etree._Element | None:
        number = int(index or "0")
        return items[number] if number < len(items) else None

    looks: list[tuple[object, ...]] = []
    for xf in listed("cellXfs", "xf"):
        number = int(xf.get("numFmtId", "0"))
        code = codes.get(number)
        alignment = xf.find(NS + "alignment")
        looks.append(
            (
                "General" if number == 0 or code == "General" else (code or number),
                _font_look(item(fonts, xf.get("fontId"))),
                _fill_look(item(fills, xf.get("fillId"))),
                _border_look(item(borders, xf.get("borderId"))),
                _alignment_look(alignment),
            )
        )
    return looks


def _alignment_look(alignment: etree._Element | None) -> tuple[object, ...]:
    if alignment is None:
        return ("general", "bottom", False)
    wrapped = alignment.get("wrapText", "0").lower() not in ("0", "false")
    return (alignment.get("horizontal", "general"), alignment.get("vertical", "bottom"), wrapped)


def unstyled_formats(styles: bytes | None) -> frozenset[int]:
    """The cell formats that show a cell as nobody formatted it, or as the writer does (so
    it gives the cell the same look again): the default's, or one of the writer's own,
    however the file writes them. A cell in any other format was formatted by a person."""
    merged = stylesheet(styles)
    root = etree.fromstring(merged.xml)
    looks = _looks(root)
    plain = {looks[0], *(looks[i] for i in merged.ids.own if i < len(looks))}
    return frozenset(i for i, look in enumerate(looks) if look in plain)


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
