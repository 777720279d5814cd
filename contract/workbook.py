"""Reading and writing the contract workbook: by sheet and column name, fast, and safely.

People edit this file in Excel between runs, so reading never trusts positions: columns
are found by their header (in whatever order a person left them), extra columns and
sheets are kept, formulas a person typed stay formulas. The file itself is read and
written by contract.xlsx_read and contract.xlsx_write, which stream 2 million cells in
seconds where openpyxl takes minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, groupby, islice
from pathlib import Path
from typing import Any, Protocol

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD
from contract.cells import FORMULA_STARTS, Formula, Link, column_letter, link_of, read_value
from contract.colours import colours_explained, confidence_bands
from contract.looks import (
    LOOK,
    SheetLook,
    formatted_cells,
    looked_rows,
    named,
    named_columns,
    placed_columns,
    styled_rows,
    with_looks,
)
from contract.merge import item_of, key_of
from contract.safety import (
    BACKUPS_KEPT,
    FileStamp,
    WorkbookRefused,
    file_stamp,
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
)
from contract.xlsx_read import Columns, XlsxReader
from contract.xlsx_styles import unstyled_formats
from contract.xlsx_write import Dropdown, Shading, SheetOut, write_xlsx
from schemas.confidence import FORMULA_TEXT
from schemas.vocabulary import Verdict

__all__ = [
    "BACKUPS_KEPT",
    "FORMULA_STARTS",
    "Contract",
    "Formula",
    "Row",
    "Spill",
    "WorkbookRefused",
    "check_contract",
    "load_contract",
    "lock_file",
    "readme_rows",
    "refuse_if_open",
    "save_contract",
    "sheet_out",
]

Row = dict[str, Any]
WIDTH_SAMPLE = 300  # rows looked at to size a column
HEADER_BLOCK = 1 << 14  # bytes of a sheet read to check its header (not a whole block of rows)
THRESHOLD_LABEL = "review_threshold"  # in the offered sheet's header: what the colours show
LINK_COLUMN, CONFIDENCE_COLUMN = "link", "confidence"
SHADED = frozenset(("extractions", "ground_truth"))  # sheets whose confidence is coloured


@dataclass
class Contract:
    """The workbook as data: rows per sheet, the columns people added, sheets of their own."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    other_sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)  # header order as found
    offered: set[Key] = field(default_factory=set)  # keys ground_truth ever offered
    hidden_sheets: dict[str, str] = field(default_factory=dict)  # other sheet -> its state
    # rows to save instead of rows[name], in one pass (a run's sheets, too big to hold)
    streamed: dict[str, Iterable[Row]] = field(default_factory=dict)
    streamed_offered: Iterable[Key] | None = None  # instead of offered; sorted by key
    # the file as it was read: a save refuses to replace a file someone saved since
    loaded_stamp: FileStamp | None = None
    # streamed sheets another process may write while this one writes the rest (see
    # xlsx_write): their rows must be safe to start reading in a forked process
    apart: set[str] = field(default_factory=set)
    # run by the save before any row is read, but those of the ``early`` sheets written
    # apart: they start at once and are written while it runs (a run's merge, see
    # contract.update)
    prepare: Callable[[], None] | None = None
    early: set[str] = field(default_factory=set)
    # what people gave their sheets' cells: the stylesheet their cells point into, the
    # looks of people's tables (their rows carry theirs under LOOK), the columns and
    # comments of their own sheets (whose cells carry their looks)
    styles: bytes | None = None
    looks: dict[str, SheetLook] = field(default_factory=dict)
    other_columns: dict[str, Columns] = field(default_factory=dict)
    other_notes: set[str] = field(default_factory=set)
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD  # what the confidence colours show

    def sheet(self, name: str) -> list[Row]:
        return self.rows.setdefault(name, [])

    def header(self, spec: Sheet) -> list[str]:
        """The columns to write: a person's order kept, missing contract columns put back."""
        found = self.columns.get(spec.name)
        header = list(found or [*spec.columns, *self.extra_columns.get(spec.name, [])])
        for index, column in enumerate(spec.columns):
            if column in header:
                continue
            before = [c for c in spec.columns[:index] if c in header]
            header.insert(header.index(before[-1]) + 1 if before else 0, column)
        if spec.owner != "pipeline":  # a cell put in a people's row under a new name is kept
            known = {*header, LOOK}
            for row in self.rows.get(spec.name, []):
                if not known.issuperset(row):
                    header += [c for c in row if c not in known]
                    known.update(row)
        return header


