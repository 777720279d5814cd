"""Confidence in the workbook: a column in extractions and ground_truth, new ground_truth
rows lowest confidence first, and a colour by the review threshold that Excel's format
holds and LibreOffice shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from libreoffice import converted, needs_libreoffice
from openpyxl import load_workbook

from contract.colours import AMBER, GREEN, RED, amber_from
from contract.sheets import EXTRACTIONS, GROUND_TRUTH, README
from contract.update import write_run, write_scores
from contract.workbook import load_contract, save_contract
from contract.xlsx_styles import Fill

Row = dict[str, Any]
# per document: field -> confidence (None: no value found)
CONFIDENCES = {
    "invoice_number": 0.97,
    "issue_date": None,
    "seller": 0.81,
    "buyer": 0.33,
    "total": 0.9,
}


def documents(count: int) -> list[Row]:
    return [
        {"doc_id": f"{n:012x}", "file": f"invoice-{n}.pdf", "pages": 2, "status": "ok"}
        for n in range(count)
    ]


def values(count: int, confidences: dict[str, float | None] = CONFIDENCES) -> list[Row]:
    rows = []
    for document in documents(count):
        for name, confidence in confidences.items():
            found = confidence is not None
            rows.append(
                {
                    **{k: document[k] for k in ("doc_id", "file")},
                    "field": name,
                    "item": None,
                    "value": f"{name} {document['doc_id'][-1]}" if found else None,
                    "page": 2 if found else None,
                    "quote": f"{name}: x" if found else None,
                    "grounded": 1 if found else None,
                    "kind": "text",
                    "source": "model",
                    "run_id": "r1",
                    "confidence": confidence,
                }
            )
    return rows


def test_confidence_is_a_column_of_extractions_and_ground_truth(tmp_path: Path) -> None:
    book = tmp_path / "contract.xlsx"
    write_run(book, documents(2), values(2), [{"run_id": "r1"}])
    sheet = load_workbook(book)[EXTRACTIONS.name]
    header = [cell.value for cell in sheet[1]]
    assert header == list(EXTRACTIONS.columns)
    assert header.index("confidence") == header.index("grounded") + 1
    truth = [c.value for c in load_workbook(book)[GROUND_TRUTH.name][1]]
    assert truth.index("confidence") == truth.index("latest") + 1
    contract = load_contract(book)
    for name in (EXTRACTIONS.name, GROUND_TRUTH.name):
        found = {row["field"]: row.get("confidence") for row in contract.sheet(name)}
        assert found == CONFIDENCES, name


def test_new_rows_come_lowest_confidence_first_and_people_s_order_stays(tmp_path: Path) -> None:
    book = tmp_path / "contract.xlsx"
    write_run(book, documents(2), values(2), [{"run_id": "r1"}])
    rows = load_contract(book).sheet(GROUND_TRUTH.name)
    order = [(row["doc_id"][-1], row["field"]) for row in rows]
    by_review = ["buyer", "seller", "total", "invoice_number", "issue_date"]  # blank last
    assert order == [(doc, name) for doc in "01" for name in by_review]

    # a tester sorts the sheet their own way; the next run brings a new key per document
    contract = load_contract(book)
    contract.rows[GROUND_TRUTH.name].sort(key=lambda row: row["field"], reverse=True)
    people_order = [(row["doc_id"], row["field"]) for row in contract.sheet(GROUND_TRUTH.name)]
    save_contract(book, contract)
    more = {**CONFIDENCES, "due_date": 0.5, "tax": 0.1}
    write_run(book, documents(2), values(2, more), [{"run_id": "r2"}])
    rows = load_contract(book).sheet(GROUND_TRUTH.name)
    assert [(row["doc_id"], row["field"]) for row in rows[:10]] == people_order
    added = [(row["doc_id"][-1], row["field"]) for row in rows[10:]]
    assert added == [("0", "tax"), ("0", "due_date"), ("1", "tax"), ("1", "due_date")]


def rules_of(book: Path, sheet: str) -> list[tuple[str, str, str]]:
    """The confidence column's conditional format: (range, formula, fill colour) per rule."""
    found = []
    formats = load_workbook(book)[sheet].conditional_formatting
    for shaded in formats:
        for rule in shaded.rules:
            colour = rule.dxf.fill.bgColor.rgb
            found.append((str(shaded.sqref), rule.formula[0], colour))
    return found


