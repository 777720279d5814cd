"""A sheet written by a forked process lands in the workbook as if written in place; a child
that fails costs only time: the parent writes the sheet itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from contract.xlsx_write import FORKS, SheetOut, write_xlsx

pytestmark = pytest.mark.skipif(not FORKS, reason="sheets are written apart only where fork is")


def rows(count: int, fail_in_child: bool = False) -> Iterator[list[Any]]:
    parent = os.getpid()
    for number in range(count):
        if fail_in_child and os.getpid() != parent:
            raise RuntimeError("a child that cannot read its rows")
        yield [f"doc-{number}", number, number * 1.5]


def sheets(fail_in_child: bool) -> list[SheetOut]:
    header = ["doc_id", "n", "half"]
    return [
        SheetOut(name="first", rows=rows(3), header=header),
        SheetOut(name="big", rows=rows(5000, fail_in_child), header=header, apart=True),
        SheetOut(name="last", rows=[["plain", 1]]),
    ]


@pytest.mark.parametrize("fail_in_child", [False, True])
def test_a_sheet_written_apart_is_in_its_place(tmp_path: Path, fail_in_child: bool) -> None:
    path = tmp_path / "book.xlsx"
    write_xlsx(path, sheets(fail_in_child))
    book = load_workbook(path)
    assert book.sheetnames == ["first", "big", "last"]
    big = list(book["big"].iter_rows(values_only=True))
    assert len(big) == 5001 and big[1] == ("doc-0", 0, 0.0) and big[-1][1] == 4999
    assert book["big"].tables["big"].ref == "A1:C5001"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # the child's file is gone
