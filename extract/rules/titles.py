"""The document's title block: its number and date where no label names them.

A title is a cell high on page 1 that opens with one of the number field's title words
(its ``weak_labels``: "Invoice", "Rechnung", "FACTURE", letter-spaced "I N V O I C E" too).
A number sign under or beside it ("N° FR-2024-0117", "nº2022-4410", "#INV-3071") prints
the number; a date standing alone in the block, or the date of a letter ("München, den
04.03.2024", "Lyon, le 12 mai 2023"), is the document's date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extract.rules.evidence import Candidate
from extract.rules.labels import folded
from extract.rules.lines import Line
from extract.rules.reading import Reading
from extract.rules.typed import code_after, date_after
from schemas.base import FieldSpec
from schemas.values import date_spans

TITLE_SHARE = 0.4  # a title is printed in the top 40% of page 1
TITLE_NUMBER = 0.85  # "Invoice 204519" opening a cell of the title block
SIGNED_NUMBER = 0.8  # "N° FR-2024-0117" in the lines under the title
LETTER_DATE = 0.75  # "Stuttgart, den 04.03.2024"
BLOCK_DATE = 0.7  # a date alone in a cell next to the title or the number
SIGN_LINES = 3  # how far under the title a number sign may be
DATE_LINES = 2  # how far from the title or number a lone date may be
_NUMBER_SIGN = re.compile(r"(?:n[°º]|nº|no\.|nr\.|number|nummer|numéro|numero|#)\s*[:.]?\s*", re.I)
_SPACED = re.compile(r"^((?:[^\W\d_] ){3,}[^\W\d_])(?![^\W\d_])")
_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch"
    "|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì"
    "|venerdì|sabato|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
)
# a letter's date: "<place>, den <date>", "<place>, le <date>", "Le lundi <date>"
_LETTER = re.compile(
    rf"(?:,\s*|^\s*)(?:den|le|el|il|am|op|on|the)\s+(?:(?:{_WEEKDAYS}),?\s+)?(?=\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Title:
    line: Line
    first: int  # the title cell's words
    end: int
    rest: int  # where the text after the title word starts in the line


def _title_words(spec: FieldSpec) -> frozenset[str]:
    return frozenset(
        folded(str(word)).replace(" ", "") for word in spec.extra.get("weak_labels") or []
    )


def titles(reading: Reading, spec: FieldSpec) -> list[Title]:
    """The title cells of page 1's upper part (worked out once per document)."""
    key = ("titles", spec.path)
    if key not in reading.memo:
        reading.memo[key] = list(_titles(reading, spec))
    found: list[Title] = reading.memo[key]
    return found


def _titles(reading: Reading, spec: FieldSpec) -> Iterator[Title]:
    if not reading.lines or not reading.document.pages:
        return
    words = _title_words(spec)
    height = reading.document.pages[0].height or float("inf")
    for line in reading.lines[0]:
        if line.top > height * TITLE_SHARE:
            return
        for first, end in line.cells():
            text = line.joined(first, end)
            offset = line.starts[first]
            spaced = _SPACED.match(text)
            if spaced is not None and folded(spaced[1].replace(" ", "")) in words:
                yield Title(line, first, end, offset + spaced.end())
                continue
            head = re.match(r"[^\W\d_]+", text)
            if head is not None and folded(head[0]) in words:
                yield Title(line, first, end, offset + head.end())


def _signed(line: Line, start: int) -> tuple[str, int, int] | None:
    """A number sign at ``start`` and the code after it: (code, where it starts, ends)."""
    sign = _NUMBER_SIGN.match(line.text, start)
    if sign is None or sign.start() != start:
        return None
    got = code_after(line.text[sign.end() :])
    if got is None or got.start > 2:
        return None
    return str(got.value), sign.end() + got.start, sign.end() + got.end


