"""Bench: OCR speed and memory, and a folder where scans and digital PDFs are mixed.

Scans are made from the generated corpus (bench/corpus.py): each invoice page rendered to
a grey, noisy, slightly skewed image (samples/make_scans.py) in an image-only PDF. Prints:

- seconds a page at the reader's resolution (extract.ocr.DPI): one page after another in one
  process (one onnxruntime thread), and with every core (the run's reader processes, a page
  each) over a many-page scan;
- the peak memory of `extract run` over one 30-page image-only PDF: the run process and its
  workers summed (sampled from /proc), and the largest single process;
- a folder of 20 one-page scans and 200 digital invoices, run with the rules backend: when
  the last digital document is done, with the scans in the folder and without them, and
  when the last scan is done. Digital documents are not held up by the scans when the first
  figure stays close to the second.

    .venv/bin/python bench/bench_ocr.py [--pages 30] [--scans 20] [--digital 200]

Timings vary with the machine's load: take figures on a quiet machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "samples"))

from corpus import write_corpus  # noqa: E402

# the bench measures speed, not the timeout: a busy machine starves the niced OCR processes
PAGE_TIMEOUT_S = 600.0


def scanned_pages(pdf: Path, scan_number: int) -> list[Any]:
    """Every page of a digital PDF as a scanner would see it (150-200 dpi, skew, noise)."""
    import pypdfium2 as pdfium
    from make_scans import Scan, scanned_image

    document = pdfium.PdfDocument(pdf)
    images = []
    for index in range(len(document)):
        single = pdfium.PdfDocument.new()
        single.import_pages(document, [index])
        buffer = io.BytesIO()
        single.save(buffer)
        skew = ((scan_number * 7 + index * 3) % 50 - 25) / 10  # -2.5 to 2.4 degrees
        scan = Scan(f"bench-{scan_number}-{index}", "", 200 if index % 2 else 150, skew)
        images.append(scanned_image(buffer.getvalue(), scan))
    return images


def image_only_pdf(images: list[Any], path: Path) -> None:
    import pypdfium2 as pdfium
    from make_scans import image_pdf
    from reportlab.lib.pagesizes import A4

    out = pdfium.PdfDocument.new()
    for image in images:
        out.import_pages(pdfium.PdfDocument(image_pdf(image, A4)))
    out.save(path)


def corpus(cache: Path, documents: int) -> Path:
    folder = cache / f"corpus-{documents}"
    if len(list((folder / "pdfs").glob("*.pdf"))) != documents:
        write_corpus(folder, documents)
    return folder / "pdfs"


def scans(cache: Path, count: int, pages: int) -> tuple[Path, Path]:
    """A folder of ``count`` one-page scans, and one scan of ``pages`` pages."""
    folder, long_scan = cache / f"scans-{count}", cache / f"long-scan-{pages}.pdf"
    sources = sorted(corpus(cache, max(count, 40)).glob("*.pdf"))
    if len(list(folder.glob("*.pdf"))) != count:
        folder.mkdir(parents=True, exist_ok=True)
        for number, source in enumerate(sources[:count]):
            image_only_pdf(scanned_pages(source, number)[:1], folder / f"scan-{number:03}.pdf")
    if not long_scan.exists():
        images: list[Any] = []
        for number, source in enumerate(sources):
            images += scanned_pages(source, number)
            if len(images) >= pages:
                break
        image_only_pdf(images[:pages], long_scan)
    return folder, long_scan


# seconds a page ----------------------------------------------------------------------------


def one_process(path: Path, pages: int) -> dict[str, float]:
    """Page after page in this process, one thread (the models loaded first, not timed)."""
    import pypdfium2 as pdfium

    from extract.ocr import read_page
    from extract.ocr_engine import engine

    started = time.perf_counter()
    engine(1)
    load = time.perf_counter() - started
    pdf = pdfium.PdfDocument(path)
    started = time.perf_counter()
    for index in range(pages):
        read_page(pdf, index, threads=1)
    return {"seconds": time.perf_counter() - started, "pages": pages, "load": load}


def all_cores(path: Path) -> dict[str, float]:
    """The run's reader processes over one many-page scan: its pages read in parallel, at
    normal priority (their lower one only yields to digital documents; on a machine busy
    with other work it would measure that work)."""
    import extract.parse
    from extract.documents import Document, file_sha256
    from extract.parse import ParseStage, cpu_count

    extract.parse.READER_NICE = 0

    document = Document(path, file_sha256(path))
    started = time.perf_counter()
    with ParseStage[None](None, timeout_s=PAGE_TIMEOUT_S) as stage:
        parsed = stage.parsed(document)
    return {"seconds": time.perf_counter() - started, "pages": parsed.pages, "cores": cpu_count()}


# memory of a run ----------------------------------------------------------------------------


def tree_rss_mb(root: int) -> tuple[float, float]:
    """The resident memory of a process and all its descendants: (sum, largest), in MB."""
    children: dict[int, list[int]] = {}
    sizes: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parent = int(fields.get("PPid", "0").strip())
        children.setdefault(parent, []).append(int(entry.name))
        sizes[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    total, largest, todo = 0.0, 0.0, [root]
    while todo:
        pid = todo.pop()
        total += sizes.get(pid, 0.0)
        largest = max(largest, sizes.get(pid, 0.0))
        todo += children.get(pid, [])
    return total, largest


def watched(command: list[str]) -> tuple[dict[str, Any], float, float]:
    """Run a command, sampling its process tree's memory every 0.1 s: (its JSON, peaks)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak_total = peak_one = 0.0
    while process.poll() is None:
        total, one = tree_rss_mb(process.pid)
        peak_total, peak_one = max(peak_total, total), max(peak_one, one)
        time.sleep(0.1)
    out = process.stdout.read() if process.stdout else ""
    if process.returncode:
        raise SystemExit(f"{command} failed")
    return json.loads(out.strip().splitlines()[-1]), peak_total, peak_one


