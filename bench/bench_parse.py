"""Bench: parsing speed and memory, from pdfplumber alone to the whole rules-backend run.

Generates (or reuses) a corpus of invoices of 1 to 5 pages (bench/corpus.py), then prints
pages per second for: pdfplumber alone (text + words + tables, one core), pypdfium2 alone
(text layer, one core), our reader (one core) and our parse stage (all cores), the rules
backend run end to end (cold, then warm from the caches) with its peak memory, and the
peak memory of the run for a larger corpus (2,000 vs 200 documents by default).

    .venv/bin/python bench/bench_parse.py [--docs 200] [--big 2000] [--plumber-docs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import page_count, write_corpus  # noqa: E402


def vm_peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not survive an exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_folder(cache: Path, documents: int) -> tuple[Path, int]:
    folder = cache / f"corpus-{documents}"
    pdfs = folder / "pdfs"
    if not pdfs.exists() or len(list(pdfs.glob("*.pdf"))) != documents:
        started = time.perf_counter()
        write_corpus(folder, documents)
        print(f"  generated {documents} invoices in {time.perf_counter() - started:.1f} s")
    return pdfs, page_count(pdfs)


def rate(pages: int, seconds: float) -> str:
    return f"{pages / seconds:8.1f} pages/s  ({pages} pages in {seconds:.2f} s)"


def pdfplumber_alone(paths: list[Path]) -> tuple[int, float]:
    """What the old reader did per page: text, words and tables."""
    import pdfplumber

    pages, started = 0, time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.extract_words()
                page.extract_tables()
                pages += 1
    return pages, time.perf_counter() - started


def pdfium_alone(paths: list[Path]) -> tuple[int, float]:
    import pypdfium2 as pdfium

    pages, started = 0, time.perf_counter()
    for path in paths:
        pdf = pdfium.PdfDocument(path)
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages, time.perf_counter() - started


def our_reader(paths: list[Path]) -> tuple[int, float]:
    from extract.documents import Document, file_sha256
    from extract.pdf import parsed_document

    pages, started = 0, time.perf_counter()
    for path in paths:
        pages += len(parsed_document(Document(path, file_sha256(path))).pages)
    return pages, time.perf_counter() - started


def our_stage(paths: list[Path]) -> tuple[int, float, int]:
    from concurrent.futures import ThreadPoolExecutor

    from extract.documents import Document, file_sha256
    from extract.parse import ParseStage, cpu_count

    documents = [Document(path, file_sha256(path)) for path in paths]
    started = time.perf_counter()
    with ParseStage(None) as stage, ThreadPoolExecutor(8) as threads:
        pages = sum(parsed.pages for parsed in threads.map(stage.parsed, documents))
    return pages, time.perf_counter() - started, cpu_count()


class _Skipped:
    """What write_run returns when the bench skips the workbook step."""

    def as_json(self) -> dict[str, Any]:
        return {}


SKIPPED = _Skipped()


def child_run(folder: Path, workbook: Path, with_workbook: bool) -> None:
    """One `extract run --backend rules` in this fresh process; prints its figures as JSON."""
    import extract.run as run

    written = {"seconds": 0.0, "peak_before_mb": 0.0, "check_seconds": 0.0}
    write_run, check_contract = run.write_run, run.check_contract

    def timed_check(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        loaded = check_contract(*args, **kwargs)
        written["check_seconds"] += time.perf_counter() - started
        return loaded

    finish_run = run.Store.finish_run

    def finished(store: Any, run_id: str) -> None:  # the loop is done, the workbook step next
        written["peak_before_mb"] = vm_peak_mb()
        finish_run(store, run_id)

    def timed_write(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        saved = write_run(*args, **kwargs) if with_workbook else SKIPPED
        written["seconds"] = time.perf_counter() - started
        return saved

    record_save = run.Store.record_workbook_save

    def recorded(store: Any, path: Path, saved: dict[str, Any]) -> None:
        if saved:  # empty: the workbook step was skipped
            record_save(store, path, saved)

    run.write_run = timed_write  # type: ignore[assignment]
    run.check_contract = timed_check  # type: ignore[assignment]
    run.Store.finish_run = finished  # type: ignore[method-assign]
    run.Store.record_workbook_save = recorded  # type: ignore[method-assign]
    started = time.perf_counter()
    summary = run.execute(run.RunOptions(folder=folder, workbook=workbook, backend="rules"))
    total = time.perf_counter() - started
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        "documents": len(summary.outcomes),
        "ok": summary.ok,
        "cached": summary.cached,
        "values": summary.fields_found,
        "seconds": total,
        "workbook_seconds": written["seconds"] + written["check_seconds"],
        "check_seconds": written["check_seconds"],
        "peak_mb": vm_peak_mb(),
        "peak_before_workbook_mb": written["peak_before_mb"],  # parse, extract, store
        "worker_peak_mb": workers_mb,
    }
    print(json.dumps(figures))


def timed_run(folder: Path, workbook: Path, with_workbook: bool = True) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-run", str(folder), str(workbook)]
    if not with_workbook:
        command.append("--no-workbook")
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = time.perf_counter() - started  # with interpreter start and imports
    return figures


def show_run(name: str, pages: int, figures: dict[str, Any]) -> None:
    pipeline = figures["seconds"] - figures["workbook_seconds"]
    print(
        f"  {name:<28} {rate(pages, figures['seconds'])}"
        f"; process wall {pages / figures['wall_seconds']:.1f} pages/s"
    )
    print(
        f"  {'':<28} pipeline {pages / pipeline:.1f} pages/s ({pipeline:.2f} s),"
        f" workbook {figures['workbook_seconds']:.2f} s (load to check it"
        f" {figures['check_seconds']:.2f} s, write) for {figures['values']} values;"
        f" {figures['ok']}/{figures['documents']} ok, {figures['cached']} cached"
    )
    print(
        f"  {'':<28} peak memory: run process {figures['peak_mb']:.0f} MB"
        f" ({figures['peak_before_workbook_mb']:.0f} MB before the workbook step),"
        f" largest worker {figures['worker_peak_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--big", type=int, default=2000, help="0 skips the memory comparison")
    parser.add_argument("--plumber-docs", type=int, default=30, help="pdfplumber is slow")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bench-parse")
    parser.add_argument("--child-run", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-workbook", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_run:
        child_run(*args.child_run, with_workbook=not args.no_workbook)
        return

    print(f"corpus: {args.docs} generated invoices of 1 to 5 pages; {os.cpu_count()} cores")
    folder, pages = corpus_folder(args.cache, args.docs)
    paths = sorted(folder.glob("*.pdf"))
    print(f"  {pages} pages, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB")

    print("parsing (one core unless said):")
    print(f"  {'pdfplumber alone':<28} {rate(*pdfplumber_alone(paths[: args.plumber_docs]))}")
    print(f"  {'pypdfium2 alone (text)':<28} {rate(*pdfium_alone(paths))}")
    print(f"  {'our reader':<28} {rate(*our_reader(paths))}")
    stage_pages, stage_seconds, cores = our_stage(paths)
    print(f"  {f'our parse stage ({cores} procs)':<28} {rate(stage_pages, stage_seconds)}")

    print(
        "rules backend, end to end (execute(): parse, extract, store, workbook; pipeline is"
        " the run without the workbook's load and write):"
    )
    with tempfile.TemporaryDirectory() as scratch:
        workbook = Path(scratch) / "contract.xlsx"
        show_run("cold", pages, timed_run(folder, workbook))
        show_run("warm re-run", pages, timed_run(folder, workbook))

    if args.big:
        print(f"peak memory, {args.big} vs {args.docs} documents (cold run, workbook written):")
        big_folder, big_pages = corpus_folder(args.cache, args.big)
        peaks = []
        for count, where, many in ((args.docs, folder, pages), (args.big, big_folder, big_pages)):
            with tempfile.TemporaryDirectory() as scratch:
                figures = timed_run(where, Path(scratch) / "contract.xlsx")
            show_run(f"{count} docs", many, figures)
            peaks.append(figures["peak_mb"])
        print(f"  peak memory ratio {args.big} / {args.docs} documents: {peaks[1] / peaks[0]:.2f}x")


if __name__ == "__main__":
    main()
