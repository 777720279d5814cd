"""Line items matched as a set: one missing row must not shift every later row into an error.

Predicted rows are paired with labeled rows by an optimal assignment (Hungarian algorithm)
that makes the fewest errors in all: a pair costs the fields it gets wrong, a row left
unmatched costs the errors it makes alone (a labeled row's omissions, a predicted row's
filled values). A wrong row paired with a labeled one is a wrong value (a hallucination),
not an omission plus an unscored extra row.
"""

from __future__ import annotations

from collections.abc import Sequence

INFINITY = float("inf")


def assignment(cost: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """The (row, column) pairs of least total cost; every row or every column is used.

    Kuhn-Munkres with potentials, O(n^2 m): fine for the hundreds of rows an invoice has.
    """
    if not cost or not cost[0]:
        return []
    rows, cols = len(cost), len(cost[0])
    if rows > cols:
        transposed = [[cost[r][c] for r in range(rows)] for c in range(cols)]
        return sorted((r, c) for c, r in assignment(transposed))
    u = [0.0] * (rows + 1)
    v = [0.0] * (cols + 1)
    owner = [0] * (cols + 1)  # owner[c]: the row (1-based) assigned to column c, 0 if none
    way = [0] * (cols + 1)
    for row in range(1, rows + 1):
        owner[0] = row
        col0 = 0
        least = [INFINITY] * (cols + 1)
        used = [False] * (cols + 1)
        while True:
            used[col0] = True
            r0, delta, col1 = owner[col0], INFINITY, 0
            for c in range(1, cols + 1):
                if not used[c]:
                    reduced = cost[r0 - 1][c - 1] - u[r0] - v[c]
                    if reduced < least[c]:
                        least[c], way[c] = reduced, col0
                    if least[c] < delta:
                        delta, col1 = least[c], c
            for c in range(cols + 1):
                if used[c]:
                    u[owner[c]] += delta
                    v[c] -= delta
                else:
                    least[c] -= delta
            col0 = col1
            if owner[col0] == 0:
                break
        while col0:
            col1 = way[col0]
            owner[col0] = owner[col1]
            col0 = col1
    return sorted((owner[c] - 1, c - 1) for c in range(1, cols + 1) if owner[c])


def matched_rows(
    cost: Sequence[Sequence[float]],
    unmatched_rows: Sequence[float],
    unmatched_columns: Sequence[float],
) -> list[tuple[int, int]]:
    """The pairs of least total cost, counting what rows and columns cost left unmatched.

    A pair is kept when it costs no more than leaving both apart
    (``cost[r][c] <= unmatched_rows[r] + unmatched_columns[c]``): on a tie, the two rows
    are the same row read wrong. The assignment runs on each pair's saving over leaving
    both apart (never above 0, as a pair may always be left apart), so it also chooses
    which rows stay unmatched: the result is optimal among all partial matchings.
    """
    if not cost or not cost[0]:
        return []
    saving = [
        [cost[r][c] - unmatched_rows[r] - unmatched_columns[c] for c in range(len(cost[0]))]
        for r in range(len(cost))
    ]
    capped = [[min(value, 0.0) for value in row] for row in saving]
    return [(r, c) for r, c in assignment(capped) if saving[r][c] <= 0]
