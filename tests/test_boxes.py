"""Boxes from words: every grounded value's box lies on the words of its quote.

The check reads the PDF a second way: pdfium's own text search finds each word of the quote
and its rectangles, which must lie inside the box, and together reach its edges. Pages with
no text layer (scans, once OCR reads them) are checked against the words the reader made.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from extract.boxes import quote_boxes
from extract.cli import cli
from extract.documents import Document, file_sha256
from extract.layout import Word
from extract.ocr import Ocr
from extract.parse import blob_pages, read_key
from extract.pdf import Page, ParsedDocument, parsed_document
from extract.store import Store
from schemas.values import squeezed

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "pdfs"
ACROSS, DOWN = 2.5, 5.0  # points: pdfium's glyph boxes against the reader's font boxes


@pytest.fixture(scope="module")
def run_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workbook = tmp_path_factory.mktemp("boxes") / "contract.xlsx"
    result = CliRunner().invoke(
        cli, ["run", str(SAMPLES), "--workbook", str(workbook), "--backend", "rules"]
    )
    assert result.exit_code == 0, result.output
    return workbook


@pytest.fixture(scope="module")
def run_values(run_workbook: Path) -> list[dict[str, Any]]:
    store = Store.beside(run_workbook)
    try:
        return store.run_values(str(store.latest_run_id()))
    finally:
        store.close()


def pages_read(workbook: Path, path: Path) -> ParsedDocument:
    """The pages the run read (OCR's for a scan), from its parse cache."""
    document = Document(path, file_sha256(path))
    with closing(Store.beside(workbook)) as store:
        cached = store.cached_parse(document.sha256, read_key(Ocr.AUTO))
    if cached is None:
        return parsed_document(document)
    return ParsedDocument(
        document.doc_id, document.file, path, document.sha256, cached[0], cached[1],
        blob_pages(cached[2]),
    )  # fmt: skip


def _search_rects(textpage: Any, height: float, token: str) -> list[tuple[float, ...]]:
    """Every place pdfium finds ``token``, as (x0, top, x1, bottom) top-down."""
    searcher = textpage.search(token, match_case=False)
    found = []
    try:
        while (hit := searcher.get_next()) is not None:
            start, count = hit
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects(start, count))]
            left, bottom = min(r[0] for r in rects), min(r[1] for r in rects)
            right, top = max(r[2] for r in rects), max(r[3] for r in rects)
            found.append((left, height - top, right, height - bottom))
    finally:
        searcher.close()
    return found


def _inside(rect: tuple[float, ...], box: list[float]) -> bool:
    return (
        rect[0] >= box[0] - ACROSS
        and rect[2] <= box[2] + ACROSS
        and rect[1] >= box[1] - DOWN
        and rect[3] <= box[3] + DOWN
    )


def _text_layer_check(pdf: pdfium.PdfDocument, value: dict[str, Any]) -> str:
    """'' when pdfium finds every word of the quote inside the box and they reach its edges."""
    page = pdf[value["page"] - 1]
    textpage = page.get_textpage()
    box = value["box"]
    try:
        inside = []
        for token in str(value["quote"]).split():
            rects = [
                r for r in _search_rects(textpage, page.get_height(), token) if _inside(r, box)
            ]
            if not rects:
                return f"{token!r} is not inside the box"
            inside += rects
    finally:
        textpage.close()
        page.close()
    reach = (
        min(r[0] for r in inside),
        min(r[1] for r in inside),
        max(r[2] for r in inside),
        max(r[3] for r in inside),
    )
    slack = (ACROSS, DOWN, ACROSS, DOWN)
    if any(abs(a - b) > s for a, b, s in zip(reach, box, slack, strict=True)):
        return f"the quote's words reach {reach}, the box is {box}"
    return ""


def _words_check(page: Page, value: dict[str, Any]) -> str:
    """For a page without a text layer: the reader's words inside the box spell the quote."""
    box = value["box"]
    inside = [w for w in page.words if _inside((w.x0, w.top, w.x1, w.bottom), box)]
    missing = [t for t in str(value["quote"]).split() if squeezed(t) not in squeezed(
        " ".join(w.text for w in inside)
    )]  # fmt: skip
    return f"{missing} not inside the box" if missing else ""


