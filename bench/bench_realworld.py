"""The rules backend on real documents: per set and field, how often right, wrong, empty.

    .venv/bin/python bench/bench_realworld.py [--root ../shared/realworld] [--errors]

Every set under the realworld folder (each PDF beside a ``<stem>.json`` of what its page
prints; invoice2data's own truth format is read as bench_rules reads it) and samples/. Per
field: accuracy (labelled keys right), hallucination (wrong among written values), coverage
(written among printed values), the hallucination of the values at or above 0.9 confidence,
and what final would accept unseen at the review threshold ``extract score`` recommends for
the three realworld sets together (evals.calibration: the lowest at which the accepted
values' 95% upper bound of hallucination is at most 1%): the straight-through rate (values
accepted among the values written) and the hallucination among the accepted. Then a table of
thresholds: coverage and hallucination of the values at or above each. The values, their
grounding and confidence are what a run stores (``extract.run.verified``), scored by the
evals code, so the figures are the ones ``extract score`` gives. Line items are scored on
samples/ only: the realworld truth does not list them. ``--errors`` lists every wrong and
every missed value.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_rules import labels_for  # noqa: E402

from contract.acceptance import accepted  # noqa: E402
from contract.sheets import Key  # noqa: E402
from evals.calibration import recommended_threshold  # noqa: E402
from evals.labels import Label  # noqa: E402
from evals.metrics import Judgement, Scores, scored  # noqa: E402
from extract.backends.rules import RulesBackend  # noqa: E402
from extract.documents import folder_documents  # noqa: E402
from extract.ocr import Ocr  # noqa: E402
from extract.pdf import parsed_document  # noqa: E402
from extract.run import verified  # noqa: E402
from schemas.base import field_specs  # noqa: E402
from schemas.invoice import Invoice  # noqa: E402

FIELDS = (
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "total",
    "subtotal",
    "tax",
    "seller",
    "buyer",
)
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
HIGH = 0.9  # the figure: values at or above this confidence, wrong < 1% of the time


def realworld_root(start: Path = ROOT) -> Path | None:
    """``shared/realworld`` beside the repository or above it (a worktree sits deeper)."""
    for folder in (start, *start.parents):
        candidate = folder / "shared" / "realworld"
        if candidate.is_dir():
            return candidate
    return None


@dataclass
class SetRun:
    """One set through the backend as a run keeps it: its value rows, their scoring, what
    failed."""

    name: str
    documents: int = 0
    pages: int = 0
    failed: list[str] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # doc_id -> file
    extract_s: float = 0.0


def run_set(
    name: str, folder: Path, truth_folder: Path, fields: Iterable[str], ocr: str = Ocr.AUTO
) -> SetRun:
    backend = RulesBackend()
    wanted = set(fields)
    labels: dict[Key, Label] = {}
    outcome = SetRun(name)
    for document in folder_documents(folder):
        truth_file = truth_folder / f"{document.path.stem}.json"
        if not truth_file.is_file():
            continue
        outcome.documents += 1
        outcome.files[document.doc_id] = document.file
        parsed = parsed_document(document, ocr=ocr)  # scans read as a run reads them
        if not parsed.ok:
            outcome.failed.append(f"{document.file}: {parsed.status} {parsed.error}")
            continue
        outcome.pages += len(parsed.pages)
        started = time.perf_counter()
        try:
            extraction = backend.extract(parsed, Invoice)
        except Exception as error:  # the run would mark the document failed: say so here
            outcome.failed.append(f"{document.file}: failed {type(error).__name__}: {error}")
            continue
        outcome.extract_s += time.perf_counter() - started
        outcome.rows += verified(parsed, extraction).values
        labels.update(
            {
                key: label
                for key, label in labels_for(truth_file, document.doc_id, parsed).items()
                if key[1] in wanted or key[1].split(".")[0] in wanted
            }
        )
    outcome.judgements = scored(outcome.rows, labels, field_specs(Invoice)).judgements
    return outcome


@dataclass
class Counts:
    labeled: int = 0
    correct: int = 0
    written: int = 0
    wrong: int = 0
    printed: int = 0
    covered: int = 0  # printed values that were written (right or wrong)

    def add(self, judgement: Judgement) -> None:
        self.labeled += 1
        self.correct += judgement.correct
        if judgement.hallucinated is not None:
            self.written += 1
            self.wrong += judgement.hallucinated
        if judgement.label.value is not None:
            self.printed += 1
            self.covered += judgement.predicted is not None


def counts(judgements: Iterable[Judgement]) -> Counts:
    total = Counts()
    for judgement in judgements:
        total.add(judgement)
    return total


def kept(judgement: Judgement, threshold: float) -> Judgement:
    """The judgement as it would be had values below ``threshold`` been left empty."""
    confidence = judgement.confidence
    if judgement.predicted is None or (confidence is not None and confidence >= threshold):
        return judgement
    return Judgement(
        key=judgement.key,
        kind=judgement.kind,
        label=judgement.label,
        predicted=None,
        correct=judgement.label.value is None,
        hallucinated=None,
        omitted=True if judgement.label.value is not None else None,
    )


def review_threshold(runs: list[SetRun], fields: Iterable[str]) -> float | None:
    """What ``extract score`` would recommend over these runs' values of ``fields``."""
    wanted = set(fields)
    judgements = [j for run in runs for j in run.judgements if j.key[1] in wanted]
    return recommended_threshold(Scores(judgements, []))


