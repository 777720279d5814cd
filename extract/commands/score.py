"""`extract score`: a run scored against people's labels, per field, per document, overall.

This module bridges the run store, the workbook and the evals; the evals themselves know
nothing of backends. The holdout is scored only when asked for by name, and every such
look is recorded, so the team sees how often it was used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from contract.sheets import CORRECTIONS, DOCUMENTS, GROUND_TRUTH, SCORES, Key, Split
from contract.update import write_scores
from contract.workbook import load_contract, refuse_if_open
from evals.labels import Label, WorkbookLabels, field_kinds, workbook_labels
from evals.metrics import Rate, Scores, Tally, scored
from evals.regression import Comparison, compared
from evals.report import ReportData, html_report
from evals.truth import truth_folder_labels
from extract.cli import workbook_option
from extract.documents import split_of
from extract.errors import ExtractError, InputError
from extract.store import Store
from schemas import schema_named
from schemas.base import field_specs

OVERALL = "(all fields)"


class BelowThreshold(ExtractError):
    """--fail-under: the run's accuracy is below the bar, so CI fails."""


@click.command("score")
@workbook_option
@click.option("--run", "run_id", default=None, help="The run to score (default: the latest).")
@click.option(
    "--split",
    type=click.Choice([Split.DEV, Split.HOLDOUT, Split.ALL]),
    default=Split.DEV,
    show_default=True,
    help="Documents to score; every look at the holdout is recorded in runs.",
)
@click.option("--against", default=None, help="A baseline run: same keys, side by side.")
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Take ground_truth and corrections from this workbook instead of --workbook's.",
)
@click.option(
    "--truth",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Take labels from a folder of <pdf stem>.json truth files instead.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write an HTML report (bar chart per field, values beside quotes).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 1),
    default=None,
    help="Exit 1 when overall accuracy is below X (0 to 1), so CI can gate a change.",
)
def command(
    workbook: Path,
    run_id: str | None,
    split: str,
    against: str | None,
    labels: Path | None,
    truth: Path | None,
    as_json: bool,
    html: Path | None,
    fail_under: float | None,
) -> None:
    """Score a run against the labels: accuracy, hallucination, omission, ungrounded rates."""
    if labels is not None and truth is not None:
        raise InputError("give either --labels or --truth, not both")
    store_path = workbook.with_suffix(".db")
    if not store_path.exists():
        raise InputError(f"no run store {store_path}: run `extract run FOLDER` first")
    if workbook.exists():
        refuse_if_open(workbook)
    store = Store(store_path)
    try:
        result = scoring(store, workbook, run_id, split, against, labels, truth)
        if workbook.exists():
            write_scores(workbook, scores_sheet(result), store.runs_and_scorings())
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        console = Console()
        print_scores(
            Console(width=max(console.width, 132)) if not console.is_terminal else console, result
        )
    if html is not None:
        html.write_text(html_report(result.report()), encoding="utf-8")
        if not as_json:
            click.echo(f"report: {html.resolve()}")
    accuracy = result.scores.overall.accuracy.value
    if fail_under is not None and (accuracy is None or accuracy < fail_under):
        shown = "no labeled keys" if accuracy is None else f"accuracy {accuracy:.4f}"
        raise BelowThreshold(f"{shown} is below --fail-under {fail_under}")


