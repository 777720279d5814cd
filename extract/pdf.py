"""What the extractor sees of a PDF: pages of text, words with positions, tables, or a status.

A bad file never raises out of here: it comes back as a ParsedDocument whose status says
what is wrong (corrupt, encrypted, empty, not a PDF, no text layer) with a readable error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.sheets import Status
from extract.documents import Document

Table = tuple[tuple[str, ...], ...]

for _noisy in ("pdfminer", "pdfplumber"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    width: float = 0.0
    height: float = 0.0
    words: tuple[Word, ...] = ()
    tables: tuple[Table, ...] = ()

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())


@dataclass(frozen=True)
class ParsedDocument:
    doc_id: str
    file: str
    path: Path
    sha256: str
    status: str
    error: str = ""
    pages: tuple[Page, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    def page(self, number: int) -> Page | None:
        if 1 <= number <= len(self.pages):
            return self.pages[number - 1]
        return None


def _outcome(
    document: Document, status: str, error: str, pages: tuple[Page, ...] = ()
) -> ParsedDocument:
    return ParsedDocument(
        doc_id=document.doc_id,
        file=document.file,
        path=document.path,
        sha256=document.sha256,
        status=status,
        error=error,
        pages=pages,
    )


def _bad_file_status(document: Document) -> tuple[str, str] | None:
    """Checks that need no parser: an empty file, or one that is not a PDF at all."""
    size = document.path.stat().st_size
    if size == 0:
        return Status.EMPTY, "the file is empty (0 bytes)"
    with document.path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        return Status.NOT_PDF, "not a PDF: the file does not start with %PDF (wrong extension?)"
    return None


def _error_status(error: Exception) -> tuple[str, str]:
    names = {type(error).__name__} | {type(a).__name__ for a in getattr(error, "args", ())}
    text = f"{type(error).__name__}: {error}".strip()
    if any("Password" in name or "Encrypt" in name for name in names) or "password" in text.lower():
        return Status.ENCRYPTED, "encrypted: the PDF needs a password; save an unprotected copy"
    first_line = text.splitlines()[0] if text else type(error).__name__
    return Status.CORRUPT, f"corrupt PDF, cannot be parsed ({first_line[:160]})"


def _table(rows: list[list[Any]]) -> Table:
    return tuple(tuple("" if cell is None else str(cell) for cell in row) for row in rows)


def _page(number: int, plumber_page: Any, with_tables: bool) -> Page:
    text = plumber_page.extract_text() or ""
    words = tuple(
        Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
        for w in plumber_page.extract_words(keep_blank_chars=False, use_text_flow=False)
    )
    tables = tuple(_table(t) for t in plumber_page.extract_tables()) if with_tables else ()
    return Page(
        number=number,
        text=text,
        width=float(plumber_page.width),
        height=float(plumber_page.height),
        words=words,
        tables=tables,
    )


def parsed_document(document: Document, with_tables: bool = True) -> ParsedDocument:
    """Parse one PDF with pdfplumber; every failure becomes a status, never an exception."""
    import pdfplumber

    bad = _bad_file_status(document)
    if bad is not None:
        return _outcome(document, *bad)
    try:
        with pdfplumber.open(document.path) as pdf:
            pages = tuple(
                _page(index, page, with_tables) for index, page in enumerate(pdf.pages, start=1)
            )
    except Exception as error:  # pdfminer raises many unrelated types for broken files
        return _outcome(document, *_error_status(error))
    if not pages:
        return _outcome(document, Status.EMPTY, "the PDF has no pages")
    if not any(page.has_text for page in pages):
        return _outcome(
            document,
            Status.NO_TEXT,
            "no text layer (a scan?): needs OCR or a model that reads images",
            pages,
        )
    return _outcome(document, Status.OK, "", pages)
