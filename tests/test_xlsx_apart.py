"""A sheet written by a forked process lands in the workbook as if written in place; a child
that fails costs only time: the parent writes the sheet itself."""

from __future__ import annotations

import os
import time
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


def waited_for(path: Path, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_prepare_runs_while_early_sheets_are_written(tmp_path: Path) -> None:
    """An early sheet is being written while ``prepare`` runs; a later one sees what it made."""
    started = tmp_path / "early-started"
    made: dict[str, str] = {}

    def early_rows() -> Iterator[list[Any]]:
        started.touch()  # in the child: the parent's prepare waits for this
        yield ["early", 1]

    def later_rows() -> Iterator[list[Any]]:
        yield ["later", made["by_prepare"]]

    def prepare() -> None:
        assert waited_for(started), "the early sheet was not started before prepare"
        made["by_prepare"] = "prepared"

    header = ["name", "value"]
    path = tmp_path / "book.xlsx"
    write_xlsx(
        path,
        [
            SheetOut(name="early", rows=early_rows(), header=header, apart=True, early=True),
            SheetOut(name="later", rows=later_rows(), header=header, apart=True),
        ],
        prepare=prepare,
    )
    book = load_workbook(path)
    assert list(book["early"].iter_rows(values_only=True)) == [("name", "value"), ("early", 1)]
    assert list(book["later"].iter_rows(values_only=True)) == [
        ("name", "value"),
        ("later", "prepared"),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "early-started"]


def test_a_failing_prepare_leaves_no_child_behind(tmp_path: Path) -> None:
    def endless() -> Iterator[list[Any]]:
        while True:
            yield ["row", 1]

    def prepare() -> None:
        raise RuntimeError("the merge failed")

    sheet = SheetOut(name="early", rows=endless(), header=["a", "b"], apart=True, early=True)
    with pytest.raises(RuntimeError, match="the merge failed"):
        write_xlsx(tmp_path / "book.xlsx", [sheet], prepare=prepare)
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no child's file left
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # and no child left to reap: it was stopped and reaped
