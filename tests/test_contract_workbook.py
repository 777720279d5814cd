"""The workbook explains itself: a README of every column, dropdowns, frozen headers, widths."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from contract.cells import Formula
from contract.merge import key_of
from contract.sheets import COLUMN_HELP, GROUND_TRUTH, SHEETS
from contract.workbook import Contract, load_contract, readme_rows, save_contract
from contract.xlsx_read import XlsxReader
from schemas.vocabulary import Verdict


def test_readme_explains_every_sheet_and_column() -> None:
    topics = {row["topic"]: row["explanation"] for row in readme_rows()}
    for spec in SHEETS[1:]:
        for column in spec.columns:
            assert COLUMN_HELP[spec.name][column], f"{spec.name}.{column} has no help"
            assert topics[f"{spec.name}.{column}"] == COLUMN_HELP[spec.name][column]


def test_layout_helps_people(tmp_path: Path) -> None:
    path = tmp_path / "contract.xlsx"
    contract = Contract()
    contract.sheet(GROUND_TRUTH.name).append(
        {"doc_id": "0123456789ab", "field": "seller", "suggested": "A very long company name Ltd"}
    )
    save_contract(path, contract)
    book = load_workbook(path)
    truth = book[GROUND_TRUTH.name]
    assert truth.freeze_panes == "A2"
    (dropdown,) = truth.data_validations.dataValidation
    assert dropdown.formula1 == '"' + ",".join(Verdict.ALL) + '"'
    verdict = get_column_letter(GROUND_TRUTH.columns.index("verdict") + 1)
    assert str(dropdown.sqref).startswith(f"{verdict}2:{verdict}")  # the verdict column
    assert truth.column_dimensions["E"].width >= len("A very long company name Ltd")
    assert book["README"].column_dimensions["B"].width >= 80
    assert book["_offered"].sheet_state == "veryHidden"


def test_an_all_digit_doc_id_excel_made_a_number_keeps_its_key(tmp_path: Path) -> None:
    path = tmp_path / "contract.xlsx"
    save_contract(path, Contract())
    book = load_workbook(path)
    book[GROUND_TRUTH.name].append([12345678901, None, "total", "1", 5.0, None, "correct"])
    book.save(path)
    (row,) = load_contract(path).sheet(GROUND_TRUTH.name)
    assert key_of(row) == ("012345678901", "total", 1)


def test_a_filled_down_formula_keeps_each_cells_own_formula(tmp_path: Path) -> None:
    """Excel saves a filled-down formula once (shared); every cell must read back its own."""
    plain = tmp_path / "plain.xlsx"
    save_contract(plain, load_contract(plain))
    part = next(s.part for s in XlsxReader(plain).sheets if s.name == "ground_truth")
    cells = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>abc</t></is></c>'
        '<c r="Z2"><f t="shared" ref="Z2:Z3" si="0">LEN(A2)</f><v>3</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>abcd</t></is></c>'
        '<c r="Z3"><f t="shared" si="0"/><v>4</v></c></row>'
    )
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(shared, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                header_row = re.compile(r"(<row r=\"1\".*?</row>)", re.S)
                data = header_row.sub(lambda m: m.group(1) + cells, data.decode(), 1).encode()
            target.writestr(item, data)
    rows = list(XlsxReader(shared).rows("ground_truth"))
    assert rows[1][25] == Formula("=LEN(A2)")
    assert rows[2][25] == Formula("=LEN(A3)")