# reading -----------------------------------------------------------------------------------


class Spill(Protocol):
    """Where a lean load puts what it need not hold: untouched ground_truth rows, offered keys."""

    def kept(self, row: Row) -> bool:
        """Each ground_truth row in sheet order; False: the spill holds it, not the contract."""
        ...

    def offer(self, keys: Iterable[Key]) -> None:
        """Keys read from the offered sheet."""
        ...


def _header_names(cells: Iterable[Any], spec: Sheet) -> list[str]:
    """Header text, matched to the contract's names whatever the case or spaces; never empty,
    never twice (a person's second "note" column becomes "note (2)", so nothing is lost)."""
    known = {column.casefold(): column for column in spec.columns}
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        text = "" if cell is None else " ".join(str(cell).split())
        name = known.get(text.casefold(), text) or f"column {column_letter(index)}"
        unique, count = name, 1
        while unique in names:
            count += 1
            unique = f"{name} ({count})"
        names.append(unique)
    return names


def _rows_of(book: XlsxReader, name: str) -> Iterator[list[Any]]:
    for values in book.rows(name):
        yield [read_value(v) for v in values]


def _used_width(values: list[Any]) -> int:
    return max((i + 1 for i, v in enumerate(values) if v is not None), default=0)


def _read_table(
    contract: Contract,
    spec: Sheet,
    rows: Iterator[tuple[list[Any], dict[int, Any] | None]],
    header_only: bool = False,
    kept: Callable[[Row], bool] | None = None,
) -> list[str]:
    """The sheet's rows as dicts by column name, streamed; returns the header as found.
    ``header_only`` skips the rows of a sheet about to be replaced, unless a person added
    columns whose cells must be carried over; ``kept`` says which rows to hold (the others
    went to a Spill). A row whose cells a person formatted carries their looks (LOOK); a
    link the writer made comes back as the Link it was."""
    first, first_looks = next(rows, (None, None))
    if first is None:
        return []
    if header_only and not [h for h in _header_names(first, spec) if h not in spec.columns]:
        contract.columns[spec.name] = _header_names(first, spec)
        return contract.columns[spec.name]
    width = _used_width(first)
    header = _header_names(first[:width], spec)
    table = contract.sheet(spec.name)
    if first_looks:
        contract.looks.setdefault(spec.name, SheetLook()).header = named(first_looks, header)
    for values, looks in rows:
        used = _used_width(values)
        if used > width:  # names are given left to right, so a wider header keeps its start
            width = used
            header = _header_names(first[:width] + [None] * (width - len(first)), spec)
        row = {h: v for h, v in zip(header, values, strict=False) if v is not None}
        if not row:
            continue
        if LINK_COLUMN in row:
            row[LINK_COLUMN] = link_of(row[LINK_COLUMN]) or row[LINK_COLUMN]
        if looks:
            row[LOOK] = named(looks, header)
        if kept is None or kept(row):
            table.append(row)
    contract.columns[spec.name] = header
    contract.extra_columns[spec.name] = [h for h in header if h not in spec.columns]
    return header


def _plain_rows(rows: Iterator[list[Any]]) -> Iterator[tuple[list[Any], None]]:
    for values in rows:
        yield values, None


