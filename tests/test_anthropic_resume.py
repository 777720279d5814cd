"""A run killed with SIGKILL midway, run again, ends with the workbook an unbroken run makes.

The second run re-sends only the documents the first did not finish: the extraction cache
in the run store is committed document by document.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fake_anthropic import FakeAnthropic, write_invoices

from extract.cli import cli
from extract.documents import file_sha256

DOCS = 10


@pytest.fixture
def fake(fake: FakeAnthropic) -> FakeAnthropic:
    """The shared fake, slow enough that the run can be killed midway."""
    fake.latency = 0.4
    return fake


def arguments(folder: Path, workbook: Path) -> list[str]:
    return [
        "run",
        str(folder),
        "--workbook",
        str(workbook),
        "--backend",
        "anthropic",
        "--concurrency=2",
    ]


def run_again(folder: Path, workbook: Path) -> None:
    """In this process (the SDK is imported once): the same CLI code as the killed run."""
    result = CliRunner().invoke(cli, arguments(folder, workbook))
    assert result.exit_code == 0, result.output


def cached_doc_ids(workbook: Path) -> set[str]:
    database = workbook.with_suffix(".db")
    if not database.exists():
        return set()
    with sqlite3.connect(database, timeout=10) as db:
        try:
            return {row[0] for row in db.execute("SELECT doc_id FROM extraction_cache")}
        except sqlite3.OperationalError:  # the store is still being created
            return set()


def contents(workbook: Path) -> dict[str, list[tuple[object, ...]]]:
    """The documents and extractions sheets, without the columns that name the run."""
    sheets = pd.read_excel(workbook, sheet_name=["documents", "extractions"])
    tables = {}
    for name, frame in sheets.items():
        frame = frame.drop(columns=["run_id", "last_run"], errors="ignore")
        rows = [tuple(row) for row in frame.astype(str).itertuples(index=False)]
        tables[name] = sorted(rows)
    return tables


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(found) for found in children.read_text().split()] if children.exists() else []


def alive(pid: int) -> bool:
    """Running, not exited (an orphan's zombie may wait a while for its new parent)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_a_killed_run_resumes_and_ends_like_an_unbroken_one(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    folder = tmp_path / "pdfs"
    marker_of = {
        file_sha256(path)[:12]: f"INV-{path.stem.split('-')[1]}"
        for path in write_invoices(folder, DOCS)
    }
    workbook = tmp_path / "killed" / "contract.xlsx"
    workbook.parent.mkdir()
    extract = str(Path(sys.executable).parent / "extract")
    process = subprocess.Popen(
        [extract, *arguments(folder, workbook)], env=dict(os.environ), stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while len(cached_doc_ids(workbook)) < 3:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        workers = child_pids(process.pid)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert workers or not Path("/proc").exists(), "the run had no parse workers"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers):  # they must not outlive the killed run
        assert time.monotonic() < deadline, "parse workers outlived the killed run"
        time.sleep(0.1)
    finished = cached_doc_ids(workbook)
    assert 3 <= len(finished) < DOCS

    fake.latency = 0.0
    sent_before = len(fake.messages())
    run_again(folder, workbook)
    resent = sorted(r.marker or "" for r in fake.messages()[sent_before:])
    unfinished = sorted(marker for doc_id, marker in marker_of.items() if doc_id not in finished)
    assert resent == unfinished

    unbroken = tmp_path / "unbroken" / "contract.xlsx"
    unbroken.parent.mkdir()
    run_again(folder, unbroken)
    resumed, reference = contents(workbook), contents(unbroken)
    assert len(reference["documents"]) == DOCS and len(reference["extractions"]) > DOCS
    assert resumed == reference
