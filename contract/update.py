"""Writing a run into the workbook: pipeline sheets replaced, people's sheets merged by key."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from contract.merge import final_rows, merged_ground_truth
from contract.sheets import CORRECTIONS, DOCUMENTS, EXTRACTIONS, FINAL, GROUND_TRUTH, RUNS, SCORES
from contract.workbook import Row, load_contract, save_contract


def typed_cell(kind: str | None, value: Any) -> Any:
    """Amounts as decimal numbers, dates and codes as text: what Excel and Power BI expect."""
    if value is None or kind not in ("money", "number"):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value


def extraction_rows(values: list[Row]) -> list[Row]:
    return [
        {
            **value,
            "value": typed_cell(value.get("kind"), value.get("value")),
            "grounded": None if value.get("grounded") is None else bool(value["grounded"]),
        }
        for value in values
    ]


def write_run(path: Path, documents: list[Row], values: list[Row], runs: list[Row]) -> None:
    """Replace what the pipeline owns, keep and merge what people typed, save atomically."""
    contract = load_contract(path)
    extractions = extraction_rows(values)
    ground_truth = merged_ground_truth(contract.sheet(GROUND_TRUTH.name), extractions)
    contract.rows[DOCUMENTS.name] = documents
    contract.rows[EXTRACTIONS.name] = extractions
    contract.rows[GROUND_TRUTH.name] = ground_truth
    contract.rows[FINAL.name] = final_rows(
        extractions, ground_truth, contract.sheet(CORRECTIONS.name)
    )
    contract.rows[RUNS.name] = runs
    save_contract(path, contract)


def write_scores(path: Path, scores: list[Row], runs: list[Row]) -> None:
    """Replace the scores and runs sheets after a scoring; everything else stays as it is."""
    contract = load_contract(path)
    contract.rows[SCORES.name] = scores
    contract.rows[RUNS.name] = runs
    save_contract(path, contract)
