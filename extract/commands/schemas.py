"""`extract schemas`: the schemas and their fields, as the backends and workbook see them."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from schemas import BUILTIN, schema_named
from schemas.base import field_specs


@click.command("schemas")
@click.option("--schema", "name", default=None, help="Show one schema (name or FILE.py:Model).")
def command(name: str | None) -> None:
    """List the schemas and their fields: kind, labels the rules backend looks for."""
    console = Console()
    for schema_name in [name] if name else sorted(BUILTIN):
        schema = schema_named(schema_name)
        doc = (schema.__doc__ or "").strip().splitlines()[0] if schema.__doc__ else ""
        table = Table(title=f"{schema_name}: {doc}", title_justify="left")
        table.add_column("field")
        table.add_column("kind")
        table.add_column("description")
        table.add_column("labels", overflow="fold")
        for spec in field_specs(schema):
            table.add_row(spec.path, spec.kind, spec.description, ", ".join(spec.labels[:6]))
        console.print(table)
