"""Bench: the review pictures at batch scale: the HTML report and a worklist of 2,000 invoices.

Generates the bench corpus (bench/corpus.py: 2,000 invoices, their line items capped at
--max-items: 12 gives one-page invoices of ~53 values, the scale of bench_workbook.py; 176
the full corpus of 1 to 5 pages and ~350 values each), runs the rules backend over it,
types tester verdicts into ground_truth the way bench_workbook.py does, then times what
`extract score --html` and `extract review` do: scoring, finding and rendering the pages
of the documents shown, writing the HTML. Prints the times and the file sizes, and how
long headless Chromium takes to open each file.

    .venv/bin/python bench/bench_report.py [--docs 2000] [--max-items 12] [--corpus DIR]
                                           [--documents 40] [--worklist 200] [--typed 5000]

--corpus keeps the generated PDFs in DIR and reuses them on the next run (generating 2,000
takes about a minute, the run one to two on 2 cores).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_workbook import type_cells  # noqa: E402
from corpus import write_corpus  # noqa: E402

from contract.assign import assign_testers  # noqa: E402
from contract.sheets import GROUND_TRUTH  # noqa: E402
from contract.workbook import load_contract, save_contract  # noqa: E402
from evals.report import html_report  # noqa: E402
from evals.scoring import scoring  # noqa: E402
from evals.worklist import worklist_html  # noqa: E402
from extract.review import report_pictures, worklist  # noqa: E402
from extract.run import RunOptions, execute  # noqa: E402
from extract.store import Store  # noqa: E402
from schemas.vocabulary import Split  # noqa: E402


def opened_in_chromium(html: Path, profile: Path) -> str:
    """Seconds for headless Chromium to load the file and take a screenshot of it."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return "skipped (chromium not installed)"
    started = time.perf_counter()
    done = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}",
            f"--screenshot={profile / 'shot.png'}", "--window-size=1400,1000", html.as_uri(),
        ],
        capture_output=True, timeout=600,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    ok = done.returncode == 0 and (profile / "shot.png").exists()
    return f"{seconds:.1f} s" if ok else f"FAILED ({done.returncode})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--max-items", type=int, default=12, help="line items per invoice")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--documents", type=int, default=40, help="shown in the report")
    parser.add_argument("--worklist", type=int, default=200, help="rows in the worklist")
    parser.add_argument("--typed", type=int, default=5000, help="ground-truth cells typed")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    corpus = args.corpus or work / "corpus"
    pdfs = corpus / "pdfs"
    if not (pdfs.is_dir() and len(list(pdfs.glob("*.pdf"))) >= args.docs):
        started = time.perf_counter()
        write_corpus(corpus, args.docs, max_items=args.max_items)
        print(f"corpus: {args.docs} invoices written in {time.perf_counter() - started:.0f} s")
    workbook = work / "contract.xlsx"
    started = time.perf_counter()
    summary = execute(RunOptions(folder=pdfs, workbook=workbook, limit=args.docs))
    print(f"run:    {len(summary.outcomes)} documents, {summary.fields_found} values found,"
          f" {time.perf_counter() - started:.0f} s (rules backend)")  # fmt: skip

    contract = load_contract(workbook)
    type_cells(contract.sheet(GROUND_TRUTH.name), args.typed, seed=2)
    save_contract(workbook, contract)
    assign_testers(workbook, ["ana", "ben", "chen"], 2)

    store = Store.beside(workbook)
    try:
        started = time.perf_counter()
        result = scoring(store, workbook, None, Split.ALL, None, None, None)
        score_s = time.perf_counter() - started
        started = time.perf_counter()
        data = report_pictures(result.report(), store, workbook, work, args.documents)
        pictures_s = time.perf_counter() - started
        started = time.perf_counter()
        report = work / "report.html"
        report.write_text(html_report(data), encoding="utf-8")
        html_s = time.perf_counter() - started
        started = time.perf_counter()
        work_list = worklist(workbook, store, "ana", args.worklist, work)
        worklist_file = work / "worklist.html"
        worklist_file.write_text(worklist_html(work_list), encoding="utf-8")
        worklist_s = time.perf_counter() - started
    finally:
        store.close()

    labeled = result.scores.overall.labeled
    shown = len(data.shown or [])
    pictured = sum(pdf.path is not None for pdf in data.pdfs.values())
    report_mb = report.stat().st_size / 1e6
    print(f"score:  {score_s:6.1f} s  ({labeled} labeled keys, split all)")
    print(f"report: {pictures_s:6.1f} s  finding PDFs and boxes for {shown} documents shown")
    rendered = report.read_text(encoding="utf-8").count("<image ")
    print(
        f"        {html_s:6.1f} s  rendering {rendered} pages of {pictured} PDFs, writing the HTML"
    )
    print(f"        {report_mb:6.1f} MB {report}")
    print(f"        opens in headless Chromium in {opened_in_chromium(report, work / 'p1')}")
    worklist_mb = worklist_file.stat().st_size / 1e6
    print(f"review: {worklist_s:6.1f} s  worklist of {len(work_list.items)} of"
          f" {work_list.unjudged} rows for ana (read, find, render, write)")  # fmt: skip
    print(f"        {worklist_mb:6.1f} MB {worklist_file}")
    print(f"        opens in headless Chromium in {opened_in_chromium(worklist_file, work / 'p2')}")
    empty = work / "empty.html"
    empty.write_text("<!DOCTYPE html><p>empty</p>", encoding="utf-8")
    print(
        f"(an empty page opens in {opened_in_chromium(empty, work / 'p0')}; files kept in {work})"
    )


if __name__ == "__main__":
    main()
