"""`extract score` end to end: a rules run on the samples, scored against the labeled fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from contract.labels import ALL_FIELDS
from contract.workbook import load_contract, save_contract
from extract.cli import cli
from extract.documents import file_sha256, split_of
from extract.store import Store
from schemas.base import field_specs
from schemas.invoice import Invoice
from schemas.values import same_value
from schemas.vocabulary import Split

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DISAGREEMENT = ("invoice-02-left-labels-usd.pdf", "due_date")
SELLER_01 = json.loads((SAMPLES / "truth" / "invoice-01-left-labels.json").read_text())["seller"]
TOP_FIELDS = [s for s in field_specs(Invoice) if s.list_field is None]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make demo` leaves: the labeled fixture as contract.xlsx, then a rules run."""
    folder = tmp_path_factory.mktemp("demo")
    workbook = folder / "contract.xlsx"
    shutil.copy(SAMPLES / "labeled" / "labels.xlsx", workbook)
    code, output = invoke("run", str(SAMPLES / "pdfs"), "--workbook", str(workbook),
                          "--backend", "rules")  # fmt: skip
    assert code == 0, output
    return workbook


def scored_json(workbook: Path, *args: str) -> dict:
    code, output = invoke("score", "--workbook", str(workbook), "--json", *args)
    assert code == 0, output
    return json.loads(output)


def by_hand(workbook: Path, split: str) -> dict[str, tuple[int, int, int, int]]:
    """Per document-level field, from samples/truth and the store alone: (labeled, right,
    filled, wrong among filled), leaving out the key the testers disagree on."""
    store = Store.beside(workbook)
    run_id = store.latest_run_id()
    assert run_id
    documents = {d["doc_id"]: d for d in store.run_documents(run_id)}
    values = {(v["doc_id"], v["field"]): v["value"] for v in store.run_values(run_id)}
    splits = {r["doc_id"]: r["split"] for r in load_contract(workbook).sheet("documents")}
    store.close()
    figures: dict[str, tuple[int, int, int, int]] = {}
    for spec in TOP_FIELDS:
        labeled = right = filled = wrong = 0
        for doc_id, document in documents.items():
            truth_file = SAMPLES / "truth" / f"{Path(document['file']).stem}.json"
            if splits[doc_id] != split or not truth_file.exists():
                continue
            if (document["file"], spec.path) == DISAGREEMENT:
                continue
            truth = json.loads(truth_file.read_text()).get(spec.path)
            predicted = values.get((doc_id, spec.path))
            ok = same_value(spec.kind, predicted, truth)
            labeled += 1
            right += ok
            if predicted is not None:
                filled += 1
                wrong += not ok
        figures[spec.path] = (labeled, right, filled, wrong)
    return figures


def test_demo_score_agrees_with_samples_truth(demo: Path) -> None:
    data = scored_json(demo)
    assert data["split"] == "dev"
    for name, (labeled, right, filled, wrong) in by_hand(demo, "dev").items():
        figures = data["fields"][name]
        assert figures["labeled"] == labeled, name
        assert (figures["accuracy"]["hits"], figures["accuracy"]["count"]) == (right, labeled)
        hallucination = figures["hallucination_rate"]
        assert (hallucination["hits"], hallucination["count"]) == (wrong, filled), name
    labels = data["labels"]
    assert [d["key"][1] for d in labels["disagreements"]] == ["due_date"]
    assert labels["corrections"] == 1
    assert {tuple(p["testers"]) for p in labels["pairs"]} >= {("anna", "ben")}


def test_demo_score_prints_a_table(demo: Path) -> None:
    code, output = invoke("score", "--workbook", str(demo))
    assert code == 0, output
    for text in ("accuracy", "hallucination", "invoice_number", "line_items.amount", ALL_FIELDS):
        assert text in output
    assert "disagree (left out)" in output
    assert "Cohen's kappa" in output
    scores = load_contract(demo).sheet("scores")
    assert {row["field"] for row in scores} >= {ALL_FIELDS, "total"}
    assert {row["split"] for row in scores} == {"dev"}
    run = Store.beside(demo).runs()[-1]
    assert run["accuracy"] is not None


