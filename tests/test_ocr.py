"""OCR: scanned pages read into the words and lines a text page has, whichever way up.

The scans are made here: a small invoice drawn with reportlab, rendered to an image, turned
or skewed, and saved as an image-only PDF. OCR is seconds a page, so the pages are small
and each is read once (module fixtures).
"""

from __future__ import annotations

import base64
import io
import socket
import subprocess
import sys
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image, ImageFilter
from pypdf import PdfReader
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

import extract.parse
from extract.backends.rules import RulesBackend
from extract.cli import cli
from extract.confidence import value_confidences
from extract.documents import Document, file_sha256
from extract.grounding import grounded_values, quote_on_page
from extract.layout import Word
from extract.ocr import Ocr, quote_ocr_score, turned_as_read
from extract.ocr_engine import Engine
from extract.parse import PARSER, ParseStage, blob_pages, pages_blob, read_key
from extract.pdf import Page, ParsedDocument, parsed_document
from extract.prompt import document_content
from extract.run import RunOptions, execute
from extract.store import Store, run_values_of
from schemas.base import FieldValue, field_values
from schemas.invoice import Invoice
from schemas.vocabulary import Status

LINES = [
    (20, 30, 11, "Nordlicht Handel GmbH"),
    (20, 46, 8, "Hafenstraße 3, 20457 Hamburg"),
    (20, 80, 9, "Invoice No: INV-4711"),
    (20, 94, 9, "Invoice Date: 05.03.2026"),
    (20, 108, 9, "Bill To: Müller & Söhne KG"),
    (20, 150, 8, "Description"),
    (170, 150, 8, "Qty"),
    (240, 150, 8, "Amount"),
    (20, 166, 8, "Wartung"),
    (170, 166, 8, "2"),
    (240, 166, 8, "800.00"),
    (20, 180, 8, "Beratung"),
    (170, 180, 8, "1"),
    (240, 180, 8, "234.50"),
    (20, 214, 10, "Total: EUR 1,234.50"),
]
DPI = 150


def text_pdf() -> bytes:
    """The small invoice with a text layer: what every scan here is a picture of."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A6, invariant=1)
    for x, top, size, text in LINES:
        canvas.setFont("Helvetica-Bold" if size > 10 else "Helvetica", size)
        canvas.drawString(x, A6[1] - top, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def picture(turn: int = 0, skew: float = 0.0) -> Image.Image:
    """The invoice as a scanner sees it: grey, a little blurred and noisy, turned
    ``turn`` degrees clockwise and skewed ``skew`` degrees counter-clockwise."""
    page = pdfium.PdfDocument(text_pdf())[0]
    image: Image.Image = page.render(scale=DPI / 72, grayscale=True).to_pil()
    if turn:
        image = image.rotate(-turn, expand=True)
    image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(0.5)), dtype=np.float32)
    pixels += np.random.default_rng(7).normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def scan_pdf(images: list[Image.Image]) -> bytes:
    """Image-only pages, landscape where the picture is."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    for image in images:
        size = landscape(A6) if image.width > image.height else A6
        canvas.setPageSize(size)
        canvas.drawImage(ImageReader(image), 0, 0, *size)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def blank() -> Image.Image:
    return Image.new("L", (620, 874), 250)


def noise() -> Image.Image:
    rng = np.random.default_rng(3)
    return Image.fromarray(rng.integers(0, 256, (874, 620), dtype=np.uint8))


PAGES = {  # page number: what it shows
    1: ("upright", picture()),
    2: ("turned 90", picture(turn=90)),
    3: ("turned 180", picture(turn=180)),
    4: ("turned 270", picture(turn=270)),
    5: ("skewed 3 degrees", picture(skew=3.0)),
    6: ("blank", blank()),
    7: ("noise", noise()),
}


def document_at(path: Path) -> Document:
    return Document(path, file_sha256(path))


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    path = tmp_path_factory.mktemp("scans") / "scans.pdf"
    path.write_bytes(scan_pdf([image for _, image in PAGES.values()]))
    with ParseStage[None](None) as stage:  # the readers: a page to each core
        parsed = stage.parsed(document_at(path))
    assert parsed.document is not None
    return parsed.document


@pytest.fixture(scope="module")
def text_page(tmp_path_factory: pytest.TempPathFactory) -> Page:
    path = tmp_path_factory.mktemp("text") / "text.pdf"
    path.write_bytes(text_pdf())
    return parsed_document(document_at(path)).pages[0]


