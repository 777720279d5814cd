"""OCR for pages without a text layer: a scanned page read into the words a text page has.

A page is rendered with pdfium, its text boxes found, turned upright when its text runs up
or down the page or stands on its head, its skew measured, and every run of text read; the
words come back in PDF points on the straightened page with their OCR score (extract.
ocr_layout), so grounding, the rules and ``extract inspect`` read a scan as they read text.
The models load only when a page needs them (extract.ocr_engine): a run over digital PDFs
never imports them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from extract.layout import Word

if TYPE_CHECKING:
    import numpy as np
    import pypdfium2 as pdfium
    from numpy.typing import NDArray
    from PIL import Image

    from extract.ocr_engine import Engine, ReadLine
    from extract.pdf import Page


class Ocr:
    """When pages are OCR'd (``--ocr``): the modes, and what a page's text came from."""

    AUTO: Final = "auto"  # pages without a text layer
    OFF: Final = "off"  # never: a scan stays no_text
    FORCE: Final = "force"  # every page, for PDFs whose text layer is garbage
    MODES: Final = (AUTO, OFF, FORCE)
    TEXT: Final = "text"  # a page's source: its text layer
    READ: Final = "ocr"  # a page's source: OCR


DPI = 200  # scans are rendered at this resolution to be read
MAX_PIXELS = 5000  # ... but no side longer than this (a poster-sized page)
FLIP_SAMPLE = 8  # the widest runs of a page, read both ways up to tell if it is upside down
FLIP_MARGIN = 1.1  # read upside down this much better: the page is turned over
UPRIGHT = 0.9  # the widest runs read with letters this sure on average: the page is upright


@cache
def reader_version() -> str:
    """What reads the pages: the models' package versions and a hash of this code, part of
    the parse cache's key, so pages read another way are read again, not taken from it."""
    digest = hashlib.sha256(str(DPI).encode())
    for package in ("rapidocr", "onnxruntime"):
        try:
            digest.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:  # not installed: no page can be read anyway
            digest.update(package.encode())
    for module in ("ocr.py", "ocr_layout.py", "ocr_engine.py"):
        digest.update((Path(__file__).resolve().parent / module).read_bytes())
    return f"rapidocr-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class ReadPage:
    """A page as OCR read it: words in points on the page turned upright and straightened
    (``turn`` degrees, quarter turns plus the skew), and that page's size."""

    words: tuple[Word, ...]
    width: float
    height: float
    turn: float


def pages_to_read(pages: Sequence[Page], mode: str) -> tuple[int, ...]:
    """The numbers of the pages OCR reads under ``mode``."""
    if mode == Ocr.FORCE:
        return tuple(page.number for page in pages)
    if mode == Ocr.AUTO:
        return tuple(page.number for page in pages if not page.has_text)
    return ()


def read_page(pdf: pdfium.PdfDocument, index: int, threads: int = 1) -> ReadPage:
    """OCR one page (0-based ``index``) with ``threads`` onnxruntime threads.

    One, unless the process never forks: a process whose onnxruntime has a thread pool
    forks children that hang in it. Pages are read in parallel by processes instead.
    """
    from extract.ocr_engine import engine

    image, points_per_pixel = rendered(pdf, index)
    return read_image(engine(threads), image, points_per_pixel)


def rendered(pdf: pdfium.PdfDocument, index: int) -> tuple[NDArray[np.uint8], float]:
    """The page as a BGR image at DPI (less for a huge page), and the size of a pixel in points."""
    import cv2

    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = min(DPI / 72, MAX_PIXELS / max(width, height, 1.0))
        bitmap = page.render(scale=scale, grayscale=True)
        gray = bitmap.to_numpy().reshape(bitmap.height, bitmap.width)
    finally:
        page.close()
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), 1 / scale