def _read_people_table(
    contract: Contract,
    book: XlsxReader,
    spec: Sheet,
    unstyled: frozenset[int],
    kept: Callable[[Row], bool] | None,
) -> None:
    """A people's table: its rows with their looks, its columns' widths, its comments."""
    notes = book.notes(spec.name)
    rows = looked_rows(styled_rows(book, spec.name, unstyled), notes)
    header = _read_table(contract, spec, rows, False, kept)
    look = contract.looks.setdefault(spec.name, SheetLook())
    look.columns = named_columns(book.columns(spec.name), header)
    look.notes = bool(notes)


def _read_own_sheet(
    contract: Contract, book: XlsxReader, name: str, unstyled: frozenset[int]
) -> None:
    """A sheet of a person's own, cell by cell with their looks, and its columns."""
    notes = book.notes(name)
    contract.other_sheets[name] = list(formatted_cells(styled_rows(book, name, unstyled), notes))
    contract.other_columns[name] = book.columns(name)
    if notes:
        contract.other_notes.add(name)


def _read_offered(contract: Contract, book: XlsxReader, spill: Spill | None) -> None:
    """The keys once offered (to the spill, when there is one), and the review threshold."""
    rows = _rows_of(book, OFFERED)
    first = next(rows, None)
    contract.review_threshold = _read_threshold(first)
    keys = _offered_keys(chain([first] if first else [], rows))
    if spill is not None:
        spill.offer(keys)
    else:
        contract.offered = set(keys)


def _read_threshold(first: list[Any] | None) -> float:
    """The review threshold the offered sheet's header remembers (the last run's)."""
    if first and len(first) >= 4 and first[2] == THRESHOLD_LABEL:
        try:
            return min(max(float(first[3]), 0.0), 1.0)
        except (TypeError, ValueError):
            pass
    return DEFAULT_REVIEW_THRESHOLD


def _offered_keys(rows: Iterator[list[Any]]) -> Iterator[Key]:
    for values in rows:
        if len(values) < 2 or values[0] is None or values[0] == "doc_id":
            continue
        doc_id = str(values[0]).strip()
        for token in str(values[1] or "").split():
            name, _, item = token.partition("#")
            yield doc_id, name, item_of(item)


def _refuse_if_foreign(path: Path, sheetnames: list[str], header: list[Any]) -> None:
    people = {GROUND_TRUTH.name, CORRECTIONS.name}
    names = {str(h).strip().casefold() for h in header if h is not None}
    if not people <= set(sheetnames) or not {"doc_id", "field"} <= names:
        raise WorkbookRefused(
            f"{path} is not a pdf-extract workbook (no ground_truth table): left untouched;"
            " give another --workbook path"
        )


def _refused(path: Path, error: Exception, what: str = "corrupt") -> WorkbookRefused:
    return WorkbookRefused(
        f"{path} is {what} ({type(error).__name__}): left untouched;"
        " restore it from backups/ or give another --workbook path"
    )


def _opened_if_ours(path: Path) -> XlsxReader:
    """The workbook opened for reading, or refused (closed, untouched) when it is not a
    readable .xlsx of ours: the check every read starts with."""
    try:
        book = XlsxReader(path)
    except Exception as error:  # any failure to open means the file is not a usable .xlsx
        raise _refused(path, error, "corrupt or not an .xlsx") from error
    try:
        names = book.sheetnames
        header = (
            next(book.rows(GROUND_TRUTH.name, block=HEADER_BLOCK), [])
            if GROUND_TRUTH.name in names
            else []
        )
        _refuse_if_foreign(path, names, header)
    except WorkbookRefused:
        book.close()
        raise
    except Exception as error:
        book.close()
        raise _refused(path, error) from error
    return book


def check_contract(path: Path) -> None:
    """Refuse, before any work, a workbook that is open, not an .xlsx, corrupt or not ours:
    the cheap part of load_contract (no sheet is read beyond the ground_truth header)."""
    refuse_if_unusable(path)
    if path.exists():
        _opened_if_ours(path).close()


