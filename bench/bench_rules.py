"""The rules backend over a folder with truth files: per-field accuracy, hallucination, speed.

    .venv/bin/python bench/bench_rules.py samples/pdfs [--truth samples/truth]
    .venv/bin/python bench/bench_rules.py ../shared/realworld/invoice2data

Truth files are ``<pdf stem>.json`` beside the PDFs or in --truth: either our format (one
object, samples/truth) or invoice2data's (a list with one object: date, amount,
invoice_number, currency, lines). For invoice2data only what the page prints is scored:
invoice_number, issue_date (date), total (amount), currency when the page names it, and
line items when the file lists them; ``issuer`` and ``desc`` come from its templates.
Scoring is the evals code's, so the figures are the ones ``extract score`` gives.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract.sheets import Key  # noqa: E402
from evals.labels import Label  # noqa: E402
from evals.metrics import prediction_rows, scored  # noqa: E402
from evals.truth import truth_labels  # noqa: E402
from extract.backends.rules import RulesBackend  # noqa: E402
from extract.documents import folder_documents  # noqa: E402
from extract.ocr import Ocr  # noqa: E402
from extract.pdf import ParsedDocument, parsed_document  # noqa: E402
from schemas.base import field_specs, field_values  # noqa: E402
from schemas.invoice import Invoice  # noqa: E402
from schemas.values import currency_code, sign_meanings  # noqa: E402

INVOICE2DATA_FIELDS = {"invoice_number": "invoice_number", "date": "issue_date", "amount": "total"}
INVOICE2DATA_LINE = {
    "name": "description",
    "desc": "description",
    "qty": "quantity",
    "price_unit": "unit_price",
    "price": "unit_price",
    "price_subtotal": "amount",
}


def printed_currency(document: ParsedDocument, code: str) -> bool:
    """The page names the currency, by code or by a sign that means it there: a bare "$"
    names USD only where the document says so (a US address, "US dollars")."""
    signs = sign_meanings("\n".join(page.text for page in document.pages))
    return any(
        currency_code(line, signs) == code
        for page in document.pages
        for line in page.text.splitlines()
    )


def invoice2data_truth(record: dict[str, Any], document: ParsedDocument) -> dict[str, Any]:
    """Our truth format from an invoice2data record, keeping only what the page prints."""
    truth: dict[str, Any] = {}
    for theirs, ours in INVOICE2DATA_FIELDS.items():
        if record.get(theirs) is not None:
            truth[ours] = str(record[theirs])
    code = record.get("currency")
    if isinstance(code, str) and printed_currency(document, code):
        truth["currency"] = code
    rows = []
    for line in record.get("lines") or record.get("line_items") or []:
        row = {
            ours: str(line[theirs]) for theirs, ours in INVOICE2DATA_LINE.items() if theirs in line
        }
        if "description" in row:  # section headers and notes are not rows
            rows.append(row)
    if rows:
        truth["line_items"] = rows
    return truth


def labels_for(truth_file: Path, doc_id: str, document: ParsedDocument) -> dict[Key, Label]:
    record = json.loads(truth_file.read_text(encoding="utf-8"))
    if not isinstance(record, list):
        return truth_labels(record, doc_id, Invoice)
    truth = invoice2data_truth(record[0], document)
    labels = truth_labels(truth, doc_id, Invoice)
    rows = truth.get("line_items", [])
    return {key: label for key, label in labels.items() if _printed(key, truth, rows)}


def _printed(key: Key, truth: dict[str, Any], rows: list[dict[str, str]]) -> bool:
    """Scored keys: fields the record has; a row's fields only where that row has them."""
    _, field, item = key
    if field == "line_items":
        return bool(rows)
    if field.startswith("line_items.") and item is not None:
        return field.split(".", 1)[1] in rows[item - 1]
    return field in truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--truth", type=Path, default=None, help="folder of <stem>.json")
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions")
    parser.add_argument("--ocr", choices=Ocr.MODES, default=Ocr.AUTO, help="as extract run's")
    args = parser.parse_args()
    truth_folder = args.truth or (
        args.folder.parent / "truth" if (args.folder.parent / "truth").is_dir() else args.folder
    )
    backend = RulesBackend()
    labels: dict[Key, Label] = {}
    rows: list[dict[str, Any]] = []
    parse_s = extract_s = 0.0
    pages = 0
    for document in folder_documents(args.folder):
        truth_file = truth_folder / f"{document.path.stem}.json"
        if not truth_file.is_file():
            continue
        started = time.perf_counter()
        parsed = parsed_document(document, ocr=args.ocr)
        parse_s += time.perf_counter() - started
        if not parsed.ok:
            print(f"skipped {document.file}: {parsed.status}")
            continue
        pages += len(parsed.pages)
        started = time.perf_counter()
        for _ in range(args.repeat):
            result = backend.extract(parsed, Invoice).result
        extract_s += (time.perf_counter() - started) / args.repeat
        labels.update(labels_for(truth_file, document.doc_id, parsed))
        rows += prediction_rows(document.doc_id, field_values(result))
    scores = scored(rows, labels, field_specs(Invoice))
    print(f"{'field':28} {'labeled':>7} {'accuracy':>9} {'halluc.':>8} {'omission':>9}")
    for name, tally in sorted(scores.by_field.items()):
        print(
            f"{name:28} {tally.labeled:7d} {_pct(tally.accuracy.value):>9} "
            f"{_pct(tally.hallucination.value):>8} {_pct(tally.omission.value):>9}"
        )
    overall = scores.overall
    print(
        f"{'overall':28} {overall.labeled:7d} {_pct(overall.accuracy.value):>9} "
        f"{_pct(overall.hallucination.value):>8} {_pct(overall.omission.value):>9}"
    )
    if pages:
        print(
            f"\n{pages} pages: parse {1000 * parse_s / pages:.2f} ms/page, "
            f"rules backend {1000 * extract_s / pages:.2f} ms/page "
            f"({pages / extract_s:.0f} pages/s backend alone)"
        )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


if __name__ == "__main__":
    main()