def _pct(hits: int, total: int) -> str:
    return "-" if not total else f"{100 * hits / total:.1f}%"


def _ratio(hits: int, total: int) -> str:
    return "-" if not total else f"{100 * hits / total:.1f}% ({hits}/{total})"


def field_table(outcome: SetRun, fields: Iterable[str], threshold: float | None) -> None:
    """Per field; the last two columns at the recommended review ``threshold``: the share of
    the values written that final accepts unseen (straight-through) and the hallucination
    among the labelled values it accepts."""
    print(
        f"{'field':16} {'labeled':>7} {'accuracy':>9} {'halluc.':>15} {'coverage':>16}"
        f" {'halluc.>=0.9':>15} {'stp@rec':>15} {'halluc.@rec':>13}"
    )
    for name in fields:
        judged = [j for j in outcome.judgements if j.key[1] == name]
        if not judged:
            continue
        tally = counts(judged)
        high = counts(kept(j, HIGH) for j in judged)
        written = [r for r in outcome.rows if r["field"] == name and r["value"] is not None]
        if threshold is None:
            through = wrong = "-"
        else:
            taken = [r for r in written if accepted(r["grounded"], r["confidence"], threshold)]
            through = _ratio(len(taken), len(written))
            sure = counts(kept(j, threshold) for j in judged if j.grounded)
            wrong = _ratio(sure.wrong, sure.written)
        print(
            f"{name:16} {tally.labeled:7d} {_pct(tally.correct, tally.labeled):>9} "
            f"{_ratio(tally.wrong, tally.written):>15} {_ratio(tally.covered, tally.printed):>16}"
            f" {_ratio(high.wrong, high.written):>15} {through:>15} {wrong:>13}"
        )


def threshold_table(runs: list[SetRun], fields: Iterable[str]) -> None:
    wanted = set(fields)
    print(f"{'threshold':>9} {'written':>8} {'coverage':>16} {'hallucination':>16}")
    for threshold in THRESHOLDS:
        tally = counts(
            kept(judgement, threshold)
            for run in runs
            for judgement in run.judgements
            if judgement.key[1] in wanted
        )
        print(
            f"{threshold:9.2f} {tally.written:8d} {_ratio(tally.covered, tally.printed):>16} "
            f"{_ratio(tally.wrong, tally.written):>16}"
        )


def errors(outcome: SetRun) -> None:
    for judgement in sorted(outcome.judgements, key=lambda j: (outcome.files[j.key[0]], j.key)):
        if judgement.correct or judgement.key[2] is not None:
            continue
        confidence = judgement.confidence
        shown = "-" if confidence is None else f"{confidence:.2f}"
        print(
            f"  {outcome.files[judgement.key[0]]:38} {judgement.key[1]:15} "
            f"got {judgement.predicted!r} ({shown}) want {judgement.label.value!r}"
            + (f"  <- {judgement.quote!r}" if judgement.quote else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help="folder of sets (realworld)")
    parser.add_argument("--errors", action="store_true", help="list wrong and missed values")
    parser.add_argument("--ocr", choices=Ocr.MODES, default=Ocr.AUTO, help="as extract run's")
    args = parser.parse_args()
    root = args.root or realworld_root()
    sets: list[tuple[str, Path, Path, tuple[str, ...]]] = []
    if root is not None:
        for folder in sorted(path for path in root.iterdir() if path.is_dir()):
            if any(folder.glob("*.json")):
                sets.append((folder.name, folder, folder, FIELDS))
    else:
        print("no shared/realworld folder found: samples only")
    all_fields = tuple(spec.path for spec in field_specs(Invoice) if spec.list_field is None)
    item_fields = tuple(spec.path for spec in field_specs(Invoice) if spec.list_field)
    sets.append(
        ("samples", ROOT / "samples" / "pdfs", ROOT / "samples" / "truth", all_fields + item_fields)
    )
    runs = [
        (run_set(name, folder, truth, fields, args.ocr), fields)
        for name, folder, truth, fields in sets
    ]
    realworld = [run for run, _ in runs if run.name != "samples"]
    threshold = review_threshold(realworld, FIELDS)
    for outcome, fields in runs:
        print(
            f"\n== {outcome.name}: {outcome.documents} documents, {outcome.pages} pages, "
            f"{len(outcome.failed)} failed; rules "
            f"{1000 * outcome.extract_s / max(outcome.pages, 1):.2f} ms/page"
        )
        for failure in outcome.failed:
            print(f"  FAILED {failure}")
        shown = [f for f in fields if f in FIELDS or f.startswith("line_items.")]
        field_table(outcome, shown, threshold)
        print()
        threshold_table([outcome], FIELDS)
        if args.errors:
            errors(outcome)
    if realworld:
        print(f"\n== the {len(realworld)} realworld sets together (the nine fields)")
        threshold_table(realworld, FIELDS)
        high = counts(
            kept(j, HIGH) for run in realworld for j in run.judgements if j.key[1] in FIELDS
        )
        print(
            f"values at confidence >= {HIGH}: {high.written}, wrong "
            f"{_ratio(high.wrong, high.written)}; recommended review threshold: "
            + ("none (too few labels, or too many wrong)" if threshold is None else f"{threshold}")
        )


if __name__ == "__main__":
    main()
