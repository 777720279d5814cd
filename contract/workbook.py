"""Reading and writing the contract workbook: by sheet and column name, fast, and safely.

People edit this file in Excel between runs, so reading never trusts positions: columns
are found by their header (in whatever order a person left them), extra columns and
sheets are kept, formulas a person typed stay formulas. Reading streams (openpyxl's
read-only mode) and writing streams (write-only mode), so 60,000 rows take seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from contract.cells import FORMULA_STARTS, Formula, read_value, written_value
from contract.merge import item_of, key_of
from contract.safety import (
    BACKUPS_KEPT,
    WorkbookRefused,
    lock_file,
    refuse_if_open,
    refuse_if_unusable,
    save_atomically,
)
from contract.sheets import (
    COLUMN_HELP,
    CORRECTIONS,
    GROUND_TRUTH,
    OFFERED,
    README,
    SHEET_BY_NAME,
    SHEETS,
    Key,
    Sheet,
    Verdict,
)

__all__ = [
    "BACKUPS_KEPT",
    "FORMULA_STARTS",
    "Contract",
    "Formula",
    "Row",
    "WorkbookRefused",
    "load_contract",
    "lock_file",
    "readme_rows",
    "refuse_if_open",
    "save_contract",
]

Row = dict[str, Any]
WIDTH_SAMPLE = 300  # rows looked at to size a column
MAX_ROWS = 1_048_576
PIPELINE_SHEETS = frozenset(s.name for s in SHEETS if s.owner == "pipeline")


@dataclass
class Contract:
    """The workbook as data: rows per sheet, the columns people added, sheets of their own."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    other_sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)  # header order as found
    offered: set[Key] = field(default_factory=set)  # keys ground_truth ever offered

    def sheet(self, name: str) -> list[Row]:
        return self.rows.setdefault(name, [])

    def header(self, spec: Sheet) -> list[str]:
        """The columns to write: a person's order kept, missing contract columns put back."""
        found = self.columns.get(spec.name)
        if not found:
            return list(spec.columns) + self.extra_columns.get(spec.name, [])
        header = list(found)
        for index, column in enumerate(spec.columns):
            if column in header:
                continue
            before = [c for c in spec.columns[:index] if c in header]
            header.insert(header.index(before[-1]) + 1 if before else 0, column)
        return header


# reading -----------------------------------------------------------------------------------


def _header_names(cells: Iterable[Any], spec: Sheet) -> list[str]:
    """Header text, matched to the contract's names whatever the case or spaces; never empty,
    never twice (a person's second "note" column becomes "note (2)", so nothing is lost)."""
    known = {column.casefold(): column for column in spec.columns}
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        text = "" if cell is None else str(cell).strip()
        name = known.get(text.casefold(), text) or f"column {get_column_letter(index)}"
        unique, count = name, 1
        while unique in names:
            count += 1
            unique = f"{name} ({count})"
        names.append(unique)
    return names


def _rows_of(sheet: Any, values_only: bool) -> Iterator[list[Any]]:
    sheet.reset_dimensions()  # trust the cells, not the size a writer claimed
    if values_only:
        for values in sheet.iter_rows(values_only=True):
            yield [read_value(v) for v in values]
        return
    for cells in sheet.iter_rows():
        yield [read_value(c.value, getattr(c, "data_type", None)) for c in cells]


def _used_width(values: list[Any]) -> int:
    return max((i + 1 for i, v in enumerate(values) if v is not None), default=0)


def _read_table(contract: Contract, spec: Sheet, rows: Iterator[list[Any]]) -> None:
    cells = list(rows)
    if not cells:
        return
    width = max(_used_width(values) for values in cells)
    header = _header_names(cells[0][:width] + [None] * (width - len(cells[0])), spec)
    table = contract.sheet(spec.name)
    for values in cells[1:]:
        row = {h: v for h, v in zip(header, values, strict=False) if v is not None}
        if row:
            table.append(row)
    contract.columns[spec.name] = header
    contract.extra_columns[spec.name] = [h for h in header if h not in spec.columns]


