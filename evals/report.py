"""The HTML report: a bar chart per field and, per document, each value beside its quote.

One self-contained file (inline SVG, CSS and one small inline script, nothing fetched), so
it can be mailed to a client or opened from a CI artefact offline. Documents given a PDF
show their pages with each value's box (evals.report_pages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from contract.labels import ALL_FIELDS
from evals.calibration import Calibration
from evals.labels import Disagreement
from evals.metrics import Judgement, Rate, Scores, Tally
from evals.pictures import PICTURE_SCRIPT, PICTURE_STYLE, PdfFile
from evals.regression import Comparison
from evals.reliability import reliability_chart, reliability_rows, threshold_lines
from evals.report_pages import STYLE as PAGES_STYLE
from evals.report_pages import Shown, document_pictures, not_found_note, row_key

BAR_WIDTH = 420
ROW_HEIGHT = 44
LABEL_WIDTH = 280
GREEN, RED, GREY = "#2e7d32", "#c62828", "#555"
FOLDED_ROWS = 50  # a per-document table longer than this is folded (<details>)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.right td.mark { color: #2e7d32; } tr.wrong td.mark { color: #c62828; font-weight: bold; }
tr.unlabeled td { color: #777; }
.quote { font-family: ui-monospace, monospace; background: #fafafa; white-space: pre-wrap; }
.muted { color: #777; }
"""


@dataclass
class ReportData:
    """Everything the report shows; the command gathers it, this module only renders."""

    title: str
    scores: Scores
    files: Mapping[str, str]  # doc_id -> file
    values: Sequence[Mapping[str, Any]]  # the run's value rows (doc_id, field, item, ...)
    fields: Sequence[str]  # in schema order
    comparison: Comparison | None = None
    disagreements: Sequence[Disagreement] = field(default_factory=list)
    notes: Sequence[str] = field(default_factory=list)
    shown: Sequence[str] | None = None  # documents shown value by value, in order (None: all)
    pdfs: Mapping[str, PdfFile] = field(default_factory=dict)  # shown documents' PDFs: pages
    calibration: Calibration | None = None


def percent(rate: Rate) -> str:
    return "–" if rate.value is None else f"{rate.value:.1%}"


def rate_text(rate: Rate) -> str:
    """'78.6% 11/14 [52–92%]': the figure, its count, its 95% interval when counts are small."""
    if rate.value is None:
        return "–"
    text = f"{rate.value:.1%} {rate.hits}/{rate.total}"
    interval = rate.interval
    if rate.small and interval:
        text += f" [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}%]"
    return text


def rate_cell(rate: Rate) -> str:
    css = "num muted" if rate.value is None else "num"
    return f'<td class="{css}">{escape(rate_text(rate))}</td>'


def _bar(y: int, rate: Rate, colour: str, name: str) -> str:
    parts = [f'<text x="{LABEL_WIDTH - 8}" y="{y + 11}" text-anchor="end">{name}</text>']
    parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="14" fill="#eee"/>')
    if rate.value is not None:
        width = max(rate.value * BAR_WIDTH, 1.5)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="14" fill="{colour}"/>'
        )
        interval = rate.interval
        if interval:
            low = LABEL_WIDTH + interval[0] * BAR_WIDTH
            high = LABEL_WIDTH + interval[1] * BAR_WIDTH
            parts.append(
                f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{y + 7}" y2="{y + 7}"'
                f' stroke="{GREY}" stroke-width="1.5"/>'
            )
    label = escape(rate_text(rate))
    parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 11}">{label}</text>')
    return "".join(parts)


def field_chart(by_field: Mapping[str, Tally], fields: Sequence[str]) -> str:
    """An inline SVG: per field, an accuracy bar and a hallucination bar with 95% intervals."""
    shown = [name for name in fields if name in by_field and by_field[name].labeled]
    height = ROW_HEIGHT * len(shown) + 30
    width = LABEL_WIDTH + BAR_WIDTH + 200
    rows = []
    for index, name in enumerate(shown):
        y = 24 + index * ROW_HEIGHT
        tally = by_field[name]
        rows.append(
            f'<text x="4" y="{y + 11}" font-weight="bold">{escape(name)}</text>'
            + _bar(y, tally.accuracy, GREEN, "accuracy")
            + _bar(y + 18, tally.hallucination, RED, "hallucination")
        )
    legend = (
        f'<text x="{LABEL_WIDTH}" y="14" fill="{GREY}">0%</text>'
        f'<text x="{LABEL_WIDTH + BAR_WIDTH}" y="14" text-anchor="end" fill="{GREY}">100%</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' font-size="12" role="img" aria-label="accuracy and hallucination per field">'
        f"{legend}{''.join(rows)}</svg>"
    )


