"""`extract inspect PDF`: what the extractor sees, to debug a document that goes wrong."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from extract.documents import Document, file_sha256
from extract.ocr import Ocr
from extract.pdf import Page, parsed_document


@click.command("inspect")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--words", is_flag=True, help="Also list every word with its position.")
@click.option(
    "--ocr",
    type=click.Choice(Ocr.MODES),
    default=Ocr.AUTO,
    show_default=True,
    help="Which pages OCR reads, as `extract run --ocr`.",
)
def command(pdf: Path, words: bool, ocr: str) -> None:
    """Print a PDF's status, and per page where its text comes from, its text and tables."""
    console = Console()
    parsed = parsed_document(Document(pdf, file_sha256(pdf)), ocr=ocr)
    console.print(f"[bold]{parsed.file}[/] doc_id={parsed.doc_id} pages={len(parsed.pages)}")
    console.print(f"status: {parsed.status}" + (f" ({parsed.error})" if parsed.error else ""))
    read = [str(page.number) for page in parsed.pages if page.ocr]
    console.print(f"OCR'd pages: {', '.join(read)}" if read else "OCR'd pages: none")
    for page in parsed.pages:
        console.rule(
            f"page {page.number}: {source_of(page)}"
            f" ({len(page.words)} words, {len(page.tables)} tables)"
        )
        if page.text:
            console.print(page.text, markup=False, highlight=False)
        else:
            console.print("[dim](no text)[/]")
        for number, rows in enumerate(page.tables, start=1):
            table = Table(title=f"table {number}", show_header=False)
            for _ in range(max((len(r) for r in rows), default=0)):
                table.add_column()
            for row in rows:
                table.add_row(*row)
            console.print(table)
        if words:
            for word in page.words:
                score = f" {word.score:.2f}" if page.ocr else ""
                console.print(
                    f"{word.x0:7.1f} {word.top:7.1f} {word.x1:7.1f} {word.bottom:7.1f}{score}"
                    f" {word.text}",
                    markup=False,
                    highlight=False,
                )


def source_of(page: Page) -> str:
    """Where a page's text comes from, as a person reads it."""
    if not page.ocr:
        return "text layer" if page.has_text else "no text layer"
    if not page.words:
        return "OCR, nothing readable"
    lowest = min(word.score for word in page.words)
    return f"OCR (turned {page.turn:g}°, lowest word score {lowest:.2f})"