def _offered_keys(rows: Iterator[list[Any]]) -> set[Key]:
    keys: set[Key] = set()
    for values in rows:
        if len(values) < 2 or values[0] is None or values[0] == "doc_id":
            continue
        doc_id = str(values[0]).strip()
        for token in str(values[1] or "").split():
            name, _, item = token.partition("#")
            keys.add((doc_id, name, item_of(item)))
    return keys


def _refuse_if_foreign(path: Path, sheetnames: list[str], header: list[Any]) -> None:
    people = {GROUND_TRUTH.name, CORRECTIONS.name}
    names = {str(h).strip().casefold() for h in header if h is not None}
    if not people <= set(sheetnames) or not {"doc_id", "field"} <= names:
        raise WorkbookRefused(
            f"{path} is not a pdf-extract workbook (no ground_truth table): left untouched;"
            " give another --workbook path"
        )


def load_contract(path: Path) -> Contract:
    """The workbook's contents; a missing file is an empty contract. Refuses, untouched,
    a file that is not an .xlsx, is corrupt, or is not ours."""
    contract = Contract()
    refuse_if_unusable(path)
    if not path.exists():
        return contract
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # any failure to open means the file is not a usable .xlsx
        raise WorkbookRefused(
            f"{path} is corrupt or not an .xlsx ({type(error).__name__}): left untouched;"
            " restore it from backups/ or give another --workbook path"
        ) from error
    try:
        names = book.sheetnames
        truth = book[GROUND_TRUTH.name] if GROUND_TRUTH.name in names else None
        header = next(truth.iter_rows(max_row=1, values_only=True), ()) if truth else ()
        _refuse_if_foreign(path, names, list(header))
        for name in book.sheetnames:
            if name == README.name:
                continue
            if name == OFFERED:
                contract.offered = _offered_keys(_rows_of(book[name], values_only=True))
            elif name in SHEET_BY_NAME:
                values_only = name in PIPELINE_SHEETS
                _read_table(contract, SHEET_BY_NAME[name], _rows_of(book[name], values_only))
            else:
                contract.other_sheets[name] = list(_rows_of(book[name], values_only=False))
    except WorkbookRefused:
        raise
    except Exception as error:  # a sheet that cannot be parsed: corrupt, leave it alone
        raise WorkbookRefused(
            f"{path} is corrupt ({type(error).__name__}: {error}): left untouched;"
            " restore it from backups/ or give another --workbook path"
        ) from error
    finally:
        book.close()
    if not contract.offered:  # a workbook from before the offered sheet: what it shows
        contract.offered = {key_of(row) for row in contract.sheet(GROUND_TRUTH.name)}
    return contract


# writing -----------------------------------------------------------------------------------


def readme_rows() -> list[Row]:
    """The README sheet: how to use the workbook, then every sheet and column in plain words."""
    rows: list[Row] = [
        {
            "topic": "What this is",
            "explanation": (
                "The shared workbook of pdf-extract. Each sheet is an Excel table of the same"
                " name. The pipeline rewrites its own sheets (documents, extractions, final,"
                " runs, scores) on every run; ground_truth and corrections belong to people:"
                " everything typed there is kept, whatever you sort, filter, add or delete."
            ),
        },
        {
            "topic": "Rows and keys",
            "explanation": (
                "A row is named by doc_id, field and item, never by its position: sort and"
                " filter freely, add your own columns and sheets. A ground_truth row you delete"
                " stays deleted. A PDF whose content changed gets a new doc_id and new rows;"
                " rows of a doc_id that is no longer in documents belong to an older version."
            ),
        },
        {
            "topic": "Typing values",
            "explanation": (
                "Type dates as dates or as 2026-03-05 and amounts as numbers (text like"
                " '1234.50' is read too). Close the workbook before a run: a workbook open in"
                " Excel is refused, never overwritten. The previous 5 versions are kept in"
                " backups/ beside it."
            ),
        },
    ]
    for spec in SHEETS[1:]:
        rows.append({"topic": f"{spec.name} (by {spec.owner})", "explanation": spec.about})
        for column in spec.columns:
            help_text = COLUMN_HELP.get(spec.name, {}).get(column, "")
            rows.append({"topic": f"{spec.name}.{column}", "explanation": help_text})
    return rows


