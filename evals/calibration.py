"""How far a run's confidence can be trusted, measured against labels.

- reliability: per confidence band, how many labelled values, their mean confidence, how
  many were right and how many wrong (hallucinated);
- expected calibration error: the gap between confidence and accuracy, averaged over the
  bands by their share of values;
- the recommended review threshold: the lowest confidence at which the values final would
  accept (grounded, confidence at or above it) are wrong at most 1% of the time with 95%
  confidence: the one-sided exact (Clopper-Pearson) upper bound of their labelled
  hallucination rate is at most 1%. With none wrong that takes at least 299 labelled values;
  fewer labels recommend no threshold, honestly;
- the straight-through rate at a threshold: the share of the run's values (every key it
  gave, empty ones too) that final accepts unseen, the work that needs no human look.

``calibration`` is the one entry point; ``acceptance`` judges any threshold (a bench sweeps
them). Both take a scoring's ``Scores`` and the run's value rows as the store keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contract.acceptance import accepted
from evals.metrics import Judgement, Rate, Scores

MAX_HALLUCINATION = 0.01  # what the recommended threshold must keep the accepted values under
CONFIDENCE_LEVEL = 0.95  # of that bound (one-sided)
BANDS = 10  # equal-width confidence bands of the reliability table


def binomial_cdf(hits: int, total: int, rate: float) -> float:
    """P(X <= hits) for X ~ Binomial(total, rate), summed in log space (no underflow)."""
    if hits >= total or rate <= 0.0:
        return 1.0
    if rate >= 1.0:
        return 0.0
    log_rate, log_rest = math.log(rate), math.log1p(-rate)
    logs = [
        math.lgamma(total + 1)
        - math.lgamma(i + 1)
        - math.lgamma(total - i + 1)
        + i * log_rate
        + (total - i) * log_rest
        for i in range(hits + 1)
    ]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


def upper_bound(hits: int, total: int, level: float = CONFIDENCE_LEVEL) -> float | None:
    """The one-sided exact (Clopper-Pearson) upper bound of a rate: with ``level``
    confidence the true rate is at most this. None without a count."""
    if total <= 0:
        return None
    if hits >= total:
        return 1.0
    alpha = 1.0 - level
    if hits == 0:
        return 1.0 - float(alpha ** (1.0 / total))
    low, high = hits / total, 1.0
    for _ in range(60):  # bisection: the CDF falls as the rate grows
        middle = (low + high) / 2
        if binomial_cdf(hits, total, middle) > alpha:
            low = middle
        else:
            high = middle
    return high


def surely_under(hits: int, total: int, rate: float, level: float = CONFIDENCE_LEVEL) -> bool:
    """The upper bound of hits/total is at most ``rate`` (decided without the bisection)."""
    if total <= 0 or hits > rate * total:
        return False
    return binomial_cdf(hits, total, rate) <= 1.0 - level


@dataclass(frozen=True)
class Band:
    """Labelled values whose confidence is in [low, high) (the last band holds 1.0 too)."""

    low: float
    high: float
    values: int = 0
    confidence_sum: float = 0.0
    correct: int = 0

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.values if self.values else None

    @property
    def accuracy(self) -> Rate:
        return Rate(self.correct, self.values)

    @property
    def hallucination(self) -> Rate:
        return Rate(self.values - self.correct, self.values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "values": self.values,
            "mean_confidence": self.mean_confidence,
            "accuracy": self.accuracy.as_dict(),
            "hallucination_rate": self.hallucination.as_dict(),
        }


@dataclass(frozen=True)
class Acceptance:
    """What final accepts unseen at one threshold: how much, and how wrong."""

    threshold: float
    accepted: int  # the run's values accepted
    values: int  # the run's values (every key it gave)
    labelled: int  # labelled values among those accepted
    hallucinated: int  # wrong among them

    @property
    def straight_through(self) -> Rate:
        return Rate(self.accepted, self.values)

    @property
    def hallucination(self) -> Rate:
        return Rate(self.hallucinated, self.labelled)

    @property
    def hallucination_bound(self) -> float | None:
        """The labelled hallucination rate's one-sided 95% upper bound."""
        return upper_bound(self.hallucinated, self.labelled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "straight_through": self.straight_through.as_dict(),
            "hallucination_rate": {
                **self.hallucination.as_dict(),
                "upper_bound95": self.hallucination_bound,
            },
        }


