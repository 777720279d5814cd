"""What people gave the cells and columns of their sheets, read to be written back.

A tester fills a doubtful cell yellow, a client expert leaves a comment on a correction,
somebody widens a column: none of it is a value, and the merge works on values. So a
row of a people's table carries its cells' looks under :data:`LOOK` (by column name, so
they follow the row wherever the merge puts it and whatever columns are added), a
person's own sheet keeps them in its cells (as :class:`Formatted` values, by position),
and a sheet's columns keep their widths by header name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from contract.cells import Formatted, Note, read_value
from contract.xlsx_read import XlsxReader

LOOK: Final = "\x00look"
"""The key of a row's looks: column name -> Formatted (its value unused). No header can
take this name: XML text holds no NUL character."""

RowLook = dict[str, Formatted]
Columns = list[tuple[int, int, dict[str, str]]]  # <col> ranges: (min, max, attributes)


@dataclass
class SheetLook:
    """A people's table as found: its header cells' looks and its columns, by name."""

    header: dict[str, Formatted] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: bool = False  # a cell had a comment


def cell_looks(
    styles: Mapping[int, int] | None, notes: Mapping[int, Note] | None
) -> dict[int, Formatted]:
    """A row's looks by column index, from its cells' formats and its comments."""
    looks = {index: Formatted(None, style) for index, style in (styles or {}).items()}
    for index, note in (notes or {}).items():
        looks[index] = Formatted(None, looks[index].style if index in looks else None, note)
    return looks


def named(looks: Mapping[int, Formatted], header: Sequence[str]) -> RowLook:
    """Looks by column name (a cell beyond the header has no name and keeps no look)."""
    return {header[index]: look for index, look in looks.items() if index < len(header)}


def named_columns(found: Columns, header: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each header column's <col> attributes, by name."""
    columns: dict[str, dict[str, str]] = {}
    for low, high, attributes in found:
        for index in range(low, min(high, len(header)) + 1):
            columns[header[index - 1]] = attributes
    return columns


def placed_columns(columns: Mapping[str, dict[str, str]], header: Sequence[str]) -> Columns:
    """The <col> ranges for a header in its order now."""
    return [
        (index, index, columns[name])
        for index, name in enumerate(header, start=1)
        if name in columns
    ]


def with_looks(values: list[Any], look: RowLook, columns: Sequence[str]) -> list[Any]:
    """A row's cells, each with the look a person gave it."""
    return [
        value if (found := look.get(name)) is None else Formatted(value, found.style, found.note)
        for name, value in zip(columns, values, strict=True)
    ]


StyledRows = Iterable[tuple[list[Any], Mapping[int, int] | None]]


def styled_rows(book: XlsxReader, name: str, unstyled: frozenset[int]) -> StyledRows:
    """Each row's values, and the formats a person gave its cells, by column index."""
    for values in book.rows(name, unstyled):
        yield [read_value(v) for v in values], getattr(values, "styles", None)


def _by_row(notes: Mapping[tuple[int, int], Note]) -> dict[int, dict[int, Note]]:
    by_row: dict[int, dict[int, Note]] = {}
    for (row, column), note in notes.items():
        by_row.setdefault(row, {})[column] = note
    return by_row


def looked_rows(
    rows: StyledRows, notes: Mapping[tuple[int, int], Note]
) -> Iterator[tuple[list[Any], dict[int, Formatted] | None]]:
    """Each row's values, and its cells' looks by column index (None for none)."""
    by_row = _by_row(notes)
    for number, (values, styles) in enumerate(rows):
        found = by_row.get(number)
        yield values, cell_looks(styles, found) if styles or found else None


def formatted_cells(rows: StyledRows, notes: Mapping[tuple[int, int], Note]) -> Iterator[list[Any]]:
    """A person's own sheet (each row's values and cell formats), each cell with its look
    (a Formatted value)."""
    by_row = _by_row(notes)
    for number, (values, styles) in enumerate(rows):
        row_notes = by_row.get(number)
        if not (styles or row_notes):
            yield values
            continue
        looks = cell_looks(styles, row_notes)
        cells = list(values) + [None] * (max(looks, default=-1) + 1 - len(values))
        yield [
            cell if (found := looks.get(i)) is None else Formatted(cell, found.style, found.note)
            for i, cell in enumerate(cells)
        ]
