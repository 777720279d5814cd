"""Text from a PDF is safe to store and write, whatever characters its text layer holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from rules_pdfs import pdf_with_codepoints

from contract.sheets import Status
from extract.cli import cli
from extract.layout import UNSEEN, printable

EMOJI = "\U0001f600"
HIGH, LOW = "\ud83d", "\ude00"  # the two halves of EMOJI, as pdfium hands them over
UNSEEN_CHARS = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\u061c\ufeff\u2060"
    "\ue000\uf8ff\U000f0000\x07\x1b\x7f\x85\x9f\ufffe"
)
LINES = [
    (60, 60, "Brandt Elektro KG " + EMOJI),
    (60, 90, f"Invoice No: A\u200b-1\u200f7{LOW}"),  # invisible marks inside the number
    (60, 110, f"Smile {EMOJI}{HIGH}\ue000 rocket \U0001f680 x{HIGH}"),  # a lone half at the end
    (60, 130, "Total: 12.50 EUR " + UNSEEN_CHARS),
    (60, 150, "\u202eReversed\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"),
]


def test_a_text_layer_of_emoji_and_invisible_marks_reads_as_what_is_seen(tmp_path: Path) -> None:
    document = pdf_with_codepoints(tmp_path / "emoji.pdf", LINES)
    assert document.status == Status.OK, document.error
    page = document.pages[0]
    page.text.encode("utf-8")  # a lone surrogate would raise here
    assert UNSEEN.search(page.text.replace("\n", " ")) is None
    assert not any(UNSEEN.search(word.text) for word in page.words)
    lines = page.text.splitlines()
    assert lines[0] == "Brandt Elektro KG " + EMOJI
    assert lines[1] == "Invoice No: A-17"  # marks inside a word leave it whole
    assert lines[2] == f"Smile {EMOJI} rocket \U0001f680 x"
    assert lines[3].startswith("Total: 12.50 EUR")
    assert "\u05e9\u05dc\u05d5\u05dd" in lines[4] and "Reversed" in lines[4]  # Hebrew kept


def test_extract_run_stores_and_writes_such_a_document(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    pdf_with_codepoints(folder / "emoji.pdf", LINES)
    workbook = tmp_path / "contract.xlsx"
    args = ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    documents = list(load_workbook(workbook)["documents"].iter_rows(values_only=True))
    assert documents[1][5] == Status.OK, documents[1]
    with sqlite3.connect(tmp_path / "contract.db") as store:
        assert store.execute("select count(*) from parse_cache").fetchone()[0] == 1


def test_printable_text_keeps_what_is_seen() -> None:
    assert printable("plain text 12.50") == "plain text 12.50"
    assert printable(f"a{HIGH}{LOW}b") == f"a{EMOJI}b"  # a pair joined
    assert printable(f"a{HIGH}b{LOW}") == "ab"  # halves alone dropped
    assert printable("x" + UNSEEN_CHARS + "y") == "xy"
    assert printable("two\nlines\tand a tab") == "two\nlines\tand a tab"
    assert printable("Müller – ½ € 😀 שלום") == "Müller – ½ € 😀 שלום"