def alone(page: Page) -> ParsedDocument:
    """One page as a document of its own, as the rules read a document."""
    return ParsedDocument(
        "d", "d.pdf", Path("d.pdf"), "0" * 64, Status.OK, "", (replace(page, number=1),)
    )


READABLE = [number for number, (what, _) in PAGES.items() if what not in ("blank", "noise")]


@pytest.mark.parametrize("number", READABLE, ids=lambda n: PAGES[n][0])
def test_a_turned_or_skewed_scan_reads_as_its_text_page(scans: ParsedDocument, number: int) -> None:
    page = scans.pages[number - 1]
    assert page.ocr and page.has_text
    lines = ["".join(line.split()) for line in page.text.splitlines()]  # OCR may miss a space
    for wanted in ("InvoiceNo:INV-4711", "InvoiceDate:05.03.2026", "Total:EUR1,234.50"):
        assert wanted in lines, (wanted, page.text)
    assert "Müller & Söhne KG" in page.text  # umlauts
    assert "Wartung2800.00" in lines, page.text  # a table row is one line


@pytest.mark.parametrize(("number", "turn"), [(1, 0), (2, 90), (3, 180), (4, 270), (5, -3)])
def test_a_page_says_how_far_it_was_turned(scans: ParsedDocument, number: int, turn: float) -> None:
    """Counter-clockwise degrees: the scans were turned clockwise, the skew counter-clockwise."""
    assert abs(scans.pages[number - 1].turn - turn) < 0.6


@pytest.mark.parametrize("number", READABLE, ids=lambda n: PAGES[n][0])
def test_words_lie_where_the_text_layer_has_them(
    scans: ParsedDocument, text_page: Page, number: int
) -> None:
    """Boxes in PDF points on the page turned upright and straightened: where the original
    text page has the same word, give or take a few points."""
    page = scans.pages[number - 1]
    assert (round(page.width), round(page.height)) == (round(A6[0]), round(A6[1]))
    compared = 0
    for word in page.words:
        twins = [twin for twin in text_page.words if twin.text == word.text]
        if not twins:
            continue
        twin = min(twins, key=lambda twin: abs(twin.top - word.top) + abs(twin.x0 - word.x0))
        compared += 1
        assert abs(word.x0 - twin.x0) < 5 and abs(word.x1 - twin.x1) < 6, (word, twin)
        middle, twin_middle = (word.top + word.bottom) / 2, (twin.top + twin.bottom) / 2
        assert abs(middle - twin_middle) < 4, (word, twin)
        assert 0.5 < word.score <= 1.0
    assert compared >= 20


@pytest.mark.parametrize("number", READABLE, ids=lambda n: PAGES[n][0])
def test_the_rules_read_a_scan(scans: ParsedDocument, number: int) -> None:
    document = alone(scans.pages[number - 1])
    values = field_values(RulesBackend().extract(document, Invoice).result)
    found = {(v.field, v.item): v.value for v in values}
    assert found[("invoice_number", None)] == "INV-4711"
    assert found[("issue_date", None)] == "2026-03-05"
    assert found[("total", None)] == "1234.50"
    assert found[("currency", None)] == "EUR"
    assert all(v.grounded for v in grounded_values(document, values) if v.grounded is not None)


@pytest.mark.parametrize("number", [6, 7], ids=["blank", "noise"])
def test_a_page_with_nothing_readable_has_no_text(scans: ParsedDocument, number: int) -> None:
    page = scans.pages[number - 1]
    assert page.ocr and not page.has_text and page.words == ()


def test_a_scan_of_nothing_readable_stays_no_text(tmp_path: Path) -> None:
    path = tmp_path / "photo.pdf"
    path.write_bytes(scan_pdf([blank(), noise()]))
    document = parsed_document(document_at(path), ocr=Ocr.AUTO)
    assert document.status == Status.NO_TEXT
    assert "OCR found nothing readable" in document.error


def test_ocr_pages_survive_the_cache_round_trip(scans: ParsedDocument) -> None:
    again = blob_pages(pages_blob(scans.pages))
    assert again == scans.pages
    assert [word.score for word in again[0].words] == [word.score for word in scans.pages[0].words]


# the OCR score of a quote, and the confidence it gives -------------------------------------


