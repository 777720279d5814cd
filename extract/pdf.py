"""What the extractor sees of a PDF: pages of text, words with positions, tables, or a status.

The text layer is read with pdfium (tens of times faster than pdfminer) and laid out the way
pdfplumber lays it out: characters clustered into lines by their top, sorted left to right,
split into words at spaces and gaps, lines joined top to bottom. Tables come from
pdfplumber's table-finding steps redone on pdfium's geometry (extract.tables), only on
pages that have ruling lines.

Pages without a text layer can be OCR'd (extract.ocr) into the same words and lines; a
page says which it is in ``source``.

A bad file never raises out of here: it comes back as a ParsedDocument whose status says
what is wrong (corrupt, encrypted, empty, not a PDF, no text layer) with a readable error.
"""

from __future__ import annotations

import ctypes
import logging
import operator
import threading
from dataclasses import dataclass, field
from itertools import compress, repeat
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.documents import Document
from extract.layout import Chars, Word, seen_codes, spaces_in, text_of, words_of
from extract.ocr import Ocr, ReadPage, pages_to_read, read_page
from extract.tables import address_of, bare, page_tables, ruling_edges
from schemas.vocabulary import Status

Table = tuple[tuple[str, ...], ...]
__all__ = ["Page", "ParsedDocument", "Table", "Word", "parsed_document"]

