"""`extract assign`: every document gets --per-doc testers, loads balanced, pairs spread."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

from contract.assign import assigned_rows, assignment
from contract.merge import key_of
from contract.workbook import load_contract
from extract.cli import cli


@pytest.mark.parametrize(
    ("testers", "per_doc", "documents"),
    [(3, 2, 6), (5, 2, 10), (4, 2, 7), (6, 3, 20), (10, 2, 400), (7, 3, 100), (30, 3, 300)],
)
def test_loads_are_balanced_and_pairs_spread(testers: int, per_doc: int, documents: int) -> None:
    names = [f"t{n}" for n in range(testers)]
    plan = assignment([f"d{n:04d}" for n in range(documents)], names, per_doc)
    assert all(len(set(chosen)) == per_doc for chosen in plan.values())
    load = Counter(name for chosen in plan.values() for name in chosen)
    assert max(load.values()) - min(load[name] for name in names) <= 2
    shared = Counter(frozenset(p) for chosen in plan.values() for p in combinations(chosen, 2))
    counts = [shared[frozenset(p)] for p in combinations(names, 2)]
    fair = documents * per_doc * (per_doc - 1) / (testers * (testers - 1))
    assert max(counts) <= fair + 2
    assert min(counts) >= fair - 2


def test_existing_assignments_are_kept_and_counted() -> None:
    plan = assignment(["a", "b", "c"], ["ana", "ben", "cem"], 2, {"a": ["ana", "ben"]})
    assert plan["a"] == ["ana", "ben"]
    assert Counter(n for chosen in plan.values() for n in chosen)["cem"] == 2


def test_assign_writes_one_row_per_tester_and_key(samples_copy: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    runner = CliRunner()
    args = ["run", str(samples_copy), "--workbook", str(workbook), "--backend", "rules"]
    assert runner.invoke(cli, args).exit_code == 0
    keys = {key_of(row) for row in load_contract(workbook).sheet("ground_truth")}
    result = runner.invoke(
        cli, ["assign", "--workbook", str(workbook), "--testers", "ana,ben,cem", "--per-doc", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = load_contract(workbook).sheet("ground_truth")
    testers: dict[tuple[object, ...], list[str]] = {}
    for row in rows:
        testers.setdefault(key_of(row), []).append(row["tester"])
    assert set(testers) == keys
    assert all(len(names) == 2 and len(set(names)) == 2 for names in testers.values())
    per_doc = {key[0]: tuple(sorted(names)) for key, names in testers.items()}
    assert all(per_doc[key[0]] == tuple(sorted(names)) for key, names in testers.items())
    again = runner.invoke(cli, ["assign", "--workbook", str(workbook), "--testers", "ana,ben,cem"])
    assert again.exit_code == 0
    assert len(load_contract(workbook).sheet("ground_truth")) == len(rows)
    # a later run's new keys go to the document's testers
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 0
    assert len(load_contract(workbook).sheet("ground_truth")) == len(rows)


def test_bad_tester_lists_are_one_line(tmp_path: Path) -> None:
    workbook = str(tmp_path / "contract.xlsx")
    for testers, per_doc in [("ana,ana", "2"), ("ana", "2"), (" , ", "1")]:
        result = CliRunner().invoke(
            cli, ["assign", "--workbook", workbook, "--testers", testers, "--per-doc", per_doc]
        )
        assert result.exit_code != 0
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_a_further_testers_row_suggests_the_value_as_it_is_now() -> None:
    """Copied from a judged row whose suggestion is frozen: the copy judges today's value,
    with the row's confidence and page link."""
    judged = {
        "doc_id": "d1", "file": "a.pdf", "field": "seller", "item": None,
        "suggested": None, "latest": "Atelier Rive Gauche SARL", "confidence": 0.7,
        "link": "=HYPERLINK(\"a.pdf#page=1\",\"p. 1\")", "verdict": "wrong",
        "expected": "Atelier Rive Gauche SARL", "tester": "anna", "note": "typed by anna",
    }  # fmt: skip
    rows = assigned_rows([judged], {"d1": ["anna", "ben"]})
    assert rows[0] == judged
    assert rows[1] == {
        "doc_id": "d1", "file": "a.pdf", "field": "seller", "item": None,
        "suggested": "Atelier Rive Gauche SARL", "latest": None, "confidence": 0.7,
        "link": judged["link"], "tester": "ben",
    }  # fmt: skip
