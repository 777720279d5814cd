"""The parse stage: worker processes, the parse cache, and a timeout that never hangs a run."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import extract.parse
from extract.documents import Document, file_sha256
from extract.parse import (
    PARSER,
    ParserCrashed,
    ParseStage,
    ParseTimeout,
    WorkerPool,
    blob_pages,
    pages_blob,
)
from extract.pdf import ParsedDocument, parsed_document
from extract.run import RunOptions, execute
from extract.store import Store
from schemas.vocabulary import Status

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "pdfs"
INVOICE = SAMPLES / "invoice-10-two-pages.pdf"


def document_of(path: Path) -> Document:
    return Document(path, file_sha256(path))


def napping(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def dying(code: int) -> int:
    os._exit(code)


def test_pages_survive_the_cache_round_trip() -> None:
    pages = parsed_document(document_of(INVOICE)).pages
    assert blob_pages(pages_blob(pages)) == pages


def test_a_task_over_the_deadline_is_killed_and_the_pool_goes_on() -> None:
    with WorkerPool(napping, workers=2, timeout_s=0.5) as pool:
        slow = pool.submit(30.0)
        quick = [pool.submit(0.01) for _ in range(4)]
        started = time.monotonic()
        with pytest.raises(ParseTimeout):
            slow.result(timeout=10)
        assert time.monotonic() - started < 5
        assert [future.result(timeout=10) for future in quick] == [0.01] * 4
        assert pool.submit(0.01).result(timeout=10) == 0.01  # the killed worker was replaced


def test_cancelled_tasks_neither_run_nor_keep_the_pool_from_closing() -> None:
    """The readers cancel a document's other pages when one fails: many cancelled tasks
    queued behind one worker."""
    pool = WorkerPool(napping, workers=1, timeout_s=10)
    first = pool.submit(0.3)
    queued = [pool.submit(5.0) for _ in range(6)]
    for future in queued:
        assert future.cancel()
    last = pool.submit(0.01)
    assert (first.result(timeout=10), last.result(timeout=10)) == (0.3, 0.01)
    closing = threading.Thread(target=pool.close)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive(), "the pool hung on close"


def test_a_crashed_worker_fails_only_its_task() -> None:
    with (
        WorkerPool(dying, workers=1, timeout_s=10) as pool,
        pytest.raises(ParserCrashed, match="exit code 3"),
    ):
        pool.submit(3).result(timeout=10)
    with WorkerPool(napping, workers=1, timeout_s=10) as pool:
        assert pool.submit(0.0).result(timeout=10) == 0.0


def napping_or_dying(seconds: float) -> float:
    if seconds < 0:
        os._exit(3)
    return napping(seconds)


def test_tasks_sent_ahead_each_get_one_answer() -> None:
    with WorkerPool(napping_or_dying, workers=2, timeout_s=10, ahead=True) as pool:
        futures = [pool.submit(0.001 * (n % 3)) for n in range(60)]
        assert [f.result(timeout=20) for f in futures] == [0.001 * (n % 3) for n in range(60)]


def napping_with(task: tuple[float, bytes]) -> int:
    napping(task[0])
    return len(task[1])


def test_a_task_too_big_for_the_pipe_is_not_sent_ahead_of_a_hung_one() -> None:
    """A document whose cached pages fill more than the pipe's buffer would block the pool's
    thread if sent to a busy worker: no deadline would be kept and the run would hang."""
    big = b"x" * 2_000_000
    with WorkerPool(napping_with, workers=1, timeout_s=0.5, ahead=True) as pool:
        hung = pool.submit((30.0, big))
        behind = [pool.submit((0.01, big)) for _ in range(3)]
        started = time.monotonic()
        with pytest.raises(ParseTimeout):
            hung.result(timeout=10)
        assert [future.result(timeout=10) for future in behind] == [len(big)] * 3
        assert time.monotonic() - started < 5


def test_a_task_sent_ahead_of_a_hung_one_is_run_by_a_fresh_worker() -> None:
    with WorkerPool(napping_or_dying, workers=1, timeout_s=0.5, ahead=True) as pool:
        hung = pool.submit(30.0)
        behind = [pool.submit(0.01) for _ in range(3)]  # the first is sent ahead to its worker
        started = time.monotonic()
        with pytest.raises(ParseTimeout):
            hung.result(timeout=10)
        assert [future.result(timeout=10) for future in behind] == [0.01] * 3
        assert time.monotonic() - started < 5


def test_a_crash_fails_only_its_task_when_others_were_sent_ahead() -> None:
    with WorkerPool(napping_or_dying, workers=1, timeout_s=10, ahead=True) as pool:
        crashing = pool.submit(-1.0)
        behind = [pool.submit(0.01) for _ in range(3)]
        with pytest.raises(ParserCrashed, match="exit code 3"):
            crashing.result(timeout=10)
        assert [future.result(timeout=10) for future in behind] == [0.01] * 3


def test_an_unchanged_pdf_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "store.db")
    document = document_of(INVOICE)
    with ParseStage(store, workers=1) as stage:
        first = stage.parsed(document)
    assert first.status == Status.OK and first.pages == 2
    assert store.cached_parse(document.sha256, PARSER) is not None

    def no_parsing(document: Document, with_tables: bool = True) -> ParsedDocument:
        raise AssertionError("parsed again although cached")

    monkeypatch.setattr(extract.parse, "parsed_document", no_parsing)  # workers are forked
    with ParseStage(store, workers=1) as stage:
        second = stage.parsed(document)
    assert second.document is not None and first.document is not None
    assert second.document.pages == first.document.pages
    assert second.fresh is None
    store.close()


def test_then_runs_in_the_worker_right_after_parsing() -> None:
    with ParseStage(None, then=lambda parsed: (os.getpid(), parsed.pages[0].text), workers=1) as s:
        result = s.parsed(document_of(INVOICE))
    assert result.document is None and result.value is not None
    pid, text = result.value
    assert pid != os.getpid() and "INV-2026-0450" in text


def test_a_hung_parser_marks_its_document_timeout_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("invoice-01-left-labels.pdf", "invoice-07-de-rechnung.pdf"):
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(SAMPLES / "invoice-03-labels-above-gbp.pdf", folder / "slow.pdf")
    real = extract.parse.parsed_document

    def hangs_on_slow(document: Document, with_tables: bool = True) -> ParsedDocument:
        if document.file == "slow.pdf":
            time.sleep(600)
        return real(document, with_tables)

    monkeypatch.setattr(extract.parse, "parsed_document", hangs_on_slow)  # workers are forked
    started = time.monotonic()
    summary = execute(
        RunOptions(folder=folder, workbook=tmp_path / "c.xlsx", backend="rules", parse_timeout=1.0)
    )
    assert time.monotonic() - started < 30
    by_file = {outcome.file: outcome for outcome in summary.outcomes}
    assert by_file["slow.pdf"].status == Status.TIMEOUT
    assert "--parse-timeout" in by_file["slow.pdf"].error
    assert by_file["invoice-01-left-labels.pdf"].status == Status.OK
    assert by_file["invoice-07-de-rechnung.pdf"].status == Status.OK
    assert (tmp_path / "c.xlsx").exists()


def test_a_parser_that_raises_fails_only_its_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(SAMPLES / "invoice-01-left-labels.pdf", folder / "good.pdf")
    shutil.copy(SAMPLES / "invoice-03-labels-above-gbp.pdf", folder / "breaks.pdf")
    real = extract.parse.parsed_document

    def raises_on_breaks(document: Document, with_tables: bool = True) -> ParsedDocument:
        if document.file == "breaks.pdf":
            raise ValueError("a bug in the parser")
        return real(document, with_tables)

    monkeypatch.setattr(extract.parse, "parsed_document", raises_on_breaks)
    summary = execute(RunOptions(folder=folder, workbook=tmp_path / "c.xlsx", backend="rules"))
    by_file = {outcome.file: outcome for outcome in summary.outcomes}
    assert by_file["breaks.pdf"].status == Status.FAILED
    assert "a bug in the parser" in by_file["breaks.pdf"].error
    assert by_file["good.pdf"].status == Status.OK
    assert (tmp_path / "c.xlsx").exists()


def test_a_file_gone_since_the_listing_is_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "gone.pdf"
    parsed = parsed_document(Document(missing, "0" * 64))
    assert parsed.status == Status.UNREADABLE
    assert "cannot read" in parsed.error
