"""The reader's fast path gives what an XML parser gives, for every form of sheet XML that
Excel, LibreOffice and openpyxl write, and for the unusual forms it hands to the parser."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from contract import xlsx_read
from contract.cells import Formula
from contract.xlsx_read import XlsxReader, _Progress
from contract.xlsx_write import SheetOut, write_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROOT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<worksheet xmlns="{MAIN}" xmlns:x14ac="urn:x14ac">'
)
STRINGS = (
    f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>zero</t></si>'
    "<si><r><t>o</t></r><r><t>ne</t></r></si></sst>"
)


def _sheet(rows: str, root: str = ROOT) -> str:
    return f'{root}<dimension ref="A1"/><sheetData>{rows}</sheetData><pageMargins/></worksheet>'


def _shared_row(number: int) -> str:
    first = ' ref="B1:B30">A1*2' if number == 1 else ">"
    comment = "<!-- a comment between rows -->" if number == 20 else ""
    return (
        f'{comment}<row r="{number}"><c r="A{number}"><v>{number}</v></c>'
        f'<c r="B{number}"><f t="shared" si="0"{first}</f><v>0</v></c></row>'
    )


SHEETS: dict[str, str | bytes] = {
    "usual": _sheet(
        '<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" s="1"><v>45000</v></c><c r="C1" s="2" t="n"><v>45000.5</v></c>'
        '<c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#N/A</v></c><c r="F1" t="str">'
        '<v>cached</v></c><c r="G1" t="s"><v>1</v></c><c r="H1"><v>-12</v></c>'
        '<c r="I1"><v>1E+20</v></c><c r="J1" t="d"><v>2024-01-02T03:04:05Z</v></c></row>'
    ),
    "no_references": _sheet(
        '<row><c t="s"><v>0</v></c><c><v>2</v></c></row>'
        '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    ),
    "gaps": _sheet(
        '<row r="2"><c r="C2"><v>3</v></c><c><v>4</v></c><c r="A2"><v>1</v></c></row>'
        '<row r="3"/><row r="5" ht="20" customHeight="1"/><row r="6"></row>'
        '<row r="7"><c r="B7"/><c r="C7" s="1"/><c r="D7" t="inlineStr"/><c r="E7"><v></v></c>'
        '<c r="F7"><v/></c><c r="G7" t="inlineStr"><is><t></t></is></c></row>'
    ),
    "other_attribute_order": _sheet(
        '<row r="1"><c r="A1" t="n" s="1"><v>45000</v></c><c s=\'2\' r=\'B1\'><v>1.5</v></c>'
        '<c  r = "C1"   t="s" ><v>0</v></c ></row  >'
    ),
    "references": _sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a &amp; b &lt;c&gt;'
        " &quot;d&quot; &apos;e&apos; &#13;&#10;&#x1F600;&#233; </t></is></c>"
        '<c r="B1" t="str"><v>x&amp;y</v></c><c r="C1" t="inlineStr"><is><t>a\r\nb\rc</t></is>'
        "</c></row>"
    ),
    "rich_and_phonetic": _sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/><color rgb="FF0000"/></rPr>'
        '<t>bo</t></r><r><t xml:space="preserve">ld </t></r><rPh sb="0" eb="1"><t>ふ</t></rPh>'
        '</is></c><c r="B1" t="inlineStr"><is><t>plain</t><rPh><t>no</t></rPh></is></c></row>'
    ),
    "formulas": _sheet(
        '<row r="1"><c r="A1"><f>SUM(B1:C1)</f><v>3</v></c><c r="B1" s="0" t="b">'
        '<f aca="false">TRUE()</f><v>1</v></c><c r="C1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '</row><row r="2"><c r="A2"><f t="shared" ref="A2:A4" si="0">B2*2</f><v>2</v></c></row>'
        '<row r="3"><c r="A3"><f t="shared" si="0"/><v>4</v></c><c r="B3"><v>7</v></c></row>'
        '<row r="4"><c r="A4"><f t="shared" si="0"/></c></row><row r="5"><c><f t="shared" si="0"/>'
        '</c><c r="B5"><v>1</v></c></row><row r="6"><c r="A6" cm="1"><f t="array" ref="A6:A7">'
        'SEQUENCE(2)</f><v>1</v></c><c r="B6" vm="1" t="e"><v>#VALUE!</v></c></row>'
    ),
    "shared_formula_then_comment": _sheet("".join(_shared_row(n) for n in range(1, 31))),
    "comment": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row><!-- </row><row r="9"> -->'
        '<row r="2"><c r="A2"><v>2</v></c></row>'
    ),
    "cdata": _sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b>&</row>]]></t></is></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c></row>'
    ),
    "processing_instruction": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row><?app hint?><row r="2"><c r="A2"><v>2</v></c></row>'
    ),
    "prefixed": (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>p</x:t></x:is></x:c><x:c r="B1"><x:v>2</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    ),
    "prefix_inside": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c><y:c r="B1"><y:v>2</y:v></y:c></row>'
        '<y:row r="2"><y:c r="A2"><y:v>5</y:v></y:c></y:row>',
        root=ROOT.replace('xmlns:x14ac="urn:x14ac"', f'xmlns:y="{MAIN}"'),
    ),
    "namespace_redeclared": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="2" xmlns="urn:other"><c r="A2"><v>2</v>'
        "</c></row>"
    ),
    "extension_in_row": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c><extLst><ext uri="u"><c r="Q1"><v>9</v></c></ext>'
        "</extLst></row>"
    ),
    "pretty_printed": _sheet(
        '\n  <row r="1">\n    <c r="A1" t="s">\n      <v>0</v>\n    </c>\n'
        '    <c r="B1"><v> 12 </v></c>\n  </row>\n  <row r="2" >\n'
        '    <c r="A2" t="inlineStr"><is><t>x</t></is></c >\n  </row >\n'
    ),
    "rows_out_of_order": _sheet(
        '<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
        "<row><c><v>9</v></c></row>"
    ),
    "greater_than_in_attribute": _sheet(
        '<row r="1" x14ac:note="a>b"><c r="A1" x14ac:note="x>y"><v>1</v></c></row>'
    ),
    "lower_case_reference": _sheet(
        '<row r="1"><c r="b1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'
    ),
    "no_declaration": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row>', f'<worksheet xmlns="{MAIN}">'
    ),
    "byte_order_mark": "\ufeff" + _sheet('<row r="1"><c r="A1"><v>1</v></c></row>'),
    "latin1": (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        + _sheet(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>café</t></is></c></row>',
            ROOT.split("\r\n", 1)[1],
        )
    ).encode("latin-1"),
    "utf16": _sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    .encode("utf-16"),
    "strict_namespace": _sheet(
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        ROOT.replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    ),
    "empty_sheet_data": f"{ROOT}<sheetData/></worksheet>",
    "no_sheet_data": f'{ROOT}<dimension ref="A1"/></worksheet>',
}


def _workbook(tmp_path: Path, name: str, xml: str | bytes) -> Path:
    """Our writer's workbook, its sheet replaced by ``xml``, shared strings added."""
    plain, path = tmp_path / "plain.xlsx", tmp_path / f"{name}.xlsx"
    write_xlsx(plain, [SheetOut(name="s", rows=[["x"]])])
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml if isinstance(xml, bytes) else xml.encode()
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", STRINGS)
    return path


