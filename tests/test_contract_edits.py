"""People edit the workbook in Excel between runs; a run never loses or moves what they typed.

The edits are made the way Excel makes them (openpyxl on the saved file): rows sorted,
a row deleted, columns added and moved, dates typed as Excel dates, numbers typed as
text, trailing spaces, a sheet of the tester's own with a formula. Then the folder
changes (one PDF gets new content under the same name, one goes away) and
`extract run` runs again.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook

from contract.merge import key_of
from contract.sheets import Key
from contract.workbook import load_contract
from extract.cli import cli
from extract.documents import file_sha256
from schemas.vocabulary import Source


def run(folder: Path, workbook: Path) -> None:
    args = ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


def doc_id(path: Path) -> str:
    return file_sha256(path)[:12]


def test_every_typed_cell_survives_a_run_on_a_changed_folder(
    samples_copy: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    run(samples_copy, workbook)
    first, second = (
        doc_id(samples_copy / "invoice-01-left-labels.pdf"),
        doc_id(samples_copy / "invoice-02-left-labels-usd.pdf"),
    )
    book = load_workbook(workbook)
    sheet = book["ground_truth"]
    header = [cell.value for cell in sheet[1]]
    rows = [list(values) for values in sheet.iter_rows(min_row=2, values_only=True)]
    col = {name: header.index(name) for name in header}

    def row_of(key: Key) -> list[Any]:
        return next(r for r in rows if key_of(dict(zip(header, r, strict=True))) == key)

    typed: dict[Key, dict[str, Any]] = {
        (first, "total", None): {"verdict": "correct", "note": "checked twice  "},
        (first, "issue_date", None): {"verdict": "wrong", "expected": datetime(2026, 3, 6)},
        (first, "subtotal", None): {"verdict": "wrong", "expected": "11867.65"},
        (first, "line_items.amount", 2): {"verdict": "correct", "tester": "ana"},
        (second, "invoice_number", None): {"verdict": "correct", "tester": "ben"},
        (second, "total", None): {"expected": 99.5, "note": "=1+1 is not a formula"},
    }
    for key, cells in typed.items():
        row = row_of(key)
        for name, value in cells.items():
            row[col[name]] = value
    row_of((first, "line_items.amount", 2))[col["item"]] = "2 "  # a number typed as text
    deleted: Key = (first, "buyer", None)
    rows.remove(row_of(deleted))
    rows.sort(key=lambda r: (str(r[col["field"]]), str(r[col["doc_id"]])), reverse=True)
    # a column added at the end, and the tester and note columns swapped
    header.append("reviewer")
    order = list(range(len(header)))
    order[col["tester"]], order[col["note"]] = col["note"], col["tester"]
    reviewer = {(first, "total", None): "chloe", (second, "seller", None): "dana"}
    for row in rows:
        row.append(reviewer.get(key_of(dict(zip(header, row, strict=False)))))
    sheet.delete_rows(1, sheet.max_row)
    for values in [header, *rows]:
        sheet.append([values[i] for i in order])
    book["corrections"].append([first, "total", None, "14000.00", "client-x", "agreed on call"])
    own = book.create_sheet("my notes")
    own.append(["what", "count"])
    own.append(["checked", "=1+1"])
    book.save(workbook)

    changed = samples_copy / "invoice-02-left-labels-usd.pdf"
    changed.write_bytes(changed.read_bytes() + b"\n% a new version of the same file\n")
    (samples_copy / "invoice-14-boxed-totals-eur.pdf").unlink()
    run(samples_copy, workbook)

    contract = load_contract(workbook)
    truth = contract.sheet("ground_truth")
    by_key: dict[Key, list[dict[str, Any]]] = {}
    for row in truth:
        by_key.setdefault(key_of(row), []).append(row)
    for key, cells in typed.items():
        assert len(by_key[key]) == 1, key
        for name, value in cells.items():
            found = by_key[key][0].get(name)
            expected = value.date() if isinstance(value, datetime) else value
            assert found == expected, (key, name, found)
    assert isinstance(by_key[(first, "issue_date", None)][0]["expected"], date)
    assert deleted not in by_key, "a deleted row came back"
    for key, name in reviewer.items():
        assert by_key[key][0]["reviewer"] == name
    assert contract.columns["ground_truth"].index("note") < contract.columns["ground_truth"].index(
        "tester"
    ), "the moved columns were put back"

    new_second = doc_id(changed)
    assert new_second != second
    assert (new_second, "invoice_number", None) in by_key, "the changed PDF got no rows"
    assert by_key[(second, "invoice_number", None)][0]["tester"] == "ben"

    assert contract.sheet("corrections")[0]["value"] == "14000.00"
    final = {key_of(row): row for row in contract.sheet("final")}
    assert final[(first, "total", None)]["source"] == Source.CLIENT
    assert final[(first, "total", None)]["value"] == 14000.0
    assert final[(first, "issue_date", None)]["value"] == "2026-03-06"
    assert final[(first, "issue_date", None)]["source"] == Source.TESTER

    reopened = load_workbook(workbook)
    assert reopened["my notes"]["B2"].value == "=1+1"
    assert reopened["my notes"]["B2"].data_type == "f"
    notes = [c.value for row in reopened["ground_truth"].iter_rows() for c in row]
    assert "=1+1 is not a formula" in notes


def test_a_judged_suggestion_is_frozen_and_a_new_value_shows_in_latest(
    samples_copy: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "contract.xlsx"
    run(samples_copy, workbook)
    book = load_workbook(workbook)
    sheet = book["ground_truth"]
    header = [cell.value for cell in sheet[1]]
    judged_row = unjudged_row = None
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if values[header.index("field")] == "total":
            if judged_row is None:
                judged_row = number
            elif unjudged_row is None:
                unjudged_row = number
    assert judged_row and unjudged_row
    sheet.cell(judged_row, header.index("suggested") + 1).value = 1.0  # the value judged then
    sheet.cell(judged_row, header.index("verdict") + 1).value = "wrong"
    sheet.cell(unjudged_row, header.index("suggested") + 1).value = 2.0  # an older suggestion
    book.save(workbook)
    run(samples_copy, workbook)
    rows = load_contract(workbook).sheet("ground_truth")
    totals = [row for row in rows if row.get("field") == "total"]
    judged = next(row for row in totals if row.get("verdict") == "wrong")
    assert judged["suggested"] == 1.0
    assert judged["latest"] not in (None, 1.0)
    refreshed = totals[1]
    assert refreshed["suggested"] != 2.0 and refreshed.get("latest") is None
