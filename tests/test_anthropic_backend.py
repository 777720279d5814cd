"""The Claude backend against a fake server: every fault ends in values or an error, no crash.

The real SDK runs (its retries, timeouts, parsing) with ANTHROPIC_BASE_URL pointed at a fake
on 127.0.0.1; each scenario runs the whole pipeline into a real workbook.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fake_anthropic import FakeAnthropic, Reply, good_answer, invoice_lines, write_invoices

from extract.backends import BackendOptions
from extract.backends.anthropic import operator_id, operator_name
from extract.prompt import MAX_TOKENS, MAX_TOKENS_CAP
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store
from schemas.vocabulary import Status

DOCS = 4


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_invoices(tmp_path / "pdfs", DOCS)
    return tmp_path / "pdfs"


def run(folder: Path, workbook: Path, **options: Any) -> RunSummary:
    backend_options = BackendOptions(
        user="alice",
        timeout_s=options.pop("timeout_s", 5.0),
        max_retries=options.pop("max_retries", 2),
        fallback_model=options.pop("fallback_model", None),
    )
    return execute(
        RunOptions(
            folder=folder,
            workbook=workbook,
            backend="anthropic",
            backend_options=backend_options,
            concurrency=4,
            **options,
        )
    )


def sheets(workbook: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(workbook, sheet_name=None)


def outcome_of(summary: RunSummary, marker: str) -> Any:
    number = marker.split("-")[1]
    (outcome,) = [o for o in summary.outcomes if number in o.file]
    return outcome


def assert_every_document_accounted(summary: RunSummary, workbook: Path) -> None:
    documents = sheets(workbook)["documents"]
    assert len(documents) == DOCS == len(summary.outcomes)
    extractions = sheets(workbook)["extractions"]
    for _, row in documents.iterrows():
        values = extractions[extractions["doc_id"] == row.doc_id]
        assert (row.status == Status.OK and len(values) > 0) or (
            row.status != Status.OK and isinstance(row.error, str) and row.error
        )


def requests_for(workbook: Path, doc_id: str) -> list[dict[str, Any]]:
    store = Store.beside(workbook)
    try:
        return [r for r in store.requests() if r["doc_id"] == doc_id]
    finally:
        store.close()


def test_clean_run_fills_the_workbook_and_a_second_run_sends_nothing(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert summary.ok == DOCS
    assert_every_document_accounted(summary, workbook)
    extractions = sheets(workbook)["extractions"]
    totals = extractions.query("field == 'total'")
    assert len(totals) == DOCS and totals["grounded"].all()
    assert set(extractions.query("field == 'invoice_number'")["value"]) == {
        f"INV-{n:05d}" for n in range(1, DOCS + 1)
    }
    assert len(extractions.query("field == 'line_items.amount'")) == 2 * DOCS
    runs = sheets(workbook)["runs"].set_index("run_id")
    assert runs.loc[summary.run_id, "input_tokens"] > 0

    sent = fake.messages()
    assert len(sent) == DOCS
    body = sent[0].body
    assert body["metadata"] == {"user_id": operator_id("alice")} and "alice" not in json.dumps(body)
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert '<page number="1">' in body["messages"][0]["content"][-1]["text"]
    store_bytes = workbook.with_suffix(".db").read_bytes()
    assert b"test-key" not in store_bytes and b"test-key" not in workbook.read_bytes()

    again = run(folder, workbook)
    assert len(fake.messages()) == DOCS, "a warm run sends no request"
    assert again.cached == DOCS and again.ok == DOCS
    runs = sheets(workbook)["runs"].set_index("run_id")
    assert runs.loc[again.run_id, "cost_usd"] == 0 and runs.loc[summary.run_id, "cost_usd"] > 0
    assert_every_document_accounted(again, workbook)


def test_a_validation_error_is_shown_to_the_model_and_every_try_counted(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan(
        "INV-00002", [Reply.with_answer({"document_kind": "invoice", "total": {"value": "a lot"}})]
    )
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    outcome = outcome_of(summary, "INV-00002")
    assert outcome.status == Status.OK
    second = [r for r in fake.messages() if r.marker == "INV-00002"][-1].body
    assert len(second["messages"]) == 3
    correction = second["messages"][-1]["content"][0]["text"]
    assert "total.value" in correction and "did not fit the schema" in correction
    tries = requests_for(workbook, outcome.doc_id)
    assert [r["attempt"] for r in tries] == [1, 2]
    assert all(r["input_tokens"] > 0 and r["output_tokens"] > 0 for r in tries)
    run_row = sheets(workbook)["runs"].set_index("run_id").loc[summary.run_id]
    store = Store.beside(workbook)
    assert run_row["input_tokens"] == sum(r["input_tokens"] for r in store.requests())
    store.close()
    assert_every_document_accounted(summary, workbook)


def test_429_waits_for_retry_after_then_succeeds(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00001", [Reply.error(429, retry_after=0.4)])
    workbook = tmp_path / "contract.xlsx"
    started = time.perf_counter()
    summary = run(folder, workbook)
    assert time.perf_counter() - started >= 0.4
    outcome = outcome_of(summary, "INV-00001")
    assert outcome.status == Status.OK
    tries = requests_for(workbook, outcome.doc_id)
    assert [r["error"] for r in tries] == ["HTTP 429", ""]
    assert_every_document_accounted(summary, workbook)


def test_529_overloaded_is_retried_with_backoff(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00003", [Reply.error(529), Reply.error(529)])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    outcome = outcome_of(summary, "INV-00003")
    assert outcome.status == Status.OK
    assert [r["error"] for r in requests_for(workbook, outcome.doc_id)] == [
        "HTTP 529",
        "HTTP 529",
        "",
    ]
    assert_every_document_accounted(summary, workbook)


def test_529_after_every_retry_fails_the_document_and_the_run_goes_on(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00003", [Reply.error(529, retry_after=0.05)] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    outcome = outcome_of(summary, "INV-00003")
    assert outcome.status == Status.FAILED and "529" in outcome.error
    assert summary.ok == DOCS - 1
    assert_every_document_accounted(summary, workbook)


def test_a_request_that_times_out_fails_its_document_only(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00004", [Reply.slow(1.5), Reply.slow(1.5)])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook, timeout_s=0.3, max_retries=1)
    outcome = outcome_of(summary, "INV-00004")
    assert outcome.status == Status.FAILED and "timed out" in outcome.error
    assert summary.ok == DOCS - 1
    assert [r["error"] for r in requests_for(workbook, outcome.doc_id)] == ["timed out"] * 2
    documents = sheets(workbook)["documents"]
    assert "timed out" in documents.query("status == 'failed'")["error"].iloc[0]
    assert_every_document_accounted(summary, workbook)


def test_a_connection_reset_is_retried(fake: FakeAnthropic, folder: Path, tmp_path: Path) -> None:
    fake.plan("INV-00002", [Reply.reset()])
    fake.plan("INV-00004", [Reply.reset()] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00002").status == Status.OK
    lost = outcome_of(summary, "INV-00004")
    assert lost.status == Status.FAILED and "Connection" in lost.error
    assert_every_document_accounted(summary, workbook)


def test_malformed_json_body_and_answer(fake: FakeAnthropic, folder: Path, tmp_path: Path) -> None:
    fake.plan("INV-00001", [Reply.garbage()])  # the HTTP body: retried by the SDK
    fake.plan("INV-00002", [Reply.with_text("Here is the invoice: {oops")] * 3)  # the answer
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00001").status == Status.OK
    broken = outcome_of(summary, "INV-00002")
    assert broken.status == Status.FAILED and "no valid answer after 3 tries" in broken.error
    assert "Invalid JSON" in broken.error
    assert_every_document_accounted(summary, workbook)


def test_a_max_tokens_stop_is_retried_with_a_larger_budget(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00003", [Reply.with_text('{"document_kind": "invo', stop_reason="max_tokens")])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert outcome_of(summary, "INV-00003").status == Status.OK
    budgets = [r.body["max_tokens"] for r in fake.messages() if r.marker == "INV-00003"]
    assert budgets[0] == MAX_TOKENS and budgets[1] > MAX_TOKENS
    stops = [
        r["stop_reason"] for r in requests_for(workbook, outcome_of(summary, "INV-00003").doc_id)
    ]
    assert stops == ["max_tokens", "end_turn"]
    assert_every_document_accounted(summary, workbook)


def test_an_answer_cut_off_at_the_largest_budget_fails_its_document_clearly(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    cut = Reply.with_text('{"document_kind": "invo', stop_reason="max_tokens")
    fake.plan("INV-00003", [cut] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    outcome = outcome_of(summary, "INV-00003")
    assert outcome.status == Status.FAILED
    assert "cut off at max_tokens" in outcome.error and str(MAX_TOKENS_CAP) in outcome.error
    budgets = [r.body["max_tokens"] for r in fake.messages() if r.marker == "INV-00003"]
    assert budgets == [MAX_TOKENS, MAX_TOKENS_CAP], "the same budget is not paid for again"
    assert_every_document_accounted(summary, workbook)


def test_an_os_user_without_a_passwd_entry_is_named_by_uid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("os.getuid", lambda: 4_000_000_000)  # no passwd entry has this uid
    assert operator_name() == "uid-4000000000"
    assert operator_id(None) == operator_id("uid-4000000000")


def answer_with(marker_number: int, **changes: Any) -> dict[str, Any]:
    """The good answer for one generated invoice, with some values changed."""
    pages = {1: "\n".join(invoice_lines(marker_number))}
    answer = good_answer(pages)
    answer.update(changes)
    return answer


def test_a_quote_not_on_the_page_is_kept_but_marked_ungrounded(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    made_up = {"value": "999.00", "page": 1, "quote": "Total due: 999.00"}
    fake.plan("INV-00002", [Reply.with_answer(answer_with(2, total=made_up))])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    doc_id = outcome_of(summary, "INV-00002").doc_id
    extractions = sheets(workbook)["extractions"]
    rows = extractions[extractions["doc_id"] == doc_id]
    total = rows.query("field == 'total'").iloc[0]
    assert total["value"] == 999 and not total["grounded"]
    assert rows.query("field == 'invoice_number'")["grounded"].all()
    documents = sheets(workbook)["documents"]
    error = documents[documents["doc_id"] == doc_id]["error"].iloc[0]
    assert "warning" in error and "total" in error  # subtotal + tax no longer adds up
    assert_every_document_accounted(summary, workbook)


def test_the_fallback_model_gets_one_more_chance(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00001", [Reply.with_text("no")] * 3)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook, fallback_model="claude-opus-5-5")
    outcome = outcome_of(summary, "INV-00001")
    assert outcome.status == Status.OK
    models = [r["model"] for r in requests_for(workbook, outcome.doc_id)]
    assert models == ["claude-sonnet-5-5"] * 3 + ["claude-opus-5-5"]
    assert_every_document_accounted(summary, workbook)


def test_a_scanned_page_is_sent_as_a_pdf_document_block(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    from reportlab.pdfgen import canvas

    scan = folder / "scan.pdf"
    pdf = canvas.Canvas(str(scan))
    pdf.rect(100, 100, 300, 300, fill=1)  # ink, no text layer
    pdf.save()
    read_from_scan = {"value": "INV-77777", "page": 1, "quote": "Invoice number: INV-77777"}
    fake.plan('scan=\\"true\\"', [Reply.with_answer(answer_with(1, invoice_number=read_from_scan))])
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert len(summary.outcomes) == DOCS + 1
    (request,) = [r for r in fake.messages() if r.marker is None]
    content = request.body["messages"][0]["content"]
    document = next(block for block in content if block["type"] == "document")
    assert document["source"]["media_type"] == "application/pdf"
    assert 'scan="true"' in content[-1]["text"]
    (scanned,) = [o for o in summary.outcomes if o.file == "scan.pdf"]
    assert scanned.status == Status.OK and scanned.pages == 1
    extractions = sheets(workbook)["extractions"]
    number = extractions.query(f"doc_id == '{scanned.doc_id}' and field == 'invoice_number'")
    assert number["value"].tolist() == ["INV-77777"]
    assert not number["grounded"].iloc[0]  # no text layer to find the quote in: not verified
