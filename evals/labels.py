"""Labels from the workbook: the client's corrections first, then the testers' verdicts.

Several testers may judge one key. Where they agree, their verdict is the label; where
they disagree, the key is left out of the score and listed for review, and their
agreement (percent, Cohen's kappa per pair, Krippendorff's alpha overall) is measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.merge import key_of
from contract.sheets import Key, Source, Verdict
from evals.agreement import PairAgreement, krippendorff_alpha, pair_agreements
from evals.compare import cell_text, comparable, typed_value
from schemas.base import FieldSpec, Kind

UNNAMED_TESTER = "(unnamed)"


@dataclass(frozen=True)
class Label:
    """What is known of one key's true value.

    ``known`` labels give the value (``value`` None: the document has no such value).
    A ``wrong`` verdict without ``expected`` says only "not ``rejected``": the truth
    itself is unknown (``rejected`` None: the empty suggestion was wrong, so a value exists).
    """

    value: str | None
    known: bool = True
    rejected: str | None = None
    source: str = Source.TESTER

    @classmethod
    def truth(cls, value: str | None, source: str = Source.TESTER) -> Label:
        return cls(value=value, source=source)

    @classmethod
    def not_this(cls, rejected: str | None, source: str = Source.TESTER) -> Label:
        return cls(value=None, known=False, rejected=rejected, source=source)

    @property
    def absent(self) -> bool:
        return self.known and self.value is None

    def token(self, kind: Kind) -> str:
        """Equal for labels that say the same thing: how testers' opinions are compared."""
        if not self.known:
            return "not:" + comparable(kind, self.rejected)
        return "absent" if self.value is None else "is:" + comparable(kind, self.value)

    def describe(self) -> str:
        if not self.known:
            return f"not {self.rejected!r}" if self.rejected is not None else "some value"
        return "absent" if self.value is None else repr(self.value)


@dataclass(frozen=True)
class Opinion:
    tester: str
    label: Label
    verdict: str


@dataclass(frozen=True)
class Disagreement:
    """A key the testers judged differently: left out of the score until someone decides."""

    key: Key
    opinions: tuple[Opinion, ...]


@dataclass
class WorkbookLabels:
    """The labels a workbook gives, and how much its testers agree."""

    labels: dict[Key, Label] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    pairs: list[PairAgreement] = field(default_factory=list)
    alpha: float | None = None
    corrections: int = 0
    unreadable: list[tuple[Key, str]] = field(default_factory=list)  # verdicts nobody can read


def field_kinds(specs: Iterable[FieldSpec]) -> dict[str, Kind]:
    return {spec.path: spec.kind for spec in specs}


def tester_label(row: Mapping[str, Any], kind: Kind) -> tuple[Label | None, str]:
    """One ground_truth row's opinion, and its verdict as read; no label if it says nothing."""
    verdict = (cell_text(row.get("verdict")) or "").casefold()
    suggested = typed_value(kind, row.get("suggested"))
    expected = typed_value(kind, row.get("expected"))
    if verdict == Verdict.ABSENT:
        return Label.truth(None), verdict
    if verdict == Verdict.CORRECT:
        return Label.truth(suggested), verdict
    if verdict in (Verdict.WRONG, ""):
        if expected is not None:
            return Label.truth(expected), verdict
        return (Label.not_this(suggested) if verdict else None), verdict
    return None, verdict


def workbook_labels(
    ground_truth: Iterable[Mapping[str, Any]],
    corrections: Iterable[Mapping[str, Any]],
    kinds: Mapping[str, Kind],
) -> WorkbookLabels:
    """Aggregate people's sheets into one label per key (rows as load_contract gives them)."""
    result = WorkbookLabels()
    opinions: dict[Key, dict[str, Opinion]] = {}
    for row in ground_truth:
        key = key_of(dict(row))
        if not key[0] or not key[1]:
            continue
        label, verdict = tester_label(row, kinds.get(key[1], "text"))
        if label is None:
            if verdict:
                result.unreadable.append((key, verdict))
            continue
        tester = cell_text(row.get("tester")) or UNNAMED_TESTER
        opinions.setdefault(key, {})[tester] = Opinion(tester, label, verdict)  # last one wins
    corrected: dict[Key, Label] = {}
    for row in corrections:
        key = key_of(dict(row))
        if key[0] and key[1]:
            value = typed_value(kinds.get(key[1], "text"), row.get("value"))
            corrected[key] = Label.truth(value, Source.CLIENT)
    tokens = {
        key: {t: o.label.token(kinds.get(key[1], "text")) for t, o in by_tester.items()}
        for key, by_tester in opinions.items()
    }
    result.pairs = pair_agreements(tokens)
    result.alpha = krippendorff_alpha(list(by_tester.values()) for by_tester in tokens.values())
    for key, by_tester in opinions.items():
        if len(set(tokens[key].values())) == 1:
            result.labels[key] = next(iter(by_tester.values())).label
        elif key not in corrected:
            result.disagreements.append(Disagreement(key, tuple(by_tester.values())))
    result.labels.update(corrected)
    result.corrections = len(corrected)
    return result
