"""A tester's worklist: the ground_truth rows still to judge, least sure first, each with a
band of its page around the value, and the row's key to find it in the workbook at once.

One HTML file, offline, pictures embedded; a document whose PDF cannot be found or read
says so in its rows instead of a picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from evals.pictures import (
    CONFIDENCE_LEGEND,
    PICTURE_STYLE,
    Mark,
    PdfFile,
    Picture,
    PictureError,
    band_pictures,
    confidence_colour,
    legend,
    picture_svg,
)

WORKLIST_ROWS = 200  # rows a worklist shows; `extract review --limit`

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 22px; } h2 { font-size: 16px; margin: 0 0 6px; }
section.card { border: 1px solid #ccc; border-radius: 6px; padding: 12px 14px;
  margin: 0 0 18px; }
table.key { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
table.key th, table.key td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
table.key th { background: #f0f0f0; }
.value { font-size: 15px; } .muted { color: #777; }
.quote { font-family: ui-monospace, monospace; background: #fafafa; white-space: pre-wrap; }
.band { max-width: 900px; }
"""


@dataclass(frozen=True)
class WorkItem:
    """One key to judge, with what the run says of it and where its PDF is."""

    doc_id: str
    file: str
    field: str
    item: int | None
    suggested: Any
    testers: Sequence[str]  # who still owes a verdict on this key
    pdf: PdfFile
    confidence: float | None = None
    page: int | None = None
    quote: str | None = None
    grounded: bool | None = None
    box: Sequence[float] | None = None


@dataclass
class Worklist:
    items: list[WorkItem]
    unjudged: int  # rows still to judge, of which ``items`` are the least sure
    tester: str | None
    notes: list[str] = field(default_factory=list)


def worklist_order(item: WorkItem) -> tuple[bool, float, str, str, int]:
    """Least sure first; keys without a confidence (no value found) last, by document."""
    sure = 2.0 if item.confidence is None else item.confidence
    return item.confidence is None, sure, item.file, item.field, item.item or 0


def _bands(items: Sequence[WorkItem]) -> tuple[list[Picture | None], list[str]]:
    """Each item's band of its page, rendered per PDF (each page once); a PDF that cannot
    be rendered gives its items a reason instead."""
    bands: list[Picture | None] = [None] * len(items)
    problems = [item.pdf.problem for item in items]
    by_pdf: dict[Path, list[int]] = {}
    for index, item in enumerate(items):
        if item.pdf.path is not None:
            by_pdf.setdefault(item.pdf.path, []).append(index)
    for path, indexes in by_pdf.items():
        wanted = [(items[i].page or 1, items[i].box if items[i].page else None) for i in indexes]
        try:
            made = band_pictures(path, wanted, turns=items[indexes[0]].pdf.turns)
        except PictureError as error:
            for index in indexes:
                problems[index] = str(error)
            continue
        for index, band in zip(indexes, made, strict=True):
            bands[index] = band
            if band is None:
                problems[index] = f"the PDF has no page {items[index].page}"
    return bands, problems


def _shown(value: Any) -> str:
    """A cell as the workbook shows it: 2230.0 read from a number cell is 2230."""
    if value in (None, ""):
        return '<span class="muted">(empty)</span>'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return escape(str(value))


def _card(number: int, item: WorkItem, band: Picture | None, problem: str) -> str:
    key = f"w{number}"
    item_text = "" if item.item is None else str(item.item)
    head = (
        "<table class=key><tr><th>doc_id</th><th>field</th><th>item</th><th>file</th>"
        f"<th>tester</th></tr><tr><td><code>{escape(item.doc_id)}</code></td>"
        f"<td>{escape(item.field)}</td><td>{item_text}</td><td>{escape(item.file)}</td>"
        f"<td>{escape(', '.join(item.testers))}</td></tr></table>"
    )
    facts = [f'suggested <b class="value">{_shown(item.suggested)}</b>']
    if item.confidence is not None:
        facts.append(f"confidence {item.confidence:.2f}")
    if item.grounded is not None:
        facts.append("grounded" if item.grounded else "<b>not grounded</b>")
    if item.page is not None and item.pdf.href:
        facts.append(f'<a href="{escape(item.pdf.href)}#page={item.page}">PDF p. {item.page}</a>')
    lines = [f"<p>{' · '.join(facts)}</p>"]
    if item.quote:
        lines.append(
            f'<p>quote <span class="quote">{escape(item.quote)}</span>'
            f' <span class="muted">(p. {item.page})</span></p>'
        )
    if problem:
        lines.append(f'<p class="muted">No picture: {escape(problem)}</p>')
    elif band is not None:
        if item.box is None:
            said = (
                "no value found: the top of page 1"
                if item.page is None
                else f"the quote is not on p. {item.page}: the top of the page"
            )
            lines.append(f'<p class="muted">{escape(said)}</p>')
        marks = []
        if item.box is not None and item.page is not None:
            title = f"{item.field}: {item.suggested}"
            marks.append(Mark((key,), item.box, confidence_colour(item.confidence), title))
        label = f"page {band.page} of {item.file}"
        lines.append(f'<div class="band">{picture_svg(band, marks, label)}</div>')
    return (
        f'<section class="card" id="r-{key}"><h2>{number}. {escape(item.field)}'
        f"{'' if item.item is None else f' #{item.item}'} · {escape(item.file)}</h2>"
        f"{head}{''.join(lines)}</section>"
    )


def worklist_html(worklist: Worklist) -> str:
    who = f"for {worklist.tester}" if worklist.tester else "(all testers)"
    title = f"Worklist {who}"
    shown = len(worklist.items)
    summary = (
        f"{shown} of {worklist.unjudged} rows still to judge, least sure first."
        if worklist.unjudged
        else "Nothing left to judge."
    )
    bands, problems = _bands(worklist.items)
    cards = [
        _card(number, item, band, problem)
        for number, (item, band, problem) in enumerate(
            zip(worklist.items, bands, problems, strict=True), start=1
        )
    ]
    how = (
        "Judge each row in the workbook's <b>ground_truth</b> sheet: filter on its doc_id,"
        " field and item, set <b>verdict</b> (correct, wrong, absent) and, when wrong, type"
        " the right value in <b>expected</b>. Box colours: " + legend(CONFIDENCE_LEGEND)
    )
    notes = "".join(f'<p class="muted">{escape(note)}</p>' for note in worklist.notes)
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{STYLE}{PICTURE_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(summary)}</p><p>{how}</p>{notes}{''.join(cards)}</body></html>"
    )
