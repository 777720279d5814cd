"""Property: whatever people type and however often the pipeline runs, nothing typed is lost.

Random runs (random keys and values) alternate with random edits (cells typed, rows
deleted or shuffled, columns added), each through the real workbook file. Rows have no
id, so the test follows each ground_truth row through the edits (people's rows stay where
they were left; a run appends after them). After every step each row still has its key and
every cell typed in it. A run appends rows only for the keys it offers for the first time,
one per tester the document is assigned to (a tester's name in any of its rows; one row
without a tester when nobody is), so a deleted key never comes back. A key may hold
several rows (one per tester): the test does not expect one row per key.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contract.merge import key_of
from contract.sheets import Key
from contract.update import write_run
from contract.workbook import load_contract, save_contract
from schemas.vocabulary import Verdict

DOCS = ("00000000000a", "00000000000b", "00000000000c")
FIELDS: tuple[tuple[str, int | None], ...] = (
    ("total", None),
    ("seller", None),
    ("issue_date", None),
    ("line_items.amount", 1),
    ("line_items.amount", 2),
    ("line_items.amount", 3),
)
UNIVERSE: list[Key] = [(doc, field, item) for doc in DOCS for field, item in FIELDS]
PEOPLE_COLUMNS = ("verdict", "expected", "tester", "note", "my column", "second opinion")

text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")
typed_value = st.one_of(
    text,
    st.sampled_from(Verdict.ALL),
    st.sampled_from(["=SUM(A1:A3)", "+1", "-5", "@me", " padded ", "1234.50"]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(date(1901, 1, 1), date(2099, 12, 31)),
)
run_step = st.tuples(
    st.just("run"),
    st.lists(st.sampled_from(UNIVERSE), min_size=1, max_size=len(UNIVERSE), unique=True),
    st.lists(st.one_of(st.none(), text, st.decimals(0, 10**6, places=2)), min_size=18),
)
type_step = st.tuples(
    st.just("type"), st.integers(0, 10**6), st.sampled_from(PEOPLE_COLUMNS), typed_value
)
delete_step = st.tuples(st.just("delete"), st.integers(0, 10**6))
shuffle_step = st.tuples(st.just("shuffle"), st.integers(0, 2**32))
# a tester's name, as people type it in the rows they take: names repeat, so a document
# often gets two testers and a run's new keys a row for each
tester_step = st.tuples(
    st.just("type"), st.integers(0, 10**6), st.just("tester"), st.sampled_from(["ana", "ben"])
)
steps = st.lists(
    st.one_of(run_step, type_step, tester_step, delete_step, shuffle_step), min_size=1, max_size=12
)


def values_of(keys: list[Key], values: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": doc,
            "file": f"{doc}.pdf",
            "field": field,
            "item": item,
            "value": None if value is None else str(value),
            "kind": "money" if field in ("total", "line_items.amount") else "text",
            "page": 1,
            "quote": "q",
            "grounded": 1,
            "source": "model",
        }
        for (doc, field, item), value in zip(keys, values, strict=False)
    ]


def same(found: Any, typed: Any) -> bool:
    if isinstance(found, datetime) and isinstance(typed, date):
        return found.date() == typed
    return bool(found == typed and type(found) is type(typed)) or (
        isinstance(found, (int, float)) and isinstance(typed, (int, float)) and found == typed
    )


def assigned_testers(rows: list[dict[str, Any]], doc: str) -> set[str | None]:
    """The testers a document is assigned to: every name in a tester cell of its rows."""
    names: set[str | None] = {
        str(row["tester"]).strip()
        for row in rows
        if key_of(row)[0] == doc and row.get("tester") is not None
    }
    names.discard("")
    return names or {None}


B = DOCS[1]
# A document two testers judge (a name typed in each of two of its rows): a key offered
# later gets a row for each; one of them deleted stays deleted, and so does the key.
TWO_TESTERS: list[tuple[Any, ...]] = [
    ("run", [(B, "total", None), (B, "seller", None)], ["1.00", "x"]),
    ("type", 0, "tester", "ana"),
    ("type", 1, "tester", "ben"),
    ("run", [(B, "issue_date", None)], ["2024-01-02"]),
    ("type", 2, "verdict", "correct"),
    ("delete", 3),
    ("run", [(B, "issue_date", None), (B, "line_items.amount", 1)], ["2024-01-03", "2.00"]),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps)
@example(TWO_TESTERS)
def test_nothing_typed_is_lost_or_moved(plan: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contract.xlsx"
        # per ground_truth row, in sheet order: its key and the cells typed in it
        sheet: list[tuple[Key, dict[str, Any]]] = []
        offered: set[Key] = set()
        for step in plan:
            if step[0] == "run":
                keys, values = step[1], step[2]
                before = load_contract(path).sheet("ground_truth") if path.exists() else []
                write_run(path, [], values_of(keys, values), [])
                added = load_contract(path).sheet("ground_truth")[len(sheet) :]
                fresh = [key for key in keys if key not in offered]
                expected = Counter(
                    (key, tester) for key in fresh for tester in assigned_testers(before, key[0])
                )
                found = Counter((key_of(row), row.get("tester")) for row in added)
                assert found == expected, "a run's new rows are not one per new key and tester"
                offered |= set(keys)
                sheet += [
                    (key_of(row), {} if row.get("tester") is None else {"tester": row["tester"]})
                    for row in added
                ]
            elif path.exists():
                contract = load_contract(path)
                rows = contract.sheet("ground_truth")
                if not rows:
                    continue
                if step[0] == "type":
                    at = step[1] % len(rows)
                    rows[at][step[2]] = step[3]
                    sheet[at][1][step[2]] = step[3]
                elif step[0] == "delete":
                    at = step[1] % len(rows)
                    del rows[at], sheet[at]
                else:
                    order = list(range(len(rows)))
                    random.Random(step[1]).shuffle(order)
                    rows[:] = [rows[i] for i in order]
                    sheet[:] = [sheet[i] for i in order]
                save_contract(path, contract)
            if not path.exists():
                continue
            rows = load_contract(path).sheet("ground_truth")
            assert [key_of(row) for row in rows] == [key for key, _ in sheet], "a row moved"
            for row, (key, cells) in zip(rows, sheet, strict=True):
                for column, value in cells.items():
                    assert same(row.get(column), value), (key, column, value)