@dataclass(frozen=True)
class Calibration:
    """A run's confidence measured against labels (see the module's docstring)."""

    bands: tuple[Band, ...]
    empty: Rate  # labelled keys the run left empty: right when the truth is empty too
    unrated: int  # labelled values with no confidence (kept before confidences existed)
    ece: float | None  # expected calibration error
    recommended: Acceptance | None  # None: no threshold keeps hallucination surely under the bar
    labelled_grounded: int  # labelled values that can be accepted at all (grounded, rated)
    max_hallucination: float = MAX_HALLUCINATION
    applied: Acceptance | None = None  # at the threshold the run's final used, when known
    # (confidence, wrong) of each labelled value final could accept (grounded, rated)
    acceptable: tuple[tuple[float, bool], ...] = ()

    @property
    def threshold(self) -> float | None:
        return None if self.recommended is None else self.recommended.threshold

    def straight_through(self) -> float:
        """At the recommended threshold; 0.0 when there is none (nothing accepted unseen)."""
        if self.recommended is None:
            return 0.0
        return self.recommended.straight_through.value or 0.0

    def closest(self) -> tuple[float, int, int, float] | None:
        """Where the bar is nearest: (threshold, wrong, labelled, upper bound) at the
        threshold whose accepted labelled values have the lowest upper bound."""
        best: tuple[float, int, int, float] | None = None
        for threshold in sorted({confidence for confidence, _ in self.acceptable}):
            taken = [wrong for confidence, wrong in self.acceptable if confidence >= threshold]
            bound = upper_bound(sum(taken), len(taken))
            if bound is not None and (best is None or bound < best[3]):
                best = (threshold, sum(taken), len(taken), bound)
        return best

    def needed(self) -> int:
        """Labelled values, none wrong, that the bar needs at the least (299 for 1% at 95%)."""
        alpha = 1.0 - CONFIDENCE_LEVEL
        return math.ceil(math.log(alpha) / math.log1p(-self.max_hallucination))

    def as_dict(self) -> dict[str, Any]:
        return {
            "bands": [band.as_dict() for band in self.bands],
            "empty": self.empty.as_dict(),
            "unrated": self.unrated,
            "expected_calibration_error": self.ece,
            "max_hallucination": self.max_hallucination,
            "confidence_level": CONFIDENCE_LEVEL,
            "recommended_threshold": self.threshold,
            "straight_through": self.straight_through(),
            "recommended": None if self.recommended is None else self.recommended.as_dict(),
            "applied": None if self.applied is None else self.applied.as_dict(),
            "closest": self._closest_dict(),
        }

    def _closest_dict(self) -> dict[str, Any] | None:
        found = self.closest()
        if found is None:
            return None
        names = ("threshold", "hallucinated", "labelled", "upper_bound95")
        return dict(zip(names, found, strict=True))


def _rated(scores: Scores) -> list[Judgement]:
    """Labelled values the run gave (filled predictions), with a confidence."""
    return [j for j in scores.judgements if j.hallucinated is not None and j.confidence is not None]


def _reliability(rated: Sequence[Judgement], count: int) -> tuple[Band, ...]:
    totals = [[0, 0.0, 0] for _ in range(count)]
    for judgement in rated:
        confidence = float(judgement.confidence or 0.0)
        band = totals[min(max(int(confidence * count), 0), count - 1)]
        band[0] += 1
        band[1] += confidence
        band[2] += int(judgement.correct)
    return tuple(
        Band(i / count, (i + 1) / count, int(n), float(total), int(right))
        for i, (n, total, right) in enumerate(totals)
    )


def expected_calibration_error(bands: Sequence[Band]) -> float | None:
    values = sum(band.values for band in bands)
    if not values:
        return None
    return sum(
        band.values / values * abs((band.accuracy.value or 0.0) - (band.mean_confidence or 0.0))
        for band in bands
        if band.values
    )


def acceptance(scores: Scores, values: Iterable[Mapping[str, Any]], threshold: float) -> Acceptance:
    """What final accepts unseen at ``threshold``: the run's ``values`` (rows with grounded
    and confidence, as the run store keeps them) and the labelled ones among them."""
    rows = [(row.get("grounded"), row.get("confidence")) for row in values]
    taken = [j for j in _rated(scores) if accepted(j.grounded, j.confidence, threshold)]
    return Acceptance(
        threshold=threshold,
        accepted=sum(accepted(g, c, threshold) for g, c in rows),
        values=len(rows),
        labelled=len(taken),
        hallucinated=sum(bool(j.hallucinated) for j in taken),
    )


def recommended_threshold(
    scores: Scores, max_hallucination: float = MAX_HALLUCINATION
) -> float | None:
    """The lowest confidence at which the labelled values final would accept are wrong at
    most ``max_hallucination`` of the time with 95% confidence; None when none is."""
    eligible = sorted(
        (float(j.confidence or 0.0), bool(j.hallucinated))
        for j in _rated(scores)
        if accepted(j.grounded, j.confidence, 0.0)
    )
    total, wrong = len(eligible), sum(bad for _, bad in eligible)
    index = 0
    while index < len(eligible):  # candidates from the lowest up: values at or above each
        threshold = eligible[index][0]
        if surely_under(wrong, total, max_hallucination):
            return threshold
        while index < len(eligible) and eligible[index][0] == threshold:
            wrong -= eligible[index][1]
            total -= 1
            index += 1
    return None


def calibration(
    scores: Scores,
    values: Iterable[Mapping[str, Any]],
    max_hallucination: float = MAX_HALLUCINATION,
    applied: float | None = None,
    bands: int = BANDS,
) -> Calibration:
    """The run's confidence measured against the labels of ``scores``; ``values`` are all
    the run's value rows in the scored documents (for the straight-through rate);
    ``applied`` the threshold the run's final used, to show what it let through."""
    rows = list(values)
    rated = _rated(scores)
    reliability = _reliability(rated, bands)
    empty = [j for j in scores.judgements if j.predicted is None]
    threshold = recommended_threshold(scores, max_hallucination)
    acceptable = tuple(
        (float(j.confidence or 0.0), bool(j.hallucinated))
        for j in rated
        if accepted(j.grounded, j.confidence, 0.0)
    )
    return Calibration(
        bands=reliability,
        empty=Rate(sum(j.correct for j in empty), len(empty)),
        unrated=sum(j.hallucinated is not None and j.confidence is None for j in scores.judgements),
        ece=expected_calibration_error(reliability),
        recommended=None if threshold is None else acceptance(scores, rows, threshold),
        labelled_grounded=len(acceptable),
        max_hallucination=max_hallucination,
        applied=None if applied is None else acceptance(scores, rows, applied),
        acceptable=acceptable,
    )
