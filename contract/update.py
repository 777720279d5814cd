"""Writing a run into the workbook: pipeline sheets replaced, people's sheets merged by key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contract.kinds import kinds_of, typed_value
from contract.merge import doc_id_of, final_rows, item_of, key_of, merged_ground_truth
from contract.sheets import (
    CORRECTIONS,
    DOCUMENTS,
    EXTRACTIONS,
    FINAL,
    GROUND_TRUTH,
    RUNS,
    SCORES,
    Sheet,
)
from contract.workbook import Contract, Row, load_contract, save_contract
from schemas.base import Kind


def typed_cell(kind: str | None, value: Any) -> Any:
    """Amounts as decimal numbers, dates and codes as text: what Excel and Power BI expect."""
    return typed_value(kind if kind in ("money", "number", "date") else None, value)  # type: ignore[arg-type]


def extraction_rows(values: list[Row]) -> list[Row]:
    return [
        {
            **value,
            "value": typed_cell(value.get("kind"), value.get("value")),
            "grounded": None if value.get("grounded") is None else bool(value["grounded"]),
        }
        for value in values
    ]


def _row_key(spec: Sheet, row: Mapping[str, Any]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for column in spec.key:
        value = row.get(column)
        if column == "item":
            parts.append(item_of(value))
        elif column == "doc_id":
            parts.append(doc_id_of(value))
        else:
            parts.append(None if value is None else str(value).strip())
    return tuple(parts)


def replace_rows(contract: Contract, spec: Sheet, rows: list[Row]) -> None:
    """A pipeline sheet's new rows; a column a person added keeps its cells, by row key."""
    extra = contract.extra_columns.get(spec.name, [])
    old = contract.rows.get(spec.name, [])
    if extra and spec.key and old:
        kept = {_row_key(spec, row): {c: row[c] for c in extra if c in row} for row in old}
        rows = [{**row, **kept.get(_row_key(spec, row), {})} for row in rows]
    contract.rows[spec.name] = rows


def typed_final(rows: list[Row], kinds: Mapping[str, Kind]) -> list[Row]:
    return [{**row, "value": typed_value(kinds.get(row["field"]), row["value"])} for row in rows]


def write_run(path: Path, documents: list[Row], values: list[Row], runs: list[Row]) -> None:
    """Replace what the pipeline owns, keep and merge what people typed, save atomically."""
    replaced = (DOCUMENTS.name, EXTRACTIONS.name, FINAL.name, RUNS.name)
    contract = load_contract(path, replaced)
    extractions = extraction_rows(values)
    kinds = kinds_of(values)
    ground_truth = merged_ground_truth(
        contract.sheet(GROUND_TRUTH.name), extractions, contract.offered
    )
    contract.rows[GROUND_TRUTH.name] = ground_truth
    contract.offered |= {key_of(row) for row in extractions}
    replace_rows(contract, DOCUMENTS, documents)
    replace_rows(contract, EXTRACTIONS, extractions)
    final = final_rows(extractions, ground_truth, contract.sheet(CORRECTIONS.name), kinds)
    replace_rows(contract, FINAL, typed_final(final, kinds))
    replace_rows(contract, RUNS, runs)
    save_contract(path, contract)


def write_scores(path: Path, scores: list[Row], runs: list[Row]) -> None:
    """Replace the scores and runs sheets after a scoring; everything else stays as it is."""
    contract = load_contract(path)
    replace_rows(contract, SCORES, scores)
    replace_rows(contract, RUNS, runs)
    save_contract(path, contract)