@dataclass
class Scoring:
    """One scoring, gathered: what was scored, against what, and the figures."""

    run: Mapping[str, Any]
    split: str
    documents: list[dict[str, Any]]
    values: list[dict[str, Any]]
    scores: Scores
    label_source: str
    people: WorkbookLabels | None
    fields: list[str]
    comparison: Comparison | None
    looks: int  # how often this run's split has been scored, this time included
    previous_scores: list[dict[str, Any]]  # the workbook's scores sheet before this scoring

    @property
    def files(self) -> dict[str, str]:
        return {d["doc_id"]: d["file"] for d in self.documents}

    def notes(self) -> list[str]:
        notes = [
            f"run {self.run['run_id']} ({self.run['backend']}, {self.run['model']}),"
            f" split {self.split}: {len(self.documents)} documents,"
            f" {self.scores.overall.labeled} labeled keys, labels from {self.label_source}"
        ]
        if self.people is not None:
            people = self.people
            notes.append(
                f"{people.corrections} client corrections; {len(people.disagreements)} keys"
                " left out because testers disagree"
                + (f"; Krippendorff's alpha {people.alpha:.3f}" if people.alpha is not None else "")
            )
        if self.scores.undecided:
            notes.append(
                f"{self.scores.undecided} labels say only 'wrong' of a value this run did not"
                " give: not scored"
            )
        if self.split != Split.DEV:
            notes.append(f"the {self.split} split of this run has been scored {self.looks} times")
        return notes

    def report(self) -> ReportData:
        return ReportData(
            title=f"extract score: run {self.run['run_id']} ({self.split})",
            scores=self.scores,
            files=self.files,
            values=self.values,
            fields=self.fields,
            comparison=self.comparison,
            disagreements=self.people.disagreements if self.people else [],
            notes=self.notes(),
        )

    def as_dict(self) -> dict[str, Any]:
        files = self.files
        splits = {d["doc_id"]: d["split"] for d in self.documents}
        data: dict[str, Any] = {
            "run": {k: self.run.get(k) for k in ("run_id", "backend", "model", "schema")},
            "split": self.split,
            "split_looks": self.looks,
            "documents_scored": len(self.documents),
            "labels": {"source": self.label_source, "undecided": self.scores.undecided},
            "overall": self.scores.overall.as_dict(),
            "fields": {
                name: self.scores.by_field[name].as_dict()
                for name in self.fields
                if name in self.scores.by_field
            },
            "documents": {
                doc_id: {"file": files.get(doc_id), "split": splits.get(doc_id), **t.as_dict()}
                for doc_id, t in self.scores.by_document.items()
            },
        }
        if self.people is not None:
            data["labels"].update(
                {
                    "corrections": self.people.corrections,
                    "alpha": self.people.alpha,
                    "pairs": [
                        {
                            "testers": [p.first, p.second],
                            "shared": p.shared,
                            "agreed": p.agreed,
                            "percent": p.percent,
                            "kappa": p.kappa,
                        }
                        for p in self.people.pairs
                    ],
                    "disagreements": [
                        {
                            "key": list(d.key),
                            "opinions": {o.tester: o.label.describe() for o in d.opinions},
                        }
                        for d in self.people.disagreements
                    ],
                    "unreadable_verdicts": [
                        {"key": list(key), "verdict": v} for key, v in self.people.unreadable
                    ],
                }
            )
        if self.comparison is not None:
            data["against"] = comparison_dict(self.comparison, self.fields)
        return data


def comparison_dict(comparison: Comparison, fields: list[str]) -> dict[str, Any]:
    def moved(pairs: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "key": list(now.key),
                "before": before.predicted,
                "now": now.predicted,
                "label": now.label.describe(),
            }
            for now, before in pairs
        ]

    return {
        "run_id": comparison.baseline_run,
        "keys": comparison.current.overall.labeled,
        "overall": {
            "before": comparison.baseline.overall.as_dict(),
            "now": comparison.current.overall.as_dict(),
        },
        "fields": {
            name: {
                "before": comparison.baseline.by_field[name].as_dict(),
                "now": comparison.current.by_field[name].as_dict(),
            }
            for name in fields
            if name in comparison.current.by_field and name in comparison.baseline.by_field
        },
        "worse": moved(comparison.worse),
        "better": moved(comparison.better),
    }


def _run(store: Store, run_id: str | None) -> dict[str, Any]:
    runs = {row["run_id"]: row for row in store.runs()}
    chosen = run_id or store.latest_run_id()
    if chosen is None:
        raise InputError("the run store has no finished run: run `extract run FOLDER` first")
    if chosen not in runs:
        recent = ", ".join(list(runs)[-3:]) or "none"
        raise InputError(f"no run {chosen} in the run store (recent: {recent})")
    return runs[chosen]


