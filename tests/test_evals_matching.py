"""Line items matched as a set: optimal assignment, and one missing row costs only that row."""

from __future__ import annotations

from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from evals.labels import Label
from evals.matching import assignment, matched_rows
from evals.metrics import scored
from schemas.base import field_specs
from schemas.invoice import Invoice

SPECS = field_specs(Invoice)


def brute_force(cost: list[list[int]]) -> int:
    rows, cols = len(cost), len(cost[0])
    if rows <= cols:
        return min(sum(cost[r][p[r]] for r in range(rows)) for p in permutations(range(cols), rows))
    return min(sum(cost[p[c]][c] for c in range(cols)) for p in permutations(range(rows), cols))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(0, 9), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_assignment_is_optimal(cost: list[list[int]]) -> None:
    pairs = assignment(cost)
    assert len(pairs) == min(len(cost), len(cost[0]))
    assert len({r for r, _ in pairs}) == len({c for _, c in pairs}) == len(pairs)
    assert sum(cost[r][c] for r, c in pairs) == brute_force(cost)


def test_assignment_by_hand() -> None:
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]  # best: (0,1) (1,0) (2,2) = 1 + 2 + 2 = 5
    assert assignment(cost) == [(0, 1), (1, 0), (2, 2)]
    assert assignment([]) == []


def line(item: int, description: str, amount: str) -> list[dict[str, object]]:
    return [
        {"doc_id": "d", "field": "line_items.description", "item": item, "value": description},
        {"doc_id": "d", "field": "line_items.amount", "item": item, "value": amount},
    ]


def truth(rows: list[tuple[str, str]], closed: bool) -> dict:
    labels = {}
    for item, (description, amount) in enumerate(rows, start=1):
        labels[("d", "line_items.description", item)] = Label.truth(description)
        labels[("d", "line_items.amount", item)] = Label.truth(amount)
    if closed:
        labels[("d", "line_items", None)] = Label.truth(str(len(rows)))
    return labels


def test_one_missing_row_costs_only_that_row() -> None:
    labels = truth([("Apples", "10.00"), ("Bananas", "20.00"), ("Cherries", "30.00")], False)
    predicted = line(1, "Apples", "10.00") + line(2, "Cherries", "30,00")  # row 2 left out
    tally = scored(predicted, labels, SPECS).overall
    # by position, Cherries would be judged against Bananas: 2 more errors, 2 hallucinations
    assert (tally.labeled, tally.correct) == (6, 4)
    assert (tally.predicted, tally.hallucinated) == (4, 0)
    assert (tally.present, tally.omitted) == (6, 2)
    judged = {(j.key, j.item) for j in scored(predicted, labels, SPECS).judgements}
    assert (("d", "line_items.amount", 3), 2) in judged  # truth row 3 matched to predicted row 2


def test_rows_in_another_order_all_match() -> None:
    labels = truth([("Apples", "10.00"), ("Bananas", "20.00")], False)
    predicted = line(1, "bananas", "20") + line(2, "APPLES", "10")
    assert scored(predicted, labels, SPECS).overall.accuracy.value == 1.0


def test_an_invented_row_is_a_hallucination_only_in_a_closed_list() -> None:
    rows = [("Apples", "10.00")]
    predicted = line(1, "Apples", "10.00") + line(2, "Dates", "40.00")
    open_tally = scored(predicted, truth(rows, closed=False), SPECS).overall
    assert (open_tally.labeled, open_tally.correct, open_tally.hallucinated) == (2, 2, 0)
    closed_tally = scored(predicted, truth(rows, closed=True), SPECS).overall
    assert (closed_tally.labeled, closed_tally.correct) == (4, 2)
    assert (closed_tally.predicted, closed_tally.hallucinated) == (4, 2)


def test_a_wrong_row_is_a_hallucination_not_an_omission() -> None:
    # DESIGN: a filled prediction of another value is a hallucination. Apples 10.00 read as
    # Bananas 99.00: both fields predicted and wrong, nothing omitted (the row was read)
    predicted = line(1, "Bananas", "99.00")
    for closed in (False, True):
        tally = scored(predicted, truth([("Apples", "10.00")], closed), SPECS).overall
        assert (tally.labeled, tally.correct) == (2, 0), closed
        assert (tally.predicted, tally.hallucinated) == (2, 2), closed
        assert (tally.present, tally.omitted) == (2, 0), closed


def test_rows_left_apart_cost_what_they_get_wrong_alone() -> None:
    # one predicted row, two labeled rows that it fits equally badly (2 errors each): row 0
    # left alone would be 2 omissions, row 1 (an empty row) nothing, so row 0 takes it
    assert matched_rows([[2], [2]], [2, 0], [2]) == [(0, 0)]
    # a pair dearer than both rows apart (5 > 1 + 1) is no pair; a tie is a pair
    assert matched_rows([[5]], [1], [1]) == []
    assert matched_rows([[2]], [1], [1]) == [(0, 0)]
    assert matched_rows([], [], []) == []
