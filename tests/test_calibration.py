"""Calibration: reliability per band, the calibration error, the recommended threshold and the
straight-through rate it gives, on labelled values made to order."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evals.calibration import (
    Calibration,
    acceptance,
    binomial_cdf,
    calibration,
    recommended_threshold,
    surely_under,
    upper_bound,
)
from evals.labels import Label
from evals.metrics import Scores, scored
from schemas.base import field_specs
from schemas.invoice import Invoice

SPECS = field_specs(Invoice)
Row = dict[str, Any]


def values(*groups: tuple[int, float, int, bool]) -> list[Row]:
    """Groups of (count, confidence, wrong among them, grounded): one total per document."""
    rows: list[Row] = []
    for count, confidence, wrong, grounded in groups:
        for index in range(count):
            rows.append(
                {
                    "doc_id": f"d{len(rows):05d}",
                    "field": "total",
                    "item": None,
                    "value": "99.00" if index < wrong else "10.00",
                    "grounded": int(grounded),
                    "confidence": confidence,
                }
            )
    return rows


def scores_of(rows: list[Row], unlabelled: int = 0) -> Scores:
    """Every row labelled 10.00, except the last ``unlabelled`` rows."""
    labelled = rows[: len(rows) - unlabelled]
    labels = {(row["doc_id"], "total", None): Label.truth("10.00") for row in labelled}
    return scored(rows, labels, SPECS)


def test_the_upper_bound_is_the_exact_one_sided_clopper_pearson() -> None:
    assert upper_bound(0, 0) is None and upper_bound(3, 3) == 1.0
    assert upper_bound(0, 299) == pytest.approx(1 - 0.05 ** (1 / 299))  # the rule of three
    assert upper_bound(1, 100) == pytest.approx(0.0466, abs=5e-5)
    assert upper_bound(5, 100) == pytest.approx(0.10225, abs=5e-5)  # checked in exact fractions
    bound = upper_bound(7, 1000)
    assert bound is not None and binomial_cdf(7, 1000, bound) == pytest.approx(0.05, abs=1e-6)
    # 0 wrong of 299 is surely under 1%, of 298 not yet; 1 wrong needs about 473
    assert surely_under(0, 299, 0.01) and not surely_under(0, 298, 0.01)
    assert surely_under(1, 473, 0.01) and not surely_under(1, 472, 0.01)


def test_the_threshold_is_the_lowest_that_keeps_hallucination_surely_under_one_percent() -> None:
    rows = values((400, 0.98, 0, True), (100, 0.9, 2, True), (50, 0.5, 20, True))
    scores = scores_of(rows)
    assert recommended_threshold(scores) == 0.98
    result = calibration(scores, rows)
    assert result.threshold == 0.98
    assert result.recommended is not None
    assert result.recommended.straight_through.hits == 400
    assert result.straight_through() == pytest.approx(400 / 550)
    assert result.recommended.hallucination.hits == 0
    assert result.recommended.hallucination_bound == pytest.approx(1 - 0.05 ** (1 / 400))
    # with more right values at 0.9 the bar is met lower down, and more goes straight through
    rows = values((400, 0.98, 0, True), (300, 0.9, 1, True), (50, 0.5, 20, True))
    assert recommended_threshold(scores_of(rows)) == 0.9


def test_ungrounded_values_never_count_as_accepted() -> None:
    rows = values((400, 0.98, 0, False))
    result = calibration(scores_of(rows), rows)
    assert result.threshold is None and result.straight_through() == 0.0
    assert result.labelled_grounded == 0


def test_too_few_labels_recommend_no_threshold() -> None:
    rows = values((298, 0.95, 0, True))
    result = calibration(scores_of(rows), rows)
    assert result.threshold is None and result.straight_through() == 0.0
    assert result.needed() == 299


def test_unlabelled_values_count_in_the_straight_through_rate() -> None:
    rows = values((300, 0.95, 0, True), (100, 0.95, 0, True), (100, 0.4, 0, True))
    rows.append({**rows[0], "doc_id": "empty", "value": None, "grounded": None, "confidence": None})
    result = calibration(scores_of(rows, unlabelled=201), rows)
    assert result.threshold == 0.95
    assert result.straight_through() == pytest.approx(400 / 501)


def test_reliability_bands_and_the_calibration_error() -> None:
    rows = values((100, 0.95, 5, True), (100, 0.55, 45, True))
    result = calibration(scores_of(rows), rows)
    filled = {round(band.low, 1): band for band in result.bands if band.values}
    assert set(filled) == {0.9, 0.5}
    assert filled[0.9].accuracy.value == 0.95
    assert filled[0.9].mean_confidence == pytest.approx(0.95)
    assert filled[0.5].hallucination.hits == 45
    assert result.ece == pytest.approx(0.0)
    overconfident = values((100, 0.95, 25, True))
    assert calibration(scores_of(overconfident), overconfident).ece == pytest.approx(0.2)


def test_acceptance_at_any_threshold() -> None:
    rows = values((10, 0.98, 1, True), (10, 0.8, 2, True))
    at = acceptance(scores_of(rows), rows, 0.8)
    assert (at.accepted, at.values, at.labelled, at.hallucinated) == (20, 20, 20, 3)
    assert acceptance(scores_of(rows), rows, 0.99).accepted == 0


def test_the_json_carries_every_figure() -> None:
    rows = values((300, 0.98, 0, True))
    data = calibration(scores_of(rows), rows, applied=0.9).as_dict()
    assert data["recommended_threshold"] == 0.98 and data["straight_through"] == 1.0
    assert data["recommended"]["hallucination_rate"]["upper_bound95"] < 0.01
    assert data["applied"]["threshold"] == 0.9 and len(data["bands"]) == 10
    assert math.isclose(data["expected_calibration_error"], 0.02)
    assert isinstance(calibration(scores_of(rows), rows), Calibration)
