"""Every kind of cell the writer takes comes back as what it means, in openpyxl and in our
reader; the per-row fast path writes exactly the XML the one-cell path writes."""

from __future__ import annotations

import enum
import math
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from contract import xlsx_write
from contract.cells import CUT_MARK, MAX_TEXT, Formula, clean_text
from contract.xlsx_read import XlsxReader
from contract.xlsx_styles import stylesheet
from contract.xlsx_write import SheetOut, _add_row, _cell, _Cells, write_xlsx


class Code(str, enum.Enum):
    OK = "ok"


class Level(enum.IntEnum):
    HIGH = 3


LONG = "x" * (MAX_TEXT + 10)
# (written, read back): what each value means once in the workbook
CASES: list[tuple[Any, Any]] = [
    ("plain", "plain"),
    (" lead", " lead"),
    ("trail ", "trail "),
    ("\ttab", "\ttab"),
    ("a&b<c>\"d\"'e'", "a&b<c>\"d\"'e'"),
    ("=SUM(A1:A2)", "=SUM(A1:A2)"),  # text from a PDF is never a formula
    ("+1", "+1"),
    ("-1", "-1"),
    ("@x", "@x"),
    ("ü € 😀", "ü € 😀"),
    ("a\nb", "a\nb"),
    ("bell\x07 and nul\x00 gone", "bell and nul gone"),
    (LONG, LONG[: MAX_TEXT - len(CUT_MARK)] + CUT_MARK),
    (0, 0),
    (-12, -12),
    (10**15, 10**15),
    (1.5, 1.5),
    (-2.5e-10, -2.5e-10),
    (Decimal("1234.50"), 1234.5),
    (Decimal("-0.01"), -0.01),
    (True, True),
    (False, False),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    (Decimal("NaN"), "nan"),
    (Decimal("1e400"), "inf"),  # too big for Excel's numbers: kept as text
    (date(2024, 2, 29), datetime(2024, 2, 29)),
    (datetime(2024, 2, 29, 13, 14, 15), datetime(2024, 2, 29, 13, 14, 15)),
    (time(1, 2, 3), "01:02:03"),
    (Code.OK, "ok"),
    (Level.HIGH, 3),
    (Formula("=A1+1"), Formula("=A1+1")),
]
EMPTY = [None, "", "\x00\x01"]  # no cell at all


def _same(read: Any, expected: Any) -> bool:
    if isinstance(expected, float):
        return isinstance(read, float) and math.isclose(read, expected, rel_tol=1e-15)
    return type(read) is type(expected) and read == expected


@pytest.mark.parametrize("wrapped", [False, True])
def test_every_cell_type_round_trips_through_both_readers(tmp_path: Path, wrapped: bool) -> None:
    path = tmp_path / "cells.xlsx"
    rows = [[value, "key"] for value, _ in CASES] + [[value, "key"] for value in EMPTY]
    write_xlsx(path, [SheetOut(name="cells", rows=rows, header=["value", "k"], wrapped=wrapped)])

    ours = list(XlsxReader(path).rows("cells"))[1:]
    sheet = load_workbook(path)["cells"]
    for number, (written, expected) in enumerate(CASES, start=2):
        read = ours[number - 2][0]
        assert _same(read, expected), (written, read)
        cell = sheet.cell(row=number, column=1)
        if isinstance(expected, Formula):
            assert cell.data_type == "f" and cell.value == expected
        else:
            assert cell.data_type != "f" and _same(cell.value, expected), (written, cell.value)
    for number in range(len(CASES) + 2, len(CASES) + 2 + len(EMPTY)):
        assert sheet.cell(row=number, column=1).value is None
        assert ours[number - 2][0] is None


def test_dates_carry_their_styles(tmp_path: Path) -> None:
    path = tmp_path / "dates.xlsx"
    write_xlsx(path, [SheetOut(name="d", rows=[[date(2026, 1, 2), datetime(2026, 1, 2, 3, 4)]])])
    sheet = load_workbook(path)["d"]
    assert sheet["A1"].number_format == "yyyy\\-mm\\-dd"
    assert sheet["B1"].number_format == "yyyy\\-mm\\-dd\\ hh:mm:ss"


@pytest.mark.parametrize("wrapped", [False, True])
def test_the_row_fast_path_writes_what_the_cell_path_writes(wrapped: bool) -> None:
    values = [written for written, _ in CASES] + EMPTY + [b"bytes", 3 + 4j, ["list"], -0.0]
    ids = stylesheet(None).ids
    for value in values:
        parts: list[str] = []
        _add_row(parts, "7", [value], ["C"], _Cells(ids, wrapped))
        cell = _cell("C7", value, _Cells(ids, wrapped))
        assert "".join(parts) == (f'<row r="7">{cell}</row>' if cell else ""), value


def test_remembered_texts_stay_right_when_the_memo_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_write, "MEMO_SIZE", 3)
    path = tmp_path / "memo.xlsx"
    rows = [[f"doc-{i % 7}", "same", f" spaced {i % 5} ", "x" * 150, i] for i in range(200)]
    write_xlsx(path, [SheetOut(name="m", rows=rows, header=["a", "b", "c", "d", "e"])])
    assert list(XlsxReader(path).rows("m"))[1:] == rows


def test_gaps_and_ragged_rows_keep_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "gaps.xlsx"
    rows: list[list[Any]] = [[None, "b"], [], [None, None], ["a", None, None, "d", 5], ["only"]]
    write_xlsx(path, [SheetOut(name="g", rows=rows)])
    assert list(XlsxReader(path).rows("g")) == [
        [None, "b"],
        [],
        [],
        ["a", None, None, "d", 5],
        ["only"],
    ]
    sheet = load_workbook(path)["g"]
    assert sheet["B1"].value == "b" and sheet["D4"].value == "d" and sheet["A5"].value == "only"


def test_clean_text_takes_out_exactly_the_characters_excel_refuses() -> None:
    allowed = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t\n\r é€😀\x7f\x85"
    assert clean_text(allowed) == allowed
    refused = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
    assert clean_text("a" + refused + "b") == "ab"
    assert clean_text("x" * MAX_TEXT) == "x" * MAX_TEXT


def test_column_letters_are_excel_s() -> None:
    from openpyxl.utils import get_column_letter

    from contract.cells import column_letter

    assert all(column_letter(i) == get_column_letter(i) for i in range(1, 18_279))
