"""`extract export --out DIR`: the workbook's final data as typed tables for Power BI."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from contract.export import FORMATS, PARQUET_HINT, export_tables, parquet_available, write_export
from contract.workbook import load_contract
from extract.cli import workbook_option
from extract.errors import InputError


@click.command("export")
@workbook_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the tables into (created if missing).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv (one file per table), parquet (needs pyarrow) or xlsx (one workbook of tables).",
)
def command(workbook: Path, out: Path, format_: str) -> None:
    """Write documents, line_items and values: typed, keyed by doc_id, ready for Power BI."""
    if not workbook.exists():
        raise InputError(f"{workbook} does not exist: run `extract run PDF_DIR` first")
    if format_ == "parquet" and not parquet_available():
        raise InputError(PARQUET_HINT)
    tables = export_tables(load_contract(workbook))
    paths = write_export(tables, out, format_)  # type: ignore[arg-type]
    console = Console(stderr=True)
    for table in tables:
        console.print(f"{table.name}: {len(table.rows)} rows")
    for path in paths:
        console.print(f"wrote {path}")