def test_truth_files_give_the_same_figures_but_for_the_disagreement(demo: Path) -> None:
    people = scored_json(demo)["fields"]
    truth = scored_json(demo, "--truth", str(SAMPLES / "truth"))["fields"]
    for name in ("invoice_number", "total", "seller", "line_items.amount"):
        assert people[name] == truth[name], name
    assert people["due_date"]["labeled"] == truth["due_date"]["labeled"] - 1


def test_holdout_is_scored_only_by_name_and_every_look_is_recorded(demo: Path) -> None:
    dev = scored_json(demo)
    holdout_files = {
        path.name
        for path in (SAMPLES / "pdfs").glob("*.pdf")
        if (SAMPLES / "truth" / f"{path.stem}.json").exists()
        and split_of(file_sha256(path)[:12]) == Split.HOLDOUT
    }
    assert {"invoice-11-de-left-labels.pdf", "invoice-13-labels-above-usd.pdf"} < holdout_files
    assert not holdout_files & {d["file"] for d in dev["documents"].values()}
    first = scored_json(demo, "--split", "holdout")
    second = scored_json(demo, "--split", "holdout")
    assert {d["file"] for d in second["documents"].values()} == holdout_files
    assert second["split_looks"] == first["split_looks"] + 1
    for name, (labeled, right, _, _) in by_hand(demo, "holdout").items():
        assert second["fields"][name]["accuracy"]["hits"] == right, name
        assert second["fields"][name]["labeled"] == labeled, name
    runs = load_contract(demo).sheet("runs")
    looks = [r for r in runs if ":holdout-" in str(r["run_id"])]
    assert len(looks) == second["split_looks"]
    _, output = invoke("score", "--workbook", str(demo), "--split", "holdout")
    assert "holdout split of this run has been scored" in output
    every = scored_json(demo, "--split", "all")
    assert len(every["documents"]) == len(dev["documents"]) + len(holdout_files)


COPY_MODEL = "copied-run"


def rules_run(workbook: Path) -> str:
    """The demo's own rules run, whatever copies other tests have added since."""
    store = Store.beside(workbook)
    try:
        return next(r["run_id"] for r in store.runs() if r["model"] != COPY_MODEL)
    finally:
        store.close()


def copied_run(workbook: Path, new_run: str, changes: dict[tuple[str, str], str]) -> str:
    """Record in the store a copy of the demo's rules run with some values changed (by file
    stem prefix and field); returns the rules run's id."""
    source = rules_run(workbook)
    store = Store.beside(workbook)
    documents = {d["doc_id"]: d for d in store.run_documents(source)}
    changed = []
    for value in store.run_values(source):
        value = {k: v for k, v in value.items() if k not in ("run_id", "file")}
        for (prefix, field), text in changes.items():
            if documents[value["doc_id"]]["file"].startswith(prefix) and value["field"] == field:
                value["value"] = text
        changed.append(value)
    store.start_run(new_run, "rules", COPY_MODEL, "invoice", "samples/pdfs")
    for doc_id, document in documents.items():
        row = {k: document[k] for k in ("doc_id", "file", "sha256", "pages", "status", "error",
                                         "cached", "source")}  # fmt: skip
        store.record_document(new_run, row, [v for v in changed if v["doc_id"] == doc_id])
    store.finish_run(new_run)
    store.close()
    return source


