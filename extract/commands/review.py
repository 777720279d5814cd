"""`extract review --tester NAME`: one HTML worklist of the rows a tester has still to judge."""

from __future__ import annotations

from pathlib import Path

import click

from evals.worklist import WORKLIST_ROWS, worklist_html
from extract.cli import workbook_option
from extract.errors import InputError
from extract.review import worklist
from extract.store import Store


@click.command("review")
@workbook_option
@click.option(
    "--tester",
    default=None,
    help="Whose rows (ground_truth.tester); without it, every row still to judge.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("worklist.html"),
    show_default=True,
    help="The HTML worklist to write.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=WORKLIST_ROWS,
    show_default=True,
    help="Rows shown, the least sure first; judge them and run again for the next ones.",
)
def command(workbook: Path, tester: str | None, out: Path, limit: int) -> None:
    """Write a worklist: the unjudged ground_truth rows, least sure first, each with a
    picture of its page around the value and the key that finds the row in the workbook."""
    if not workbook.exists():
        raise InputError(f"{workbook} does not exist: run `extract run PDF_DIR` first")
    store_path = workbook.with_suffix(".db")
    if not store_path.exists():
        raise InputError(f"no run store {store_path}: run `extract run FOLDER` first")
    if tester is not None and not tester.strip():
        raise InputError("--tester needs a name, e.g. --tester ana")
    out.parent.mkdir(parents=True, exist_ok=True)
    store = Store(store_path)
    try:
        work = worklist(workbook, store, tester, limit, out.parent)
    finally:
        store.close()
    out.write_text(worklist_html(work), encoding="utf-8")
    missing = sum(item.pdf.path is None for item in work.items)
    click.echo(
        f"{len(work.items)} of {work.unjudged} rows to judge"
        + (f" ({missing} without a PDF to show)" if missing else "")
        + f"; worklist: {out.resolve()}"
    )
