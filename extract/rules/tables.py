"""Rows of a list field (line items), read from word positions: aligned text columns.

pdfplumber's table finder is not used: real invoices rarely rule their tables, and the
words' x positions work with or without lines. A header is a line that prints labels of
at least two of the list's fields; its labels' x ranges fix the columns. Every later line
whose cells fall into them and that has an amount is a row, until the totals block, a
line of the final total, or a vertical gap. Each value of a row quotes the row's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from extract.rules.labels import LabelIndex, is_announcing
from extract.rules.lines import Line
from extract.rules.reading import Reading
from extract.rules.typed import money_spans, number_at
from schemas.base import FieldSpec
from schemas.values import amount

Row = dict[str, dict[str, Any]]  # field name -> {"value", "page", "quote"}
STOP_AFTER_LABEL_LINES = 2  # totals-block lines seen since the last row that end the table
# an amount with two decimals, grouped or not, a currency beside it at most: unambiguous
_SIMPLE_MONEY = re.compile(
    r"(?:[€$£¥₹]|EUR|USD|GBP|CHF)? ?(?P<number>\d{1,3}(?:,\d{3})+\.\d\d|\d{1,3}(?:\.\d{3})+,\d\d"
    r"|\d+[.,]\d\d) ?(?:[€$£¥₹]|EUR|USD|GBP|CHF)?"
)
ROW_GAP = 4.0  # in line heights: a wider gap since the last row ends the table
_ITEM_CODE = re.compile(r"^(?:\[[^\]]{1,30}\]|\*[^*\s]{1,30}\*)\s*")  # "[SKU-1] Chair"


@dataclass(frozen=True)
class StopLabels:
    """Document fields whose labels end a table: totals blocks, and the final total."""

    totals: set[str]  # money fields: two such lines after the last row end the table
    final: set[str]  # fields marked ``ends_list``: one such line ends it


@dataclass(frozen=True)
class Column:
    spec: FieldSpec | None  # None: a column the schema does not ask for (tax rate, SKU)
    x0: float
    x1: float


def _header_columns(line: Line, index: LabelIndex, specs: list[FieldSpec]) -> list[Column] | None:
    hits = index.hits(line)
    if not hits:
        return None
    by_path = {spec.path: spec for spec in specs}
    best: dict[str, tuple[int, int]] = {}  # path -> (rank, hit position)
    for position, hit in enumerate(hits):
        for path in hit.fields:
            rank = index.rank(path, hit)
            if path not in best or rank < best[path][0]:
                best[path] = (rank, position)
    if len(best) < 2 or not any(by_path[p].kind in ("money", "number") for p in best):
        return None
    owner = {position: path for path, (_, position) in best.items()}
    columns: list[Column] = []
    covered: set[int] = set()
    for position, hit in enumerate(hits):
        first, last = line.word_index(hit.start), line.word_index(max(hit.start, hit.end - 1))
        covered.update(range(first, last + 1))
        spec = by_path[owner[position]] if position in owner else None
        columns.append(Column(spec, line.words[first].x0, line.words[last].x1))
    for first, end in line.cells():
        loose = [i for i in range(first, end) if i not in covered]
        if loose:
            columns.append(Column(None, line.words[loose[0]].x0, line.words[loose[-1]].x1))
    return sorted(columns, key=lambda column: column.x0)


def _column_of(columns: list[Column], x0: float, x1: float) -> Column:
    """The column a cell falls in: the one it overlaps most, else the nearest (the first of
    equals, as ``max`` and ``min`` pick; spelled out, as this runs for every cell)."""
    best: Column | None = None
    most = 0.0
    for column in columns:
        right = column.x1 if column.x1 < x1 else x1
        left = column.x0 if column.x0 > x0 else x0
        if best is None or right - left > most:
            best, most = column, right - left
    if best is None:
        raise ValueError("no columns")
    if most > 0:
        return best
    nearest = best
    least = 0.0
    for number, column in enumerate(columns):
        after, before = column.x0 - x1, x0 - column.x1
        distance = before if before > after else after
        if number == 0 or distance < least:
            nearest, least = column, distance
    return nearest


def _cells(line: Line) -> list[tuple[float, float, str]]:
    """The line's cells, a lone currency sign joined to the amount after it."""
    cells: list[tuple[float, float, str]] = []
    pending: tuple[float, str] | None = None
    words, starts, line_text = line.words, line.starts, line.text
    for first, end in line.cells():
        last = words[end - 1]
        text = line_text[starts[first] : starts[end - 1] + len(last.text)]  # line.joined
        x0, x1 = words[first].x0, last.x1
        if pending is not None:
            x0, text = pending[0], f"{pending[1]} {text}"
            pending = None
        if text in ("€", "$", "£", "¥", "₹", "Rs", "Rs.", "EUR", "USD", "GBP"):
            pending = (x0, text)
            continue
        cells.append((x0, x1, text))
    return cells