# a run, timing each document ------------------------------------------------------------------


def timed_run(folder: Path, workbook: Path) -> dict[str, Any]:
    """execute() with the rules backend; when each document was done, from the start."""
    from extract.run import RunOptions, execute

    done: dict[str, float] = {}
    lock = threading.Lock()
    started = time.perf_counter()

    def finished(outcome: Any) -> None:
        with lock:
            done[outcome.file] = time.perf_counter() - started

    options = RunOptions(
        folder=folder, workbook=workbook, backend="rules", parse_timeout=PAGE_TIMEOUT_S
    )
    summary = execute(options, finished)
    return {
        "seconds": time.perf_counter() - started,
        "done": done,
        "ok": summary.ok,
        "documents": len(summary.outcomes),
        "statuses": sorted({o.status for o in summary.outcomes}),
    }


def mixed_folder(cache: Path, digital: int, scan_folder: Path, with_scans: bool) -> Path:
    """Links to the digital invoices, and to the scans spread among them in name order."""
    folder = cache / f"mixed-{digital}-{'with' if with_scans else 'without'}-scans"
    if not folder.exists():
        folder.mkdir()
        for index, path in enumerate(sorted(corpus(cache, digital).glob("*.pdf"))):
            (folder / f"{index:04}-digital-{path.name}").symlink_to(path)
        if with_scans:
            scan_paths = sorted(scan_folder.glob("*.pdf"))
            step = digital / max(1, len(scan_paths))
            for number, path in enumerate(scan_paths):
                (folder / f"{int(number * step):04}-scan-{path.name}").symlink_to(path)
    return folder


def child(args: argparse.Namespace) -> None:
    part, path = args.child
    if part == "one":
        print(json.dumps(one_process(Path(path), args.one_pages)))
    elif part == "all":
        print(json.dumps(all_cores(Path(path))))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(timed_run(Path(path), Path(scratch) / "contract.xlsx")))


def measured(part: str, path: Path, *extra: str) -> tuple[dict[str, Any], float, float]:
    """A part in a fresh process (a process whose onnxruntime ran may not fork readers)."""
    return watched([sys.executable, __file__, "--child", part, str(path), *extra])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30, help="pages of the long scan")
    parser.add_argument("--scans", type=int, default=20)
    parser.add_argument("--digital", type=int, default=200)
    parser.add_argument("--one-pages", type=int, default=6, help="pages read in one process")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bench-ocr")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from extract.ocr import DPI, reader_version
    from extract.parse import cpu_count

    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"reader {reader_version()}; {cpu_count()} cores; scans made in {args.cache}")
    scan_folder, long_scan = scans(args.cache, args.scans, args.pages)

    print(f"seconds a page at {DPI} dpi (A4 and Letter invoice pages, scanned at 150-200 dpi):")
    one, _, one_peak = measured("one", long_scan, "--one-pages", str(args.one_pages))
    print(
        f"  one process, one thread:   {one['seconds'] / one['pages']:.2f} s/page"
        f" ({one['pages']} pages; loading the models {one['load']:.2f} s, once a process;"
        f" peak {one_peak:.0f} MB)"
    )
    every, total_peak, largest = measured("all", long_scan)
    print(
        f"  every core ({every['cores']} readers):   {every['seconds'] / every['pages']:.2f} s/page"
        f" ({every['pages']} pages in {every['seconds']:.1f} s, models loaded included)"
    )

    print(f"peak memory of `extract run` over one {args.pages}-page image-only PDF:")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "pdfs"
        folder.mkdir()
        (folder / long_scan.name).symlink_to(long_scan)
        run, total_peak, largest = measured("run", folder)
    print(
        f"  {run['seconds']:.1f} s, {run['ok']}/{run['documents']} ok;"
        f" peak {total_peak:.0f} MB summed over the run process and its workers,"
        f" largest process {largest:.0f} MB"
    )

    print(
        f"a folder of {args.digital} digital invoices, with and without {args.scans} one-page"
        " scans spread among them (rules backend, cold):"
    )
    results = {}
    for with_scans in (False, True):
        folder = mixed_folder(args.cache, args.digital, scan_folder, with_scans)
        results[with_scans], _, _ = measured("run", folder)
    for with_scans, figures in results.items():
        digital_done = max(t for name, t in figures["done"].items() if "-digital-" in name)
        scans_done = [t for name, t in figures["done"].items() if "-scan-" in name]
        line = (
            f"  {'with' if with_scans else 'without'} the scans: the {args.digital} digital"
            f" documents done at {digital_done:.1f} s"
        )
        if scans_done:
            line += f", the {len(scans_done)} scans at {max(scans_done):.1f} s"
        print(f"{line}; run {figures['seconds']:.1f} s, {figures['ok']}/{figures['documents']} ok")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
