"""A remote backend's throughput against its fake server: do parsing and waiting overlap?

Used by bench_anthropic.py and bench_openai.py. Generates one-page invoices, starts the
backend's fake server (tests/fake_*.py) as its own process (a real API is remote, so it must
not share this process's GIL) answering after ``latency`` seconds, and
runs the whole pipeline (``extract.run.execute``: parse, request, verify, store, workbook),
timed from the call to the saved workbook; the SDK's import (seconds, once a process) is
timed apart.
The ideal is the larger of the pure waiting (docs x latency / concurrency) and the time to
parse the same folder alone through the run's own parse stage; the ratio wall / ideal shows
how much the stages fail to overlap. Then the warm re-run, which must send nothing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_anthropic import write_invoices  # noqa: E402

from extract.backends import BackendOptions  # noqa: E402
from extract.documents import folder_documents  # noqa: E402
from extract.parse import ParseStage  # noqa: E402
from extract.run import DocumentOutcome, RunOptions, execute  # noqa: E402
from extract.store import Store  # noqa: E402


@dataclass(frozen=True)
class Remote:
    """What differs between providers: the backend, its fake, its variables, its model."""

    backend: str
    module: str  # the backend's module, whose SDK import is timed apart
    fake: str  # tests/<fake>.py
    base_url_variable: str
    key_variable: str
    model: str | None = None


def fake_server(remote: Remote, latency: float) -> tuple[subprocess.Popen[str], str]:
    script = ROOT / "tests" / f"{remote.fake}.py"
    command = [sys.executable, str(script), "--latency", str(latency)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def parse_alone(folder: Path, concurrency: int) -> float:
    """The run's parse stage (worker processes, no cache) over the folder, nothing else."""
    documents = folder_documents(folder)
    started = time.perf_counter()
    with ParseStage[None](None) as stage, ThreadPoolExecutor(concurrency) as threads:
        list(threads.map(stage.parsed, documents))
    return time.perf_counter() - started


def timed_run(options: RunOptions) -> tuple[float, float, str]:
    """(whole run, until the last document was done, run id)."""
    last = [0.0]

    def done(outcome: DocumentOutcome) -> None:
        last[0] = time.perf_counter()

    started = time.perf_counter()
    summary = execute(options, done)
    ended = time.perf_counter()
    assert summary.ok == len(summary.outcomes), [o.error for o in summary.failed][:3]
    return ended - started, last[0] - started, summary.run_id


def main(remote: Remote, description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    started = time.perf_counter()
    importlib.import_module(remote.module)  # once a process, not part of the pipeline

    sdk_import = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "pdfs"
        write_invoices(folder, args.docs)
        server, base_url = fake_server(remote, args.latency)
        os.environ.update({remote.base_url_variable: base_url, remote.key_variable: "bench-key"})
        try:
            parsing = parse_alone(folder, args.concurrency)
            waiting = args.docs * args.latency / args.concurrency
            ideal = max(waiting, parsing)
            options = RunOptions(
                folder=folder,
                workbook=Path(temp) / "contract.xlsx",
                backend=remote.backend,
                backend_options=BackendOptions(model=remote.model, user="bench"),
                concurrency=args.concurrency,
            )
            wall, documents_done, _ = timed_run(options)
            warm, _, warm_run = timed_run(options)
        finally:
            server.terminate()
            server.wait()
        store = Store.beside(options.workbook)
        warm_requests = len(store.requests(warm_run))
        store.close()
    print(f"backend              {remote.backend} {remote.model or '(default model)'}")
    print(f"documents            {args.docs} one-page PDFs")
    print(f"SDK import           {sdk_import:.2f} s  (once a process, before the timed runs)")
    print(f"fake latency         {args.latency:.3f} s, concurrency {args.concurrency}")
    print(
        f"waiting alone        {waiting:.2f} s  ({args.docs} x {args.latency} / {args.concurrency})"
    )
    print(f"parsing alone        {parsing:.2f} s  (the run's parse stage, no cache)")
    print(f"ideal                {ideal:.2f} s")
    print(f"documents done after {documents_done:.2f} s  (ratio {documents_done / ideal:.2f})")
    print(f"wall, whole run      {wall:.2f} s  (ratio {wall / ideal:.2f}; workbook saved)")
    print(f"warm re-run          {warm:.2f} s  ({warm_requests} requests sent)")
