"""Property: whatever people type and however often the pipeline runs, nothing typed is lost.

Random runs (random keys and values) alternate with random edits (cells typed, rows
deleted or shuffled, columns added), each through the real workbook file. After every
step each typed cell is still at its key with its value, a deleted key never comes
back, and every key a run offers for the first time gets a row.
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
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
steps = st.lists(st.one_of(run_step, type_step, delete_step, shuffle_step), min_size=1, max_size=12)


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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps)
def test_nothing_typed_is_lost_or_moved(plan: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contract.xlsx"
        typed: dict[tuple[Key, str], Any] = {}
        deleted: set[Key] = set()
        offered: set[Key] = set()
        for step in plan:
            if step[0] == "run":
                keys, values = step[1], step[2]
                write_run(path, [], values_of(keys, values), [])
                fresh = {k for k in keys if k not in offered}
                offered |= set(keys)
                present = {key_of(r) for r in load_contract(path).sheet("ground_truth")}
                assert fresh <= present, "a key offered for the first time got no row"
            elif path.exists():
                contract = load_contract(path)
                rows = contract.sheet("ground_truth")
                if not rows:
                    continue
                if step[0] == "type":
                    row = rows[step[1] % len(rows)]
                    row[step[2]] = step[3]
                    typed[(key_of(row), step[2])] = step[3]
                elif step[0] == "delete":
                    row = rows.pop(step[1] % len(rows))
                    deleted.add(key_of(row))
                    typed = {k: v for k, v in typed.items() if k[0] != key_of(row)}
                else:
                    random.Random(step[1]).shuffle(rows)
                save_contract(path, contract)
            if not path.exists():
                continue
            rows = load_contract(path).sheet("ground_truth")
            by_key = {}
            for row in rows:
                assert key_of(row) not in by_key, "a key got a second row"
                by_key[key_of(row)] = row
            assert not deleted & set(by_key), "a deleted row came back"
            for (key, column), value in typed.items():
                assert same(by_key[key].get(column), value), (key, column, value)