def _parsed(path: Path, name: str, unstyled: frozenset[str] | None = None) -> list[list[Any]]:
    """The rows as the XML parser alone reads them (the reader before its fast path)."""
    book = XlsxReader(path)
    part = next(sheet.part for sheet in book.sheets if sheet.name == name)
    with book.zip.open(part) as stream:
        return list(book._parsed_rows(stream, _Progress(unstyled=unstyled)))


def _styles(rows: list[list[Any]]) -> list[dict[int, int] | None]:
    return [getattr(row, "styles", None) for row in rows]


def _same_rows(path: Path) -> None:
    """Both ways give the same values, and the same cell formats (a person's: not 0)."""
    book = XlsxReader(path)
    for name in book.sheetnames:
        fast, parsed = list(book.rows(name)), _parsed(path, name)
        assert fast == parsed, name
        assert [[type(v) for v in row] for row in fast] == [[type(v) for v in r] for r in parsed]
        styled = list(book.rows(name, frozenset({0})))
        assert styled == fast
        assert _styles(styled) == _styles(_parsed(path, name, frozenset({"0"}))), name


@pytest.mark.parametrize("name", SHEETS)
@pytest.mark.parametrize("block", [1, 23, 1 << 18])
def test_fast_path_reads_what_the_xml_parser_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block: int
) -> None:
    monkeypatch.setattr(xlsx_read, "BLOCK", block)  # also cut between every pair of bytes
    _same_rows(_workbook(tmp_path, name, SHEETS[name]))


