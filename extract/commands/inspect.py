"""`extract inspect PDF`: what the extractor sees, to debug a document that goes wrong."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from extract.documents import Document, file_sha256
from extract.pdf import parsed_document


@click.command("inspect")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--words", is_flag=True, help="Also list every word with its position.")
def command(pdf: Path, words: bool) -> None:
    """Print a PDF's status, and per page its text and tables."""
    console = Console()
    parsed = parsed_document(Document(pdf, file_sha256(pdf)))
    console.print(f"[bold]{parsed.file}[/] doc_id={parsed.doc_id} pages={len(parsed.pages)}")
    console.print(f"status: {parsed.status}" + (f" ({parsed.error})" if parsed.error else ""))
    for page in parsed.pages:
        console.rule(f"page {page.number} ({len(page.words)} words, {len(page.tables)} tables)")
        console.print(page.text or "[dim](no text layer)[/]", markup=False, highlight=False)
        for number, rows in enumerate(page.tables, start=1):
            table = Table(title=f"table {number}", show_header=False)
            for _ in range(max((len(r) for r in rows), default=0)):
                table.add_column()
            for row in rows:
                table.add_row(*row)
            console.print(table)
        if words:
            for word in page.words:
                console.print(
                    f"{word.x0:7.1f} {word.top:7.1f} {word.x1:7.1f} {word.bottom:7.1f} {word.text}",
                    markup=False,
                    highlight=False,
                )
