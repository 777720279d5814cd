"""Labels from samples/truth, and the labeled workbook fixture that ships with the samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from contract.workbook import load_contract
from evals.labels import field_kinds, workbook_labels
from evals.truth import truth_folder_labels, truth_labels
from extract.documents import file_sha256
from schemas.base import field_specs
from schemas.invoice import Invoice

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURE = SAMPLES / "labeled" / "labels.xlsx"
KINDS = field_kinds(field_specs(Invoice))


def test_truth_labels_of_one_document() -> None:
    truth = json.loads((SAMPLES / "truth" / "invoice-04-labels-above-no-due.json").read_text())
    labels = truth_labels(truth, "d4", Invoice)
    assert labels[("d4", "due_date", None)].absent  # the invoice has no due date
    assert labels[("d4", "total", None)].value == "11955.59"
    assert labels[("d4", "line_items.quantity", 1)].value == "10"
    assert labels[("d4", "line_items", None)].value == "3"  # the list is closed at 3 rows
    assert ("d4", "line_items.amount", 4) not in labels


def truth_of_samples() -> dict:
    files = {p.name: file_sha256(p)[:12] for p in (SAMPLES / "pdfs").glob("*.pdf")}
    labels = truth_folder_labels(SAMPLES / "truth", files, Invoice)
    return {key: label for key, label in labels.items() if key[1] != "line_items"}


def test_fixture_labels_are_the_truth_but_for_the_disagreement() -> None:
    contract = load_contract(FIXTURE)
    people = workbook_labels(contract.sheet("ground_truth"), contract.sheet("corrections"), KINDS)
    truth = truth_of_samples()
    ((disagreement_key, _),) = [(d.key, d) for d in people.disagreements]
    assert disagreement_key[1] == "due_date"
    assert set(people.labels) == set(truth) - {disagreement_key}
    for key, label in people.labels.items():
        kind = KINDS[key[1]]
        assert label.token(kind) == truth[key].token(kind), key
    # the wrong verdict (anna accepted the subtotal as a total) is overridden by the client
    total_keys = [k for k, label in people.labels.items() if label.source == "client"]
    assert len(total_keys) == 1 and total_keys[0][1] == "total"
    assert people.corrections == 1
    kappas = {(p.first, p.second): p.kappa for p in people.pairs}
    assert 0.9 < (kappas[("anna", "ben")] or 0) < 1.0
    assert people.alpha is not None and 0.9 < people.alpha < 1.0


def test_fixture_is_what_the_script_builds(tmp_path: Path) -> None:
    out = tmp_path / "labels.xlsx"
    script = SAMPLES / "labeled" / "make_labels.py"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True, cwd=tmp_path)
    for sheet in ("ground_truth", "corrections"):
        assert load_contract(out).sheet(sheet) == load_contract(FIXTURE).sheet(sheet)
