"""The tables an integrator loads into Power BI: documents, line items, values, typed.

The workbook is for people; these files are for machines: one row per document with a
typed column per field, one row per line item, and every value in long form with where
it came from. Dates are real dates and amounts decimal numbers, never text, so Power BI
and pandas need no type fixing. Everything is keyed by doc_id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from contract.keys import blank, key_of
from contract.kinds import NUMERIC, canonical_text, typed_value
from contract.labels import agreed_values
from contract.merge import final_rows
from contract.sheets import CORRECTIONS, DOCUMENTS, EXTRACTIONS, FINAL, GROUND_TRUTH, RUNS
from contract.workbook import Contract, Row
from contract.xlsx_write import SheetOut, write_xlsx
from schemas import SchemaNotFound, schema_named
from schemas.base import KINDS, Kind, field_specs
from schemas.vocabulary import Source

Format = Literal["csv", "parquet", "xlsx"]
ColumnType = Literal["text", "number", "integer", "date", "boolean"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "xlsx")
PARQUET_HINT = "parquet needs pyarrow: pip install 'pdf-extract[parquet]' (or use --format csv)"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DOCUMENT_COLUMNS: dict[str, ColumnType] = {
    "doc_id": "text",
    "file": "text",
    "sha256": "text",
    "pages": "integer",
    "split": "text",
    "status": "text",
    "error": "text",
    "last_run": "text",
}


class ParquetMissing(ImportError):
    """pyarrow is not installed (it is an optional dependency)."""

    def __init__(self) -> None:
        super().__init__(PARQUET_HINT)


@dataclass
class ExportTable:
    """One output table: its column types, in order, and its rows."""

    name: str
    columns: dict[str, ColumnType]
    rows: list[Row]

    def values(self, column: str) -> list[Any]:
        """A column's cells in its type (text as str, whatever a sheet held)."""
        kind = self.columns[column]
        cells = [row.get(column) for row in self.rows]
        if kind == "text":
            return [None if blank(v) else str(v) for v in cells]
        return cells

    def frame(self) -> pd.DataFrame:
        data: dict[str, pd.Series] = {}
        for column, kind in self.columns.items():
            values = self.values(column)
            if kind == "number":
                data[column] = pd.Series(values, dtype="float64")
            elif kind == "integer":
                data[column] = pd.Series(values, dtype="Int64")
            elif kind == "boolean":
                data[column] = pd.Series(values, dtype="boolean")
            elif kind == "date":
                data[column] = pd.Series(values, dtype="object")
            else:
                data[column] = pd.Series(values, dtype="string")
        return pd.DataFrame(data)


def _kind_by_inference(values: list[Any]) -> Kind:
    present = [v for v in values if not blank(v)]
    if present and all(isinstance(v, (int, float, Decimal)) for v in present):
        return "number"
    if present and all(isinstance(v, str) and ISO_DATE.fullmatch(v.strip()) for v in present):
        return "date"
    return "text"


def field_kinds(contract: Contract) -> dict[str, Kind]:
    """Each field's kind: from the schema the last run used, else from the values' types."""
    kinds: dict[str, Kind] = {}
    runs = contract.sheet(RUNS.name)
    name = next((str(r["schema"]) for r in reversed(runs) if not blank(r.get("schema"))), None)
    if name:
        try:
            kinds = {spec.path: spec.kind for spec in field_specs(schema_named(name))}
        except SchemaNotFound:  # a schema file that moved: fall back to the values' types
            kinds = {}
    by_field: dict[str, list[Any]] = {}
    for row in contract.sheet(EXTRACTIONS.name):
        by_field.setdefault(key_of(row)[1], []).append(row.get("value"))
    for field, values in by_field.items():
        if field not in kinds:
            kinds[field] = _kind_by_inference(values)
    return kinds


def _column_type(kind: Kind | None) -> ColumnType:
    return "number" if kind in NUMERIC else "date" if kind == "date" else "text"


def _typed(kind: Kind | None, value: Any) -> Any:
    """The value in its column's type; None when it cannot be read as that type."""
    typed = typed_value(kind, value)
    if typed is None:
        return None
    if kind in NUMERIC:
        return float(typed) if isinstance(typed, (Decimal, int, float)) else None
    if kind == "date":
        text = str(typed)
        return date.fromisoformat(text) if ISO_DATE.fullmatch(text) else None
    return str(typed)


def _final(contract: Contract, kinds: Mapping[str, Kind]) -> list[Row]:
    """final as of now: corrections and verdicts typed since the last run count too. Whether
    the run accepted a model value is what the final sheet says; a key it gave to a tester or
    the client, and a key it does not have, is not accepted unseen now either."""
    decided = {key_of(r): r.get("source") for r in contract.sheet(FINAL.name)}
    model_sources = (Source.MODEL, Source.EMBEDDED_XML, Source.NEEDS_REVIEW)
    extractions = [
        {**row, "source": source if source in model_sources else Source.NEEDS_REVIEW}
        for row in contract.sheet(EXTRACTIONS.name)
        for source in (decided.get(key_of(row)),)
    ]
    return final_rows(
        extractions,
        contract.sheet(GROUND_TRUTH.name),
        contract.sheet(CORRECTIONS.name),
        kinds,
        review_threshold=None,
    )


