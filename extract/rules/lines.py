"""A page as lines of positioned words, rebuilt the way pdfplumber writes the page text.

Lines are clustered from word tops like ``extract_text`` does, so a line's text (its words
joined by single spaces) is a verbatim line of the page text and can be quoted as it is.
Cells split a line where a gap is wider than a space: two columns printed side by side.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from operator import attrgetter
from typing import Any, Generic, TypeVar, overload

from extract.pdf import Page, Word
from schemas.values import squeezed, squeezed_quote

LINE_TOLERANCE = 3.0  # pdfplumber's default y_tolerance
CELL_GAP = 0.42  # a gap wider than this many word heights separates two cells

T = TypeVar("T")
_TEXT = attrgetter("text")
_TOP = attrgetter("top")
_BOTTOM = attrgetter("bottom")
_X0 = attrgetter("x0")


class cached_property(Generic[T]):  # named as the functools one it stands for
    """``functools.cached_property`` without the lock Python 3.11 takes on every first access:
    a document's lines are many, and each is read by one thread."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


@dataclass(frozen=True)
class Line:
    page: int
    index: int  # position on its page, top to bottom
    words: tuple[Word, ...]

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """The character offset of each word in ``text``."""
        if not self.words:
            return ()
        return tuple(accumulate([len(text) + 1 for text in self._texts[:-1]], initial=0))

    @cached_property
    def text(self) -> str:
        return " ".join(self._texts)

    @cached_property
    def _texts(self) -> list[str]:
        return list(map(_TEXT, self.words))

    @cached_property
    def top(self) -> float:
        top: float = min(map(_TOP, self.words))
        return top

    @cached_property
    def bottom(self) -> float:
        bottom: float = max(map(_BOTTOM, self.words))
        return bottom

    @cached_property
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
        return frozenset(self._openings)

    @cached_property
    def _openings(self) -> tuple[int, ...]:
        """``cell_starts`` in order."""
        opening = [0]
        words = self.words
        for index in range(1, len(words)):
            before, word = words[index - 1], words[index]
            height = min(before.bottom - before.top, word.bottom - word.top)
            if word.x0 - before.x1 > CELL_GAP * max(height, 1.0):
                opening.append(index)
        return tuple(opening)

    def cell_end(self, word_index: int) -> int:
        """The index after the last word of the cell that holds ``word_index``."""
        end = word_index + 1
        while end < len(self.words) and end not in self.cell_starts:
            end += 1
        return end

    def cell_of(self, word_index: int) -> tuple[int, int]:
        """(first word, end) of the cell that holds ``word_index``."""
        number = max(0, bisect_right(self._openings, word_index) - 1)
        return self._cells[number] if self._cells else (0, 0)

    def cells(self) -> list[tuple[int, int]]:
        """(first word, end) of each cell, left to right."""
        return list(self._cells)

    @cached_property
    def _cells(self) -> tuple[tuple[int, int], ...]:
        opening = self._openings
        return tuple(zip(opening, [*opening[1:], len(self.words)], strict=True))

    def joined(self, first: int, end: int) -> str:
        """The text of words ``first`` to ``end`` (exclusive): a slice of ``text``."""
        first, end, _ = slice(first, end).indices(len(self.words))
        if first >= end:
            return ""
        return self.text[self.starts[first] : self.starts[end - 1] + len(self.words[end - 1].text)]


def page_lines(page: Page) -> list[Line]:
    """The page's words grouped into lines, top to bottom, each sorted left to right."""
    words = sorted(page.words, key=_TOP)
    groups: list[list[Word]] = []
    last_top: float | None = None
    for word in words:
        if last_top is None or word.top - last_top > LINE_TOLERANCE:
            groups.append([])
        groups[-1].append(word)
        last_top = word.top
    return [
        Line(page.number, index, tuple(sorted(group, key=_X0)))
        for index, group in enumerate(groups)
    ]


class PageText:
    """A page's text in the form quotes are matched in, computed once."""

    def __init__(self, page: Page) -> None:
        self.number = page.number
        self.squeezed = squeezed(page.text)

    def holds(self, quote: str) -> bool:
        needle = squeezed_quote(quote)
        return bool(needle) and needle in self.squeezed
