"""A cached answer carries the confidence formula's version: a new formula checks it again
against its pages instead of buying it again (a local backend simply extracts again)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_anthropic import FakeAnthropic, write_invoices

import extract.run
import extract.store
import schemas.confidence
from extract.backends import BackendOptions
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store

DOCS = 2


def run(folder: Path, workbook: Path, backend: str = "anthropic") -> RunSummary:
    options = BackendOptions(timeout_s=5.0, max_retries=0)
    return execute(
        RunOptions(folder=folder, workbook=workbook, backend=backend, backend_options=options)
    )


def confidences(workbook: Path, run_id: str, name: str) -> list[float]:
    store = Store.beside(workbook)
    try:
        return [v["confidence"] for v in store.run_values(run_id) if v["field"] == name]
    finally:
        store.close()


def test_a_new_formula_rechecks_cached_answers_without_a_request(
    fake: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, workbook = tmp_path / "pdfs", tmp_path / "contract.xlsx"
    write_invoices(folder, DOCS)
    first = run(folder, workbook)
    assert confidences(workbook, first.run_id, "invoice_number") == [0.9] * DOCS
    assert confidences(workbook, first.run_id, "total") == [0.98] * DOCS

    monkeypatch.setattr(schemas.confidence, "DOUBT", 0.3)
    monkeypatch.setattr(extract.run, "CONFIDENCE_VERSION", 999)
    second = run(folder, workbook)
    assert len(fake.messages()) == DOCS, "no answer is bought again"
    assert second.cached == DOCS
    assert confidences(workbook, second.run_id, "invoice_number") == [0.7] * DOCS
    assert confidences(workbook, second.run_id, "total") == [0.94] * DOCS

    third = run(folder, workbook)  # now current: read from the cache as it is
    assert len(fake.messages()) == DOCS and third.cached == DOCS
    assert confidences(workbook, third.run_id, "invoice_number") == [0.7] * DOCS


def test_a_local_backend_extracts_again_under_a_new_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, workbook = tmp_path / "pdfs", tmp_path / "contract.xlsx"
    write_invoices(folder, DOCS)
    first = run(folder, workbook, "rules")
    assert run(folder, workbook, "rules").cached == DOCS
    monkeypatch.setattr(extract.run, "CONFIDENCE_VERSION", 999)
    again = run(folder, workbook, "rules")
    assert again.cached == 0 and again.ok == first.ok == DOCS


@pytest.mark.parametrize("sqlite_json", [True, False])
def test_a_warm_lookup_leaves_the_scores_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_json: bool
) -> None:
    """Only a recheck needs the scores: without them, the rest of the answer is as kept."""
    if not sqlite_json:  # an SQLite built without its JSON functions: left out in Python
        monkeypatch.setattr(extract.store, "_reads_json", lambda db: False)
    store = Store(tmp_path / "contract.db")
    result = {
        "outcome": {"doc_id": "abc", "file": "Rechnung «März» \\ 1.pdf", "pages": 2},
        "values_digest": "d" * 32,
        "found": 3,
        "confidence_version": 2,
        "validation_retries": 1,
        "scores": [["total", None, 0.97], ["line_items.amount", 2, 0.3333333333333333]],
        "values": [{"value": "1e-7", "confidence": 0.1 + 0.2, "quote": "\u00a0€\n"}],
    }
    store.cache_extraction("key", "abc", "rules", "rules-v3", "model", result, {"input": 1})
    full = store.cached_extraction("key")
    light = store.cached_extraction("key", for_recheck=False)
    assert full is not None and light is not None
    assert full["result"] == result
    assert light["result"] == {k: v for k, v in result.items() if k != "scores"}
    assert {k: v for k, v in light.items() if k != "result"} == {
        k: v for k, v in full.items() if k != "result"
    }
    assert store.cached_extraction("other", for_recheck=False) is None
    assert store.cached_result_field("key", "confidence_version") == (True, 2)
    assert store.cached_result_field("key", "no such field") == (True, None)
    assert store.cached_result_field("other", "confidence_version") == (False, None)
    store.close()
