"""Reading PDFs with pdfium: pdfplumber's text, words and tables, and bad-file statuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from contract.sheets import Status
from extract.documents import Document, file_sha256
from extract.pdf import parsed_document

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
        ("scan-no-text.pdf", Status.NO_TEXT),
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
