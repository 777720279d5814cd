"""One document as the rules see it: lines per page, labels per line, and its date locale.

Built once per document and shared by every field's search, so a page is clustered into
lines and scanned for labels exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from extract.pdf import ParsedDocument
from extract.rules.cues import CueIndex
from extract.rules.labels import LabelHit, LabelIndex
from extract.rules.lines import Line, PageText, page_lines
from schemas.values import AMBIGUOUS_SIGNS, sign_meanings

_NUMERIC_DATE = re.compile(r"(?<![\d.,/-])(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?![\d.,/-]?\d)")
_US_ADDRESS = re.compile(r"\b[A-Z]{2} \d{5}(?:-\d{4})?\b")


@dataclass
class Reading:
    document: ParsedDocument
    labels: LabelIndex
    cues: CueIndex
    lines: list[list[Line]] = field(default_factory=list)  # per page, top to bottom
    texts: list[PageText] = field(default_factory=list)
    hits: dict[tuple[int, int], list[LabelHit]] = field(default_factory=dict)
    # field path -> (line, hit position) of each label naming it, in reading order
    labelled: dict[str, list[tuple[Line, int]]] = field(default_factory=dict)
    day_first: bool = True
    # whether anything says which: a date that reads one way only, an address, the euro
    day_first_known: bool = False
    signs: dict[str, str] = field(default_factory=dict)  # what "$", "¥", "kr" mean here
    # what the rule modules work out once per document (title cells, sender lines, ...)
    memo: dict[Any, Any] = field(default_factory=dict)

    def hits_in(self, line: Line) -> list[LabelHit]:
        return self.hits.get((line.page, line.index), [])

    def all_lines(self) -> list[Line]:
        return [line for page in self.lines for line in page]

    def holds(self, page: int, quote: str) -> bool:
        return 1 <= page <= len(self.texts) and self.texts[page - 1].holds(quote)


def reading_of(document: ParsedDocument, labels: LabelIndex, cues: CueIndex) -> Reading:
    reading = Reading(document, labels, cues)
    for page in document.pages:
        lines = page_lines(page)
        reading.lines.append(lines)
        reading.texts.append(PageText(page))
        for line in lines:
            found = labels.hits(line)
            if found:
                reading.hits[(line.page, line.index)] = found
                for position, hit in enumerate(found):
                    for path in hit.fields:
                        reading.labelled.setdefault(path, []).append((line, position))
    reading.day_first, reading.day_first_known = date_order(document)
    text = "\n".join(page.text for page in document.pages)
    if any(sign in text.casefold() for sign in AMBIGUOUS_SIGNS):  # most print none: no need
        reading.signs = sign_meanings(text)  # to read what a sign means (a tenth of the rules)
    return reading


def date_order(document: ParsedDocument) -> tuple[bool, bool]:
    """Whether 03/05/2018 means 3 May here, and whether the document says so.

    A printed 23/03 proves day first, 03/23 month first. Without such proof a US address
    with dollar amounts suggests month first, euro or pound amounts day first; with none of
    these day first is a guess.
    """
    text = "\n".join(page.text for page in document.pages)
    votes = 0
    for match in _NUMERIC_DATE.finditer(text):
        first, second = int(match[1]), int(match[2])
        if first > 12 >= second >= 1:
            votes += 1
        elif second > 12 >= first >= 1:
            votes -= 1
    if votes:
        return votes > 0, True
    if "$" in text and _US_ADDRESS.search(text) is not None:
        return False, True
    return True, "€" in text or "£" in text


def day_first(document: ParsedDocument) -> bool:
    """Whether 03/05/2018 means 3 May here (see ``date_order``)."""
    return date_order(document)[0]