def scoring(
    store: Store,
    workbook: Path,
    run_id: str | None,
    split: str,
    against: str | None,
    labels_workbook: Path | None,
    truth: Path | None,
) -> Scoring:
    """Gather labels and values for the split, score, and record that the split was looked at."""
    run = _run(store, run_id)
    baseline = _run(store, against) if against else None
    schema = schema_named(str(run["schema"] or "invoice"))
    specs = field_specs(schema)
    contract = load_contract(workbook)
    splits = {
        str(row.get("doc_id") or "").strip(): str(row.get("split") or "").strip()
        for row in contract.sheet(DOCUMENTS.name)
    }
    documents = []
    for row in store.run_documents(run["run_id"]):
        row["split"] = splits.get(row["doc_id"]) or split_of(row["doc_id"])
        if split == Split.ALL or row["split"] == split:
            documents.append(row)
    chosen = {row["doc_id"] for row in documents}
    people: WorkbookLabels | None = None
    if truth is not None:
        try:
            labels = truth_folder_labels(truth, {d["file"]: d["doc_id"] for d in documents}, schema)
        except ValueError as error:
            raise InputError(str(error)) from error
        source = f"truth files in {truth}"
    else:
        sheets = load_contract(labels_workbook) if labels_workbook else contract
        people = workbook_labels(
            sheets.sheet(GROUND_TRUTH.name), sheets.sheet(CORRECTIONS.name), field_kinds(specs)
        )
        labels = people.labels
        source = f"{labels_workbook or workbook} (ground_truth, corrections)"
    labels = _within(labels, chosen)
    if people is not None:
        people.disagreements = [d for d in people.disagreements if d.key[0] in chosen]
    values = [v for v in store.run_values(run["run_id"]) if v["doc_id"] in chosen]
    scores = scored(values, labels, specs)
    comparison = None
    if baseline is not None:
        before = [v for v in store.run_values(baseline["run_id"]) if v["doc_id"] in chosen]
        comparison = compared(scores, scored(before, labels, specs))
        comparison.baseline_run = baseline["run_id"]
    overall = scores.overall
    looks = store.record_scoring(
        run["run_id"],
        split,
        against,
        overall.labeled,
        overall.accuracy.value,
        overall.hallucination.value,
        overall.omission.value,
    )
    if split == Split.DEV:
        store.set_run_scores(run["run_id"], overall.accuracy.value, overall.hallucination.value)
    return Scoring(
        run=run,
        split=split,
        documents=documents,
        values=values,
        scores=scores,
        label_source=source,
        people=people,
        fields=[spec.path for spec in specs],
        comparison=comparison,
        looks=looks,
        previous_scores=contract.sheet(SCORES.name),
    )


def _within(labels: Mapping[Key, Label], documents: set[str]) -> dict[Key, Label]:
    return {key: label for key, label in labels.items() if key[0] in documents}


def scores_sheet(result: Scoring) -> list[dict[str, Any]]:
    """This scoring's rows replace the same run and split's; other scorings' rows stay."""
    run_id = result.run["run_id"]
    kept = [
        row
        for row in result.previous_scores
        if (row.get("run_id"), row.get("split")) != (run_id, result.split)
    ]
    tallies = [(OVERALL, result.scores.overall)] + [
        (name, result.scores.by_field[name])
        for name in result.fields
        if name in result.scores.by_field
    ]
    return kept + [
        {
            "run_id": run_id,
            "split": result.split,
            "field": name,
            "labeled": tally.labeled,
            "accuracy": tally.accuracy.value,
            "hallucination_rate": tally.hallucination.value,
            "omission_rate": tally.omission.value,
        }
        for name, tally in tallies
    ]


# terminal ------------------------------------------------------------------------------------


def shown(rate: Rate) -> str:
    """'78.6% 11/14 [52–92]': the figure, its count, its 95% interval when counts are small."""
    if rate.value is None:
        return "–"
    text = f"{rate.value:.1%} {rate.hits}/{rate.total}"
    interval = rate.interval
    if rate.small and interval:
        text += f" [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}]"
    return text


def tally_table(title: str, rows: list[tuple[str, Tally]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split()[0] if title else "", no_wrap=True)
    for column in ("labeled", "accuracy", "hallucination", "omission", "ungrounded"):
        table.add_column(column, justify="right")
    for name, tally in rows:
        table.add_row(
            name,
            str(tally.labeled),
            shown(tally.accuracy),
            shown(tally.hallucination),
            shown(tally.omission),
            shown(tally.ungrounded_rate),
        )
    return table


def print_scores(console: Console, result: Scoring) -> None:
    for note in result.notes():
        console.print(note, highlight=False, markup=False)
    scores = result.scores
    field_rows = [(n, scores.by_field[n]) for n in result.fields if n in scores.by_field]
    console.print(tally_table("field", [*field_rows, ("overall", scores.overall)]))
    files = result.files
    document_rows = sorted(
        ((files.get(d, d), t) for d, t in scores.by_document.items()), key=lambda r: r[0]
    )
    console.print(tally_table("document", document_rows))
    if result.people is not None:
        print_agreement(console, result.people)
    if result.comparison is not None:
        print_comparison(console, result.comparison, result.fields)


def print_agreement(console: Console, people: WorkbookLabels) -> None:
    if people.pairs:
        table = Table(title="tester agreement", title_justify="left")
        for column in ("testers", "shared keys", "agreement", "Cohen's kappa"):
            table.add_column(column, justify="left" if column == "testers" else "right")
        for pair in people.pairs:
            table.add_row(
                f"{pair.first} / {pair.second}",
                str(pair.shared),
                "–" if pair.percent is None else f"{pair.percent:.1%}",
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
    rows.append(("overall", comparison.baseline.overall, comparison.current.overall))
    for name, old, new in rows:
        if old is None or new is None or not new.labeled:
            continue
        table.add_row(
            name,
            shown(old.accuracy),
            shown(new.accuracy),
            shown(old.hallucination),
            shown(new.hallucination),
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
