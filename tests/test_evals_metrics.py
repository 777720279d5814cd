"""Each metric on a small case whose figures were computed by hand."""

from __future__ import annotations

import pytest

from evals.labels import Label
from evals.metrics import Rate, scored, wilson_interval
from evals.regression import compared
from schemas.base import field_specs
from schemas.invoice import Invoice

SPECS = field_specs(Invoice)


def value(field: str, text: str | None, grounded: int | None = 1, doc_id: str = "d") -> dict:
    return {"doc_id": doc_id, "field": field, "item": None, "value": text, "grounded": grounded}


LABELS = {
    ("d", "invoice_number", None): Label.truth("INV-1"),
    ("d", "issue_date", None): Label.truth("2026-03-05"),
    ("d", "due_date", None): Label.truth(None),  # absent
    ("d", "seller", None): Label.truth("ACME GmbH"),
    ("d", "total", None): Label.truth("1234.50"),
    ("d", "tax", None): Label.truth(None),
    ("d", "currency", None): Label.not_this("USD"),  # `wrong`, nothing expected
    ("d", "subtotal", None): Label.not_this("5.00"),
}
PREDICTED = [
    value("invoice_number", "inv-1"),  # right (codes normalised)
    value("issue_date", "2026-03-06", grounded=0),  # wrong: hallucination, ungrounded
    value("due_date", None, grounded=None),  # right: absent and left empty
    value("seller", None, grounded=None),  # omission
    value("total", "1.234,50"),  # right (European format)
    value("tax", "10.00"),  # hallucination: the document has no tax
    value("currency", "USD"),  # hallucination: judged wrong
    value("subtotal", "6.00"),  # `wrong` of 5.00 says nothing of 6.00: not scored
    value("buyer", "Someone", grounded=0),  # no label: only in the ungrounded rate
]


def test_each_metric_by_hand() -> None:
    scores = scored(PREDICTED, LABELS, SPECS)
    overall = scores.overall
    # labeled: 7 keys; right: invoice_number, due_date, total
    assert (overall.accuracy.hits, overall.accuracy.total) == (3, 7)
    # filled and labeled: invoice_number, issue_date, total, tax, currency; wrong: 3 of them
    assert (overall.hallucination.hits, overall.hallucination.total) == (3, 5)
    # truth filled: invoice_number, issue_date, seller, total; empty prediction: seller
    assert (overall.omission.hits, overall.omission.total) == (1, 4)
    # filled and checked: 7 values (with subtotal and buyer); not grounded: issue_date, buyer
    assert (overall.ungrounded_rate.hits, overall.ungrounded_rate.total) == (2, 7)
    assert scores.undecided == 1
    assert scores.by_field["seller"].omission.value == 1.0
    assert scores.by_field["buyer"].labeled == 0
    assert scores.by_field["buyer"].ungrounded_rate.value == 1.0
    assert scores.by_document["d"].accuracy.value == pytest.approx(3 / 7)


def test_wilson_interval_by_hand() -> None:
    # 8/10: centre (0.8 + z²/20) / (1 + z²/10), half-width z/(1 + z²/10) sqrt(.016 + z²/400)
    low, high = wilson_interval(8, 10) or (0, 0)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    # 3/7 -> (0.1582, 0.7495); 0/10 -> (0, z²/(10 + z²)) = (0, 0.2775)
    assert wilson_interval(3, 7) == pytest.approx((0.1582, 0.7495), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0  # type: ignore[index]
    assert wilson_interval(0, 0) is None
    assert Rate(3, 7).as_dict()["interval95"] == pytest.approx([0.1582, 0.7495], abs=1e-4)


def test_a_wrong_verdict_on_an_empty_suggestion_means_a_value_exists() -> None:
    labels = {("d", "seller", None): Label.not_this(None)}
    tally = scored([value("seller", None, None)], labels, SPECS).overall
    assert (tally.labeled, tally.correct, tally.omitted, tally.present) == (1, 0, 1, 1)
    assert scored([value("seller", "X")], labels, SPECS).undecided == 1


def test_a_key_nothing_predicted_is_judged_as_empty() -> None:
    tally = scored([], {("d", "total", None): Label.truth("5")}, SPECS).overall
    assert (tally.labeled, tally.omitted) == (1, 1)


def test_run_against_run_on_the_same_keys() -> None:
    now = scored(PREDICTED, LABELS, SPECS)
    before_values = [
        value("invoice_number", "INV-2"),  # worse before: now better
        value("issue_date", "05.03.2026"),  # right before: now worse
        value("total", "1234.50"),
        value("tax", None),  # right before (absent): now worse
    ]
    before = scored(before_values, LABELS, SPECS)
    comparison = compared(now, before)
    better = [pair[0].key[1] for pair in comparison.better]
    worse = [pair[0].key[1] for pair in comparison.worse]
    assert better == ["invoice_number"]
    assert sorted(worse) == ["issue_date", "tax"]
    # both scored on the same 6 keys: currency (`wrong` of USD) cannot judge the baseline's
    # empty value, so it is left out of both
    assert comparison.current.overall.labeled == comparison.baseline.overall.labeled == 6