def test_every_grounded_value_has_a_box_on_the_words_of_its_quote(
    run_workbook: Path, run_values: list[dict[str, Any]]
) -> None:
    paths = {file_sha256(p)[:12]: p for p in SAMPLES.glob("*.pdf")}
    grounded = [v for v in run_values if v["grounded"]]
    assert len(grounded) > 500  # the samples' text pages and their scans
    problems = []
    checked = {"text": 0, "scan": 0}
    for doc_id in sorted({v["doc_id"] for v in grounded}):
        path = paths[doc_id]
        parsed = pages_read(run_workbook, path)
        pdf = pdfium.PdfDocument(path)
        try:
            for value in (v for v in grounded if v["doc_id"] == doc_id):
                where = f"{path.name} {value['field']} #{value['item']} {value['quote']!r}: "
                if value["box"] is None:
                    problems.append(where + "no box")
                    continue
                page_text = pdf[value["page"] - 1].get_textpage()
                has_layer = page_text.count_chars() > 0
                page_text.close()
                if has_layer:
                    problem = _text_layer_check(pdf, value)
                    checked["text"] += 1
                else:
                    page = parsed.page(value["page"])
                    assert page is not None
                    problem = _words_check(page, value)
                    checked["scan"] += 1
                if problem:
                    problems.append(where + problem)
        finally:
            pdf.close()
    assert not problems, "\n".join(problems[:20])
    assert checked["text"] > 400 and checked["scan"] > 100  # the scans' values, read by OCR


def _document(*pages: tuple[Word, ...]) -> ParsedDocument:
    made = tuple(
        Page(number=n, text=" ".join(w.text for w in words), words=words)
        for n, words in enumerate(pages, start=1)
    )
    return ParsedDocument("d", "d.pdf", Path("d.pdf"), "0" * 64, "ok", "", made)


def test_a_quote_over_two_lines_is_boxed_around_both_and_one_not_on_its_page_is_not() -> None:
    words = (
        Word("Bill", 72.0, 100.0, 90.0, 110.0),
        Word("To:", 92.0, 100.0, 108.0, 110.0),
        Word("ACME", 72.0, 112.0, 110.0, 122.0),
        Word("GmbH", 112.0, 112.0, 150.0, 122.0),
        Word("Total", 300.0, 400.0, 330.0, 410.0),
    )
    document = _document(words)
    boxes = quote_boxes(
        document,
        [
            (1, "To:\nAcme  gmbh"),  # a line break and case, as a model quotes them
            (1, "Total"),
            (1, "Subtotal"),  # not on the page
            (2, "Total"),  # a page the document does not have
            (None, "Total"),
            (1, None),
            (1, "To:\nAcme  gmbh"),
        ],
    )
    assert boxes[0] == [72.0, 100.0, 150.0, 122.0]
    assert boxes[1] == [300.0, 400.0, 330.0, 410.0]
    assert boxes[2:6] == [None, None, None, None]
    assert boxes[6] is boxes[0]  # a quote shared by several values is found once


def test_words_out_of_reading_order_are_matched_in_the_page_texts_order() -> None:
    # the reader may give a line's words before an earlier line's (its top sorts later)
    words = (
        Word("Total:", 72.0, 400.0, 100.0, 410.0),
        Word("Invoice", 72.0, 100.0, 100.0, 110.0),
        Word("INV-7", 102.0, 100.5, 130.0, 110.0),
    )
    assert quote_boxes(_document(words), [(1, "Invoice INV-7")]) == [[72.0, 100.0, 130.0, 110.0]]


def test_a_word_hyphenated_at_a_line_end_is_boxed_as_grounding_reads_it() -> None:
    words = (
        Word("Rech-", 72.0, 100.0, 110.0, 110.0),
        Word("nungsadresse:", 72.0, 112.0, 150.0, 122.0),
        Word("Haupt\u00adstr.", 72.0, 124.0, 120.0, 134.0),
        Word("1", 122.0, 124.0, 126.0, 134.0),
    )
    boxes = quote_boxes(_document(words), [(1, "Rechnungsadresse:"), (1, "Hauptstr. 1")])
    assert boxes == [[72.0, 100.0, 150.0, 122.0], [72.0, 124.0, 126.0, 134.0]]
