"""Accuracy, hallucination, omission and ungrounded rates: per field, per document, overall.

- accuracy: labeled keys whose prediction matches the truth, over labeled keys;
- hallucination: filled predictions that are wrong (truth empty, another value, or judged
  `wrong`), over filled predictions that are labeled;
- omission: keys with a filled truth whose prediction is empty, over those keys;
- ungrounded (needs no labels): filled values whose quote or value did not check out
  against the page, over filled values that were checked.
Every rate carries its counts and a 95% Wilson interval, which is honest when counts are small.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.labels import LabelSource
from contract.merge import key_of
from contract.sheets import Key
from evals.compare import filled, same, typed_value
from evals.labels import Label
from evals.matching import matched_rows
from schemas.base import FieldSpec, FieldValue, Kind

Z95 = 1.959963984540054
SMALL_COUNT = 100  # below this many, a rate is shown with its interval


def wilson_interval(hits: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The 95% Wilson score interval of hits/total; stays inside [0, 1] even for 0/n or n/n."""
    if total <= 0:
        return None
    p = hits / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == total else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.total)

    @property
    def small(self) -> bool:
        return self.total < SMALL_COUNT

    def as_dict(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "value": self.value,
            "hits": self.hits,
            "count": self.total,
            "interval95": list(interval) if interval else None,
        }


@dataclass(frozen=True)
class Judgement:
    """One labeled key of one run: the prediction beside its label, and what it counts as."""

    key: Key
    kind: Kind
    label: Label
    predicted: str | None
    correct: bool
    hallucinated: bool | None  # None: nothing was predicted
    omitted: bool | None  # None: the truth is empty or unknown
    item: int | None = None  # the run's own item number (line items are matched as a set)
    page: int | None = None
    quote: str | None = None
    grounded: bool | None = None
    confidence: float | None = None  # what the run's checks made of the value (evals.calibration)


@dataclass
class Tally:
    labeled: int = 0
    correct: int = 0
    predicted: int = 0
    hallucinated: int = 0
    present: int = 0
    omitted: int = 0
    checked: int = 0
    ungrounded: int = 0

    def add(self, judgement: Judgement) -> None:
        self.labeled += 1
        self.correct += judgement.correct
        if judgement.hallucinated is not None:
            self.predicted += 1
            self.hallucinated += judgement.hallucinated
        if judgement.omitted is not None:
            self.present += 1
            self.omitted += judgement.omitted

    def add_grounding(self, grounded: bool) -> None:
        self.checked += 1
        self.ungrounded += not grounded

    @property
    def accuracy(self) -> Rate:
        return Rate(self.correct, self.labeled)

    @property
    def hallucination(self) -> Rate:
        return Rate(self.hallucinated, self.predicted)

    @property
    def omission(self) -> Rate:
        return Rate(self.omitted, self.present)

    @property
    def ungrounded_rate(self) -> Rate:
        return Rate(self.ungrounded, self.checked)

    def as_dict(self) -> dict[str, Any]:
        return {
            "labeled": self.labeled,
            "accuracy": self.accuracy.as_dict(),
            "hallucination_rate": self.hallucination.as_dict(),
            "omission_rate": self.omission.as_dict(),
            "ungrounded_rate": self.ungrounded_rate.as_dict(),
        }


@dataclass
class Scores:
    """A run scored against labels; rebuildable from its judgements for a subset of keys."""

    judgements: list[Judgement]
    grounding: list[tuple[str, str, bool]]  # (doc_id, field, grounded) of each checked value
    undecided: int = 0  # labels that cannot judge this run's value (`wrong` of another value)
    overall: Tally = field(default_factory=Tally)
    by_field: dict[str, Tally] = field(default_factory=dict)
    by_document: dict[str, Tally] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_field: dict[str, Tally] = defaultdict(Tally)
        by_document: dict[str, Tally] = defaultdict(Tally)
        self.overall = Tally()
        for judgement in self.judgements:
            doc_id, name, _ = judgement.key
            for tally in (self.overall, by_field[name], by_document[doc_id]):
                tally.add(judgement)
        for doc_id, name, grounded in self.grounding:
            for tally in (self.overall, by_field[name], by_document[doc_id]):
                tally.add_grounding(grounded)
        self.by_field = dict(by_field)
        self.by_document = dict(by_document)

    def restricted(self, keys: set[Key]) -> Scores:
        """The same run scored on ``keys`` only: how two runs are compared on equal terms."""
        return Scores([j for j in self.judgements if j.key in keys], self.grounding)


def judged(key: Key, kind: Kind, row: Mapping[str, Any] | None, label: Label) -> Judgement | None:
    """The prediction in ``row`` (None: nothing predicted) judged against one label."""
    predicted = typed_value(kind, row.get("value")) if row is not None else None
    has_value = predicted is not None
    if label.known:
        correct = same(kind, predicted, label.value)
        hallucinated: bool | None = (not correct) if has_value else None
        omitted: bool | None = (not has_value) if label.value is not None else None
    elif label.rejected is not None and has_value and same(kind, predicted, label.rejected):
        correct, hallucinated, omitted = False, True, None
    elif label.rejected is None and not has_value:  # a value exists, and none was given
        correct, hallucinated, omitted = False, None, True
    else:
        return None
    grounded = row.get("grounded") if row is not None else None
    page = row.get("page") if row is not None else None
    confidence = row.get("confidence") if row is not None else None
    return Judgement(
        key=key,
        kind=kind,
        label=label,
        predicted=predicted,
        correct=correct,
        hallucinated=hallucinated,
        omitted=omitted,
        item=key_of(dict(row))[2] if row is not None else None,
        page=int(page) if page is not None else None,
        quote=row.get("quote") if row is not None else None,
        grounded=None if grounded is None else bool(grounded),
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
    )