@lru_cache(maxsize=1024)
def _money_cell(text: str, day_first: bool) -> Decimal | None:
    """The amount a money cell holds (one amount, a currency beside it at most), else None.

    Cached: a row's money cells are tested, then read. The common cell ("1,096.00",
    "€ 12,50") is read directly, with the value the full reading gives it.
    """
    simple = _SIMPLE_MONEY.fullmatch(text)
    if simple is not None:
        return amount(simple["number"])
    found = money_spans(text, day_first)
    if len(found) != 1:
        return None
    rest = (text[: found[0].start] + text[found[0].end :]).strip(" €$£¥₹")
    if rest.upper() in ("", "EUR", "USD", "GBP", "CHF", "RS", "RS.", "INR"):
        value: Decimal = found[0].value
        return value
    return None


@dataclass(frozen=True)
class _ListSpecs:
    """A list's fields as ``_row`` reads them, sorted out once per document."""

    fields: list[tuple[FieldSpec, str]]  # every field with its name, in schema order
    money: list[str]  # paths of the money fields
    wording: list[str]  # paths of the text and code fields


def _list_specs(specs: list[FieldSpec]) -> _ListSpecs:
    return _ListSpecs(
        fields=[(spec, spec.name) for spec in specs],
        money=[spec.path for spec in specs if spec.kind == "money"],
        wording=[spec.path for spec in specs if spec.kind in ("text", "code")],
    )


def _row(line: Line, columns: list[Column], specs: _ListSpecs, day_first: bool) -> Row | None:
    texts: dict[str, list[str]] = {}
    for x0, x1, text in _cells(line):
        spec = _column_of(columns, x0, x1).spec
        if spec is not None:
            texts.setdefault(spec.path, []).append(text)
    joined = {path: " ".join(parts) for path, parts in texts.items()}
    if not any(
        path in joined and _money_cell(joined[path], day_first) is not None for path in specs.money
    ):
        return None
    if specs.wording and not any(
        any(ch.isalpha() for ch in joined.get(path, "")) for path in specs.wording
    ):
        return None
    row: Row = {}
    for spec, name in specs.fields:
        cell = joined.get(spec.path, "").strip()
        value = _cell_value(spec, cell, day_first)
        if value is not None:
            row[name] = {"value": value, "page": line.page, "quote": line.text}
    return row


def _cell_value(spec: FieldSpec, cell: str, day_first: bool) -> Any:
    if not cell:
        return None
    if spec.kind == "money":
        return _money_cell(cell, day_first)  # money_spans(cell)[-1].value of a money cell
    if spec.kind == "number":
        got = number_at(cell)
        return got.value if got is not None and got.start == 0 else None
    if spec.kind == "date":
        return None  # dates in rows are rare and ambiguous: left to the model backends
    if spec.kind == "text":
        return _ITEM_CODE.sub("", cell) or cell
    return cell


@dataclass
class ListRows:
    """A list field's rows, and the lines they and their headers take: no other value there."""

    rows: list[Row]
    lines: set[tuple[int, int]]


def list_rows(
    reading: Reading, specs: list[FieldSpec], index: LabelIndex, stops: StopLabels
) -> ListRows:
    """Rows under every header line, page by page, until the totals block."""
    found = ListRows([], set())
    row_specs = _list_specs(specs)
    for lines in reading.lines:
        columns: list[Column] | None = None
        label_lines = 0
        last_bottom = 0.0
        for line in lines:
            header = _header_columns(line, index, specs)
            if header is not None and money_spans(line.text, reading.day_first):
                header = None  # "Montant Total HT 2.310,00€": labels with a value are no header
            if header is not None:
                columns, label_lines, last_bottom = header, 0, line.bottom
                found.lines.add((line.page, line.index))
                continue
            if columns is None:
                continue
            if line.top - last_bottom > ROW_GAP * line.height:
                columns = None
                continue
            last_bottom = line.bottom
            hits = [hit for hit in reading.hits_in(line) if is_announcing(line, hit)]
            if any(set(hit.fields) & stops.final for hit in hits):
                columns = None
                continue
            if any(set(hit.fields) & stops.totals for hit in hits):  # a totals-block line
                label_lines += 1
                if label_lines >= STOP_AFTER_LABEL_LINES:
                    columns = None
                continue
            row = _row(line, columns, row_specs, reading.day_first)
            if row is not None and reading.holds(line.page, line.text):
                found.rows.append(row)
                found.lines.add((line.page, line.index))
                label_lines = 0
    return found