def load_contract(
    path: Path, replaced: Collection[str] = (), spill: Spill | None = None
) -> Contract:
    """The workbook's contents; a missing file is an empty contract. Refuses, untouched,
    a file that is not an .xlsx, is corrupt, or is not ours. The rows of ``replaced``
    sheets (about to be rewritten) are only read when people added columns to them.
    With a ``spill``, the offered keys and the ground_truth rows it takes go to it."""
    contract = Contract(loaded_stamp=file_stamp(path))
    refuse_if_unusable(path)
    if not path.exists():
        return contract
    book = _opened_if_ours(path)
    try:
        contract.styles = book.styles
        unstyled = unstyled_formats(book.styles)
        for sheet in book.sheets:
            spec = SHEET_BY_NAME.get(sheet.name)
            if sheet.name == README.name:
                continue
            if sheet.name == OFFERED:
                _read_offered(contract, book, spill)
            elif spec is not None and spec.owner != "pipeline":
                kept = spill.kept if spill is not None and spec is GROUND_TRUTH else None
                _read_people_table(contract, book, spec, unstyled, kept)
            elif spec is not None:
                rows = _plain_rows(_rows_of(book, sheet.name))
                _read_table(contract, spec, rows, sheet.name in replaced)
            else:
                _read_own_sheet(contract, book, sheet.name, unstyled)
                if sheet.state != "visible":
                    contract.hidden_sheets[sheet.name] = sheet.state
    except Exception as error:  # a sheet that cannot be parsed: corrupt, leave it alone
        raise _refused(path, error) from error
    finally:
        book.close()
    if not contract.offered and spill is None:  # from before the offered sheet: what it shows
        contract.offered = {key_of(row) for row in contract.sheet(GROUND_TRUTH.name)}
    return contract


# writing -----------------------------------------------------------------------------------


def readme_rows(threshold: float = DEFAULT_REVIEW_THRESHOLD) -> list[Row]:
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
        {"topic": "Confidence", "explanation": FORMULA_TEXT},
        {"topic": "Colours", "explanation": colours_explained(threshold)},
        {
            "topic": "Accepted or needs review",
            "explanation": (
                "A key nobody judged takes the model's value in final (source model) only when"
                " it is grounded and its confidence is at or above the run's review threshold"
                " (runs.accept_above); otherwise final still shows the value, with source"
                " 'needs review'. The threshold is extract run --accept-above, by default the"
                " one extract score last recommended (the lowest confidence at which the"
                " labelled hallucination rate's 95% upper bound is at most 1%), else 1:"
                " nothing accepted unseen. Judge the lowest confidences first."
            ),
        },
    ]
    for spec in SHEETS[1:]:
        rows.append({"topic": f"{spec.name} (by {spec.owner})", "explanation": spec.about})
        for column in spec.columns:
            help_text = COLUMN_HELP.get(spec.name, {}).get(column, "")
            rows.append({"topic": f"{spec.name}.{column}", "explanation": help_text})
    return rows


def _shown(value: Any) -> str:
    """The text a cell shows, to size its column."""
    if isinstance(value, Link):
        return value.text
    return str(value or "")


def _width(column: str, rows: list[Row]) -> float:
    longest = max([len(_shown(row.get(column))) for row in rows[:WIDTH_SAMPLE]], default=0)
    return float(min(max(longest, len(column)) + 2, 60))


def _cells(
    rows: Iterable[Row], columns: list[str], widths: list[float], readme: bool
) -> Iterator[list[Any]]:
    """The rows as cells, with the looks a person gave them; ``widths`` is filled from the
    first rows before any is given. Nothing is read until the first row is asked for
    (possibly by another process)."""
    stream = iter(rows)
    sample = list(islice(stream, WIDTH_SAMPLE))
    widths[:] = [100.0 if readme and c == "explanation" else _width(c, sample) for c in columns]
    for row in chain(sample, stream):
        cells = list(map(row.get, columns))
        look = row.get(LOOK)
        yield cells if look is None else with_looks(cells, look, columns)