def title_numbers(reading: Reading, spec: FieldSpec) -> list[Candidate]:
    """Numbers printed with a number sign in the title block."""
    found = []
    for title in titles(reading, spec):
        line = title.line
        rest = line.text[title.rest :]
        offset = title.rest + len(rest) - len(rest.lstrip())
        signed = _signed(line, offset)
        if signed is not None:  # "I N V O I C E #1", "Facture n°431207789"
            code, _, end = signed
            quote = line.text[line.starts[title.first] : end]
            found.append(
                Candidate(spec.path, code, line.page, quote, line, SIGNED_NUMBER, "title", end)
            )
        lines = reading.lines[line.page - 1]
        for under in lines[line.index + 1 : line.index + 1 + SIGN_LINES]:
            for first, _ in under.cells():
                signed = _signed(under, under.starts[first])
                before = under.text[: under.starts[first]]
                if signed is None or spec.path in reading.cues.of(before)[1]:
                    continue  # "Dossier | n° : 3": the sign numbers what the word before names
                code, _, end = signed
                quote = under.text[under.starts[first] : end]
                found.append(
                    Candidate(
                        spec.path, code, under.page, quote, under, SIGNED_NUMBER, "title", end
                    )
                )
    return found


def raised_titles(reading: Reading, spec: FieldSpec, found: list[Candidate]) -> list[Candidate]:
    """A title word's number ("Invoice 204519", "Rechnung RE-7742") is surer when the title
    opens a cell of the title block than when "invoice" is just a word before a code."""
    places = {
        (title.line.page, title.line.index, title.line.starts[title.first])
        for title in titles(reading, spec)
    }
    raised = []
    for candidate in found:
        start = candidate.line.text.find(candidate.quote)
        if candidate.why == "weak" and (candidate.line.page, candidate.line.index, start) in places:
            candidate = Candidate(
                candidate.path,
                candidate.value,
                candidate.page,
                candidate.quote,
                candidate.line,
                max(candidate.strength, TITLE_NUMBER),
                "title",
                candidate.end,
            )
        raised.append(candidate)
    return raised


_LABEL_BEFORE = re.compile(r"[^\W\d_]{2,}\.?\s*:\s*$")  # a label right before the cell


def _lone_date(line: Line, first: int, end: int, day_first: bool) -> tuple[object, str] | None:
    text = line.joined(first, end)
    found = date_spans(text, day_first)
    if len(found) != 1:
        return None
    value, start, stop = found[0]
    if text[:start].strip(" ,.:") or text[stop:].strip(" ,.:"):
        return None
    return value, text


def _labelled_above(reading: Reading, above: Line | None, line: Line, first: int, end: int) -> bool:
    """A label in the line above over the cell: the cell is that label's value."""
    if above is None:
        return False
    x0, x1 = line.words[first].x0, line.words[end - 1].x1
    return any(
        min(x1, above.x_at(hit.end - 1)) > max(x0, above.x_at(hit.start)) - 1
        for hit in reading.hits_in(above)
        if any(reading.labels.kinds.get(path) == "date" for path in hit.fields)
    )


def document_dates(
    reading: Reading, spec: FieldSpec, title_spec: FieldSpec | None, anchors: list[Line]
) -> list[Candidate]:
    """The document's date where no label names it: a letter's date high on page 1, or a
    date alone in a cell within two lines of the title or of the number's line."""
    if not reading.lines or not reading.document.pages:
        return []
    found = []
    height = reading.document.pages[0].height or float("inf")
    near: set[int] = set()
    places = [title.line for title in titles(reading, title_spec)] if title_spec else []
    for line in places + [line for line in anchors if line.page == 1]:
        near.update(range(line.index - DATE_LINES, line.index + DATE_LINES + 1))
    for line in reading.lines[0]:
        if line.top > height * 0.5:
            break
        for first, end in line.cells():
            cell_start = line.starts[first]
            text = line.joined(first, end)
            for match in _LETTER.finditer(text):
                got = date_after(text[match.end() :], reading.day_first)
                if got is None or got.start != 0:
                    continue
                stop = cell_start + match.end() + got.end
                quote = line.text[cell_start:stop].strip()
                found.append(
                    Candidate(
                        spec.path, got.value, line.page, quote, line, LETTER_DATE, "letter", stop
                    )
                )
        if line.index not in near or line.top > height * TITLE_SHARE or reading.hits_in(line):
            continue  # a line with labels says what its dates are
        above = reading.lines[0][line.index - 1] if line.index else None
        for first, end in line.cells():
            if _LABEL_BEFORE.search(line.text[: line.starts[first]]):
                continue  # "Leistungsdatum: | 2024-05-02": a label we do not know says what it is
            lone = _lone_date(line, first, end, reading.day_first)
            if lone is not None and not _labelled_above(reading, above, line, first, end):
                value, quote = lone
                found.append(
                    Candidate(spec.path, value, line.page, quote, line, BLOCK_DATE, "block")
                )
    return found
