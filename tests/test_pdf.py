"""Reading PDFs with pdfium: pdfplumber's text, words and tables, and bad-file statuses."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from extract.documents import Document, file_sha256
from extract.layout import SPACE_CODES, Chars, Word, plain_words, words_of
from extract.parse import blob_pages, pages_blob
from extract.pdf import page_chars, parsed_document
from schemas.vocabulary import Status

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "pdfs"
INVOICES = sorted(SAMPLES.glob("invoice-*.pdf"))


def parsed(path: Path):  # type: ignore[no-untyped-def]
    return parsed_document(Document(path, file_sha256(path)))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("bad-corrupt.pdf", Status.CORRUPT),
        ("bad-encrypted.pdf", Status.ENCRYPTED),
        ("bad-empty.pdf", Status.EMPTY),
        ("bad-not-a-pdf.pdf", Status.NOT_PDF),
        ("scan-unreadable.pdf", Status.NO_TEXT),
        ("scan-08-boxed-totals-gbp.pdf", Status.NO_TEXT),  # not OCR'd unless asked
    ],
)
def test_a_bad_file_gets_its_status_and_a_readable_error(name: str, status: str) -> None:
    document = parsed(SAMPLES / name)
    assert document.status == status
    assert document.error and not document.ok


def test_text_words_and_tables_are_pdfplumbers() -> None:
    """The rules backend and grounding were tuned on pdfplumber's text: nothing may change."""
    pages = 0
    for path in INVOICES:
        document = parsed(path)
        assert document.ok
        with pdfplumber.open(path) as pdf:
            assert len(pdf.pages) == len(document.pages)
            for theirs, ours in zip(pdf.pages, document.pages, strict=True):
                pages += 1
                assert ours.text == theirs.extract_text(), (path.name, ours.number)
                assert [w.text for w in ours.words] == [w["text"] for w in theirs.extract_words()]
                for word, their_word in zip(ours.words, theirs.extract_words(), strict=True):
                    # x1 may differ: pdfminer gives "€" no width in the standard fonts
                    assert abs(word.x0 - their_word["x0"]) < 0.5
                    assert abs(word.bottom - their_word["bottom"]) < 1.0
                their_tables = [
                    tuple(tuple("" if cell is None else cell for cell in row) for row in table)
                    for table in theirs.extract_tables()
                ]
                assert list(ours.tables) == their_tables, (path.name, ours.number)
    assert pages == 15
    assert sum(len(page.tables) for path in INVOICES for page in parsed(path).pages) >= 8


def test_pages_without_ruling_lines_have_no_tables() -> None:
    document = parsed(SAMPLES / "invoice-01-left-labels.pdf")
    assert document.pages[0].tables == ()
    assert "INV-1001" in document.pages[0].text


def write_long_pdf(path: Path, pages: int) -> None:
    canvas = Canvas(str(path), pagesize=A4)
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 10)
        for line in range(40):
            canvas.drawString(
                60, 780 - 18 * line, f"Page {number} line {line}: Widget {line} 12.50"
            )
        canvas.showPage()
    canvas.save()


PEAK_RSS = """
import sys
from pathlib import Path
from extract.documents import Document, file_sha256
from extract.pdf import parsed_document
path = Path(sys.argv[1])
document = parsed_document(Document(path, file_sha256(path)))
assert document.ok and len(document.pages) == int(sys.argv[2]), document.status
status = Path("/proc/self/status").read_text().splitlines()
print(int(next(line.split()[1] for line in status if line.startswith("VmHWM"))) // 1024)
"""


def peak_mb(path: Path, pages: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path), str(pages)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_a_500_page_pdf_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """Each page's pdfium handles are closed before the next: memory grows only by the words."""
    small, large = tmp_path / "small.pdf", tmp_path / "large.pdf"
    write_long_pdf(small, 50)
    write_long_pdf(large, 500)
    small_mb, large_mb = peak_mb(small, 50), peak_mb(large, 500)
    assert large_mb < 200, large_mb  # about 65 MB measured, 50 MB for 50 pages
    assert large_mb - small_mb < 60, (small_mb, large_mb)


# the fast layout against its plain-Python twin, and the parse cache's blob ---------------------