def _list_judgements(
    doc_id: str,
    specs: Sequence[FieldSpec],
    labels: Mapping[Key, Label],
    predictions: Mapping[Key, Mapping[str, Any]],
    closed: bool,
) -> tuple[list[Judgement], int]:
    """One document's rows of one list field, matched as a set, then judged field by field."""
    paths = [spec.path for spec in specs]
    kinds = {spec.path: spec.kind for spec in specs}
    truth_items = sorted(
        {k[2] for k in labels if k[0] == doc_id and k[1] in kinds and k[2] is not None}
    )
    predicted_items = sorted(
        {k[2] for k in predictions if k[0] == doc_id and k[1] in kinds and k[2] is not None}
    )

    def decision(truth_item: int, predicted_item: int | None, path: str) -> Judgement | None:
        label = labels.get((doc_id, path, truth_item))
        if label is None:
            return None
        row = None if predicted_item is None else predictions.get((doc_id, path, predicted_item))
        return judged((doc_id, path, truth_item), kinds[path], row, label)

    def errors(truth_item: int, predicted_item: int | None) -> float:
        """Labeled fields judged wrong (or not judgeable) with this partner, or with none."""
        total = 0.0
        for path in paths:
            if (doc_id, path, truth_item) in labels:
                verdict = decision(truth_item, predicted_item, path)
                total += 0.0 if verdict is not None and verdict.correct else 1.0
        return total

    def filled_values(predicted_item: int) -> float:
        """What a predicted row left apart costs: each filled value is a value with no truth."""
        rows = (predictions.get((doc_id, path, predicted_item)) for path in paths)
        return float(sum(row is not None and filled(row.get("value")) for row in rows))

    cost = [[errors(t, p) for p in predicted_items] for t in truth_items]
    alone = [errors(t, None) for t in truth_items]
    pairs = matched_rows(cost, alone, [filled_values(p) for p in predicted_items])
    partner: dict[int, int | None] = {t: None for t in truth_items}
    for r, c in pairs:
        partner[truth_items[r]] = predicted_items[c]
    judgements: list[Judgement] = []
    undecided = 0
    for truth_item in truth_items:
        for path in paths:
            if (doc_id, path, truth_item) not in labels:
                continue
            verdict = decision(truth_item, partner[truth_item], path)
            if verdict is None:
                undecided += 1
            else:
                judgements.append(verdict)
    if closed:
        extra = [p for p in predicted_items if p not in set(partner.values())]
        for offset, predicted_item in enumerate(extra, start=1):
            key_item = (truth_items[-1] if truth_items else 0) + offset
            for path in paths:
                row = predictions.get((doc_id, path, predicted_item))
                if row is not None and filled(row.get("value")):
                    label = Label.truth(None, LabelSource.CLOSED_LIST)
                    verdict = judged((doc_id, path, key_item), kinds[path], row, label)
                    if verdict is not None:
                        judgements.append(verdict)
    return judgements, undecided


def scored(
    predictions: Iterable[Mapping[str, Any]],
    labels: Mapping[Key, Label],
    specs: Sequence[FieldSpec],
) -> Scores:
    """A run's values scored against labels: only labeled keys count (a partial labelling is fine).

    ``predictions`` are rows with doc_id, field, item, value and, when known, page, quote
    and grounded (the run store's run_values rows are such rows). Line items are matched as
    a set per document. A list whose row count is labeled, (doc_id, "line_items", None),
    is closed: filled values of rows beyond it count as hallucinations.
    """
    rows = list(predictions)
    by_key = {key_of(dict(row)): row for row in rows}
    kinds = {spec.path: spec.kind for spec in specs}
    list_specs: dict[str, list[FieldSpec]] = defaultdict(list)
    for spec in specs:
        if spec.list_field is not None:
            list_specs[spec.list_field].append(spec)
    judgements: list[Judgement] = []
    undecided = 0
    for key, label in labels.items():
        doc_id, name, _ = key
        if name in list_specs or (name in kinds and name.split(".")[0] in list_specs):
            continue
        verdict = judged(key, kinds.get(name, "text"), by_key.get(key), label)
        if verdict is None:
            undecided += 1
        else:
            judgements.append(verdict)
    # each document's labels and predictions apart: a list field is matched per document,
    # and scanning every key for each one made scoring quadratic in the folder's size
    labels_of: dict[str, dict[Key, Label]] = defaultdict(dict)
    for key, label in labels.items():
        labels_of[key[0]][key] = label
    predictions_of: dict[str, dict[Key, Mapping[str, Any]]] = defaultdict(dict)
    for key, row in by_key.items():
        predictions_of[key[0]][key] = row
    for list_field, item_specs in list_specs.items():
        paths = {spec.path for spec in item_specs}
        documents = sorted({k[0] for k in labels if k[1] in paths or k[1] == list_field})
        for doc_id in documents:
            closed = (doc_id, list_field, None) in labels
            found, left = _list_judgements(
                doc_id, item_specs, labels_of[doc_id], predictions_of[doc_id], closed
            )
            judgements.extend(found)
            undecided += left
    grounding = [
        (str(row["doc_id"]), str(row["field"]), bool(row["grounded"]))
        for row in rows
        if row.get("grounded") is not None and filled(row.get("value"))
    ]
    return Scores(judgements, grounding, undecided)


def prediction_rows(doc_id: str, values: Iterable[FieldValue]) -> list[dict[str, Any]]:
    """A backend result's flat values (schemas.base.field_values) as rows ``scored`` takes."""
    return [
        {
            "doc_id": doc_id,
            "field": value.field,
            "item": value.item,
            "value": value.value,
            "page": value.page,
            "quote": value.quote,
        }
        for value in values
    ]
