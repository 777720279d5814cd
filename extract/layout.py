"""Characters to words to lines, the way pdfplumber lays out text (its defaults).

Characters are clustered into lines by their top, sorted left to right, split into words at
spaces and at gaps wider than the x tolerance; lines are joined top to bottom. Kept exactly
in step with pdfplumber's ``extract_words`` and ``extract_text`` so the text, its quotes and
the rules backend's figures do not change with the faster reader underneath.

A page has about a thousand characters, so words_of works on numpy columns (stable sorts,
vectorised cuts, one pass per word); plain_words is the same rules in plain Python, for the
pages whose floats numpy would order differently (NaN, infinities, signed zeros).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import accumulate, compress, count, repeat
from operator import add, gt, itemgetter, ne, not_, sub
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # numpy is imported where pages are parsed: a run from the cache never needs it
    import numpy as np
    from numpy.typing import NDArray

X_TOLERANCE = 3.0  # pdfplumber's defaults: a wider gap starts a new word
Y_TOLERANCE = 3.0  # tops closer than this are one line
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
LIGATURE_TABLE = str.maketrans(LIGATURES)
ANY_LIGATURE = re.compile("[" + "".join(LIGATURES) + "]")
SPACE = re.compile(r"\s")  # the same characters as str.isspace
SPACE_CODES = [code for code in range(0x3001) if chr(code).isspace()]  # none above U+3000
_space_table: Any = None


def spaces_in(codes: NDArray[np.uint32]) -> NDArray[np.bool_]:
    """Which code points are whitespace (str.isspace), by one table lookup."""
    global _space_table
    import numpy as np

    if _space_table is None:
        _space_table = np.zeros(SPACE_CODES[-1] + 2, dtype=bool)  # the last slot: all above
        _space_table[SPACE_CODES] = True
    return _space_table[np.minimum(codes, len(_space_table) - 1)]  # type: ignore[no-any-return]


# Characters a PDF's text layer may hold that no one can see or store: controls, zero-width
# and direction marks, private-use glyphs (icon fonts), non-characters, and surrogates (half
# of an emoji that pdfium hands over as two UTF-16 units; a lone one cannot be written as
# UTF-8 and failed whole documents). Inclusive ranges of code points, dropped by the reader.
UNSEEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),  # C0 controls, bar tabs and line breaks (whitespace, dropped as such)
    (0x0E, 0x1F),
    (0x7F, 0x9F),  # DEL and C1 controls
    (0x061C, 0x061C),  # Arabic letter mark
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; left-to-right, right-to-left marks
    (0x202A, 0x202E),  # directional embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # directional isolates
    (0xD800, 0xDFFF),  # surrogates left unpaired
    (0xE000, 0xF8FF),  # private use
    (0xFDD0, 0xFDEF),  # non-characters
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte-order mark)
    (0xFFFE, 0xFFFF),  # non-characters
    (0xF0000, 0x10FFFF),  # supplementary private use planes
)
UNSEEN = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in UNSEEN_RANGES) + "]")


def printable(text: str) -> str:
    """A text without the characters of ``UNSEEN_RANGES``, surrogate pairs joined first:
    for text from elsewhere than pdfium's characters (which ``seen_codes`` cleans)."""
    if text.isascii() and text.isprintable():
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return UNSEEN.sub("", joined)


def seen_codes(codes: NDArray[np.uint32]) -> tuple[NDArray[np.uint32], NDArray[np.bool_]]:
    """Code points with each surrogate pair joined into its one character, and which of them
    to keep: none of ``UNSEEN_RANGES`` (the low half of a joined pair included)."""
    import numpy as np

    if not len(codes) or int(codes.max()) < 0x7F:
        return codes, np.ones(len(codes), dtype=bool)
    codes = codes.copy()
    high = (codes >= 0xD800) & (codes <= 0xDBFF)
    if high.any():
        pairs = np.flatnonzero(high[:-1] & (codes[1:] >= 0xDC00) & (codes[1:] <= 0xDFFF))
        codes[pairs] = 0x10000 + ((codes[pairs] - 0xD800) << 10) + (codes[pairs + 1] - 0xDC00)
        codes[pairs + 1] = 0xDC00  # the low half: dropped below with every surrogate
    unseen = np.zeros(len(codes), dtype=bool)
    for low, top in UNSEEN_RANGES:
        unseen |= (codes >= low) & (codes <= top)
    return codes, ~unseen


