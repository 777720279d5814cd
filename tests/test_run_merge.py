"""The streamed merge of a run gives row for row what the in-memory merge gives.

contract.run_merge keeps only the rows people touched in memory (the rest in a temporary
SQLite file) so a batch run's workbook step stays small; contract.merge is the plain
statement of the rules. Random sheets, edits, offered keys, values and corrections go
through both, and the ground_truth, final and offered keys must come out the same.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from contract.cells import Formatted, Link, Note
from contract.keys import key_of
from contract.kinds import kinds_of
from contract.links import PageLinks
from contract.looks import LOOK
from contract.merge import final_rows, merged_ground_truth
from contract.run_merge import RunMerge
from contract.update import extraction_rows, write_run
from contract.workbook import load_contract, offered_order

Row = dict[str, Any]
DOCS = ("00000000000a", "00000000000b", "00000000000C")
FIELDS = (("total", None), ("seller", None), ("line_items.amount", 1), ("line_items.amount", 2))
UNIVERSE = [(doc, name, item) for doc in DOCS for name, item in FIELDS]
CELLS = ("verdict", "expected", "tester", "note", "latest", "my column", "item", "doc_id")
TYPED = ("correct", "wrong", "absent", "x", 12.5, 3, "ana", "ben", " 2 ", True, Decimal("1.5"))


def values_of(rng: random.Random) -> list[Row]:
    keys = rng.sample(UNIVERSE, rng.randint(1, len(UNIVERSE)))
    keys += rng.sample(keys, min(2, len(keys)))  # a key twice: first for ground_truth, last wins
    return [
        {
            "doc_id": doc,
            "file": f"{doc}-{rng.randint(0, 1)}.pdf",
            "field": name,
            "item": item,
            "value": rng.choice([None, "a", 1.5, "2.50", "2026-01-02"]),
            "kind": "money" if name != "seller" else rng.choice(["text", None]),
            "source": rng.choice(["model", "embedded_xml"]),
            "grounded": rng.choice([None, True, False]),
            "confidence": rng.choice([None, 0.2, 0.5, 0.5, 0.9, 0.99]),
            "page": rng.choice([None, 1, 2]),
        }
        for doc, name, item in keys
    ]


def sheet_of(rng: random.Random) -> list[Row]:
    """ground_truth rows as load_contract gives them: pipeline rows, some typed in."""
    rows: list[Row] = []
    for doc, name, item in rng.sample(UNIVERSE, rng.randint(0, len(UNIVERSE))):
        row: Row = {"doc_id": doc.lower(), "file": f"{doc}.pdf", "field": name, "suggested": "s"}
        if item is not None:
            row["item"] = item
        for _ in range(rng.choice([0, 0, 1, 2])):
            row[rng.choice(CELLS)] = rng.choice(TYPED)
        if rng.random() < 0.3:  # what an earlier run wrote, and a person's formatting
            row["confidence"] = rng.choice([0.1, 0.9])
            row["link"] = Link(f"../pdfs/{doc}.pdf#page=1", "p. 1")
        if rng.random() < 0.2:
            row[LOOK] = {"suggested": Formatted(None, 7, Note("ana", "<t>look</t>"))}
        rows.append(row)
    return rows


def without_blanks(rows: list[Row]) -> list[Row]:
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def test_streamed_merge_is_the_in_memory_merge() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        existing, values = sheet_of(rng), values_of(rng)
        offered = {key_of(row) for row in existing} | set(rng.sample(UNIVERSE, 3))
        corrections = [{"doc_id": d, "field": f, "item": i, "value": "9"} for d, f, i in UNIVERSE]
        corrections = rng.sample(corrections, 2)
        links = PageLinks("../pdfs/")
        extractions = list(extraction_rows(values, links))
        kinds = kinds_of(values)
        merged = merged_ground_truth([dict(row) for row in existing], extractions, offered)
        threshold = rng.choice([0.0, 0.9, 1.0])
        final = final_rows(extractions, merged, corrections, kinds, threshold)
        with RunMerge() as merge:
            for row in existing:
                merge.kept(row)
            merge.offer(offered)
            merge.add_values(extraction_rows(values, links), threshold)
            assert without_blanks(list(merge.ground_truth())) == without_blanks(merged), seed
            assert list(merge.final(corrections)) == final, seed
            keys = offered | {key_of(row) for row in extractions}
            assert list(merge.offered()) == sorted(keys, key=offered_order), seed


def test_write_run_reads_values_from_a_callable_or_a_generator(tmp_path: Path) -> None:
    values = values_of(random.Random(1))
    by_callable, by_generator = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_run(by_callable, [], lambda: iter(values), [])
    write_run(by_generator, [], (row for row in values), [])
    for sheet in ("ground_truth", "extractions", "final"):
        rows = load_contract(by_callable).sheet(sheet)
        assert rows and rows == load_contract(by_generator).sheet(sheet)
