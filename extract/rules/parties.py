"""Parties without a label: the issuer in the letterhead, the addressee in the address window.

The issuer is the first name printed at the top of page 1 (before any labelled block).
A window envelope's return line ("Acme GmbH · Hauptstr. 1 · Berlin") repeats the issuer's
name; the line under it opens the addressee's block. Anything less sure is left empty.
"""

from __future__ import annotations

import re

from extract.rules.evidence import Candidate
from extract.rules.lines import Line
from extract.rules.reading import Reading
from extract.rules.typed import is_name
from schemas.values import normalized_text

TITLE_WORDS = frozenset(
    [
        "invoice",
        "invoices",
        "bill",
        "rechnung",
        "facture",
        "factuur",
        "factura",
        "fattura",
        "receipt",
        "quittung",
        "gutschrift",
        "credit",
        "note",
        "proforma",
        "tax",
        "retail",
        "kopie",
        "copy",
        "original",
        "duplicate",
        "payment",
        "statement",
    ]
)
LETTERHEAD_SHARE = 0.3  # the issuer is printed in the top 30% of page 1
_RETURN_SEPARATOR = re.compile(r"\s+[·•|–-]\s+|\s*[·•|]\s*")


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


def name_in(text: str) -> str | None:
    """The name a letterhead cell prints, without a document title around it."""
    first = _RETURN_SEPARATOR.split(text)[0].strip()
    tokens = first.split()
    while tokens and set(_words(tokens[0])) <= TITLE_WORDS:
        tokens.pop(0)
    while tokens and set(_words(tokens[-1])) <= TITLE_WORDS:
        tokens.pop()
    name = " ".join(tokens).strip(" ,;:")
    if not is_name(name) or any(word in TITLE_WORDS for word in _words(name)):
        return None
    return name


def _cell_before_labels(reading: Reading, line: Line, first: int, end: int) -> str:
    """The cell's text up to the first label printed in it."""
    text = line.joined(first, end)
    offset = line.starts[first]
    for hit in reading.hits_in(line):
        if set(_words(line.text[hit.start : hit.end])) <= TITLE_WORDS:
            continue  # "FACTUUR. Coolblue B.V.": a title, not a label before a value
        if offset <= hit.start < offset + len(text):
            return text[: hit.start - offset]
    return text


def letterhead(reading: Reading, path: str) -> Candidate | None:
    """The first name at the top of page 1, above the first labelled line."""
    if not reading.lines or not reading.document.pages:
        return None
    height = reading.document.pages[0].height or float("inf")
    for line in reading.lines[0]:
        if line.top > height * LETTERHEAD_SHARE:
            return None
        text = _cell_before_labels(reading, line, 0, len(line.words))
        if not text.strip():
            return None  # the labelled block begins: no letterhead above it
        name = name_in(text)
        if name is not None and reading.holds(line.page, text):
            return Candidate(path, name, line.page, text.strip(), line, 0.7, "letterhead")
    return None


def addressee(reading: Reading, path: str, issuer: str) -> Candidate | None:
    """The name under the window's return line, which repeats the issuer's name."""
    if not reading.lines or not issuer:
        return None
    height = reading.document.pages[0].height or float("inf")
    lines = reading.lines[0]
    wanted = normalized_text(issuer)
    for position, line in enumerate(lines[:-1]):
        if line.top > height * 0.5:
            return None
        first, end = line.cells()[0]
        text = _cell_before_labels(reading, line, first, end)
        parts = _RETURN_SEPARATOR.split(text)
        if len(parts) < 2 or normalized_text(parts[0]) != wanted:
            continue
        below = lines[position + 1]
        b_first, b_end = below.cells()[0]
        cell = _cell_before_labels(reading, below, b_first, b_end)
        name = name_in(cell)
        if name is not None and reading.holds(below.page, cell):
            return Candidate(path, name, below.page, cell.strip(), below, 0.7, "window")
        return None
    return None
