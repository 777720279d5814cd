"""What the testers' verdicts say a key's true value is: one aggregation for final and the evals.

The rules, per ground_truth row (the verdict is read case- and space-insensitively):

- ``correct``: the suggested value is the truth (a blank suggestion: the value is absent);
- ``wrong`` with ``expected``: the expected value is the truth;
- ``wrong`` alone: only "not this value", a negative label (``known`` False);
- ``absent``: the document has no such value (truth empty; an ``expected`` is ignored);
- no verdict but an ``expected``: read as ``wrong`` with ``expected``;
- no verdict and no ``expected``: no opinion yet; any other verdict: unreadable, listed.

Each tester gives one opinion per key (a tester's later row wins; rows without a tester
count as one tester, UNNAMED_TESTER). Testers agree when their resulting truths are the
same (typed: 1234.5 and "1.234,50" are one amount); otherwise they disagree, so a
``wrong`` without expected disagrees with a ``correct`` of the same suggestion, and a key
where testers disagree gets no agreed truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from contract.keys import blank, key_of
from contract.kinds import canonical_text
from contract.sheets import Key
from schemas.base import Kind
from schemas.values import canonical_value, normalized_text
from schemas.vocabulary import Source, Verdict

UNNAMED_TESTER: Final = "(unnamed)"  # the tester of rows whose tester cell is blank
ALL_FIELDS: Final = "(all fields)"  # scores.field of a scoring's overall row


class LabelSource:
    """Where a label comes from, as the score's outputs name it."""

    CLIENT: Final = Source.CLIENT  # the corrections sheet
    TESTER: Final = Source.TESTER  # ground_truth verdicts
    TRUTH_FILE: Final = "truth"  # a samples/truth/*.json file
    CLOSED_LIST: Final = "closed list"  # a row beyond a list whose row count is known


@dataclass(frozen=True)
class Reading:
    """One tester's reading of a key's truth; ``value`` and ``rejected`` are cells as typed."""

    value: Any  # the true value; None when absent, or when only a value was rejected
    known: bool = True  # False: a `wrong` without expected, which says only "not rejected"
    rejected: Any = None  # the suggestion judged wrong (None: an empty one, so a value exists)
    verdict: str = ""

    @property
    def absent(self) -> bool:
        return self.known and blank(self.value)

    def token(self, kind: Kind | None) -> str:
        """Equal for readings that say the same thing: how testers' opinions are compared."""
        if not self.known:
            return "not:" + comparable_text(kind, self.rejected)
        return "absent" if blank(self.value) else "is:" + comparable_text(kind, self.value)


@dataclass
class Readings:
    """The testers' opinions per key, what they agree on, and what nobody can read."""

    opinions: dict[Key, dict[str, Reading]] = field(default_factory=dict)
    agreed: dict[Key, Reading] = field(default_factory=dict)
    disagreements: dict[Key, dict[str, Reading]] = field(default_factory=dict)
    unreadable: list[tuple[Key, str]] = field(default_factory=list)  # (key, verdict as typed)


def comparable_text(kind: Kind | None, value: Any) -> str:
    """One text per meaning: amounts as decimals, dates ISO, text and codes normalised."""
    text = canonical_text(kind, value)
    if text is None:
        return ""
    if kind == "code":
        text = canonical_value(kind, text) or text  # "€" is EUR
    return normalized_text(text) if kind in (None, "text", "code") else text


def row_reading(row: Mapping[str, Any]) -> Reading | None:
    """One ground_truth row's reading by the rules above; None when it says nothing."""
    verdict = "" if blank(row.get("verdict")) else str(row.get("verdict")).strip().casefold()
    suggested, expected = row.get("suggested"), row.get("expected")
    if verdict == Verdict.CORRECT:
        return Reading(None if blank(suggested) else suggested, verdict=verdict)
    if verdict == Verdict.ABSENT:
        return Reading(None, verdict=verdict)
    if verdict in (Verdict.WRONG, "") and not blank(expected):
        return Reading(expected, verdict=verdict)
    if verdict == Verdict.WRONG:
        rejected = None if blank(suggested) else suggested
        return Reading(None, known=False, rejected=rejected, verdict=verdict)
    return None


def verdict_readings(
    ground_truth: Iterable[Mapping[str, Any]], kinds: Mapping[str, Kind] | None = None
) -> Readings:
    """The ground_truth rows (as load_contract gives them) aggregated per key by the rules
    above; ``kinds`` maps a field to its kind, so typed values compare as values."""
    result = Readings()
    for row in ground_truth:
        key = key_of(row)
        if not key[0] or not key[1]:
            continue
        reading = row_reading(row)
        if reading is None:
            if not blank(row.get("verdict")):
                result.unreadable.append((key, str(row.get("verdict")).strip()))
            continue
        tester = UNNAMED_TESTER if blank(row.get("tester")) else str(row.get("tester")).strip()
        result.opinions.setdefault(key, {})[tester] = reading
    for key, by_tester in result.opinions.items():
        kind = (kinds or {}).get(key[1])
        if len({reading.token(kind) for reading in by_tester.values()}) == 1:
            result.agreed[key] = next(iter(by_tester.values()))
        else:
            result.disagreements[key] = by_tester
    return result


def agreed_values(
    ground_truth: Iterable[Mapping[str, Any]], kinds: Mapping[str, Kind] | None = None
) -> dict[Key, Any]:
    """Per key, the value the testers agree on (None: absent), for final: a negative label
    ("not this value") gives no value, so final keeps the model's there."""
    readings = verdict_readings(ground_truth, kinds).agreed
    return {key: reading.value for key, reading in readings.items() if reading.known}