def tally_table(title: str, tallies: Mapping[str, Tally], names: Mapping[str, str]) -> str:
    head = (
        f"<tr><th>{escape(title)}</th><th>labeled</th><th>accuracy</th><th>hallucination</th>"
        "<th>omission</th><th>ungrounded</th></tr>"
    )
    rows = [
        f"<tr><td>{escape(names.get(key, key))}</td><td class=num>{tally.labeled}</td>"
        + "".join(
            rate_cell(r)
            for r in (tally.accuracy, tally.hallucination, tally.omission, tally.ungrounded_rate)
        )
        + "</tr>"
        for key, tally in tallies.items()
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _shown(value: Any) -> str:
    return '<span class="muted">(empty)</span>' if value in (None, "") else escape(str(value))


def document_section(
    doc_id: str,
    data: ReportData,
    values: Sequence[Mapping[str, Any]],
    judgements: Sequence[Judgement],
) -> str:
    """Every value of one document beside its quote, with the label it was judged against
    (``values`` and ``judgements`` are the document's)."""
    by_value: dict[tuple[str, int | None], Judgement] = {
        (j.key[1], j.item): j for j in judgements if j.item is not None
    }
    by_key = {(j.key[1], j.key[2]): j for j in judgements}
    rows: list[str] = []
    seen: set[int] = set()
    pdf = data.pdfs.get(doc_id)
    shown: list[Shown] = []
    for index, value in enumerate(values):
        key = (str(value.get("field")), value.get("item"))
        judgement = by_value.get(key) if value.get("item") is not None else by_key.get(key)
        if judgement is not None:
            seen.add(id(judgement))
        if pdf is not None:
            shown.append(Shown(row_key(doc_id, index), value, judgement))
        rows.append(_value_row(key, value, judgement, shown[-1].key if pdf else None))
    for judgement in judgements:
        if id(judgement) not in seen:
            rows.append(_value_row((judgement.key[1], judgement.key[2]), None, judgement))
    tally = data.scores.by_document.get(doc_id, Tally())
    head = (
        "<tr><th>field</th><th>item</th><th>value</th><th>quote (page)</th><th>grounded</th>"
        "<th>label</th><th></th></tr>"
    )
    table = f"<table>{head}{''.join(rows)}</table>"
    if pdf is not None:
        pages = document_pictures(shown, pdf, doc_id)
        table = f'<div class="side"><div class="pages">{pages}</div><div>{table}</div></div>'
    return (
        f'<section id="d-{escape(doc_id)}">'
        f"<h3>{escape(data.files.get(doc_id, doc_id))} <span class=muted>{escape(doc_id)}"
        f" · accuracy {percent(tally.accuracy)} · hallucination"
        f" {percent(tally.hallucination)}</span></h3>{table}</section>"
    )


def _value_row(
    key: tuple[str, Any],
    value: Mapping[str, Any] | None,
    judgement: Judgement | None,
    linked_to: str | None = None,  # the row's key (data-v) when its box is on a picture
) -> str:
    shown = value.get("value") if value else None
    quote = value.get("quote") if value else None
    page = value.get("page") if value else None
    grounded = value.get("grounded") if value else None
    if judgement is None:
        css, mark, label = "unlabeled", "", '<span class="muted">unlabeled</span>'
    else:
        css, mark = ("right", "✓") if judgement.correct else ("wrong", "✗")
        label = escape(judgement.label.describe())
    quote_cell = (
        f'<span class="quote">{escape(str(quote))}</span> <span class=muted>(p. {page})</span>'
        if quote
        else '<span class="muted">–</span>'
    )
    if linked_to is not None and value is not None:
        quote_cell += not_found_note(value)
    grounded_text = "–" if grounded is None else ("yes" if grounded else "NO")
    item = "" if key[1] is None else str(key[1])
    linked = f' id="r-{linked_to}" data-v="{linked_to}"' if linked_to else ""
    return (
        f'<tr class="{css}"{linked}><td>{escape(key[0])}</td><td class=num>{item}</td>'
        f"<td>{_shown(shown)}</td><td>{quote_cell}</td><td>{grounded_text}</td>"
        f'<td>{label}</td><td class="mark">{mark}</td></tr>'
    )


def comparison_section(comparison: Comparison, fields: Sequence[str]) -> str:
    rows = []
    for name in fields:
        now = comparison.current.by_field.get(name)
        before = comparison.baseline.by_field.get(name)
        if now is None or before is None or not now.labeled:
            continue
        rows.append(
            f"<tr><td>{escape(name)}</td><td class=num>{now.labeled}</td>"
            f"{rate_cell(before.accuracy)}{rate_cell(now.accuracy)}"
            f"{rate_cell(before.hallucination)}{rate_cell(now.hallucination)}</tr>"
        )
    table = (
        "<table><tr><th>field</th><th>keys</th><th>accuracy before</th><th>accuracy now</th>"
        "<th>hallucination before</th><th>hallucination now</th></tr>" + "".join(rows) + "</table>"
    )

    def moved(title: str, pairs: list[tuple[Judgement, Judgement]]) -> str:
        items = "".join(
            f"<tr><td>{escape(now.key[0])}</td><td>{escape(now.key[1])}</td>"
            f"<td class=num>{now.key[2] or ''}</td><td>{_shown(before.predicted)}</td>"
            f"<td>{_shown(now.predicted)}</td><td>{escape(now.label.describe())}</td></tr>"
            for now, before in pairs
        )
        return (
            f"<h3>{escape(title)} ({len(pairs)})</h3><table><tr><th>doc_id</th><th>field</th>"
            f"<th>item</th><th>before</th><th>now</th><th>label</th></tr>{items}</table>"
        )

    return table + moved("Worse", comparison.worse) + moved("Better", comparison.better)


def calibration_section(calibration: Calibration) -> str:
    """The confidence measured: the reliability chart, its table, the threshold it gives."""
    head = (
        "<tr><th>confidence</th><th>values</th><th>mean confidence</th><th>accuracy</th>"
        "<th>hallucination</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(band)}</td><td class=num>{count}</td><td class=num>{mean}</td>"
        f"{rate_cell(accuracy)}{rate_cell(hallucination)}</tr>"
        for band, count, mean, accuracy, hallucination in reliability_rows(calibration)
    )
    lines = "".join(f"<p>{escape(line)}</p>" for line in threshold_lines(calibration))
    caption = (
        "<p class=muted>Each dot is a confidence band: its area grows with its labelled values,"
        " its line is the 95% interval of its accuracy. A calibrated confidence lies on the"
        " dashed diagonal; the blue line is the recommended review threshold.</p>"
    )
    return (
        "<h2>Confidence</h2>"
        + reliability_chart(calibration)
        + caption
        + f"<table>{head}{rows}</table>{lines}"
    )


def html_report(data: ReportData) -> str:
    overall = data.scores.overall
    field_tallies = {n: data.scores.by_field[n] for n in data.fields if n in data.scores.by_field}
    documents = sorted(data.scores.by_document, key=lambda d: data.files.get(d, d))
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(data.title)}"
        f"</title><style>{STYLE}{PICTURE_STYLE if data.pdfs else ''}"
        f"{PAGES_STYLE if data.pdfs else ''}</style></head><body><h1>{escape(data.title)}</h1>",
        "".join(f"<p class=muted>{escape(note)}</p>" for note in data.notes),
        tally_table("overall", {ALL_FIELDS: overall}, {}),
        "<h2>Per field</h2>",
        field_chart(data.scores.by_field, data.fields),
        tally_table("field", field_tallies, {}),
    ]
    if data.calibration is not None:
        parts.append(calibration_section(data.calibration))
    if data.comparison is not None:
        parts += [
            "<h2>Against the baseline run</h2>",
            comparison_section(data.comparison, data.fields),
        ]
    if data.disagreements:
        rows = "".join(
            f"<tr><td>{escape(d.key[0])}</td><td>{escape(d.key[1])}</td>"
            f"<td class=num>{d.key[2] or ''}</td><td>"
            + "; ".join(f"{escape(o.tester)}: {escape(o.label.describe())}" for o in d.opinions)
            + "</td></tr>"
            for d in data.disagreements
        )
        parts.append(
            "<h2>Testers disagree (left out of the score)</h2><table><tr><th>doc_id</th>"
            f"<th>field</th><th>item</th><th>opinions</th></tr>{rows}</table>"
        )
    parts.append("<h2>Per document</h2>")
    per_document = tally_table(
        "document",
        {d: data.scores.by_document[d] for d in documents},
        {d: data.files.get(d, d) for d in documents},
    )
    if len(documents) > FOLDED_ROWS:  # thousands of rows: folded, so the values come next
        per_document = (
            f"<details><summary>All {len(documents)} documents' figures</summary>"
            f"{per_document}</details>"
        )
    parts.append(per_document)
    shown = documents if data.shown is None else list(data.shown)
    if data.shown is not None:
        parts.append(shown_note(shown, documents, data))
    values_of: dict[str, list[Mapping[str, Any]]] = {doc_id: [] for doc_id in shown}
    for value in data.values:
        values_of.get(str(value.get("doc_id")), []).append(value)
    judgements_of: dict[str, list[Judgement]] = {doc_id: [] for doc_id in shown}
    for judgement in data.scores.judgements:
        judgements_of.get(judgement.key[0], []).append(judgement)
    parts += [
        document_section(doc_id, data, values_of[doc_id], judgements_of[doc_id]) for doc_id in shown
    ]
    if data.pdfs:
        parts.append(f"<script>{PICTURE_SCRIPT}</script>")
    parts.append("</body></html>")
    return "".join(parts)


def shown_note(shown: Sequence[str], documents: Sequence[str], data: ReportData) -> str:
    """Which documents are shown value by value, as links: a report of thousands shows the
    few most worth a look, so it stays a file a browser opens at once."""
    links = ", ".join(
        f'<a href="#d-{escape(doc_id)}">{escape(data.files.get(doc_id, doc_id))}</a>'
        for doc_id in shown
    )
    pictured = sum(data.pdfs[d].path is not None for d in shown if d in data.pdfs)
    return (
        f"<p>Below, value by value: {len(shown)} of {len(documents)} documents, those with"
        f" wrong, ungrounded or least sure values first, {pictured} with their pages (hover"
        f" or click a value or a box). All values are in the workbook. {links}</p>"
    )