def ocr_page(*words: tuple[str, float]) -> Page:
    placed = tuple(
        Word(text, 10.0 * i, 0.0, 10.0 * i + 8, 9.0, score) for i, (text, score) in enumerate(words)
    )
    return Page(1, " ".join(text for text, _ in words), 100.0, 100.0, placed, source=Ocr.READ)


def test_a_quote_scores_as_its_least_sure_word() -> None:
    page = ocr_page(("Total:", 0.99), ("EUR", 0.97), ("1,234.50", 0.62), ("Thanks", 0.4))
    assert quote_ocr_score(page, "Total: EUR 1,234.50") == 0.62
    assert quote_ocr_score(page, "total:eur") == 0.97  # matched as grounding matches
    assert quote_ocr_score(page, "EUR 1,2") == 0.62  # a word partly covered counts
    assert quote_ocr_score(page, "not on the page") is None
    assert quote_ocr_score(replace(page, source=Ocr.TEXT), "Total:") is None  # a text layer


def test_a_value_read_from_unsure_words_is_less_sure() -> None:
    """The one formula takes the OCR score of the quoted words as a factor."""
    page = ocr_page(("Total:", 0.99), ("EUR", 0.97), ("1,234.50", 0.62))
    values = [FieldValue("total", None, "1234.50", 1, "EUR 1,234.50", "money")]

    def confidence(page: Page, score: float | None) -> float | None:
        document = replace(alone(page), pages=(page,))
        checked = grounded_values(document, values)
        scores = {} if score is None else {("total", None): score}
        return value_confidences(document, checked, [], scores)[0]

    as_text = replace(page, source=Ocr.TEXT)
    assert confidence(page, 0.9) == pytest.approx(0.9 * 0.62, abs=0.001)
    assert confidence(as_text, 0.9) == 0.9
    read, typed = confidence(page, None), confidence(as_text, None)
    assert read is not None and typed is not None and read == pytest.approx(typed * 0.62, abs=0.001)


# the run: --ocr, the cache, a timeout, inspect ------------------------------------------------


@pytest.fixture(scope="module")
def one_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one") / "pdfs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scan_pdf([picture(turn=90, skew=-1.5)]))
    return folder


