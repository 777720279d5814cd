"""`extract assign --testers a,b,c`: share the documents out among testers in ground_truth."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from contract.assign import assign_testers
from extract.cli import workbook_option
from extract.errors import InputError


def tester_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError("--testers needs at least one name, e.g. --testers ana,ben,chloe")
    if len(set(names)) != len(names):
        raise InputError(f"--testers names someone twice: {text}")
    return names


@click.command("assign")
@workbook_option
@click.option("--testers", required=True, help="Comma-separated tester names: ana,ben,chloe.")
@click.option(
    "--per-doc",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="How many testers judge each document (to measure their agreement).",
)
def command(workbook: Path, testers: str, per_doc: int) -> None:
    """Give every document to --per-doc testers: loads balanced, pairs spread evenly.

    Writes the tester into ground_truth (one row per tester and key). Documents that
    already have testers keep them; run it again after a run adds documents."""
    names = tester_names(testers)
    if per_doc > len(names):
        raise InputError(f"--per-doc {per_doc} needs at least {per_doc} testers, got {len(names)}")
    if not workbook.exists():
        raise InputError(f"{workbook} does not exist: run `extract run PDF_DIR` first")
    loads = assign_testers(workbook, names, per_doc)
    console = Console(stderr=True)
    for name in names:
        console.print(f"{name}: {loads.get(name, 0)} documents")
    console.print(f"workbook: {workbook.resolve()}")