TEXT_SCORE = 1.0  # the score of a word from the text layer: as sure as the PDF itself


class Word(NamedTuple):
    """A word and its box in top-down coordinates. A tuple: a page has hundreds of words,
    made here and again whenever a page is read back from the parse cache."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float = TEXT_SCORE  # how sure OCR was of the word: its least sure character


# Word from an iterable of all its fields, without a Python-level __new__ per word
make_word: Callable[[Iterable[Any]], Word] = partial(tuple.__new__, Word)


class Chars(NamedTuple):
    """A page's characters as numpy columns (code points, top-down boxes), in pdfium's order."""

    codes: NDArray[np.uint32]
    x0: NDArray[np.float64]
    top: NDArray[np.float64]
    x1: NDArray[np.float64]
    bottom: NDArray[np.float64]


def picked(keys: Sequence[Any], source: Any) -> tuple[Any, ...]:
    """``source[key]`` for every key, in one C loop (itemgetter returns a bare item for one)."""
    if len(keys) == 1:
        return (source[keys[0]],)
    return itemgetter(*keys)(source) if keys else ()


def cluster_index(values: Iterable[float], tolerance: float) -> tuple[dict[float, int], bool]:
    """pdfplumber's make_cluster_dict: each value's chain of sorted values <= tolerance apart,
    and whether any chain spans more than the tolerance from its first value to its last."""
    index_of: dict[float, int] = {}
    group = 0
    wide = False
    ordered = sorted(set(values))
    first = last = ordered[0] if ordered else 0.0
    for value in ordered:
        if value > last + tolerance:
            group += 1
            wide = wide or last - first > tolerance
            first = value
        index_of[value] = group
        last = value
    return index_of, wide or last - first > tolerance


def words_of(chars: Chars) -> list[Word]:
    """pdfplumber's extract_words: lines by top, each sorted by x0 (stable), split into words.

    The same rules as plain_words, on numpy columns; pages whose boxes hold a value numpy's
    sorts and minimums treat differently from Python's (NaN, infinity, a zero x1 that may be
    signed), or with a NUL character, go the plain way.
    """
    import numpy as np

    codes, x0s, tops, x1s, bottoms = chars
    size = len(codes)
    if not size:
        return []
    boxes = (x0s, tops, x1s, bottoms)
    if not (all(np.isfinite(column).all() for column in boxes) and x1s.all() and codes.all()):
        text = codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        return plain_words(text, *(column.tolist() for column in boxes))
    by_top = np.argsort(tops)
    ordered_tops = tops[by_top]
    lines = np.empty(size, dtype=np.intp)  # pdfplumber's chains of tops
    lines[by_top[0]] = 0
    lines[by_top[1:]] = np.cumsum(ordered_tops[1:] > ordered_tops[:-1] + Y_TOLERANCE)
    # by line, then by x0, ties in pdfium's order (lexsort's passes are stable)
    order = np.lexsort((x0s, lines))
    codes, lines = codes[order], lines[order]
    x0, top, x1, bottom = (column[order] for column in boxes)
    space = spaces_in(codes)
    cut = np.empty(size, dtype=bool)
    cut[0] = True
    cut[1:] = (
        (x0[1:] > x1[:-1] + X_TOLERANCE)
        | (np.abs(top[1:] - top[:-1]) > Y_TOLERANCE)
        | (lines[1:] != lines[:-1])
        | space[1:]
        | space[:-1]
    )
    spans = np.flatnonzero(cut)  # runs without a cut; a space is a run of its own
    solid = ~space[spans]
    starts = spans[solid]
    # the runs' text in one go: a NUL (never a kept character) before each run, then split
    runs = np.zeros(size + len(spans) - 1, dtype="<u4")
    runs[np.arange(size) + np.cumsum(cut) - 1] = codes
    text = runs.tobytes().decode("utf-32-le", "surrogatepass")
    texts: Iterable[str] = compress(text.split("\x00"), solid.tolist())
    if ANY_LIGATURE.search(text):
        texts = (word.translate(LIGATURE_TABLE) for word in texts)
    return list(
        map(
            make_word,
            zip(
                texts,
                x0[starts].tolist(),  # a word's first character is its leftmost
                np.minimum.reduceat(top, spans)[solid].tolist(),
                np.maximum.reduceat(x1, spans)[solid].tolist(),
                np.maximum.reduceat(bottom, spans)[solid].tolist(),
                repeat(TEXT_SCORE),
            ),
        )
    )


def plain_words(
    text: str, x0s: list[float], tops: list[float], x1s: list[float], bottoms: list[float]
) -> list[Word]:
    """words_of in plain Python, exact for any floats (NaN, infinities, signed zeros).

    A word ends at a space, at the end of its line, and before a character that starts
    further right than the previous one's end plus the x tolerance or whose top differs
    from the previous one's by more than the y tolerance (possible only in a line whose
    tops span more than that). pdfplumber's third rule, a character left of the previous
    one, cannot fire in a line sorted by x0; for the same reason a word's first character
    has its smallest x0.
    """
    if not text:
        return []
    line_of, wide = cluster_index(tops, Y_TOLERANCE)
    lines = list(picked(tops, line_of))
    # by line, then by x0, ties in pdfium's order: two stable sorts, the minor key first
    order = sorted(sorted(range(len(text)), key=x0s.__getitem__), key=lines.__getitem__)
    text = "".join(picked(order, text))
    x0 = picked(order, x0s)
    x1 = picked(order, x1s)
    top = picked(order, tops)
    bottom = picked(order, bottoms)

    bounds = set(compress(count(1), map(gt, x0[1:], map(add, x1, repeat(X_TOLERANCE)))))
    if wide:
        jumps = map(gt, map(abs, map(sub, top[1:], top)), repeat(Y_TOLERANCE))
        bounds.update(compress(count(1), jumps))
    sizes = Counter(lines)
    bounds.update(accumulate(sizes[line] for line in range(len(sizes))))  # where lines end
    for space in SPACE.finditer(text):
        bounds.add(space.start())
        bounds.add(space.end())
    bounds.add(0)
    ends = sorted(bounds)
    starts = ends[:-1]
    del ends[0]
    # a space is a span of its own: drop it
    solid = list(map(not_, map(str.isspace, map(text.__getitem__, starts))))
    starts = list(compress(starts, solid))
    spans = list(map(slice, starts, compress(ends, solid)))
    lefts = picked(starts, x0)
    texts: Iterable[str] = map(text.__getitem__, spans)
    if ANY_LIGATURE.search(text):
        texts = (word.translate(LIGATURE_TABLE) for word in texts)
    return list(
        map(
            make_word,
            zip(
                texts,
                lefts,
                map(min, map(top.__getitem__, spans)),
                map(max, map(x1.__getitem__, spans)),
                map(max, map(bottom.__getitem__, spans)),
                repeat(TEXT_SCORE),
            ),
        )
    )


def text_of(words: Sequence[Word]) -> str:
    """pdfplumber's extract_text: words clustered into lines by top, lines top to bottom."""
    if len(words) < 2:
        return words[0].text if words else ""
    tops = [word.top for word in words]
    texts = [word.text for word in words]
    if tops.count(tops[0]) == len(tops):  # one line, as in most table cells
        return " ".join(texts)
    line_of, _ = cluster_index(tops, Y_TOLERANCE)
    lines = list(picked(tops, line_of))
    if any(map(gt, lines, lines[1:])):  # lines out of order: stable, like pdfplumber's
        order = sorted(range(len(words)), key=lines.__getitem__)
        texts, lines = list(picked(order, texts)), list(picked(order, lines))
    ends = [*compress(count(1), map(ne, lines[1:], lines)), len(lines)]
    return "\n".join(map(" ".join, map(texts.__getitem__, map(slice, [0, *ends], ends))))