for _noisy in ("pdfminer", "pdfplumber"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

_count_chars = bare(pdfium_c.FPDFText_CountChars, ctypes.c_int, ctypes.c_void_p)
# called once per character: untyped, so ctypes converts nothing (the handle and the box
# pointers are ready-made c_void_p objects, the index a small int)
_is_generated = bare(pdfium_c.FPDFText_IsGenerated, ctypes.c_int)
_loose_box = bare(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int)


class _BoxBuffer(threading.local):
    """A float array for the character boxes and a pointer object to each box, reused page
    after page (per thread): making the pointers costs as much as the calls that use them."""

    def __init__(self) -> None:
        self.boxes: Any = None
        self.pointers: list[ctypes.c_void_p] = []

    def of_size(self, size: int) -> tuple[Any, list[ctypes.c_void_p]]:
        if len(self.pointers) < size:
            import numpy as np

            capacity = max(size, 2 * len(self.pointers), 4096)
            self.boxes = np.zeros((capacity, 4), dtype=np.float32)
            start = self.boxes.ctypes.data
            self.pointers = list(map(ctypes.c_void_p, range(start, start + 16 * capacity, 16)))
        return self.boxes[:size], self.pointers


_BOX_BUFFER = _BoxBuffer()


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    width: float = 0.0
    height: float = 0.0
    words: tuple[Word, ...] = ()
    tables: tuple[Table, ...] = ()
    source: str = Ocr.TEXT  # where the text came from: the text layer, or OCR (Ocr.READ)
    # OCR: degrees (counter-clockwise) the image was turned to read it upright and level;
    # the words' boxes are on the page so turned (quarter turns, then the skew, about its centre)
    turn: float = 0.0

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    @property
    def ocr(self) -> bool:
        return self.source == Ocr.READ


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


def outcome_of(
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


def bad_file_status(document: Document) -> tuple[str, str] | None:
    """Checks that need no parser: an empty file, or one that is not a PDF at all."""
    try:
        size = document.path.stat().st_size
        with document.path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as error:  # moved, deleted or not readable since the folder was listed
        return Status.UNREADABLE, f"cannot read the file ({error.strerror or error})"
    if size == 0:
        return Status.EMPTY, "the file is empty (0 bytes)"
    if b"%PDF-" not in head:
        return Status.NOT_PDF, "not a PDF: the file does not start with %PDF (wrong extension?)"
    return None


def error_status(error: Exception) -> tuple[str, str]:
    names = {type(error).__name__} | {type(a).__name__ for a in getattr(error, "args", ())}
    text = f"{type(error).__name__}: {error}".strip()
    if any("Password" in name or "Encrypt" in name for name in names) or "password" in text.lower():
        return Status.ENCRYPTED, "encrypted: the PDF needs a password; save an unprotected copy"
    first_line = text.splitlines()[0] if text else type(error).__name__
    return Status.CORRUPT, f"corrupt PDF, cannot be parsed ({first_line[:160]})"


NOT_READ = "no text layer (a scan?): needs OCR (--ocr auto) or a model that reads images"
NOTHING_READ = "no text layer, and OCR found nothing readable on any page"


def status_of_pages(document: Document, pages: tuple[Page, ...]) -> ParsedDocument:
    """OK, or why not: no pages at all, or no page with text (a scan OCR could not read)."""
    if not pages:
        return outcome_of(document, Status.EMPTY, "the PDF has no pages")
    if not any(page.has_text for page in pages):
        error = NOTHING_READ if any(page.ocr for page in pages) else NOT_READ
        return outcome_of(document, Status.NO_TEXT, error, pages)
    return outcome_of(document, Status.OK, "", pages)


# reading pages ------------------------------------------------------------------------


def page_chars(textpage: pdfium.PdfTextPage, height: float) -> Chars:
    """Every character with its box in top-down coordinates; pdfium's inserted breaks dropped.

    The boxes are fetched with one bare ctypes call per character into one float array and
    read back as numpy columns: the per-character cost is the call itself.
    """
    import numpy as np

    handle = address_of(textpage.raw)
    count = _count_chars(handle)
    if count <= 0:
        nothing = np.zeros(0)
        return Chars(np.zeros(0, dtype=np.uint32), nothing, nothing, nothing, nothing)
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # surrogate pairs: fall back to one call per character
        unicode = pdfium_c.FPDFText_GetUnicode
        text = "".join(chr(unicode(textpage.raw, i) or 0xFFFD) for i in range(count))
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes, seen = seen_codes(codes)  # no control, invisible mark or half an emoji stays
    blank = (codes <= 32) | spaces_in(codes)  # ``char <= " " or char.isspace()``
    kept = np.arange(count)
    pointer = ctypes.c_void_p(handle)
    if blank.any() or not seen.all():  # line breaks and spaces pdfium made up go; real spaces
        keep = ~blank & seen  # break words later
        spaces = np.flatnonzero(codes == 32).tolist()
        made_up = map(_is_generated, repeat(pointer), spaces)
        keep[list(compress(spaces, map(operator.not_, made_up)))] = True
        kept = np.flatnonzero(keep)
        codes = codes[kept]
    size = len(kept)
    boxes, box_pointers = _BOX_BUFFER.of_size(size)  # left, top, right, bottom (bottom-up)
    # the font's box: steadier line tops than glyph boxes
    found = list(map(_loose_box, repeat(pointer), kept.tolist(), box_pointers))
    if not all(found):
        for failed in compress(range(size), map(operator.not_, found)):
            # as one reused box would: a failed call leaves the previous character's box
            boxes[failed] = boxes[failed - 1] if failed else 0.0
    wide = boxes.astype(np.float64).T
    return Chars(codes, wide[0].copy(), height - wide[1], wide[2].copy(), height - wide[3])


# pages and documents ---------------------------------------------------------------------


def parsed_page(pdf: pdfium.PdfDocument, index: int, with_tables: bool = True) -> Page:
    """One page, its pdfium handles closed before returning so a long PDF stays small."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            chars = page_chars(textpage, height)
        finally:
            textpage.close()
        edges = ruling_edges(page, height) if with_tables and len(chars.codes) else []
    finally:
        page.close()
    words = words_of(chars)
    tables = page_tables(words, edges, width, height) if edges else ()
    return Page(
        number=index + 1,
        text=text_of(words),
        width=float(width),
        height=float(height),
        words=tuple(words),
        tables=tables,
    )


def read_page_of(read: ReadPage, number: int) -> Page:
    """A page OCR read, as a text page: its words give its text the way the text layer's do."""
    return Page(
        number=number,
        text=text_of(read.words),
        width=read.width,
        height=read.height,
        words=read.words,
        source=Ocr.READ,
        turn=read.turn,
    )


def ocr_failure(number: int, error: BaseException | str) -> tuple[str, str]:
    return Status.FAILED, f"OCR failed on page {number} ({str(error).splitlines()[0][:160]})"


def parsed_document(
    document: Document, with_tables: bool = True, ocr: str = Ocr.OFF
) -> ParsedDocument:
    """Parse one PDF, OCR'ing the pages ``ocr`` (a mode of Ocr) asks for in this process;
    every failure becomes a status, never an exception."""
    bad = bad_file_status(document)
    if bad is not None:
        return outcome_of(document, *bad)
    try:
        pdf = pdfium.PdfDocument(document.path)
    except pdfium.PdfiumError as error:
        return outcome_of(document, *error_status(error))
    try:
        try:
            pages = tuple(parsed_page(pdf, index, with_tables) for index in range(len(pdf)))
        except Exception as error:  # pdfium or the table finder on a broken page: a status
            return outcome_of(document, *error_status(error))
        unread = pages_to_read(pages, ocr)
        read = list(pages)
        for number in unread:
            try:
                read[number - 1] = read_page_of(read_page(pdf, number - 1), number)
            except Exception as error:  # the OCR stack on a page it cannot read: a status
                return outcome_of(document, *ocr_failure(number, error))
    finally:
        pdf.close()
    return status_of_pages(document, tuple(read))