def test_a_run_reads_a_scan_and_a_second_run_ocrs_nothing(
    one_scan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = tmp_path / "contract.xlsx"
    options = RunOptions(folder=one_scan, workbook=workbook, backend="rules")
    first = execute(options)
    assert [(o.status, o.error) for o in first.outcomes] == [(Status.OK, "")]
    sha256 = file_sha256(one_scan / "scan.pdf")
    with closing(Store.beside(workbook)) as store:
        cached = store.cached_parse(sha256, read_key(Ocr.AUTO))
        assert cached is not None and cached[0] == Status.OK
        assert store.cached_parse(sha256, PARSER) is not None  # the text layer (none) too
    page = blob_pages(cached[2])[0]
    values = [v for v in run_values_of(workbook.with_suffix(".db"), first.run_id) if v["value"]]
    assert len(values) >= 5
    for value in values:  # each value at most as sure as OCR was of its quote's words
        score = quote_ocr_score(page, value["quote"])
        assert score is not None and 0 < value["confidence"] <= score + 0.001

    def no_ocr(*args: object) -> None:
        raise AssertionError("OCR ran although the pages were cached")

    monkeypatch.setattr(extract.parse._ReadWork, "__call__", no_ocr)  # readers are forked
    monkeypatch.setattr(ParseStage, "pages_read", no_ocr)
    again = execute(replace(options, force=True))  # extracted again: from the cached pages
    assert [(o.status, o.found) for o in again.outcomes] == [(Status.OK, first.outcomes[0].found)]


def test_the_ocr_mode_off_leaves_a_scan_no_text(one_scan: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(one_scan),
            "--workbook",
            str(tmp_path / "w.xlsx"),
            "--backend",
            "rules",
            "--ocr",
            "off",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no_text" in result.output and "--ocr auto" in result.output


def test_force_reads_a_page_that_has_a_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "text.pdf"
    path.write_bytes(text_pdf())
    page = parsed_document(document_at(path), ocr=Ocr.FORCE).pages[0]
    assert page.ocr and "Invoice No: INV-4711" in page.text.splitlines()


def test_an_ocr_page_over_the_timeout_fails_its_document_only(
    tmp_path: Path, one_scan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(self: object, task: object) -> None:
        import time

        time.sleep(30)

    monkeypatch.setattr(extract.parse._ReadWork, "__call__", slow)  # the readers are forked
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes((one_scan / "scan.pdf").read_bytes())
    (folder / "text.pdf").write_bytes(text_pdf())
    summary = execute(
        RunOptions(folder=folder, workbook=tmp_path / "w.xlsx", backend="rules", parse_timeout=2.0)
    )
    status = {o.file: (o.status, o.error) for o in summary.outcomes}
    assert status["text.pdf"] == (Status.OK, "")
    assert status["scan.pdf"][0] == Status.TIMEOUT
    assert "OCR of page 1 took longer than 10 s" in status["scan.pdf"][1]  # 5 x 2 s


def test_inspect_shows_the_ocr_text_and_each_pages_source(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    scan = scan_pdf([picture(skew=-2.0)])
    pdf = pdfium.PdfDocument(text_pdf())
    pdf.import_pages(pdfium.PdfDocument(scan))
    pdf.save(path)
    result = CliRunner().invoke(cli, ["inspect", str(path), "--words"])
    assert result.exit_code == 0, result.output
    assert "OCR'd pages: 2" in result.output
    assert "page 1: text layer" in result.output
    assert "page 2: OCR (turned" in result.output
    assert result.output.count("Invoice No: INV-4711") == 2


def test_a_quote_from_a_scan_is_grounded_in_its_ocr_text(scans: ParsedDocument) -> None:
    page = scans.pages[1]
    assert quote_on_page("Invoice No: INV-4711", page.text)
    score = quote_ocr_score(page, "Invoice No: INV-4711")
    assert score is not None and 0.5 < score <= 1.0


# no downloads, no import for digital PDFs ------------------------------------------------------


def test_the_models_load_from_the_wheel_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "create_connection", refused)
    reader = Engine(threads=1)
    image = np.asarray(picture().convert("RGB"))[:, :, ::-1].copy()
    boxes = reader.text_boxes(image)
    assert len(boxes) >= 10
    texts = [line.text for line in reader.read(reader.crops(image, boxes))]
    assert "Invoice No: INV-4711" in texts


def test_a_run_over_digital_pdfs_never_imports_the_ocr_stack(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "text.pdf").write_bytes(text_pdf())
    script = f"""
import sys
from pathlib import Path
from extract.parse import ParseStage
from extract.documents import Document, file_sha256

heavy = ("onnxruntime", "rapidocr", "cv2")
def loaded(parsed):
    return sorted(name for name in sys.modules if name.split(".")[0] in heavy)

path = Path({str(folder / "text.pdf")!r})
with ParseStage(None, then=loaded, workers=1) as stage:
    result = stage.parsed(Document(path, file_sha256(path)))
print(result.status, result.value, loaded(None))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["ok", "[]", "[]"], done.stdout + done.stderr


def test_claude_sees_a_scan_as_a_pdf_and_its_ocr_text_marked(scans: ParsedDocument) -> None:
    content = document_content(scans)
    assert [block["type"] for block in content] == ["text", "document", "text"]
    attached = PdfReader(io.BytesIO(base64.b64decode(content[1]["source"]["data"])))
    assert len(attached.pages) == len(scans.pages)  # every page of a scan, as an image
    text = content[2]["text"]
    assert text.count('scan="true" ocr="true">') == len(READABLE)
    assert '<page number="6" scan="true"></page>' in text  # read, but nothing on it
    assert "Invoice No: INV-4711" in text


@pytest.mark.parametrize("number", [2, 4, 5], ids=["turned 90", "turned 270", "skewed"])
def test_a_picture_turned_as_read_shows_each_word_in_its_box(
    scans: ParsedDocument, number: int
) -> None:
    """For the review pictures: the PDF page rendered, turned by the page's ``turn``."""
    page = scans.pages[number - 1]
    scale = 2.0
    rendered = pdfium.PdfDocument(scans.path)[number - 1].render(scale=scale, grayscale=True)
    picture = np.asarray(turned_as_read(rendered.to_pil(), page.turn).convert("L"))
    assert abs(picture.shape[1] / scale - page.width) < 2
    for word in page.words:
        if len(word.text) < 6:
            continue
        inside = picture[
            int(word.top * scale) : int(word.bottom * scale),
            int(word.x0 * scale) : int(word.x1 * scale),
        ]
        assert inside.min() < 100, word  # ink
        assert inside.mean() < picture.mean() - 15, word
