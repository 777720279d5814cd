"""Where a value is on its page: the box of its quote, from the words the reader already has.

A quote is matched the way grounding matches it (whitespace- and case-insensitive), on the
page's words in reading order, so the words that spell it give its box: the smallest
rectangle around them, [x0, top, x1, bottom] in PDF points from the page's top left. Text
pages and OCR'd pages have the same words, so both get boxes. A quote that is not on its
cited page has no box (None): the review pictures say so instead of guessing a place.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from operator import gt

from extract.layout import Y_TOLERANCE, Word, cluster_index, picked
from extract.pdf import Page, ParsedDocument
from schemas.values import squeezed, squeezed_quote

Box = list[float]  # [x0, top, x1, bottom] in PDF points, top-down, as the store keeps it
Cited = tuple[int | None, str | None]  # (page number, quote) of one value
SOFT_HYPHEN = "\u00ad"
DIGITS = 2  # a hundredth of a point: finer than any screen, short in the store's JSON


class PageText:
    """A page's words in reading order, squeezed and joined, with where each word starts:
    a match in the joined text names the words it spans."""

    def __init__(self, page: Page) -> None:
        self.words = reading_order(page.words)
        # a word holds no whitespace, so an ASCII word squeezes to its lower case
        self.pieces = [
            text.lower() if text.isascii() else squeezed(text)
            for text in (word.text for word in self.words)
        ]
        self.text = "".join(self.pieces)
        self.starts = _starts(self.pieces)
        self._repaired: tuple[str, list[int]] | None = None

    def box(self, quote: str) -> Box | None:
        """The quote's box, found as grounding finds it: as printed, else with the words a
        line end hyphenated joined again ("Rech-" "nung" is "Rechnung")."""
        needle = squeezed_quote(quote)
        if not needle:
            return None
        text, starts = self.text, self.starts
        start = text.find(needle)
        if start < 0:
            text, starts = self.repaired()
            start = text.find(needle)
            if start < 0:
                return None
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, start + len(needle) - 1) - 1
        return union_box(self.words[first : last + 1])

    def repaired(self) -> tuple[str, list[int]]:
        """The joined text without soft hyphens and without the hyphen that breaks a word at
        a line's end (extract.grounding repairs quotes the same way)."""
        if self._repaired is None:
            pieces = [piece.replace(SOFT_HYPHEN, "") for piece in self.pieces]
            tops = [word.top for word in self.words]
            line_of, _ = cluster_index(tops, Y_TOLERANCE)
            lines = list(picked(tops, line_of)) if tops else []
            for index in range(len(pieces) - 1):
                piece, after = pieces[index], pieces[index + 1]
                if (
                    lines[index] != lines[index + 1]
                    and piece[-1:] == "-"
                    and piece[-2:-1].isalnum()
                    and after[:1].isalnum()
                ):
                    pieces[index] = piece[:-1]
            self._repaired = "".join(pieces), _starts(pieces)
        return self._repaired


def _starts(pieces: Sequence[str]) -> list[int]:
    return [0, *accumulate(map(len, pieces))][:-1]


def reading_order(words: Sequence[Word]) -> Sequence[Word]:
    """The words in the order the page's text has them (extract.layout.text_of): lines by
    their top, each line as the reader cut it."""
    if len(words) < 2:
        return words
    tops = [word.top for word in words]
    if tops.count(tops[0]) == len(tops):
        return words
    line_of, _ = cluster_index(tops, Y_TOLERANCE)
    lines = list(picked(tops, line_of))
    if not any(map(gt, lines, lines[1:])):
        return words
    return list(picked(sorted(range(len(words)), key=lines.__getitem__), words))


def union_box(words: Sequence[Word]) -> Box:
    _, x0, top, x1, bottom, *_ = zip(*words, strict=True)  # a word may carry more (its score)
    return [
        round(min(x0), DIGITS),
        round(min(top), DIGITS),
        round(max(x1), DIGITS),
        round(max(bottom), DIGITS),
    ]


def quote_boxes(document: ParsedDocument, cited: Iterable[Cited]) -> list[Box | None]:
    """The box of each (page, quote) on its page, or None. A page's words are read once,
    and a quote that several values share (a table row's) is looked up once."""
    pages: dict[int, PageText | None] = {}
    found: dict[tuple[int, str], Box | None] = {}
    boxes: list[Box | None] = []
    for number, quote in cited:
        if number is None or not quote:
            boxes.append(None)
            continue
        key = (number, quote)
        if key not in found:
            if number not in pages:
                page = document.page(number)
                pages[number] = PageText(page) if page is not None and page.words else None
            text = pages[number]
            found[key] = None if text is None else text.box(quote)
        boxes.append(found[key])  # values that share a quote share its box (never changed)
    return boxes
