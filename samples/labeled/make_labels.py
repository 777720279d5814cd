"""Build samples/labeled/labels.xlsx: testers' verdicts on the samples, made from samples/truth.

A contract workbook with only people's sheets filled, as testers and a client expert
would leave it: most suggestions judged correct, some judged wrong with the right value
typed the way people type (European amounts "4.243,84", Excel dates, stray spaces), the
due date absent where the invoice has none, two testers on some documents so their
agreement can be measured, and on purpose:

- one disagreement: anna and ben read invoice-02's due date differently; `extract score`
  leaves that key out and lists it;
- one wrong verdict: anna accepts the subtotal as invoice-09's total; the client's
  correction (corrections sheet) overrides her, as corrections always do.

Everything else agrees with samples/truth exactly. Regenerate with
`python samples/labeled/make_labels.py` (deterministic); tests check the committed file.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
sys.path.insert(0, str(SAMPLES.parent))

from contract.sheets import CORRECTIONS, GROUND_TRUTH  # noqa: E402
from contract.workbook import Contract, save_contract  # noqa: E402
from extract.documents import file_sha256  # noqa: E402
from schemas.base import field_specs  # noqa: E402
from schemas.invoice import Invoice  # noqa: E402
from schemas.vocabulary import Verdict  # noqa: E402

LABELS = HERE / "labels.xlsx"
SECOND_TESTER = {"invoice-01-left-labels", "invoice-02-left-labels-usd", "invoice-07-de-rechnung"}
THIRD_TESTER = {"invoice-07-de-rechnung"}
DISAGREEMENT = ("invoice-02-left-labels-usd", "due_date")
WRONG_VERDICT = ("invoice-09-boxed-totals-usd", "total")

Row = dict[str, Any]


def european(value: Decimal) -> str:
    """1234.5 as a German typist writes it: 1.234,50."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def cell(kind: str, value: str | None) -> Any:
    """A value as the pipeline writes it into suggested: amounts as numbers, dates as text."""
    if value is None:
        return None
    return float(value) if kind in ("money", "number") else value


def typed_by_person(kind: str, value: str, euro: bool) -> Any:
    """The right value as a tester types it into expected."""
    if kind == "date":
        return datetime.combine(date.fromisoformat(value), datetime.min.time())  # an Excel date
    if kind in ("money", "number"):
        return european(Decimal(value)) if euro else f"{Decimal(value):,.2f}"
    return f"  {value} "


def slip(kind: str, value: str) -> str | None:
    """A plausible model mistake for a value."""
    if kind == "date":
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    if kind in ("money", "number"):
        return str(Decimal(value) * 10)
    return None  # a text the model missed


def judged_rows(
    doc_id: str, file: str, truth: dict[str, Any], index: int, tester: str
) -> list[Row]:
    """One tester's rows for one document: every key of its truth judged."""
    euro = truth.get("currency") == "EUR"
    specs = field_specs(Invoice)
    top = [s for s in specs if s.list_field is None]
    slipped = {top[index % len(top)].path}
    keys: list[tuple[str, str, int | None, str | None]] = [
        (s.path, s.kind, None, truth.get(s.path)) for s in top
    ]
    for item, line in enumerate(truth.get("line_items") or [], start=1):
        for spec in (s for s in specs if s.list_field == "line_items"):
            keys.append((spec.path, spec.kind, item, line.get(spec.name)))
    rows: list[Row] = []
    for path, kind, item, value in keys:
        row: Row = {"doc_id": doc_id, "file": file, "field": path, "item": item, "tester": tester}
        stem = Path(file).stem
        if value is None:
            row.update(suggested=None, verdict=Verdict.ABSENT)
        elif (stem, path) == WRONG_VERDICT and tester == "anna":
            row.update(suggested=cell(kind, truth["subtotal"]), verdict=Verdict.CORRECT)
            row["note"] = "looks right"
        elif (stem, path) == DISAGREEMENT and tester == "ben":
            row.update(suggested=cell(kind, value), verdict=Verdict.WRONG)
            row["expected"] = typed_by_person(kind, slip(kind, value) or value, euro)
            row["note"] = "read the date the other way round"
        elif path in slipped or (item == 2 and path == "line_items.amount"):
            row.update(suggested=cell(kind, slip(kind, value)), verdict=Verdict.WRONG)
            row["expected"] = typed_by_person(kind, value, euro)
        else:
            row.update(suggested=cell(kind, value), verdict=Verdict.CORRECT)
        rows.append(row)
    return rows


def labeled_contract(samples: Path) -> Contract:
    contract = Contract()
    ground_truth = contract.sheet(GROUND_TRUTH.name)
    for index, truth_path in enumerate(sorted((samples / "truth").glob("*.json"))):
        pdf = samples / "pdfs" / f"{truth_path.stem}.pdf"
        doc_id = file_sha256(pdf)[:12]
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        testers = ["anna"]
        testers += ["ben"] if truth_path.stem in SECOND_TESTER else []
        testers += ["chen"] if truth_path.stem in THIRD_TESTER else []
        for tester in testers:
            ground_truth.extend(judged_rows(doc_id, pdf.name, truth, index, tester))
        if truth_path.stem == WRONG_VERDICT[0]:
            contract.sheet(CORRECTIONS.name).append(
                {
                    "doc_id": doc_id,
                    "field": WRONG_VERDICT[1],
                    "item": None,
                    "value": float(truth[WRONG_VERDICT[1]]),
                    "by": "client expert",
                    "note": "the tester accepted the subtotal as the total",
                }
            )
    contract.offered = {(r["doc_id"], r["field"], r["item"]) for r in ground_truth}
    return contract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=LABELS, help="where to write the workbook")
    args = parser.parse_args()
    args.out.unlink(missing_ok=True)  # no backup of a generated file
    save_contract(args.out, labeled_contract(SAMPLES))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
