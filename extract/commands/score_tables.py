"""What `extract score` shows in the terminal: the tables of a scoring.

Rates are shown as evals.report.rate_text writes them, the same in the terminal and the HTML.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from contract.labels import ALL_FIELDS
from evals.calibration import Calibration
from evals.labels import WorkbookLabels
from evals.metrics import Rate, Tally
from evals.regression import Comparison
from evals.reliability import reliability_rows, threshold_lines
from evals.report import rate_text
from evals.scoring import Scoring


def wide_console() -> Console:
    """The terminal, or 160 columns when output is piped, so tables are not squeezed."""
    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, 160))


def tally_table(title: str, rows: list[tuple[str, Tally]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split()[0] if title else "", no_wrap=True)
    for column in ("labeled", "accuracy", "hallucination", "omission", "ungrounded"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, tally in rows:
        table.add_row(
            name,
            str(tally.labeled),
            rate_text(tally.accuracy),
            rate_text(tally.hallucination),
            rate_text(tally.omission),
            rate_text(tally.ungrounded_rate),
        )
    return table


def print_scores(console: Console, result: Scoring) -> None:
    for note in result.notes():
        console.print(note, highlight=False, markup=False)
    scores = result.scores
    field_rows = [(n, scores.by_field[n]) for n in result.fields if n in scores.by_field]
    console.print(tally_table("field", [*field_rows, (ALL_FIELDS, scores.overall)]))
    files = result.files
    document_rows = sorted(
        ((files.get(d, d), t) for d, t in scores.by_document.items()), key=lambda r: r[0]
    )
    console.print(tally_table("document", document_rows))
    print_calibration(console, result.calibration)
    if result.people is not None:
        print_agreement(console, result.people)
    if result.comparison is not None:
        print_comparison(console, result.comparison, result.fields)


def print_calibration(console: Console, calibration: Calibration) -> None:
    """The reliability table, then the calibration error and the review threshold."""
    table = Table(title="confidence (reliability)", title_justify="left")
    for column in ("confidence", "values", "mean confidence", "accuracy", "hallucination"):
        table.add_column(column, justify="left" if column == "confidence" else "right")
    for band, count, mean, accuracy, hallucination in reliability_rows(calibration):
        table.add_row(band, str(count), mean, rate_text(accuracy), rate_text(hallucination))
    console.print(table)
    for line in threshold_lines(calibration):
        console.print(line, highlight=False, markup=False)


def print_agreement(console: Console, people: WorkbookLabels) -> None:
    if people.pairs:
        table = Table(title="tester agreement", title_justify="left")
        for column in ("testers", "shared keys", "agreement", "Cohen's kappa"):
            table.add_column(column, justify="left" if column == "testers" else "right")
        for pair in people.pairs:
            table.add_row(
                f"{pair.first} / {pair.second}",
                str(pair.shared),
                rate_text(Rate(pair.agreed, pair.shared)),
                "–" if pair.kappa is None else f"{pair.kappa:.3f}",
            )
        console.print(table)
    for disagreement in people.disagreements:
        doc_id, name, item = disagreement.key
        opinions = "; ".join(f"{o.tester}: {o.label.describe()}" for o in disagreement.opinions)
        where = f"{doc_id} {name}" + (f" #{item}" if item is not None else "")
        console.print(f"disagree (left out): {where}: {opinions}", markup=False, highlight=False)
    for key, verdict in people.unreadable:
        console.print(f"unreadable verdict {verdict!r} at {key}: use correct, wrong or absent")


def print_comparison(console: Console, comparison: Comparison, fields: list[str]) -> None:
    table = Table(
        title=f"against {comparison.baseline_run} (same {comparison.current.overall.labeled} keys)",
        title_justify="left",
    )
    for column in ("field", "accuracy before", "accuracy now", "halluc. before", "halluc. now"):
        table.add_column(column, justify="left" if column == "field" else "right")
    rows = [
        (n, comparison.baseline.by_field.get(n), comparison.current.by_field.get(n)) for n in fields
    ]
    rows.append((ALL_FIELDS, comparison.baseline.overall, comparison.current.overall))
    for name, old, new in rows:
        if old is None or new is None or not new.labeled:
            continue
        table.add_row(
            name,
            rate_text(old.accuracy),
            rate_text(new.accuracy),
            rate_text(old.hallucination),
            rate_text(new.hallucination),
        )
    console.print(table)
    for title, pairs in (("worse", comparison.worse), ("better", comparison.better)):
        console.print(f"{title}: {len(pairs)} keys")
        for now, before in pairs:
            doc_id, name, item = now.key
            where = f"{doc_id} {name}" + (f" #{item}" if item is not None else "")
            console.print(
                f"  {where}: {before.predicted!r} -> {now.predicted!r}"
                f" (label {now.label.describe()})",
                markup=False,
                highlight=False,
            )