def random_chars(seed: int) -> Chars:
    """Characters as pdfium gives them, with the awkward cases made common: tied x0s and
    tops, tops chained just over and under the tolerance, gaps near 3 pt, spaces."""
    rng = random.Random(seed)
    texts, boxes = [], []
    for _ in range(rng.randint(1, 400)):
        line = rng.choice([10.0, 12.5, 13.0, 15.9, 16.0, 19.0, 40.0, rng.uniform(0, 800)])
        top = line + rng.choice([0.0, 0.0, 0.5, 2.9, 3.0, 3.1, -1.0])
        x0 = rng.choice([rng.uniform(0, 500), 100.0, 103.0, 106.0])
        width = rng.choice([0.0, 2.0, 5.5, rng.uniform(0, 9)])
        texts.append(rng.choice("ab1€ﬁ  .é"))
        boxes.append((x0, top, x0 + width, top + rng.choice([8.0, 10.0, 12.0])))
    np = pytest.importorskip("numpy")
    columns = np.array(boxes, dtype=np.float64).reshape(-1, 4).T
    codes = np.array([ord(text) for text in texts], dtype=np.uint32)
    return Chars(codes, columns[0], columns[1], columns[2], columns[3])


def plain(chars: Chars) -> list[Word]:
    text = "".join(map(chr, chars.codes.tolist()))
    return plain_words(text, *(column.tolist() for column in chars[1:]))


@pytest.mark.parametrize("seed", range(40))
def test_words_are_the_same_the_fast_way_and_the_plain_way(seed: int) -> None:
    chars = random_chars(seed)
    assert words_of(chars) == plain(chars)


def test_a_box_numpy_would_treat_differently_takes_the_plain_way() -> None:
    chars = random_chars(7)
    chars.x1[3] = float("nan")
    chars.top[5] = float("inf")
    words = words_of(chars)
    assert [w.text for w in words] == [w.text for w in plain(chars)]


def test_every_whitespace_character_is_known_to_the_fast_path() -> None:
    spaces = [code for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    assert spaces == SPACE_CODES


def test_real_pages_give_the_same_words_both_ways() -> None:
    for path in INVOICES:
        pdf = pdfium.PdfDocument(path)
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                chars = page_chars(textpage, page.get_size()[1])
                textpage.close()
                page.close()
                assert words_of(chars) == plain(chars)
        finally:
            pdf.close()


def test_tricky_pages_read_like_pdfplumber(tmp_path: Path) -> None:
    """A table inside a form XObject drawn twice (once scaled), a table of rectangles."""
    path = tmp_path / "tricky.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(60, 780, "Office: efficient flow 12.50")
    canvas.beginForm("grid")
    for row in range(4):
        canvas.line(0, row * 15, 200, row * 15)
    for x in (0, 100, 200):
        canvas.line(x, 0, x, 45)
    for row in range(3):
        canvas.drawString(3, row * 15 + 4, f"form {row} a")
        canvas.drawString(103, row * 15 + 4, f"form {row} b")
    canvas.endForm()
    canvas.doForm("grid")
    canvas.saveState()
    canvas.translate(100, 400)
    canvas.scale(1.5, 0.8)
    canvas.doForm("grid")
    canvas.restoreState()
    for row in range(3):
        for column in range(3):
            canvas.rect(300 + column * 80, 200 - row * 18, 80, 18)
            canvas.drawString(303 + column * 80, 205 - row * 18, f"cell {row}/{column}")
    canvas.showPage()
    canvas.save()
    ours = parsed(path).pages[0]
    with pdfplumber.open(path) as pdf:
        theirs = pdf.pages[0]
        assert ours.text == theirs.extract_text()
        assert [w.text for w in ours.words] == [w["text"] for w in theirs.extract_words()]
        their_tables = [
            tuple(tuple("" if cell is None else cell for cell in row) for row in table)
            for table in theirs.extract_tables()
        ]
    assert list(ours.tables) == their_tables
    assert len(ours.tables) == 3


def test_pages_come_back_from_the_parse_cache_unchanged(tmp_path: Path) -> None:
    """Every float exactly (the boxes travel as doubles), pages with and without words."""
    blank = tmp_path / "blank-page.pdf"
    canvas = Canvas(str(blank), pagesize=A4)
    canvas.showPage()
    canvas.drawString(60, 780, "after a blank page 12.50")
    canvas.showPage()
    canvas.save()
    for path in [*INVOICES, blank]:
        pages = parsed(path).pages
        assert blob_pages(pages_blob(pages)) == pages
    assert blob_pages(pages_blob(())) == ()
