"""A generated corpus for benchmarks: N invoices of 1 to 5 pages, with their truth files.

Built from the sample generator's own data and layouts (samples/make_samples.py), so every
document is a realistic invoice (letterhead, parties, dates, a table of line items, totals)
whose right answers are known. Multi-page invoices use the table layouts with enough line
items to run over 2 to 5 pages. The same seed gives the same files.

    .venv/bin/python bench/corpus.py OUT_DIR [--docs 200] [--seed 7]

Other benches import it: ``from corpus import write_corpus`` (bench/ on sys.path).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from dataclasses import dataclass, replace
from datetime import date, timedelta
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE_LAYOUTS = ("two-column-header", "boxed-totals")  # these run their tables over pages
ALL_LAYOUTS = ("left-labels", "labels-above", *TABLE_LAYOUTS)
# line items that make a table layout run to 1, 2, ... 5 pages (measured on A4 and Letter)
ITEMS_FOR_PAGES = {1: (2, 12), 2: (34, 58), 3: (72, 98), 4: (116, 138), 5: (156, 176)}


def _samples() -> ModuleType:
    """samples/make_samples.py as a module: its layouts, parties and catalogues."""
    name = "make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "samples" / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Corpus:
    folder: Path
    documents: int
    pages: int


def invoice(number: int, seed: int, max_items: int | None = None) -> Any:
    """The n-th invoice of a corpus: layout, language, parties and length drawn at random;
    ``max_items`` caps its line items (a corpus of the usual one-page invoices)."""
    samples = _samples()
    rng = random.Random(f"{seed}:{number}")
    base = rng.choice(samples.invoices())
    pages = rng.randint(1, 5)
    layout = rng.choice(ALL_LAYOUTS if pages == 1 else TABLE_LAYOUTS)
    low, high = ITEMS_FOR_PAGES[pages]
    count = rng.randint(low, high)
    if max_items is not None:
        count = min(count, max_items)
    if count <= 12:
        catalogue = samples.SERVICES_DE if base.lang == "de" else samples.SERVICES_EN
        items = samples.line_items(rng, catalogue, min(count, len(catalogue)))
    else:
        items = samples.part_items(rng, count)
    issue = date(2025, 1, 1) + timedelta(days=rng.randint(0, 540))
    due = issue + timedelta(days=rng.choice((14, 30, 45))) if base.due is not None else None
    return replace(
        base,
        stem=f"bench-{number:05d}-{layout}",
        layout=layout,
        number=f"{base.number.split('-')[0]}-{seed}{number:05d}",
        issue=issue,
        due=due,
        items=items,
    )


def _write_one(job: tuple[int, int, str, int | None]) -> int:
    number, seed, folder, max_items = job
    samples = _samples()
    inv = invoice(number, seed, max_items)
    data = samples.RENDERERS[inv.layout](inv)
    root = Path(folder)
    (root / "pdfs" / f"{inv.stem}.pdf").write_bytes(data)
    truth = json.dumps(samples.truth(inv), indent=2, ensure_ascii=False) + "\n"
    (root / "truth" / f"{inv.stem}.json").write_text(truth, encoding="utf-8")
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page ") or 1


def write_corpus(
    folder: Path,
    documents: int,
    seed: int = 7,
    processes: int | None = None,
    max_items: int | None = None,
) -> Corpus:
    """Write ``folder``/pdfs and ``folder``/truth; returns how many documents and pages."""
    (folder / "pdfs").mkdir(parents=True, exist_ok=True)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    jobs = [(number, seed, str(folder), max_items) for number in range(1, documents + 1)]
    with Pool(processes) as pool:
        pages = sum(pool.map(_write_one, jobs, chunksize=16))
    return Corpus(folder / "pdfs", documents, pages)


def page_count(folder: Path) -> int:
    """Pages of every PDF in a folder, counted by pdfium (the generator's count is a guess)."""
    import pypdfium2 as pdfium

    total = 0
    for path in sorted(folder.glob("*.pdf")):
        pdf = pdfium.PdfDocument(path)
        total += len(pdf)
        pdf.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    corpus = write_corpus(args.out, args.docs, args.seed)
    pages = page_count(corpus.folder)
    print(f"wrote {corpus.documents} invoices, {pages} pages, to {corpus.folder}")


if __name__ == "__main__":
    main()