def documents_table(contract: Contract, final: list[Row], kinds: Mapping[str, Kind]) -> ExportTable:
    fields = list(dict.fromkeys(key_of(r)[1] for r in final if key_of(r)[2] is None))
    names = {f: f"field_{f}" if f in DOCUMENT_COLUMNS else f for f in fields}
    columns: dict[str, ColumnType] = dict(DOCUMENT_COLUMNS)
    columns.update({names[f]: _column_type(kinds.get(f)) for f in fields})
    rows: dict[str, Row] = {}
    for row in contract.sheet(DOCUMENTS.name):
        doc_id = key_of(row)[0]
        rows[doc_id] = {c: row.get(c) for c in DOCUMENT_COLUMNS} | {"doc_id": doc_id}
        rows[doc_id]["pages"] = _integer(row.get("pages"))
    for row in final:
        doc_id, field, item = key_of(row)
        if item is None and field in names:
            target = rows.setdefault(doc_id, {"doc_id": doc_id, "file": row.get("file")})
            target[names[field]] = _typed(kinds.get(field), row.get("value"))
    return ExportTable(DOCUMENTS.name, columns, list(rows.values()))


def _integer(value: Any) -> int | None:
    try:
        return None if blank(value) else int(float(str(value)))
    except ValueError:
        return None


def item_tables(final: list[Row], kinds: Mapping[str, Kind]) -> list[ExportTable]:
    """One table per list field (line_items): one row per item, a typed column per part."""
    tables: dict[str, ExportTable] = {}
    rows: dict[tuple[str, str, int], Row] = {}
    for row in final:
        doc_id, field, item = key_of(row)
        if item is None or "." not in field:
            continue
        root, part = field.split(".", 1)
        table = tables.setdefault(
            root, ExportTable(root, {"doc_id": "text", "file": "text", "item": "integer"}, [])
        )
        table.columns.setdefault(part, _column_type(kinds.get(field)))
        target = rows.get((root, doc_id, item))
        if target is None:
            target = rows[(root, doc_id, item)] = {
                "doc_id": doc_id,
                "file": row.get("file"),
                "item": item,
            }
            table.rows.append(target)
        target[part] = _typed(kinds.get(field), row.get("value"))
    for table in tables.values():
        table.rows.sort(key=lambda r: (r["doc_id"], r["item"]))
    return list(tables.values())


def values_table(contract: Contract, final: list[Row], kinds: Mapping[str, Kind]) -> ExportTable:
    """Every value in long form: the model's, the testers' agreed one, the client's."""
    chosen = {key_of(r): str(r.get("source") or "") for r in final}
    files = {key_of(r)[0]: r.get("file") for r in contract.sheet(DOCUMENTS.name)}
    files |= {key_of(r)[0]: r.get("file") for r in final if not blank(r.get("file"))}
    columns: dict[str, ColumnType] = {
        "doc_id": "text",
        "file": "text",
        "field": "text",
        "item": "integer",
        "source": "text",
        "value": "text",
        "value_number": "number",
        "value_date": "date",
        "is_final": "boolean",
    }
    rows: list[Row] = []

    def add(key: tuple[str, str, int | None], value: Any, source: str) -> None:
        kind = kinds.get(key[1])
        if source == Source.MODEL and chosen.get(key) in (Source.EMBEDDED_XML, Source.NEEDS_REVIEW):
            source = str(chosen[key])
        typed = _typed(kind, value)
        rows.append(
            {
                "doc_id": key[0],
                "file": files.get(key[0]),
                "field": key[1],
                "item": key[2],
                "source": source,
                "value": canonical_text(kind, value),
                "value_number": typed if kind in NUMERIC else None,
                "value_date": typed if kind == "date" else None,
                "is_final": chosen.get(key) == source,
            }
        )

    for row in contract.sheet(EXTRACTIONS.name):
        add(key_of(row), row.get("value"), Source.MODEL)
    for key, value in agreed_values(contract.sheet(GROUND_TRUTH.name), kinds).items():
        add(key, value, Source.TESTER)
    for row in contract.sheet(CORRECTIONS.name):
        key = key_of(row)
        if key[0] and key[1]:
            add(key, row.get("value"), Source.CLIENT)
    return ExportTable("values", columns, rows)


def export_tables(contract: Contract) -> list[ExportTable]:
    """documents, one table per list field (line_items), values."""
    kinds = {f: k for f, k in field_kinds(contract).items() if k in KINDS}
    final = _final(contract, kinds)
    return [
        documents_table(contract, final, kinds),
        *item_tables(final, kinds),
        values_table(contract, final, kinds),
    ]


def write_export(tables: list[ExportTable], out: Path, format: Format) -> list[Path]:
    """Write the tables into ``out``: one file per table (csv, parquet) or one workbook."""
    out.mkdir(parents=True, exist_ok=True)
    if format == "xlsx":
        path = out / "export.xlsx"
        write_xlsx(path, [_sheet(table) for table in tables])
        return [path]
    paths = []
    for table in tables:
        path = out / f"{table.name}.{format}"
        if format == "csv":
            # UTF-8 with a byte-order mark: Power BI and Excel then read accents right
            table.frame().to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        else:
            _write_parquet(table, path)
        paths.append(path)
    return paths


def _sheet(table: ExportTable) -> SheetOut:
    columns = list(table.columns)
    widths = [float(min(max(len(c) + 2, 12), 40)) for c in columns]
    return SheetOut(
        name=table.name,
        header=columns,
        rows=[list(cells) for cells in zip(*(table.values(c) for c in columns), strict=True)],
        widths=widths,
    )


def _write_parquet(table: ExportTable, path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ParquetMissing() from error
    types = {
        "text": pa.string(),
        "number": pa.float64(),
        "integer": pa.int64(),
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }
    schema = pa.schema([(c, types[kind]) for c, kind in table.columns.items()])
    arrays = [pa.array(table.values(c), type=types[kind]) for c, kind in table.columns.items()]
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True
