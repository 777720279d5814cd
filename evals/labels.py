"""Labels from the workbook: the client's corrections first, then the testers' verdicts.

The testers' verdicts are aggregated by contract.labels.verdict_readings, the same rules that
fill final. Where testers agree, their reading is the label; where they disagree, the key is
left out of the score and listed for review, and their agreement (percent, Cohen's kappa per
pair, Krippendorff's alpha overall) is measured.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.labels import LabelSource, Reading, verdict_readings
from contract.merge import key_of
from contract.sheets import Key
from evals.agreement import PairAgreement, krippendorff_alpha, pair_agreements
from evals.compare import typed_value
from schemas.base import FieldSpec, Kind


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
    source: str = LabelSource.TESTER

    @classmethod
    def truth(cls, value: str | None, source: str = LabelSource.TESTER) -> Label:
        return cls(value=value, source=source)

    @classmethod
    def not_this(cls, rejected: str | None, source: str = LabelSource.TESTER) -> Label:
        return cls(value=None, known=False, rejected=rejected, source=source)

    @classmethod
    def of(cls, reading: Reading, kind: Kind) -> Label:
        """A tester's reading (cells as typed) as a label of typed values."""
        if reading.known:
            return cls.truth(typed_value(kind, reading.value))
        return cls.not_this(typed_value(kind, reading.rejected))

    @property
    def absent(self) -> bool:
        return self.known and self.value is None

    def token(self, kind: Kind) -> str:
        """Equal for labels that say the same thing, as testers' readings are compared."""
        return Reading(self.value, self.known, self.rejected).token(kind)

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


def workbook_labels(
    ground_truth: Iterable[Mapping[str, Any]],
    corrections: Iterable[Mapping[str, Any]],
    kinds: Mapping[str, Kind],
    documents: Collection[str] | None = None,
) -> WorkbookLabels:
    """Aggregate people's sheets into one label per key (rows as load_contract gives them).

    With ``documents`` (doc_ids), only their rows count, agreement figures included: a dev
    scoring must not measure, list or even name holdout keys.
    """

    def wanted(key: Key) -> bool:
        return bool(key[0] and key[1]) and (documents is None or key[0] in documents)

    readings = verdict_readings((row for row in ground_truth if wanted(key_of(row))), kinds)
    result = WorkbookLabels(unreadable=readings.unreadable)
    corrected: dict[Key, Label] = {}
    for row in corrections:
        key = key_of(row)
        if wanted(key):
            value = typed_value(kinds.get(key[1], "text"), row.get("value"))
            corrected[key] = Label.truth(value, LabelSource.CLIENT)
    tokens = {
        key: {tester: reading.token(kinds.get(key[1])) for tester, reading in by_tester.items()}
        for key, by_tester in readings.opinions.items()
    }
    result.pairs = pair_agreements(tokens)
    result.alpha = krippendorff_alpha(list(by_tester.values()) for by_tester in tokens.values())
    for key, reading in readings.agreed.items():
        result.labels[key] = Label.of(reading, kinds.get(key[1], "text"))
    for key, by_tester in readings.disagreements.items():
        if key not in corrected:
            kind = kinds.get(key[1], "text")
            opinions = tuple(
                Opinion(tester, Label.of(reading, kind), reading.verdict)
                for tester, reading in by_tester.items()
            )
            result.disagreements.append(Disagreement(key, opinions))
    result.labels.update(corrected)
    result.corrections = len(corrected)
    return result
