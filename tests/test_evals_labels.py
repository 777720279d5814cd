"""Labels from the workbook: corrections first, agreeing testers next, disagreements left out."""

from __future__ import annotations

from datetime import datetime

from contract.labels import agreed_values, verdict_readings
from evals.labels import Label, workbook_labels

KINDS = {"total": "money", "issue_date": "date", "seller": "text", "due_date": "date"}


def row(field: str, tester: str, verdict: str | None, suggested=None, expected=None, item=None):
    return {
        "doc_id": " d1 ",  # stray spaces, as people leave them
        "field": field,
        "item": item,
        "suggested": suggested,
        "verdict": verdict,
        "expected": expected,
        "tester": tester,
    }


def test_verdicts_become_labels() -> None:
    result = workbook_labels(
        [
            row("total", "anna", "correct", suggested=1234.5),
            row(
                "issue_date", "anna", "wrong", suggested="2026-03-06", expected=datetime(2026, 3, 5)
            ),
            row("due_date", "anna", "absent"),
            row("seller", "anna", "wrong", suggested="ACME"),
        ],
        [],
        KINDS,
    )
    assert result.labels[("d1", "total", None)] == Label.truth("1234.50")
    assert result.labels[("d1", "issue_date", None)] == Label.truth("2026-03-05")
    assert result.labels[("d1", "due_date", None)].absent
    assert result.labels[("d1", "seller", None)] == Label.not_this("ACME")
    assert not result.disagreements


def test_testers_agree_across_formats_and_disagreement_is_left_out() -> None:
    result = workbook_labels(
        [
            row("total", "anna", "correct", suggested="1234.50"),
            row("total", "ben", "wrong", suggested="99", expected="1.234,50"),  # same value
            row("issue_date", "anna", "correct", suggested="2026-03-05"),
            row("issue_date", "ben", "wrong", suggested="2026-03-05", expected="06.03.2026"),
        ],
        [],
        KINDS,
    )
    assert result.labels[("d1", "total", None)].value == "1234.50"
    assert ("d1", "issue_date", None) not in result.labels
    (disagreement,) = result.disagreements
    assert disagreement.key == ("d1", "issue_date", None)
    assert {o.tester for o in disagreement.opinions} == {"anna", "ben"}
    (pair,) = result.pairs
    assert (pair.shared, pair.agreed) == (2, 1)


def test_a_correction_wins_over_testers_even_when_they_disagree() -> None:
    result = workbook_labels(
        [
            row("total", "anna", "correct", suggested="100"),
            row("total", "ben", "correct", suggested="100"),
            row("issue_date", "anna", "correct", suggested="2026-03-05"),
            row("issue_date", "ben", "absent"),
        ],
        [
            {"doc_id": "d1", "field": "total", "item": None, "value": "1.234,50"},
            {"doc_id": "d1", "field": "issue_date", "item": " ", "value": datetime(2026, 3, 7)},
        ],
        KINDS,
    )
    assert result.labels[("d1", "total", None)] == Label.truth("1234.50", "client")
    assert result.labels[("d1", "issue_date", None)].value == "2026-03-07"
    assert result.disagreements == []
    assert result.corrections == 2


def test_unjudged_rows_and_unknown_verdicts() -> None:
    result = workbook_labels(
        [row("total", "anna", None, suggested="1"), row("seller", "anna", "corect", "ACME")],
        [],
        KINDS,
    )
    assert result.labels == {}
    assert result.unreadable == [(("d1", "seller", None), "corect")]


def test_final_and_the_evals_read_testers_the_same_way() -> None:
    """One aggregation (contract.labels) for final and the score: where they used to differ."""
    rows = [
        # anna: correct; ben: wrong without expected, of the same suggestion: they disagree
        row("total", "anna", "correct", suggested="100"),
        row("total", "ben", "wrong", suggested="100"),
        # absent with an expected value typed anyway: absent wins
        row("due_date", "anna", "absent", expected="2026-04-01"),
        # agreeing across formats; a blank verdict with expected reads as wrong + expected
        row("issue_date", "anna", "wrong", suggested="2026-03-06", expected="05.03.2026"),
        row("issue_date", "ben", None, suggested="2026-03-06", expected=datetime(2026, 3, 5)),
        # both say only "not this value": agreed, but no value to publish
        row("seller", "anna", "wrong", suggested="ACME"),
        row("seller", "ben", " Wrong ", suggested="acme"),
    ]
    truths = verdict_readings(rows, KINDS)
    assert set(truths.disagreements) == {("d1", "total", None)}
    assert agreed_values(rows, KINDS) == {
        ("d1", "due_date", None): None,
        ("d1", "issue_date", None): "05.03.2026",
    }
    labels = workbook_labels(rows, [], KINDS)
    assert [d.key for d in labels.disagreements] == [("d1", "total", None)]
    assert labels.labels == {
        ("d1", "due_date", None): Label.truth(None),
        ("d1", "issue_date", None): Label.truth("2026-03-05"),
        ("d1", "seller", None): Label.not_this("ACME"),
    }


def test_only_the_chosen_documents_count_agreement_included() -> None:
    rows = [
        row("total", "anna", "correct", suggested="100"),
        row("total", "ben", "correct", suggested="100"),
        {**row("total", "anna", "correct", suggested="5"), "doc_id": "h1"},
        {**row("total", "dora", "absent"), "doc_id": "h1"},
        {**row("seller", "dora", "maybe"), "doc_id": "h1"},
    ]
    result = workbook_labels(rows, [{"doc_id": "h1", "field": "total", "value": "1"}], KINDS,
                             documents={"d1"})  # fmt: skip
    assert set(result.labels) == {("d1", "total", None)}
    assert [(p.first, p.second, p.shared) for p in result.pairs] == [("anna", "ben", 1)]
    assert result.disagreements == [] and result.unreadable == [] and result.corrections == 0
