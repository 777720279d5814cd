"""Values announced by labels: on the same line after the label, or in the column below it.

Every candidate carries how surely its label names the field (``phrases.namings``: a specific
label, a generic one, a weak one; ruled out by a not-cue such as the "Delivery" of "Delivery
date"). The quote is always a verbatim part of one line: from the label to the value, or the
value's words in the row below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any

from extract.rules.evidence import BELOW, Candidate
from extract.rules.labels import LabelHit, after_separators, is_announcing
from extract.rules.lines import Line
from extract.rules.phrases import Segment, namings
from extract.rules.reading import Reading
from extract.rules.typed import (
    Read,
    code_after,
    currency_after,
    date_after,
    money_after,
    name_after,
    number_at,
    text_after,
)
from schemas.base import FieldSpec

Reader = Callable[[str], Read | None]
_PARENTHESES = re.compile(r"\([^)]*\)|\d+(?:[.,]\d+)?\s?%")
BELOW_LINES = 3  # how many lines under a label may hold its value
BELOW_DISTANCE = 3.0  # in line heights


def reader_for(spec: FieldSpec, reading: Reading) -> Reader:
    if spec.extra.get("role") == "currency":
        return lambda text: currency_after(text, reading.signs)
    if spec.extra.get("role") == "party":
        return name_after
    if spec.kind == "date":
        return lambda text: date_after(text, reading.day_first)
    if spec.kind == "money":
        return lambda text: money_after(text, reading.day_first)
    if spec.kind == "number":
        return number_at
    if spec.kind == "code":
        return code_after
    return text_after


def _phrase(line: Line, hit: LabelHit, end: int) -> Segment:
    """The label with the word before it in its cell ("Delivery date", "Liefer- und
    Rechnungsdatum") up to ``end``: where its not-cues are looked for."""
    word = line.word_index(hit.start)
    start = hit.start
    if word > 0 and word not in line.cell_starts and line.starts[word] == hit.start:
        start = line.starts[word - 1]
    return Segment(line, start, max(end, hit.end))


def labelled_values(
    reading: Reading, spec: FieldSpec, blocked: Collection[tuple[int, int]]
) -> list[Candidate]:
    """Every value a label of ``spec`` announces in the document, strongest first.

    ``blocked`` lines (table headers and rows) announce no value below them and hold none.
    """
    read = reader_for(spec, reading)
    found: list[Candidate] = []
    paths = (spec.path,)
    for line, position in reading.labelled.get(spec.path, ()):  # labels naming the field
        hits = reading.hits_in(line)
        hit = hits[position]
        if not is_announcing(line, hit):
            continue
        following = hits[position + 1] if position + 1 < len(hits) else None
        same = _same_line(line, hit, following, read, spec)
        if same is not None:
            value, quote, start, end = same
            for naming in namings(reading, [_phrase(line, hit, start)], paths):
                why = "weak" if naming.weak else "label"
                found.append(
                    Candidate(spec.path, value, line.page, quote, line, naming.strength, why, end)
                )
            continue
        if (line.page, line.index) in blocked:
            continue
        below = _below(reading, line, hit, following, read, spec, blocked)
        if below is not None:
            value, quote, under = below
            label_end = line.word_index(max(hit.end - 1, hit.start))
            cell_end = line.cell_end(label_end)
            end = line.starts[cell_end - 1] + len(line.words[cell_end - 1].text)
            for naming in namings(reading, [_phrase(line, hit, end)], paths):
                why = "weak" if naming.weak else "below"
                found.append(
                    Candidate(
                        spec.path, value, under.page, quote, under, naming.strength - BELOW, why
                    )
                )
    found.sort(key=lambda candidate: -candidate.strength)
    return found


def _same_line(
    line: Line, hit: LabelHit, following: LabelHit | None, read: Reader, spec: FieldSpec
) -> tuple[Any, str, int, int] | None:
    text = line.text
    start = hit.end + after_separators(text[hit.end :])
    end = following.start if following is not None else len(text)
    if spec.kind == "text":
        end = min(end, _cell_end_offset(line, start))
    if start >= end:
        return None
    got = read(text[start:end])
    if got is None:
        return None
    quote = text[hit.start : start + got.end].strip()
    return got.value, quote, start + got.start, start + got.end


def _cell_end_offset(line: Line, offset: int) -> int:
    if offset >= len(line.text):
        return len(line.text)
    first = line.word_index(offset)
    end = line.cell_end(first)
    last = line.words[end - 1]
    return line.starts[end - 1] + len(last.text)


def _below(
    reading: Reading,
    line: Line,
    hit: LabelHit,
    following: LabelHit | None,
    read: Reader,
    spec: FieldSpec,
    blocked: Collection[tuple[int, int]],
) -> tuple[Any, str, Line] | None:
    """The value in the column under a label that stands alone in its cell."""
    first = line.word_index(hit.start)
    if first not in line.cell_starts or line.starts[first] != hit.start:
        return None
    last = line.word_index(max(hit.end - 1, hit.start))
    cell_end = line.cell_end(last)
    rest = line.joined(last + 1, cell_end) if cell_end > last + 1 else ""
    tail = line.text[hit.end : line.starts[last] + len(line.words[last].text)]
    if _PARENTHESES.sub("", rest + tail).strip(" :#.-|"):
        return None  # "VAT (20%)" still stands alone; "Invoice Summary" does not
    left = line.words[first].x0
    right = line.words[cell_end].x0 if cell_end < len(line.words) else float("inf")
    if following is not None:
        right = min(right, line.x_at(following.start))
    floor = line.words[first - 1].x1 if first > 0 else float("-inf")
    lines = reading.lines[line.page - 1]
    for under in lines[line.index + 1 : line.index + 1 + BELOW_LINES]:
        if under.top - line.bottom > BELOW_DISTANCE * line.height:
            return None
        if (under.page, under.index) in blocked:
            return None
        chosen = [
            index
            for index, word in enumerate(under.words)
            if word.x1 > left and word.x0 < right and word.x0 >= floor - 1
        ]
        if not chosen:
            continue
        # a right-aligned value runs left of its label: take the cells the words open
        cells = [
            (first, end) for first, end in under.cells() if first <= chosen[-1] and end > chosen[0]
        ]
        a, b = min(cells[0][0], chosen[0]), max(cells[-1][1], chosen[-1] + 1)
        if under.words[a].x0 < floor - 1:
            a = chosen[0]
        if spec.kind != "text" and _hits_between(reading, under, a, b):
            return None  # "Invoice#80412" under "Invoice": a label of its own, not a value
        if _announcing_between(reading, under, a, b):
            if spec.kind == "text":
                continue  # "Bill to Address:" above a line of totals: the name is further down
            return None
        text = under.joined(a, b)
        got = read(text)
        if got is None:
            return None
        return got.value, text[: got.end].strip(), under
    return None


def _hits_between(reading: Reading, line: Line, first: int, end: int) -> list[LabelHit]:
    low, high = line.starts[first], line.starts[end - 1] + len(line.words[end - 1].text)
    return [hit for hit in reading.hits_in(line) if low <= hit.start < high]


def _announcing_between(reading: Reading, line: Line, first: int, end: int) -> list[LabelHit]:
    """Labels in the words that really announce something (a name printing "Buyer" does not)."""
    low, high = line.starts[first], line.starts[end - 1] + len(line.words[end - 1].text)
    return [
        hit
        for hit in reading.hits_in(line)
        if (low <= hit.start < high and line.text[hit.end : hit.end + 2].strip().startswith(":"))
        or (low <= hit.start < high and line.starts[first] == hit.start and hit.end == high)
    ]