def test_against_lists_what_got_better_and_worse(demo: Path) -> None:
    # the baseline got invoice-01's total wrong; the current run got its seller wrong
    copied_run(demo, "baseline-1", {("invoice-01", "total"): "1.00"})
    copied_run(demo, "current-1", {("invoice-01", "seller"): "Nobody Ltd"})
    data = scored_json(demo, "--run", "current-1", "--against", "baseline-1")
    against = data["against"]
    assert against["run_id"] == "baseline-1"
    assert [w["key"][1] for w in against["better"]] == ["total"]  # now right, wrong before
    assert against["better"][0]["before"] == "1.00"
    assert [w["key"][1] for w in against["worse"]] == ["seller"]  # right before, now wrong
    assert against["worse"][0]["now"] == "Nobody Ltd"
    assert against["worse"][0]["before"] == SELLER_01
    assert against["overall"]["now"]["labeled"] == against["overall"]["before"]["labeled"]
    code, output = invoke("score", "--workbook", str(demo), "--run", "current-1",
                          "--against", "baseline-1")  # fmt: skip
    assert code == 0 and "better: 1 keys" in output and "worse: 1 keys" in output


def test_fail_under_gates_ci(demo: Path) -> None:
    copied_run(demo, "worse-1", {("invoice-01", "total"): "1.00"})  # at least one key wrong
    code, output = invoke("score", "--workbook", str(demo), "--run", "worse-1", "--fail-under", "1")
    assert code == 1
    assert output.strip().splitlines()[-1].startswith("Error: accuracy ")
    code, _ = invoke("score", "--workbook", str(demo), "--run", "worse-1", "--fail-under", "0")
    assert code == 0


def test_bad_input_is_one_line(tmp_path: Path, demo: Path) -> None:
    code, output = invoke("score", "--workbook", str(tmp_path / "none.xlsx"))
    assert code == 1 and "run `extract run FOLDER` first" in output
    code, output = invoke("score", "--workbook", str(demo), "--run", "nope")
    assert code == 1 and "no run nope" in output
    code, output = invoke("score", "--workbook", str(demo), "--fail-under", "2")
    assert code == 2


def test_every_command_has_help() -> None:
    code, output = invoke("score", "--help")
    assert code == 0 and "--split" in output and "--against" in output


def test_a_broken_truth_file_is_one_line(tmp_path: Path, demo: Path) -> None:
    (tmp_path / "invoice-01-left-labels.json").write_text("{not json", encoding="utf-8")
    code, output = invoke("score", "--workbook", str(demo), "--truth", str(tmp_path))
    assert code == 1 and "is not a JSON truth file" in output


def test_a_dev_scoring_never_names_a_holdout_document(demo: Path, tmp_path: Path) -> None:
    """The split is the hash's, not the editable documents.split cell; agreement, verdicts
    nobody can read and disagreements are those of the dev documents only."""
    workbook = tmp_path / "contract.xlsx"
    shutil.copy(demo, workbook)
    shutil.copy(demo.with_suffix(".db"), workbook.with_suffix(".db"))
    contract = load_contract(workbook)
    holdout = sorted(
        {r["doc_id"] for r in contract.sheet("documents") if split_of(r["doc_id"]) == "holdout"}
    )
    assert holdout
    for row in contract.sheet("documents"):
        row["split"] = "dev"  # someone edited the cells
    doc_id = holdout[0]
    contract.sheet("ground_truth").extend(
        [
            {"doc_id": doc_id, "field": "total", "suggested": 5, "verdict": "correct",
             "tester": "dora"},
            {"doc_id": doc_id, "field": "total", "suggested": 5, "verdict": "absent",
             "tester": "anna"},
            {"doc_id": doc_id, "field": "seller", "suggested": "X", "verdict": "maybe",
             "tester": "dora"},
        ]
    )  # fmt: skip
    save_contract(workbook, contract)
    data = scored_json(workbook)
    assert not set(data["documents"]) & set(holdout)
    assert all("dora" not in p["testers"] for p in data["labels"]["pairs"])
    assert data["labels"]["unreadable_verdicts"] == []
    assert [d["key"][1] for d in data["labels"]["disagreements"]] == ["due_date"]
    code, output = invoke("score", "--workbook", str(workbook))
    assert code == 0
    for text in (json.dumps(data), output):
        assert not [h for h in holdout if h in text]