def _width(column: str, rows: list[Row]) -> float:
    longest = max([len(str(row.get(column) or "")) for row in rows[:WIDTH_SAMPLE]], default=0)
    return float(min(max(longest, len(column)) + 2, 60))


def _table(spec_name: str, columns: list[str], count: int) -> Table:
    ref = f"A1:{get_column_letter(len(columns))}{max(count + 1, 2)}"
    table = Table(
        displayName=spec_name,
        ref=ref,
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=i, name=name) for i, name in enumerate(columns, start=1)],
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    return table


def _verdict_dropdown(columns: list[str]) -> DataValidation:
    letter = get_column_letter(columns.index("verdict") + 1)
    dropdown = DataValidation(
        type="list",
        formula1=f'"{",".join(Verdict.ALL)}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="verdict",
        error=f"Choose {', '.join(Verdict.ALL[:-1])} or {Verdict.ALL[-1]}.",
    )
    dropdown.add(f"{letter}2:{letter}{MAX_ROWS}")
    return dropdown


def _write_table(book: Workbook, spec: Sheet, columns: list[str], rows: list[Row]) -> None:
    """Widths, frozen header and dropdowns first (write-only needs them before the rows)."""
    sheet = book.create_sheet(spec.name)
    assert isinstance(sheet, WriteOnlyWorksheet)
    for index, column in enumerate(columns, start=1):
        width = 100.0 if spec is README and column == "explanation" else _width(column, rows)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if spec is GROUND_TRUTH:
        sheet.data_validations.append(_verdict_dropdown(columns))
    sheet.append(columns)
    for row in rows:
        if spec is README:
            sheet.append([_wrapped(sheet, row.get(column)) for column in columns])
        else:
            sheet.append([written_value(sheet, row.get(column)) for column in columns])
    sheet.tables.add(_table(spec.name, columns, len(rows)))  # columns named above, as
    # write-only mode requires (add_table would only warn that it cannot name them)


def _wrapped(sheet: WriteOnlyWorksheet, text: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if isinstance(text, str) and "." not in text and "(" in text:
        cell.font = Font(bold=True)
    return cell


def _write_offered(book: Workbook, offered: set[Key]) -> None:
    by_doc: dict[str, list[str]] = {}
    for doc_id, name, item in sorted(offered, key=lambda k: (k[0], k[1], k[2] or 0)):
        by_doc.setdefault(doc_id, []).append(name if item is None else f"{name}#{item}")
    sheet = book.create_sheet(OFFERED)
    sheet.sheet_state = "veryHidden"
    sheet.append(["doc_id", "keys"])
    for doc_id, keys in by_doc.items():
        for start in range(0, len(keys), 500):  # stay far below Excel's 32,767 per cell
            sheet.append([doc_id, " ".join(keys[start : start + 500])])


def save_contract(path: Path, contract: Contract) -> None:
    """Write every sheet to a temp file beside the workbook, back up the old one, rename."""
    book = Workbook(write_only=True)
    for spec in SHEETS:
        rows = readme_rows() if spec is README else contract.rows.get(spec.name, [])
        columns = list(README.columns) if spec is README else contract.header(spec)
        _write_table(book, spec, columns, rows)
    for name, cells in contract.other_sheets.items():
        sheet = book.create_sheet(name)
        assert isinstance(sheet, WriteOnlyWorksheet)
        for values in cells:
            sheet.append([written_value(sheet, v) for v in values])
    _write_offered(book, contract.offered)
    save_atomically(path, lambda temp: book.save(temp))
