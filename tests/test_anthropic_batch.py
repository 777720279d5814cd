"""``--batch``: one Message Batch at half price, results by custom_id, a killed batch resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_anthropic import FakeAnthropic, Reply, write_invoices

from extract.backends import BackendOptions
from extract.batch import BatchProgress
from extract.prices import cost_usd
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store

DOCS = 5


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    server = FakeAnthropic(batch_polls=1).start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    yield server
    server.stop()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_invoices(tmp_path / "pdfs", DOCS)
    return tmp_path / "pdfs"


def batch_run(folder: Path, workbook: Path, seen: list[BatchProgress] | None = None) -> RunSummary:
    options = RunOptions(
        folder=folder,
        workbook=workbook,
        backend="anthropic",
        backend_options=BackendOptions(max_retries=1),
        batch=True,
    )
    return execute(options, on_batch=seen.append if seen is not None else None)


def test_a_batch_run_sends_one_batch_at_half_price(
    fake: FakeAnthropic, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00002", [Reply.with_answer({"total": {"value": "lots"}})])
    seen: list[BatchProgress] = []
    workbook = tmp_path / "contract.xlsx"
    summary = batch_run(folder, workbook, seen)
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
    first = batched[0]
    full_price = cost_usd(
        first["model"],
        first["input_tokens"],
        first["output_tokens"],
        first["cache_write_tokens"],
        first["cache_read_tokens"],
    )
    assert 0 < first["cost_usd"] < full_price
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
