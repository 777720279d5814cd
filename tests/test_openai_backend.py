"""The OpenAI-compatible backend against a fake server: every fault ends in values or an error.

The real openai SDK runs (its retries, timeouts, parsing) with OPENAI_BASE_URL pointed at a
fake on 127.0.0.1, playing OpenAI or a local server that refuses structured outputs; each
scenario runs the whole pipeline into a real workbook.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import OPENAI_TEST_KEY
from fake_anthropic import Reply, write_invoices
from fake_openai import FakeOpenAI

from contract.sheets import Status
from extract.backends import BackendOptions
from extract.backends.openai import MIN_BUDGET, budget_that_fits
from extract.backends.openai_request import Mode
from extract.prompt import MAX_TOKENS
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store

DOCS = 4
MODEL = "gpt-5.6-luna"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_invoices(tmp_path / "pdfs", DOCS)
    return tmp_path / "pdfs"


def run(folder: Path, workbook: Path, **options: Any) -> RunSummary:
    backend_options = BackendOptions(
        model=options.pop("model", MODEL),
        user="alice",
        timeout_s=options.pop("timeout_s", 5.0),
        max_retries=options.pop("max_retries", 2),
    )
    return execute(
        RunOptions(
            folder=folder,
            workbook=workbook,
            backend="openai",
            backend_options=backend_options,
            concurrency=4,
            **options,
        )
    )


def outcome_of(summary: RunSummary, marker: str) -> Any:
    number = marker.split("-")[1]
    (outcome,) = [o for o in summary.outcomes if number in o.file]
    return outcome


def requests_for(workbook: Path, doc_id: str | None = None) -> list[dict[str, Any]]:
    store = Store.beside(workbook)
    try:
        return [r for r in store.requests() if doc_id is None or r["doc_id"] == doc_id]
    finally:
        store.close()


def extractions(workbook: Path) -> pd.DataFrame:
    return pd.read_excel(workbook, sheet_name="extractions")


def test_clean_run_fills_the_workbook_and_a_second_run_sends_nothing(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert summary.ok == DOCS and summary.backend == "openai"
    values = extractions(workbook)
    totals = values.query("field == 'total'")
    assert len(totals) == DOCS and totals["grounded"].all()
    assert set(values.query("field == 'invoice_number'")["value"]) == {
        f"INV-{n:05d}" for n in range(1, DOCS + 1)
    }
    assert len(values.query("field == 'line_items.amount'")) == 2 * DOCS
    assert summary.notes == [f"openai {MODEL}: structured outputs (strict JSON schema)"]

    sent = fake_openai.completions()
    assert len(sent) == DOCS
    body = sent[0].body
    shape = body["response_format"]
    assert shape["type"] == "json_schema" and shape["json_schema"]["strict"] is True
    schema = shape["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["required"]) == set(
        schema["properties"]
    )
    assert "labels" not in json.dumps(schema)  # our field metadata stays home
    assert body["messages"][0]["role"] == "system" and body["max_tokens"] == MAX_TOKENS
    assert '<page number="1">' in sent[0].user_text
    assert "alice" not in json.dumps(body)

    logged = requests_for(workbook)
    assert len(logged) == DOCS and {r["provider"] for r in logged} == {"openai"}
    assert all(r["input_tokens"] > 0 and r["cache_read_tokens"] > 0 for r in logged)
    assert all(r["cost_usd"] > 0 and r["stop_reason"] == "stop" for r in logged)

    again = run(folder, workbook)
    assert len(fake_openai.completions()) == DOCS, "a warm run sends no request"
    assert again.cached == DOCS and again.ok == DOCS
    runs = pd.read_excel(workbook, sheet_name="runs").set_index("run_id")
    assert runs.loc[again.run_id, "cost_usd"] == 0 and runs.loc[summary.run_id, "cost_usd"] > 0
    assert runs.loc[summary.run_id, "backend"] == "openai"


def test_a_server_without_structured_outputs_gets_json_mode_and_answers_are_validated(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.refuses = {"json_schema"}
    fake_openai.fenced = True  # a chatty local model: prose and a code fence around the JSON
    fake_openai.plan("INV-00002", [Reply.with_answer({"total": {"value": "a lot"}})])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook, max_retries=0)
    assert summary.ok == DOCS, [o.error for o in summary.failed]
    assert "JSON mode" in summary.notes[0]
    shapes = [(r.body.get("response_format") or {}).get("type") for r in fake_openai.completions()]
    assert shapes.count("json_schema") <= 4, "refused once per thread at most, then settled"
    assert shapes[-1] == "json_object"
    answered = [
        r for r in fake_openai.completions() if r.body["response_format"]["type"] != ("json_schema")
    ]
    system = answered[0].body["messages"][0]["content"]
    assert "JSON schema" in system and '"invoice_number"' in system
    retried = [r for r in answered if r.marker == "INV-00002"][-1].body["messages"]
    assert "total.value" in retried[-1]["content"] and retried[-2]["role"] == "assistant"
    tries = requests_for(workbook, outcome_of(summary, "INV-00002").doc_id)
    assert [r["error"] for r in tries][-2:] == ["", ""]  # the refused answer, then the good one
    assert extractions(workbook).query("field == 'total'")["grounded"].all()


def test_a_server_without_json_mode_either_gets_the_schema_in_the_prompt(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.refuses = {"json_schema", "json_object"}
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert summary.ok == DOCS
    assert "JSON mode" in summary.notes[0] and "schema in the prompt" in summary.notes[0]
    last = fake_openai.completions()[-1].body
    assert "response_format" not in last
    assert (
        Mode.PLAIN in summary.notes[0]
        or "refused structured outputs and JSON mode" in (summary.notes[0])
    )


def test_429_waits_for_retry_after_then_succeeds(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00001", [Reply.error(429, retry_after=0.4)])
    workbook = tmp_path / "contract.xlsx"
    started = time.perf_counter()
    summary = run(folder, workbook)
    assert time.perf_counter() - started >= 0.4
    outcome = outcome_of(summary, "INV-00001")
    assert outcome.status == Status.OK
    assert [r["error"] for r in requests_for(workbook, outcome.doc_id)] == ["HTTP 429", ""]


def test_500_is_retried_and_500_after_every_retry_fails_only_its_document(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00002", [Reply.error(500)])
    fake_openai.plan("INV-00003", [Reply.error(500, retry_after=0.05)] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00002").status == Status.OK
    lost = outcome_of(summary, "INV-00003")
    assert lost.status == Status.FAILED and "HTTP 500" in lost.error and "3 tries" in lost.error
    assert [r["error"] for r in requests_for(workbook, lost.doc_id)] == ["HTTP 500"] * 3
    assert summary.ok == DOCS - 1


def test_a_connection_reset_is_retried(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00002", [Reply.reset()])
    fake_openai.plan("INV-00004", [Reply.reset()] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00002").status == Status.OK
    lost = outcome_of(summary, "INV-00004")
    assert lost.status == Status.FAILED and "Connection" in lost.error


def test_a_request_that_times_out_fails_its_document_only(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00004", [Reply.slow(1.5), Reply.slow(1.5)])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook, timeout_s=0.3, max_retries=1)
    outcome = outcome_of(summary, "INV-00004")
    assert outcome.status == Status.FAILED and "timed out" in outcome.error
    assert [r["error"] for r in requests_for(workbook, outcome.doc_id)] == ["timed out"] * 2


def test_malformed_json_body_and_answer(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00001", [Reply.garbage()])  # the HTTP body: retried
    fake_openai.plan("INV-00002", [Reply.with_text("Here is the invoice: {oops")] * 3)  # answer
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    first = outcome_of(summary, "INV-00001")
    assert first.status == Status.OK
    errors = [r["error"] for r in requests_for(workbook, first.doc_id)]
    assert errors[0].startswith("unreadable response body") and errors[1:] == [""]
    broken = outcome_of(summary, "INV-00002")
    assert broken.status == Status.FAILED and "no valid answer after 3 tries" in broken.error
    assert "Invalid JSON" in broken.error


def test_an_answer_cut_off_is_asked_again_with_a_larger_budget(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.plan("INV-00003", [Reply.with_text('{"document_kind": "in', "max_tokens")])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00003").status == Status.OK
    budgets = [r.body["max_tokens"] for r in fake_openai.completions() if r.marker == "INV-00003"]
    assert budgets[0] == MAX_TOKENS and budgets[1] > MAX_TOKENS


def test_a_local_model_with_a_small_context_gets_the_answer_budget_it_leaves(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    """vLLM refuses max_tokens beyond its context ("maximum context length is 8192 tokens ...
    (N in the messages, ...)"): the budget left is asked for instead, for the rest of the run."""
    fake_openai.context = 8192
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert summary.ok == DOCS, [o.error for o in summary.failed]
    budgets = [r.body["max_tokens"] for r in fake_openai.completions()]
    answered = {r.marker: r.body["max_tokens"] for r in fake_openai.completions()}  # the last
    assert budgets[0] == MAX_TOKENS and all(b < 8192 for b in answered.values())
    assert len(answered) == DOCS
    assert budgets.count(MAX_TOKENS) <= 4, "refused once per thread at most, then settled"
    assert any("context length" in note for note in summary.notes)


@pytest.mark.parametrize(
    ("message", "fits"),
    [
        ("maximum context length is 8192 tokens. (3000 in the messages, 16000 in the", 5176),
        ("the request exceeds the available context size, try increasing it", 8000),  # llama.cpp
        ("maximum context length is 4096 tokens. (4000 in the messages, ...)", MIN_BUDGET),
    ],
)
def test_the_budget_that_fits_a_servers_context(message: str, fits: int) -> None:
    assert budget_that_fits(message, 16_000) == fits


def test_a_context_too_small_for_any_answer_fails_its_documents_with_the_servers_words(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake_openai.context = 600  # not even the prompt fits
    summary = run(folder, tmp_path / "contract.xlsx")
    assert summary.ok == 0 and len(summary.failed) == DOCS
    assert all("maximum context length" in o.error for o in summary.failed)


def test_the_key_is_sent_to_the_server_and_never_printed_or_logged(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.plan("INV-00001", [Reply.error(429, retry_after=0.05), Reply.garbage()])
    fake_openai.plan("INV-00002", [Reply.with_text("no")] * 3)
    workbook = tmp_path / "contract.xlsx"
    with caplog.at_level(logging.DEBUG):
        summary = run(folder, workbook)
    assert summary.ok == DOCS - 1
    headers = fake_openai.completions()[0].headers
    assert headers.get("Authorization", headers.get("authorization")) == f"Bearer {OPENAI_TEST_KEY}"
    said = caplog.text + " ".join(o.error for o in summary.outcomes) + " ".join(summary.notes)
    assert OPENAI_TEST_KEY not in said
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert OPENAI_TEST_KEY.encode() not in path.read_bytes(), path


def test_a_scanned_page_goes_as_an_image_or_empty_when_the_model_takes_none(
    fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    from reportlab.pdfgen import canvas

    scan = folder / "scan.pdf"
    pdf = canvas.Canvas(str(scan))
    pdf.rect(100, 100, 300, 300, fill=1)  # ink, no text layer
    pdf.save()
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    (scanned,) = [o for o in summary.outcomes if o.file == "scan.pdf"]
    assert scanned.status == Status.OK
    (request,) = [r for r in fake_openai.completions() if r.marker is None]
    (image,) = [p for p in request.body["messages"][1]["content"] if p["type"] == "image_url"]
    assert image["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert 'scan="true"' in request.user_text

    fake_openai.refuses = {"images"}
    summary = run(folder, tmp_path / "other.xlsx", force=True)
    (scanned,) = [o for o in summary.outcomes if o.file == "scan.pdf"]
    assert scanned.status == Status.OK
    assert any("takes no images" in note for note in summary.notes)
    resent = [r for r in fake_openai.completions() if r.marker is None][-1]
    assert isinstance(resent.body["messages"][1]["content"], str)
