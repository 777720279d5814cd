"""Reading and writing the contract workbook safely: by sheet and column name, atomically.

People edit this file in Excel between runs, so reading never trusts positions (columns
are found by header, extra columns and sheets are kept) and writing never leaves a half
file (temp file, then rename, with the previous version kept as a backup).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from contract.sheets import GROUND_TRUTH, README, SHEET_BY_NAME, SHEETS, Sheet, Verdict

Row = dict[str, Any]
BACKUPS_KEPT = 5
FORMULA_STARTS = ("=", "+", "-", "@")


class WorkbookRefused(Exception):
    """The workbook is open, corrupt or not ours; it was left untouched."""


@dataclass
class Contract:
    """The workbook as data: rows per sheet, extra columns people added, sheets of their own."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    other_sheets: dict[str, list[list[Any]]] = field(default_factory=dict)

    def sheet(self, name: str) -> list[Row]:
        return self.rows.setdefault(name, [])


def lock_file(path: Path) -> Path:
    return path.with_name(f"~${path.name}")


def refuse_if_open(path: Path) -> None:
    if lock_file(path).exists():
        raise WorkbookRefused(
            f"{path} is open in Excel ({lock_file(path).name} exists): close it and run again"
        )


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def load_contract(path: Path) -> Contract:
    """The workbook's contents; a missing file is an empty contract."""
    contract = Contract()
    if not path.exists():
        return contract
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise WorkbookRefused(
            f"{path} is not a readable .xlsx ({type(error).__name__}): left untouched"
        ) from error
    try:
        if not {s.name for s in SHEETS if s.owner != "pipeline"} <= set(book.sheetnames):
            raise WorkbookRefused(
                f"{path} is not a pdf-extract workbook (no ground_truth sheet): left untouched"
            )
        for name in book.sheetnames:
            cells = [list(row) for row in book[name].iter_rows(values_only=True)]
            if name not in SHEET_BY_NAME:
                contract.other_sheets[name] = cells
                continue
            if not cells:
                continue
            header = [str(h).strip() if h is not None else "" for h in cells[0]]
            known = SHEET_BY_NAME[name].columns
            contract.extra_columns[name] = [h for h in header if h and h not in known]
            for values in cells[1:]:
                row = {h: _cell_value(v) for h, v in zip(header, values, strict=False) if h}
                if any(v is not None for v in row.values()):
                    contract.sheet(name).append(row)
    finally:
        book.close()
    return contract


def _excel_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _write_cell(cell: Cell, value: Any) -> None:
    value = _excel_value(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # text, never a formula


def _write_sheet(sheet: Worksheet, spec: Sheet, rows: list[Row], extra: list[str]) -> None:
    columns = list(spec.columns) + extra
    sheet.append(columns)
    for row in rows:
        sheet.append([None] * len(columns))
        for index, column in enumerate(columns, start=1):
            _write_cell(sheet.cell(row=sheet.max_row, column=index), row.get(column))
    last = get_column_letter(len(columns))
    table = Table(displayName=spec.name, ref=f"A1:{last}{max(sheet.max_row, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = max([len(column)] + [len(str(row.get(column) or "")) for row in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    if spec is GROUND_TRUTH:
        verdicts = DataValidation(
            type="list", formula1=f'"{",".join(Verdict.ALL)}"', allow_blank=True
        )
        col = get_column_letter(columns.index("verdict") + 1)
        verdicts.add(f"{col}2:{col}{max(sheet.max_row, 2) + 1000}")
        sheet.add_data_validation(verdicts)


def readme_rows() -> list[Row]:
    rows: list[Row] = [
        {
            "topic": "What this is",
            "explanation": (
                "The shared workbook of pdf-extract. The pipeline rewrites its own sheets on"
                " every run; ground_truth and corrections belong to people and are never"
                " overwritten."
            ),
        },
    ]
    for spec in SHEETS[1:]:
        rows.append({"topic": f"{spec.name} ({spec.owner})", "explanation": spec.about})
    return rows


def _backup(path: Path) -> None:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    shutil.copy2(path, folder / f"{path.stem}.{stamp}{path.suffix}")
    kept = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for old in kept[:-BACKUPS_KEPT]:
        old.unlink()


def save_contract(path: Path, contract: Contract) -> None:
    """Write every sheet to a temp file beside the workbook, back up the old one, rename."""
    refuse_if_open(path)
    book = Workbook()
    default = book.active
    for spec in SHEETS:
        sheet = book.create_sheet(spec.name)
        rows = readme_rows() if spec is README else contract.rows.get(spec.name, [])
        _write_sheet(sheet, spec, rows, contract.extra_columns.get(spec.name, []))
    for name, cells in contract.other_sheets.items():
        sheet = book.create_sheet(name)
        for values in cells:
            sheet.append([_excel_value(v) for v in values])
    if default is not None:
        book.remove(default)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent
    )
    os.close(handle)
    try:
        book.save(temp_name)
        if path.exists():
            _backup(path)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
