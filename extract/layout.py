"""Characters to words to lines, the way pdfplumber lays out text (its defaults).

Characters are clustered into lines by their top, sorted left to right, split into words at
spaces and at gaps wider than the x tolerance; lines are joined top to bottom. Kept exactly
in step with pdfplumber's ``extract_words`` and ``extract_text`` so the text, its quotes and
the rules backend's figures do not change with the faster reader underneath.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Char = tuple[str, float, float, float, float]  # text, x0, top, x1, bottom (top-down)

X_TOLERANCE = 3.0  # pdfplumber's defaults: a wider gap starts a new word
Y_TOLERANCE = 3.0  # tops closer than this are one line
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
LIGATURE_TABLE = str.maketrans(LIGATURES)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


def clusters(items: Sequence[Any], key: int, tolerance: float) -> list[list[Any]]:
    """pdfplumber's cluster_objects: chains of sorted values no more than tolerance apart."""
    if not items:
        return []
    values = sorted({item[key] for item in items})
    index_of: dict[float, int] = {}
    group, last = 0, values[0]
    for value in values:
        if value > last + tolerance:
            group += 1
        index_of[value] = group
        last = value
    grouped: list[list[Any]] = [[] for _ in range(group + 1)]
    for item in items:
        grouped[index_of[item[key]]].append(item)
    return grouped


def _word(chars: list[Char]) -> Word:
    texts, x0s, tops, x1s, bottoms = zip(*chars, strict=True)
    return Word(
        "".join(texts).translate(LIGATURE_TABLE), min(x0s), min(tops), max(x1s), max(bottoms)
    )


def _line_words(line: list[Char]) -> Iterator[Word]:
    current: list[Char] = []
    for char in sorted(line, key=lambda c: c[1]):
        if char[0].isspace():
            if current:
                yield _word(current)
            current = []
            continue
        if current:
            last = current[-1]
            if (
                char[1] < last[1]
                or char[1] > last[3] + X_TOLERANCE
                or abs(char[2] - last[2]) > Y_TOLERANCE
            ):
                yield _word(current)
                current = []
        current.append(char)
    if current:
        yield _word(current)


def words_of(chars: list[Char]) -> list[Word]:
    return [word for line in clusters(chars, 2, Y_TOLERANCE) for word in _line_words(line)]


def text_of(words: list[Word]) -> str:
    rows = [(word.text, word.x0, word.top) for word in words]
    return "\n".join(" ".join(row[0] for row in line) for line in clusters(rows, 2, Y_TOLERANCE))
