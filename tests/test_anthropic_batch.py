"""``--batch``: Message Batches at half price, results by custom_id, a killed batch resumed.

No answer is paid for twice: every answer of a batch is kept before the batch is marked
ended, so a run killed while using them, or one that wanted only some, loses none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_anthropic import FakeAnthropic, Reply, write_invoices
from reportlab.pdfgen import canvas

from extract.backends import BackendOptions
from extract.batch import BatchProgress, OnProgress, request_chunks
from extract.prices import cost_usd
from extract.run import DocumentOutcome, RunOptions, RunSummary, execute
from extract.store import Store
from schemas.vocabulary import Status

DOCS = 5


class Killed(Exception):
    """Stands for the run being killed at this point."""


@pytest.fixture
def fake(fake: FakeAnthropic) -> FakeAnthropic:
    """The shared fake, its batches answering "in progress" once before they end."""
    fake.batch_polls = 1
    return fake


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_invoices(tmp_path / "pdfs", DOCS)
    return tmp_path / "pdfs"


def batch_run(
    folder: Path,
    workbook: Path,
    on_batch: OnProgress | None = None,
    on_document: Callable[[DocumentOutcome], None] | None = None,
    **options: Any,
) -> RunSummary:
    run_options = RunOptions(
        folder=folder,
        workbook=workbook,
        backend="anthropic",
        backend_options=BackendOptions(max_retries=1),
        batch=True,
        **options,
    )
    return execute(run_options, on_document, on_batch)


def batch_rows(workbook: Path, table: str) -> list[dict[str, Any]]:
    store = Store.beside(workbook)
    try:
        return [dict(row) for row in store.db.execute(f"SELECT * FROM {table}")]
    finally:
        store.close()


def test_a_batch_run_sends_one_batch_at_half_price(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00002", [Reply.with_answer({"total": {"value": "lots"}})])
    seen: list[BatchProgress] = []
    workbook = tmp_path / "contract.xlsx"
    summary = batch_run(folder, workbook, seen.append)
    assert summary.ok == DOCS and not summary.failed
    assert fake.batches_created() == 1
    (batch,) = [r.body for r in fake.received if r.path == "/v1/messages/batches"]
    assert len(batch["requests"]) == DOCS
    assert all(len(line["custom_id"]) == 64 for line in batch["requests"])
    assert [p.ended for p in seen] == [False, True] and seen[-1].done == DOCS
    # the one answer that did not validate went the ordinary way, alone
    assert fake.markers() == ["INV-00002"]

    store = Store.beside(workbook)
    logged = store.requests(summary.run_id)
    batched = [r for r in logged if r["latency_ms"] == 0]
    assert len(batched) == DOCS
    for row in batched:  # half of every token: input, output, cache writes and reads
        assert row["cache_write_tokens"] + row["cache_read_tokens"] > 0
        full_price = cost_usd(
            row["model"],
            row["input_tokens"],
            row["output_tokens"],
            row["cache_write_tokens"],
            row["cache_read_tokens"],
        )
        assert row["cost_usd"] == pytest.approx(full_price / 2, abs=1e-8)
    assert [row["status"] for row in store.db.execute("SELECT status FROM batches")] == ["ended"]
    store.close()

    again = batch_run(folder, workbook)
    assert again.cached == DOCS and fake.batches_created() == 1


def test_a_batch_left_by_a_killed_run_is_resumed_not_paid_twice(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.batch_polls = 10_000  # the batch never ends while the first run waits
    workbook = tmp_path / "contract.xlsx"
    command = [str(Path(sys.executable).parent / "extract"), "run", str(folder)]
    command += ["--workbook", str(workbook), "--backend", "anthropic", "--batch"]
    process = subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not any(r.path.startswith("/v1/messages/batches/") for r in fake.received):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert fake.batches_created() == 1

    fake.batch_polls = 0
    summary = batch_run(folder, workbook)
    assert summary.ok == DOCS
    assert fake.batches_created() == 1, "the killed run's batch was polled, not submitted again"
    assert fake.markers() == []
    assert any(r.path.endswith("/results") for r in fake.received)


def test_answers_are_kept_before_the_batch_ends_so_a_run_killed_using_them_pays_nothing_again(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"

    def kill(outcome: DocumentOutcome) -> None:
        raise Killed()

    with pytest.raises(Killed):
        batch_run(folder, workbook, on_document=kill, concurrency=1)
    assert fake.batches_created() == 1
    assert len(batch_rows(workbook, "batch_answers")) == DOCS

    summary = batch_run(folder, workbook)
    assert summary.ok == DOCS
    assert fake.batches_created() == 1, "the kept answers were used, not paid for again"
    assert fake.messages() == []


def test_a_batch_resumed_by_a_run_wanting_some_keeps_the_others_answers(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.batch_polls = 10_000  # the batch never ends while the first run waits
    workbook = tmp_path / "contract.xlsx"

    def kill(progress: BatchProgress) -> None:
        raise Killed()

    with pytest.raises(Killed):
        batch_run(folder, workbook, on_batch=kill)
    assert fake.batches_created() == 1

    fake.batch_polls = 0
    assert batch_run(folder, workbook, limit=2).ok == 2
    assert [row["status"] for row in batch_rows(workbook, "batches")] == ["ended"]
    assert len(batch_rows(workbook, "batch_answers")) == DOCS

    summary = batch_run(folder, workbook)
    assert summary.ok == DOCS and summary.cached == 2
    assert fake.batches_created() == 1, "the other 3 documents were answered by the first batch"
    assert fake.messages() == []


def unreadable_by_pypdf(path: Path) -> None:
    """A two-page scan pdfium reads (no text layer) but pypdf cannot open: no startxref."""
    pdf = canvas.Canvas(str(path))
    pdf.rect(100, 100, 300, 300, fill=1)
    pdf.showPage()
    pdf.rect(50, 50, 30, 30, fill=1)
    pdf.save()
    path.write_bytes(path.read_bytes().replace(b"startxref", b"startxrex"))


def test_a_document_whose_request_cannot_be_built_fails_alone(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    unreadable_by_pypdf(folder / "scan.pdf")
    summary = batch_run(folder, tmp_path / "contract.xlsx")
    assert len(summary.outcomes) == DOCS + 1 and summary.ok == DOCS
    (failed,) = summary.failed
    assert failed.file == "scan.pdf" and failed.status == Status.FAILED
    assert "startxref" in failed.error
    (batch,) = [r.body for r in fake.received if r.path == "/v1/messages/batches"]
    assert len(batch["requests"]) == DOCS
    assert fake.messages() == []  # it could not be built alone either: nothing sent


def test_a_large_folder_is_sent_in_batches_under_the_limits(
    fake: FakeAnthropic, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("extract.batch.MAX_BATCH_REQUESTS", 2)
    fake.batch_polls = 0
    summary = batch_run(folder, tmp_path / "contract.xlsx")
    assert summary.ok == DOCS
    sizes = [len(r.body["requests"]) for r in fake.received if r.path == "/v1/messages/batches"]
    assert sizes == [2, 2, 1]
    assert fake.messages() == []


def test_request_chunks_respect_the_byte_limit() -> None:
    requests = [(f"id{n}", {"text": "x" * 100}) for n in range(5)]
    line = len('{"custom_id": "id0", "params": {"text": ""}}') + 100 + 2
    too_large: set[str] = set()
    chunks = list(request_chunks(requests, 10, 2 * line, too_large))
    assert [[custom_id for custom_id, _ in chunk] for chunk in chunks] == [
        ["id0", "id1"],
        ["id2", "id3"],
        ["id4"],
    ]
    huge = [("big", {"text": "x" * 1000}), ("small", {"text": ""})]
    assert list(request_chunks(huge, 10, 2 * line, too_large)) == [[("small", {"text": ""})]]
    assert too_large == {"big"}


def test_force_sends_a_new_batch(fake: FakeAnthropic, folder: Path, tmp_path: Path) -> None:
    fake.batch_polls = 0
    workbook = tmp_path / "contract.xlsx"
    batch_run(folder, workbook)
    again = batch_run(folder, workbook, force=True)
    assert again.ok == DOCS and again.cached == 0
    assert fake.batches_created() == 2
