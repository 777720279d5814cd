"""`extract score` measures the confidence: the JSON carries the reliability table, the
calibration error, the recommended threshold and the straight-through rate; the runs sheet
records them; the next run accepts at that threshold by default."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from contract.keys import key_of
from contract.workbook import load_contract
from extract.cli import cli
from extract.store import Store
from schemas.vocabulary import Source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_scoring_sets_the_threshold_the_next_run_accepts_at(tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    shutil.copy(SAMPLES / "labeled" / "labels.xlsx", workbook)
    run = ("run", str(SAMPLES / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    output = invoke(*run)
    assert "confidence >= 1 (no threshold measured" in output

    data = json.loads(invoke("score", "--workbook", str(workbook), "--json"))
    measured = data["calibration"]
    assert len(measured["bands"]) == 10
    rated = sum(band["values"] for band in measured["bands"])
    assert rated == data["overall"]["hallucination_rate"]["count"]  # every given value rated
    assert 0 <= measured["expected_calibration_error"] <= 1
    threshold = measured["recommended_threshold"]
    assert threshold is not None, "the samples' labels are many and right enough for a bar"
    recommended = measured["recommended"]
    assert recommended["hallucination_rate"]["upper_bound95"] <= 0.01
    through = recommended["straight_through"]
    assert measured["straight_through"] == through["value"] == through["hits"] / through["count"]
    assert measured["applied"]["threshold"] == 1.0
    assert measured["applied"]["straight_through"]["hits"] == 0  # nothing accepted unseen

    store = Store.beside(workbook)
    try:
        first = store.latest_run_id()
        assert store.review_threshold("rules", store.runs()[-1]["model"]) == (threshold, first)
    finally:
        store.close()
    runs = {row["run_id"]: row for row in load_contract(workbook).sheet("runs")}
    assert runs[first]["recommended_threshold"] == threshold
    assert runs[first]["straight_through"] == through["value"]
    assert runs[first]["accept_above"] == 1

    output = invoke(*run)
    assert f"confidence >= {threshold:g} (recommended by extract score of run {first})" in output
    sheets = load_contract(workbook)
    runs = {row["run_id"]: row for row in sheets.sheet("runs")}
    (second,) = set(runs) - {first}  # two runs in one second sort by their random part
    assert runs[first]["accept_above"] == 1 and runs[second]["accept_above"] == threshold
    # the keys nobody judged (the fixture judged nearly all) follow the threshold
    store = Store.beside(workbook)
    try:
        values = {key_of(v): v for v in store.run_values(store.latest_run_id() or "")}
    finally:
        store.close()
    model_keys = [
        (key_of(row), row["source"])
        for row in sheets.sheet("final")
        if row["source"] in (Source.MODEL, Source.NEEDS_REVIEW)
    ]
    assert model_keys
    for key, source in model_keys:
        value = values[key]
        sure = bool(value["grounded"]) and (value["confidence"] or 0) >= threshold
        assert sure == (source == Source.MODEL), (key, value, source)

    output = invoke(*run, "--accept-above", "0.5")
    assert "confidence >= 0.5 (--accept-above)" in output
