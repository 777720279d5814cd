"""The report's page pictures: per document, its pages with every value's box drawn over them.

A box is coloured by its verdict where the document has labels (right, wrong, unlabeled),
else by the value's confidence. Pictures are made for a few documents only, those a
person should look at first (wrong values, then ungrounded, then the least sure), so a
report of thousands of documents stays a file a browser opens at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from evals.metrics import Judgement
from evals.pictures import (
    CONFIDENCE_LEGEND,
    VERDICT_LEGEND,
    Colour,
    Mark,
    PdfFile,
    PictureError,
    confidence_colour,
    legend,
    marks_by_page,
    page_pictures,
    picture_svg,
)

VERDICT_ORDER = ("wrong", "unlabeled", "right")  # a box several values share shows the first
PICTURED_DOCUMENTS = 40  # documents a report shows value by value; `extract score --documents`
SHOWN_VALUES = 4000  # value rows shown in all: ~40 usual invoices, fewer very long ones
MAX_PAGES = 12  # pages pictured per document: page 1 and the pages values cite, up to this

STYLE = """
.side { display: flex; gap: 16px; align-items: flex-start; }
.side .pages { flex: 0 0 560px; position: sticky; top: 8px; max-height: calc(100vh - 16px);
  overflow-y: auto; overflow-x: hidden; }
.side .pages p { margin: 2px 0 6px; }
"""


@dataclass(frozen=True)
class Shown:
    """One row of a document's value table as the pictures need it."""

    key: str  # the row's data-v: ties the row to its box
    value: Mapping[str, Any]
    judgement: Judgement | None


def row_key(doc_id: str, index: int) -> str:
    return f"{doc_id}-{index}"


def _need(
    values: Sequence[Mapping[str, Any]], judgements: Sequence[Judgement]
) -> tuple[int, int, float]:
    """How urgently a document wants a look (smallest first): wrong values, ungrounded
    ones, then the least sure value."""
    wrong = sum(not j.correct for j in judgements)
    found = [v for v in values if v.get("value") is not None]
    ungrounded = sum(not v.get("grounded") for v in found)
    sure = min(
        (float(v["confidence"]) for v in found if v.get("confidence") is not None), default=1
    )
    return -wrong, -ungrounded, sure


def pictured_documents(
    documents: Sequence[str],
    values: Sequence[Mapping[str, Any]],
    judgements: Sequence[Judgement],
    limit: int = PICTURED_DOCUMENTS,
) -> list[str]:
    """Up to ``limit`` documents to show, the ones most worth a look first, while their
    values stay within SHOWN_VALUES (at least one document): a report of long invoices
    stays as light as one of short ones."""
    if limit <= 0:
        return []
    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for value in values:
        by_doc.setdefault(str(value.get("doc_id")), []).append(value)
    judged: dict[str, list[Judgement]] = {}
    for judgement in judgements:
        judged.setdefault(judgement.key[0], []).append(judgement)
    ranked = sorted(
        enumerate(documents),
        key=lambda pair: (*_need(by_doc.get(pair[1], []), judged.get(pair[1], [])), pair[0]),
    )
    chosen: list[str] = []
    rows = 0
    for _, doc_id in ranked[:limit]:
        rows += len(by_doc.get(doc_id, ()))
        if chosen and rows > SHOWN_VALUES:
            break
        chosen.append(doc_id)
    return chosen


def _verdict(judgement: Judgement | None) -> tuple[str, str]:
    if judgement is None:
        return "unlabeled", Colour.UNLABELED
    return ("right", Colour.RIGHT) if judgement.correct else ("wrong", Colour.WRONG)


def _title(value: Mapping[str, Any], said: str) -> str:
    item = value.get("item")
    name = str(value.get("field")) + ("" if item is None else f" #{item}")
    confidence = value.get("confidence")
    sure = "" if confidence is None else f", confidence {float(confidence):.2f}"
    return f"{name}: {value.get('value')} ({said}{sure})"


def document_marks(shown: Sequence[Shown]) -> tuple[list[tuple[int, Mark]], bool]:
    """One mark per box on its page, for the values it shows (a table row's quantity, price
    and amount share its quote), and whether they are coloured by verdict (the document
    has labels) or by confidence. A shared box takes the worst: wrong, else unlabeled,
    else right; the lowest confidence."""
    by_verdict = any(s.judgement is not None for s in shown)
    boxes: dict[tuple[int, tuple[float, ...]], list[Shown]] = {}
    for row in shown:
        box, page = row.value.get("box"), row.value.get("page")
        if box and page is not None:
            boxes.setdefault((int(page), tuple(box)), []).append(row)
    marks = []
    for (page, box), rows in boxes.items():
        if by_verdict:
            verdicts = [_verdict(row.judgement) for row in rows]
            colour = min(verdicts, key=lambda v: VERDICT_ORDER.index(v[0]))[1]
            titles = [
                _title(row.value, verdict[0]) for row, verdict in zip(rows, verdicts, strict=True)
            ]
        else:
            sure = [row.value.get("confidence") for row in rows]
            known = [float(value) for value in sure if value is not None]
            colour = confidence_colour(min(known) if known else None)
            titles = [_title(row.value, "unlabeled") for row in rows]
        keys = tuple(row.key for row in rows)
        marks.append((page, Mark(keys, list(box), colour, "\n".join(titles))))
    return marks, by_verdict


def not_found_note(value: Mapping[str, Any]) -> str:
    """What a pictured row says when its quote has no box on its page."""
    if value.get("box") or not value.get("quote") or value.get("page") is None:
        return ""
    return f'<span class="muted"> (not found on p. {value.get("page")}: no box)</span>'


def document_pictures(shown: Sequence[Shown], pdf: PdfFile, label: str) -> str:
    """The document's pages with its values' boxes, or one line saying why they are not
    shown (a moved, changed or unreadable PDF): never an exception."""
    marks, by_verdict = document_marks(shown)
    if pdf.path is None:
        return f'<p class="muted">No page pictures: {escape(pdf.problem)}</p>'
    cited = sorted({page for page, _ in marks})
    numbers = sorted({1, *cited})[:MAX_PAGES]
    try:
        pictures = page_pictures(pdf.path, numbers, turns=pdf.turns)
    except PictureError as error:
        return f'<p class="muted">No page pictures: {escape(str(error))}</p>'
    on_page = marks_by_page(marks)
    boxless = sum(1 for s in shown if not_found_note(s.value))
    parts = [f"<p>{legend(VERDICT_LEGEND if by_verdict else CONFIDENCE_LEGEND)}</p>"]
    if boxless:
        parts.append(
            f'<p class="muted">{boxless} value(s) have no box: their quote is not on the page'
            " they cite.</p>"
        )
    if pdf.href:
        parts.append(f'<p><a href="{escape(pdf.href)}">open the PDF</a></p>')
    for picture in pictures:
        parts.append(
            f'<p class="muted" id="p-{escape(label)}-{picture.page}">page {picture.page}</p>'
        )
        parts.append(picture_svg(picture, on_page.get(picture.page, []), f"page {picture.page}"))
    return "".join(parts)
