"""A page as lines of positioned words, rebuilt the way pdfplumber writes the page text.

Lines are clustered from word tops like ``extract_text`` does, so a line's text (its words
joined by single spaces) is a verbatim line of the page text and can be quoted as it is.
Cells split a line where a gap is wider than a space: two columns printed side by side.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from extract.pdf import Page, Word
from schemas.values import squeezed

LINE_TOLERANCE = 3.0  # pdfplumber's default y_tolerance
CELL_GAP = 0.42  # a gap wider than this many word heights separates two cells


@dataclass(frozen=True)
class Line:
    page: int
    index: int  # position on its page, top to bottom
    words: tuple[Word, ...]

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """The character offset of each word in ``text``."""
        offsets: list[int] = []
        position = 0
        for word in self.words:
            offsets.append(position)
            position += len(word.text) + 1
        return tuple(offsets)

    @cached_property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)

    def word_index(self, offset: int) -> int:
        """The word that holds the character at ``offset``."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def x_at(self, offset: int) -> float:
        """Where on the page the character at ``offset`` starts, interpolated in its word."""
        index = self.word_index(offset)
        word = self.words[index]
        within = min(max(offset - self.starts[index], 0), len(word.text))
        return word.x0 + (word.x1 - word.x0) * within / max(1, len(word.text))

    @cached_property
    def cell_starts(self) -> frozenset[int]:
        """Indexes of the words that open a cell: the first word, and any after a wide gap."""
        opening = {0}
        for index in range(1, len(self.words)):
            before, word = self.words[index - 1], self.words[index]
            height = min(before.bottom - before.top, word.bottom - word.top)
            if word.x0 - before.x1 > CELL_GAP * max(height, 1.0):
                opening.add(index)
        return frozenset(opening)

    def cell_end(self, word_index: int) -> int:
        """The index after the last word of the cell that holds ``word_index``."""
        end = word_index + 1
        while end < len(self.words) and end not in self.cell_starts:
            end += 1
        return end

    def cells(self) -> list[tuple[int, int]]:
        """(first word, end) of each cell, left to right."""
        opening = sorted(self.cell_starts)
        return list(zip(opening, [*opening[1:], len(self.words)], strict=True))

    def joined(self, first: int, end: int) -> str:
        return " ".join(word.text for word in self.words[first:end])


def page_lines(page: Page) -> list[Line]:
    """The page's words grouped into lines, top to bottom, each sorted left to right."""
    words = sorted(page.words, key=lambda word: word.top)
    groups: list[list[Word]] = []
    last_top: float | None = None
    for word in words:
        if last_top is None or word.top - last_top > LINE_TOLERANCE:
            groups.append([])
        groups[-1].append(word)
        last_top = word.top
    return [
        Line(page.number, index, tuple(sorted(group, key=lambda word: word.x0)))
        for index, group in enumerate(groups)
    ]


class PageText:
    """A page's text in the form quotes are matched in, computed once."""

    def __init__(self, page: Page) -> None:
        self.number = page.number
        self.squeezed = squeezed(page.text)

    def holds(self, quote: str) -> bool:
        needle = squeezed(quote)
        return bool(needle) and needle in self.squeezed
