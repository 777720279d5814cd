"""One scoring gathered: a run's values and people's labels for a split, scored.

It reads the run store and the workbook and hands them to the metrics; like all of evals/ it
knows nothing of backends. A document's split is always split_of(doc_id), never a cell
somebody can edit, so no holdout document leaks into a dev scoring. Every look at the holdout
is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.labels import ALL_FIELDS
from contract.sheets import CORRECTIONS, GROUND_TRUTH, SCORES
from contract.workbook import load_contract
from evals.calibration import Calibration, calibration
from evals.labels import WorkbookLabels, field_kinds, workbook_labels
from evals.metrics import Scores, scored
from evals.regression import Comparison, compared
from evals.report import ReportData
from evals.truth import truth_folder_labels
from extract.documents import split_of
from extract.errors import InputError
from extract.store import Store
from schemas import schema_named
from schemas.base import field_specs
from schemas.vocabulary import Split


@dataclass
class Scoring:
    """One scoring, gathered: what was scored, against what, and the figures."""

    run: Mapping[str, Any]
    split: str
    documents: list[dict[str, Any]]  # the run's documents in the split, each with its split
    values: list[dict[str, Any]]
    scores: Scores
    label_source: str
    people: WorkbookLabels | None  # None when the labels come from truth files
    fields: list[str]
    comparison: Comparison | None
    looks: int  # how often this run's split has been scored, this time included
    previous_scores: list[dict[str, Any]]  # the workbook's scores sheet before this scoring
    calibration: Calibration  # the confidence measured: reliability, threshold, straight-through

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
                f"client corrections: {people.corrections}; keys left out because testers"
                f" disagree: {len(people.disagreements)}"
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
        people = self.people
        return ReportData(
            title=f"extract score: run {self.run['run_id']} ({self.split})",
            scores=self.scores,
            files=self.files,
            values=self.values,
            fields=self.fields,
            comparison=self.comparison,
            disagreements=people.disagreements if people else [],
            notes=self.notes(),
            calibration=self.calibration,
        )


def chosen_run(store: Store, run_id: str | None) -> dict[str, Any]:
    """The run asked for, else the latest; an unknown run is an InputError naming recent ones."""
    runs = {row["run_id"]: row for row in store.runs()}
    chosen = run_id or store.latest_run_id()
    if chosen is None:
        raise InputError("the run store has no finished run: run `extract run FOLDER` first")
    if chosen not in runs:
        recent = ", ".join(list(runs)[-3:]) or "none"
        raise InputError(f"no run {chosen} in the run store (recent: {recent})")
    return runs[chosen]


def split_documents(store: Store, run_id: str, split: str) -> list[dict[str, Any]]:
    """The run's documents in ``split``, each marked with its split (by hash of doc_id)."""
    documents = []
    for row in store.run_documents(run_id):
        row["split"] = split_of(row["doc_id"])
        if split == Split.ALL or row["split"] == split:
            documents.append(row)
    return documents


def scoring(
    store: Store,
    workbook: Path,
    run_id: str | None,
    split: str,
    against: str | None,
    labels_workbook: Path | None,
    truth: Path | None,
) -> Scoring:
    """Gather labels and values for the split, score, and record that the split was looked at.

    Labels come from ``truth`` files, else ``labels_workbook``'s people's sheets, else
    ``workbook``'s; only the split's documents count, tester agreement included.
    """
    run = chosen_run(store, run_id)
    baseline = chosen_run(store, against) if against else None
    schema = schema_named(str(run["schema"] or "invoice"))
    specs = field_specs(schema)
    contract = load_contract(workbook)
    documents = split_documents(store, run["run_id"], split)
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
            sheets.sheet(GROUND_TRUTH.name),
            sheets.sheet(CORRECTIONS.name),
            field_kinds(specs),
            documents=chosen,
        )
        labels = people.labels
        source = f"{labels_workbook or workbook} (ground_truth, corrections)"
    labels = {key: label for key, label in labels.items() if key[0] in chosen}
    values = [v for v in store.run_values(run["run_id"]) if v["doc_id"] in chosen]
    scores = scored(values, labels, specs)
    comparison = None
    if baseline is not None:
        before = [v for v in store.run_values(baseline["run_id"]) if v["doc_id"] in chosen]
        comparison = compared(scores, scored(before, labels, specs))
        comparison.baseline_run = baseline["run_id"]
    applied = run.get("accept_above")
    measured = calibration(scores, values, applied=None if applied is None else float(applied))
    overall = scores.overall
    looks = store.record_scoring(
        run["run_id"],
        split,
        against,
        overall.labeled,
        overall.accuracy.value,
        overall.hallucination.value,
        overall.omission.value,
        measured.threshold,
        measured.straight_through(),
    )
    if split == Split.DEV:
        store.set_run_scores(
            run["run_id"],
            overall.accuracy.value,
            overall.hallucination.value,
            measured.threshold,
            measured.straight_through(),
        )
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
        calibration=measured,
    )


def scores_sheet(result: Scoring) -> list[dict[str, Any]]:
    """This scoring's rows replace the same run and split's; other scorings' rows stay."""
    run_id = result.run["run_id"]
    kept = [
        row
        for row in result.previous_scores
        if (row.get("run_id"), row.get("split")) != (run_id, result.split)
    ]
    tallies = [(ALL_FIELDS, result.scores.overall)] + [
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
