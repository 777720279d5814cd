"""Bench: the contract workbook at batch scale (2,000 invoices, ~60,000 extraction rows).

Builds a run's rows directly (no PDFs), types 5,000 ground-truth cells the way testers
do, then times the three things a run does to the workbook: write it, read it back, and
merge a new run into it (read + merge + write). Every value has a confidence (coloured by
a review threshold) and a link to its page, as a run gives them; ``--plain`` leaves both
out (the workbook as it was before they existed, to compare). Prints the times, the peak
memory and the file size, checks that nothing typed was lost, and converts the file with
LibreOffice to show it opens there.

    .venv/bin/python bench/bench_workbook.py [--docs 2000] [--typed 5000] [--plain]
                                             [--no-soffice | --soffice-as pdf|csv]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract.merge import key_of  # noqa: E402
from contract.sheets import GROUND_TRUTH  # noqa: E402
from contract.update import write_run  # noqa: E402
from contract.workbook import load_contract, save_contract  # noqa: E402
from schemas.vocabulary import Verdict  # noqa: E402

DOC_FIELDS = (
    ("invoice_number", "code"), ("issue_date", "date"), ("due_date", "date"),
    ("seller", "text"), ("buyer", "text"), ("currency", "code"),
    ("subtotal", "money"), ("tax", "money"), ("total", "money"),
)  # fmt: skip
ITEM_FIELDS = (("line_items.description", "text"), ("line_items.amount", "money"))
ITEMS_PER_DOC = 10.5  # on average: 9 + 2 x 10.5 = 30 rows per document


def run_rows(
    docs: int, run_id: str, seed: int, plain: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """documents and values rows as the store hands them to write_run."""
    rng = random.Random(seed)
    documents, values = [], []
    for number in range(docs):
        doc_id = f"{number:012x}"
        file = f"invoice-{number:05d}.pdf"
        documents.append(
            {"doc_id": doc_id, "file": file, "sha256": doc_id * 5, "pages": 1 + number % 3,
             "split": "dev", "status": "ok", "error": "", "last_run": run_id}
        )  # fmt: skip
        day = date(2026, 1, 1) + timedelta(days=number % 365)
        doc_values = {
            "invoice_number": f"INV-{number}", "issue_date": day.isoformat(),
            "due_date": (day + timedelta(days=30)).isoformat(), "seller": f"Seller {number % 97}",
            "buyer": f"Buyer {number % 89} Ltd", "currency": "EUR",
            "subtotal": f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
            "tax": f"{rng.randint(10, 9999)}.{rng.randint(0, 99):02d}",
            "total": f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
        }  # fmt: skip
        for name, kind in DOC_FIELDS:
            values.append(_value(doc_id, file, name, None, doc_values[name], kind))
        for item in range(1, 10 + number % 2 + 1):
            values.append(
                _value(doc_id, file, "line_items.description", item, f"Service {item}", "text")
            )
            amount = f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
            values.append(_value(doc_id, file, "line_items.amount", item, amount, "money"))
    if not plain:
        for value in values:
            value["confidence"] = round(rng.random(), 3)
    return documents, values


def _value(doc_id: str, file: str, name: str, item: int | None, value: str, kind: str) -> dict:
    return {
        "doc_id": doc_id, "file": file, "field": name, "item": item, "value": value, "page": 1,
        "quote": f"{name.split('.')[-1]}: {value}", "grounded": 1, "kind": kind,
        "source": "model", "run_id": "r1",
    }  # fmt: skip


def type_cells(rows: list[dict[str, Any]], count: int, seed: int) -> dict[tuple, dict]:
    """Testers' typing: verdicts, expected values (some Excel dates, some numbers as text),
    names and notes, spread over random rows; returns what was typed, by key."""
    rng = random.Random(seed)
    typed: dict[tuple, dict] = {}
    cells = 0
    testers = ["ana", "ben", "chloe", "dev"]
    while cells < count:
        row = rows[rng.randrange(len(rows))]
        key = key_of(row)
        if key in typed:
            continue
        entry: dict[str, Any] = {"verdict": rng.choice(Verdict.ALL), "tester": rng.choice(testers)}
        if entry["verdict"] == Verdict.WRONG:
            entry["expected"] = (
                date(2026, 2, 3) if "date" in key[1] else "1234.50 " if "amount" in key[1] else "x"
            )
        if rng.random() < 0.2:
            entry["note"] = "checked twice "
        row.update(entry)
        typed[key] = entry
        cells += len(entry)
    return typed


def check_kept(path: Path, typed: dict[tuple, dict]) -> None:
    rows = {key_of(row): row for row in load_contract(path).sheet(GROUND_TRUTH.name)}
    lost = [
        key for key, entry in typed.items() if any(rows[key].get(c) != v for c, v in entry.items())
    ]
    if lost:
        raise SystemExit(f"LOST typed cells at {len(lost)} keys, e.g. {lost[:3]}")


def opens_in_libreoffice(path: Path, target: str) -> str:
    """Convert with LibreOffice: pdf renders every sheet (about 14 min for the full bench
    file on 2 cores), csv loads the whole workbook but writes only the first sheet."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return "skipped (LibreOffice not installed)"
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        done = subprocess.run(
            [soffice, "--headless", "--convert-to", target, "--outdir", home, str(path)],
            capture_output=True, timeout=1800, env={"HOME": home, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        result = Path(home) / f"{path.stem}.{target}"
        ok = done.returncode == 0 and result.exists() and result.stat().st_size > 100
        seconds = time.perf_counter() - started
        return f"{'yes' if ok else 'NO'} ({seconds:.0f} s to convert to {target})"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the sheets written apart):
    steadier than the wall clock on a busy machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--typed", type=int, default=5000)
    parser.add_argument("--plain", action="store_true", help="no confidence, no page links")
    parser.add_argument("--no-soffice", action="store_true")
    parser.add_argument("--soffice-as", choices=("pdf", "csv"), default="csv")  # pdf: ~15 min
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    path = folder / "book" / "contract.xlsx"
    path.parent.mkdir()
    shown: dict[str, Any] = {} if args.plain else {"review_threshold": 0.9, "pdf_folder": folder}
    documents, values = run_rows(args.docs, "r1", seed=1, plain=args.plain)
    runs = [{"run_id": "r1", "backend": "rules", "model": "rules", "docs": args.docs}]
    write_run(path, documents, values, runs, **shown)  # the first run, for ground_truth rows
    contract = load_contract(path)
    typed = type_cells(contract.sheet(GROUND_TRUTH.name), args.typed, seed=2)
    rows = len(values)
    print(f"{args.docs} documents, {rows} extraction rows, {args.typed} typed ground-truth cells")
    print("confidence and page links: " + ("left out (--plain)" if args.plain else "in"))

    started, cpu = time.perf_counter(), cpu_seconds()
    save_contract(path, contract)
    write_s, write_cpu = time.perf_counter() - started, cpu_seconds() - cpu

    started, cpu = time.perf_counter(), cpu_seconds()
    contract = load_contract(path)
    read_s, read_cpu = time.perf_counter() - started, cpu_seconds() - cpu

    documents, values = run_rows(args.docs, "r2", seed=3, plain=args.plain)  # new amounts
    started, cpu = time.perf_counter(), cpu_seconds()
    write_run(path, documents, values, [*runs, {"run_id": "r2"}], **shown)
    merge_s, merge_cpu = time.perf_counter() - started, cpu_seconds() - cpu

    check_kept(path, typed)
    total = write_s + read_s + merge_s
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = path.stat().st_size / 1e6
    cpu = write_cpu + read_cpu + merge_cpu
    print("          wall      cpu (this process and its children)")
    print(
        f"write   {write_s:6.2f} s {write_cpu:6.2f} s  (save_contract: every sheet, {size:.1f} MB)"
    )
    print(f"re-read {read_s:6.2f} s {read_cpu:6.2f} s  (load_contract)")
    print(f"merge   {merge_s:6.2f} s {merge_cpu:6.2f} s  (write_run of a second run)")
    print(f"total   {total:6.2f} s {cpu:6.2f} s  target < 30 s: {'ok' if total < 30 else 'OVER'}")
    print(f"peak memory: {rss:.0f} MB (max RSS of the whole process)")
    print("typed cells kept: all")
    if not args.no_soffice:
        print(f"opens in LibreOffice: {opens_in_libreoffice(path, args.soffice_as)}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