def test_what_the_usual_forms_mean(tmp_path: Path) -> None:
    rows = list(XlsxReader(_workbook(tmp_path, "usual", SHEETS["usual"])).rows("s"))
    assert rows == [
        [
            "zero",
            datetime(2023, 3, 15),
            datetime(2023, 3, 15, 12),
            True,
            "#N/A",
            "cached",
            "one",
            -12,
            1e20,
            datetime(2024, 1, 2, 3, 4, 5),
        ],
    ]  # fmt: skip (styles 1 and 2 of our styles.xml are dates)
    gaps = list(XlsxReader(_workbook(tmp_path, "gaps", SHEETS["gaps"])).rows("s"))
    assert gaps[0] == [] and gaps[2:6] == [[], [], [], []]
    assert gaps[6] == [None, None, None, "", None, None, ""]
    text = next(XlsxReader(_workbook(tmp_path, "refs", SHEETS["references"])).rows("s"))
    assert text == [" a & b <c> \"d\" 'e' \r\n😀é ", "x&y", "a\nb\nc"]


def test_formulas_come_back_as_formulas(tmp_path: Path) -> None:
    rows = list(XlsxReader(_workbook(tmp_path, "f", SHEETS["formulas"])).rows("s"))
    assert rows[0] == [Formula("=SUM(B1:C1)"), Formula("=TRUE()"), Formula('="a"&"b"')]
    assert [row[0] for row in rows[1:4]] == [Formula("=B2*2"), Formula("=B3*2"), Formula("=B4*2")]
    assert rows[5] == [Formula("=SEQUENCE(2)"), "#VALUE!"]
    chained = _workbook(tmp_path, "c", SHEETS["shared_formula_then_comment"])
    assert [row[1] for row in XlsxReader(chained).rows("s")][-1] == Formula("=A30*2")


def test_contract_workbook_reads_the_same_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "contract.xlsx"
    rows = [
        [f"{i:012x}", f"f{i % 3}.pdf", "total", i % 4 or None, Decimal(i) / 4, True,
         date(2026, 1, 1 + i % 28)]
        for i in range(3000)
    ]  # fmt: skip
    write_xlsx(path, [SheetOut(name="t", rows=rows, header=list("abcdefg"), wrapped=True)])
    _same_rows(path)


def test_openpyxl_workbook_reads_the_same_both_ways(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i in range(200):
        sheet.append([f"t&{i}<", i, i / 7, i % 2 == 0, date(2024, 1, 1 + i % 28), f"=B{i + 1}*2"])
    sheet["K300"] = "far"
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)
    _same_rows(path)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_workbook_reads_the_same_both_ways(tmp_path: Path) -> None:
    source = tmp_path / "ours.xlsx"
    rows = [
        [f"doc {i}", i, i / 3, i % 2 == 0, date(2026, 2, 1 + i % 27), " sp "] for i in range(300)
    ]
    write_xlsx(source, [SheetOut(name="t", rows=rows, header=list("abcdef")), SheetOut("e", [])])
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
         str(out), str(source)],
        check=True, capture_output=True, timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    converted = out / "ours.xlsx"
    _same_rows(converted)
    read = list(XlsxReader(converted).rows("t"))
    assert read[1][:3] == ["doc 0", 0, 0] and read[2][5] == " sp "