def test_confidence_cells_are_coloured_by_the_review_threshold(tmp_path: Path) -> None:
    book = tmp_path / "contract.xlsx"
    write_run(book, documents(2), values(2), [{"run_id": "r1"}], review_threshold=0.9)
    amber = amber_from(0.9)
    assert amber == pytest.approx(0.75)
    for sheet in (EXTRACTIONS.name, GROUND_TRUTH.name):
        letter = "JG"[sheet == GROUND_TRUTH.name]  # the confidence column of each sheet
        assert rules_of(book, sheet) == [
            (f"{letter}2:{letter}11", f"AND(ISNUMBER({letter}2),{letter}2>=0.9)", "FFC6EFCE"),
            (
                f"{letter}2:{letter}11",
                f"AND(ISNUMBER({letter}2),{letter}2>=0.75,{letter}2<0.9)",
                "FFFFEB9C",
            ),
            (f"{letter}2:{letter}11", f"AND(ISNUMBER({letter}2),{letter}2<0.75)", "FFFFC7CE"),
        ]
    readme = {
        r[0]: r[1] for r in load_workbook(book)[README.name].iter_rows(min_row=2, values_only=True)
    }
    assert "(0.9)" in readme["Colours"] and "0.75" in readme["Colours"]

    # a scoring saves the workbook again: the colours keep the run's threshold
    write_scores(book, [], [{"run_id": "r1"}])
    assert rules_of(book, GROUND_TRUTH.name)[0][1] == "AND(ISNUMBER(G2),G2>=0.9)"


TRUTH_HEADER = " ".join(GROUND_TRUTH.columns[:5])  # the first page of ground_truth starts so


def fill_at(page: Any, text: str) -> tuple[int, int, int]:
    """The colour just left of ``text`` on a rendered page: its cell's background."""
    scale = 2
    textpage = page.get_textpage()
    searcher = textpage.search(text, match_whole_word=True)
    found = searcher.get_next()
    assert found is not None, text
    left, bottom, _, top = textpage.get_charbox(found[0])
    height = page.get_size()[1]
    image = page.render(scale=scale).to_pil().convert("RGB")
    x, y = int((left - 3) * scale), int((height - (bottom + top) / 2) * scale)
    pixel: tuple[int, int, int] = image.getpixel((x, y))
    return pixel


def near(pixel: tuple[int, int, int], fill: Fill) -> bool:
    wanted = bytes.fromhex(fill.fill)
    return all(abs(a - b) <= 6 for a, b in zip(pixel, wanted, strict=True))


@needs_libreoffice
def test_libreoffice_shows_the_colours(tmp_path: Path) -> None:
    book = tmp_path / "contract.xlsx"
    write_run(book, documents(1), values(1), [{"run_id": "r1"}], review_threshold=0.9)
    pdf = pypdfium2.PdfDocument(converted(book, "pdf", tmp_path / "pdf"))
    pages = [pdf[i] for i in range(len(pdf))]
    texts = [page.get_textpage().get_text_range() for page in pages]
    (truth,) = [p for p, t in zip(pages, texts, strict=True) if t.startswith(TRUTH_HEADER)]
    assert near(fill_at(truth, "0.97"), GREEN)
    assert near(fill_at(truth, "0.9"), GREEN)  # at the threshold
    assert near(fill_at(truth, "0.81"), AMBER)
    assert near(fill_at(truth, "0.33"), RED)