def sheet_out(
    spec: Sheet,
    columns: list[str],
    rows: Iterable[Row],
    apart: bool = False,
    look: SheetLook | None = None,
    threshold: float = DEFAULT_REVIEW_THRESHOLD,
    early: bool = False,
) -> SheetOut:
    """The sheet as the writer takes it: its dropdown, its colours, a person's looks."""
    readme = spec is README
    widths: list[float] = []  # filled by _cells, read once the rows are written
    dropdowns = []
    if spec is GROUND_TRUTH and "verdict" in columns:
        options = Verdict.ALL
        error = f"Choose {', '.join(options[:-1])} or {options[-1]} (or leave it blank)."
        dropdowns.append(Dropdown(columns.index("verdict") + 1, options, error))
    shading = []
    if spec.name in SHADED and CONFIDENCE_COLUMN in columns:
        column = columns.index(CONFIDENCE_COLUMN) + 1
        shading.append(Shading(column, confidence_bands(threshold)))
    look = look or SheetLook()
    return SheetOut(
        name=spec.name,
        header=columns,
        rows=_cells(rows, columns, widths, readme),
        widths=widths,
        dropdowns=dropdowns,
        wrapped=readme,
        apart=apart,
        early=early,
        columns=placed_columns(look.columns, columns),
        header_looks={i: look.header[c] for i, c in enumerate(columns) if c in look.header},
        shading=shading,
        notes=look.notes,
        printed_wide=not readme,
    )


def offered_order(key: Key) -> tuple[str, str, int]:
    """How the offered sheet sorts its keys."""
    return key[0], key[1], key[2] or 0


def _offered_rows(offered: Iterable[Key], threshold: float) -> Iterator[list[Any]]:
    """One row per document (per 500 keys), from keys sorted by offered_order; the header
    also remembers the review threshold the colours show."""
    yield ["doc_id", "keys", THRESHOLD_LABEL, threshold]
    for doc_id, keys in groupby(offered, key=lambda key: key[0]):
        names = [name if item is None else f"{name}#{item}" for _, name, item in keys]
        for start in range(0, len(names), 500):  # stay far below Excel's 32,767 per cell
            yield [doc_id, " ".join(names[start : start + 500])]


def _offered_sheet(offered: Iterable[Key], threshold: float) -> SheetOut:
    return SheetOut(name=OFFERED, rows=_offered_rows(offered, threshold), state="veryHidden")


def save_contract(path: Path, contract: Contract) -> list[SheetOut]:
    """Write every sheet to a temp file beside the workbook, back up the old one, rename;
    returns the sheets as written (their rows consumed)."""
    sheets = []
    threshold = contract.review_threshold
    for spec in SHEETS:
        rows: Iterable[Row] = (
            readme_rows(threshold)
            if spec is README
            else contract.streamed.get(spec.name, contract.rows.get(spec.name, []))
        )
        columns = list(README.columns) if spec is README else contract.header(spec)
        apart, look = spec.name in contract.apart, contract.looks.get(spec.name)
        early = spec.name in contract.early
        sheets.append(sheet_out(spec, columns, rows, apart, look, threshold, early))
    for name, cells in contract.other_sheets.items():
        state = contract.hidden_sheets.get(name, "visible")
        sheets.append(
            SheetOut(
                name=name,
                rows=cells,
                state=state,  # type: ignore[arg-type]
                columns=contract.other_columns.get(name, []),
                notes=name in contract.other_notes,
            )
        )
    offered = contract.streamed_offered
    keys = sorted(contract.offered, key=offered_order) if offered is None else offered
    sheets.append(_offered_sheet(keys, threshold))
    styles, prepare = contract.styles, contract.prepare
    save_atomically(
        path,
        lambda temp: write_xlsx(temp, sheets, styles=styles, prepare=prepare),
        contract.loaded_stamp,
    )
    return sheets