def read_image(reader: Engine, image: NDArray[np.uint8], points_per_pixel: float) -> ReadPage:
    """Read a page image: upright it, straighten it, place its words."""
    import numpy as np

    from extract.ocr_layout import Straightening, page_words, quarter_turns, skew_of, turned_boxes

    height, width = image.shape[:2]
    boxes = reader.text_boxes(image)
    turns = quarter_turns(boxes) if len(boxes) else 0
    if turns:
        image = np.ascontiguousarray(np.rot90(image, turns))
        boxes = turned_boxes(boxes, turns, width, height)
        height, width = width, height
    crops = reader.crops(image, boxes)
    lines = reader.read(crops)
    if upside_down(reader, crops, lines):
        image = np.ascontiguousarray(np.rot90(image, 2))
        boxes = turned_boxes(boxes, 2, width, height)
        turns += 2
        crops = reader.crops(image, boxes)
        lines = reader.read(crops)
    skew = skew_of(boxes)
    straighten = Straightening(skew, width / 2, height / 2)
    words = page_words(boxes, lines, straighten, points_per_pixel)
    return ReadPage(
        words=tuple(words),
        width=width * points_per_pixel,
        height=height * points_per_pixel,
        turn=round(90 * turns + skew, 2),
    )


def upside_down(reader: Engine, crops: list[Any], lines: list[ReadLine]) -> bool:
    """Whether the widest runs read better turned over: a page that stands on its head.
    Runs read with sure letters are upright (text on its head reads as unsure garble), so
    most pages need no second reading."""
    import numpy as np

    widest = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1])[:FLIP_SAMPLE]
    as_is = sum(_weight(lines[i]) for i in widest)
    letters = sum(_weight(lines[i], sure=False) for i in widest)
    if not letters or as_is >= UPRIGHT * letters:
        return False
    flipped = reader.read([np.ascontiguousarray(np.rot90(crops[i], 2)) for i in widest])
    return sum(map(_weight, flipped)) > FLIP_MARGIN * as_is


def _weight(line: ReadLine, sure: bool = True) -> float:
    """How much readable text a run holds: its letters' and digits' confidences added up
    (or, not ``sure``, their count)."""
    return sum(
        confidence if sure else 1.0
        for confidence, char in zip(line.confidences, line.text, strict=True)
        if char.isalnum()
    )


QUARTER_TURNS = ("ROTATE_90", "ROTATE_180", "ROTATE_270")  # PIL's, counter-clockwise


def turned_as_read(image: Image.Image, turn: float) -> Image.Image:
    """A picture of an OCR'd page (rendered from the PDF, at any scale) turned the way OCR
    read it (``Page.turn``), so the boxes of its words fall on them: the quarter turns,
    then the skew about its centre."""
    from PIL import Image

    quarters = round(turn / 90)
    skew = turn - 90 * quarters
    transpose = (None, *QUARTER_TURNS)[quarters % 4]
    upright = image if transpose is None else image.transpose(Image.Transpose[transpose])
    if abs(skew) < 0.01:
        return upright
    return upright.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor="white")


def quote_ocr_score(page: Page | None, quote: str) -> float | None:
    """How sure OCR was of the words a quote covers on a page: the lowest of their scores.

    None for a text-layer page (nothing was guessed), and when the quote is not on the page.
    """
    if page is None or not page.ocr or not page.words:  # first: most pages are text pages
        return None
    from schemas.values import squeezed

    needle = squeezed(quote)
    if not needle:
        return None
    texts = [squeezed(word.text) for word in page.words]
    ends: list[int] = []
    length = 0
    for text in texts:
        length += len(text)
        ends.append(length)
    haystack = "".join(texts)
    best: float | None = None
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        covered = [
            word.score
            for word, stop, text in zip(page.words, ends, texts, strict=True)
            if stop > start and stop - len(text) < end
        ]
        lowest = min(covered, default=None)
        if lowest is not None and (best is None or lowest > best):
            best = lowest
        start = haystack.find(needle, start + 1)
    return best
