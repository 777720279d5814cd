"""Party names under their labels: "Bill to", "Verkäufer", "Émetteur", "From:".

A party label names the party printed beside it or first under it, when it stands as a
heading (alone in its cell, or with a colon) and is not the start of another value
("Customer number", "Client EAN"). Prose says it too: "make checks payable to Harbour Foods
Ltd". What a name looks like is extract.rules.names'; parties named without a label (the
sender line, the letterhead, the footer) are extract.rules.letterhead's.
"""

from __future__ import annotations

import re
from functools import cached_property

from extract.rules.evidence import Candidate
from extract.rules.labels import LabelHit, after_separators, is_announcing
from extract.rules.lines import Line
from extract.rules.names import (
    cleaned_name,
    deglued,
    document_domains,
    glued_text,
    legal_form,
    legal_form_only,
    organisation_word,
    salutation,
    without_leading_form,
)
from extract.rules.reading import Reading
from schemas.base import FieldSpec

SECTION = 0.85  # under or beside the party's label
TWO_NAMES = 0.55  # a person's name over a company's under the label: not written alone
UNDER_LINES = 3
WRAP_GAP = 0.5  # a wrapped name's next line starts within half its type size under it
WRAP_SIZE = 0.2  # and is printed at the same size, give or take a fifth (OCR's boxes vary)
_PROSE_END = re.compile(r"\s+(?:or|and|oder|und|ou|et|o|y|e|of\s+the)\s+|[;,(]|\.\s|\.$")
_COLON_AFTER = re.compile(r"^\s*:")


class Names:
    """What the party searches share: the document's domains and whether its text is glued."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.glued = glued_text(text)

    @cached_property
    def domains(self) -> set[str]:
        return document_domains(self.text)

    def value(self, name: str) -> str:
        return without_leading_form(deglued(name)) if self.glued else name


def names_of(reading: Reading) -> Names:
    return Names("\n".join(page.text for page in reading.document.pages))


def cell_text(line: Line, first: int, end: int) -> tuple[int, str]:
    start = line.starts[first]
    return start, line.joined(first, end)


def wrapped_name(
    reading: Reading, line: Line, offset: int, name: str, quote: str
) -> tuple[str, str]:
    """(name, quote) with the legal form that wrapped onto the next line ("Lewis & Robinson"
    over "LLC"), in the same column and type size, right under it; else as they were. The
    quote at ``offset`` of the line's text. Only an abbreviated form (LLC, GmbH & Co. KG,
    S.A.): a word such as "Company" alone under a logo's name may be its byline."""
    lines = reading.lines[line.page - 1]
    if legal_form(name) or line.index + 1 >= len(lines):
        return name, quote
    word = line.words[line.word_index(offset)]
    size = word.bottom - word.top
    below = lines[line.index + 1]
    if below.top - word.bottom > WRAP_GAP * size:
        return name, quote
    for first, end in below.cells():
        opening = below.words[first]
        if abs(opening.x0 - word.x0) > size:
            continue
        form = below.joined(first, end).strip()
        abbreviated = max(map(len, re.findall(r"[^\W\d_]+", form)), default=0) <= 4
        same_size = abs(opening.bottom - opening.top - size) <= WRAP_SIZE * size
        if same_size and abbreviated and legal_form_only(form):
            return f"{name} {form}", f"{quote.strip()} {form}"
        break
    return name, quote


def _cell_at(line: Line, offset: int) -> tuple[int, int]:
    return line.cell_of(line.word_index(offset))


HEADING_TAILS = frozenset(
    [
        "name", "names", "company", "firma", "firmenname", "address", "adresse", "anschrift",
        "details", "detail", "information", "info", "données", "datos", "dati", "gegevens",
        "nom", "nombre", "naam",
    ]
)  # fmt: skip


HEADING_OPENERS = HEADING_TAILS - {"company", "firma"}  # "Customer Service GmbH" is a name


def _tail_end(text: str) -> int:
    """How much of ``text`` (after a party label) is more words of the heading: "Customer
    name / company", "Bill to Address"."""
    position = 0
    for number, match in enumerate(re.finditer(r"\s*(?:[^\W\d_]+|/|&)", text)):
        word = match.group(0).strip().casefold()
        words = HEADING_OPENERS if number == 0 else HEADING_TAILS
        if word not in ("/", "&") and word not in words:
            break
        position = match.end()
    return position


def _heading(reading: Reading, path: str, line: Line, hit: LabelHit) -> str | None:
    """How a party label stands: "colon" (the name after it), "alone" (a heading: the name in
    the next cell or under it), "prose" ("payable to" inside a sentence), or None when it is
    no party heading here ("Customer number", a word of a table's header row)."""
    first, end = _cell_at(line, hit.start)
    cell_start, cell = cell_text(line, first, end)
    after = line.text[hit.end : cell_start + len(cell)]
    after = after[_tail_end(after) :]
    following = after.strip(" :.-–")
    next_word = re.match(r"[^\W\d_]+", following)
    if next_word is not None and path in reading.cues.of(next_word.group(0))[1]:
        return None  # "Customer number", "Client EAN", "Kunden-Nr."
    if following.casefold().startswith(("#", "no.", "nr.", "n°")):
        return None
    cells = len(line.cells())
    if cells >= 5 or (cells >= 4 and len(reading.hits_in(line)) >= 3):
        return None  # a word of a table's header row ("Client | EAN | Unitaire")
    before = line.text[cell_start : hit.start].strip()
    if _COLON_AFTER.match(after):
        return "colon" if not before or before.endswith(":") else None
    if not following and not before:
        return "alone"
    if " " in line.text[hit.start : hit.end].strip() and following[:1].isupper():
        return "prose"  # "payable to Harbour Foods Ltd"
    return None


def heading_lines(reading: Reading, paths: list[str]) -> set[tuple[int, int]]:
    """The lines where a party's label stands as a heading: a letterhead ends there."""
    return {
        (line.page, line.index)
        for path in paths
        for line, position in reading.labelled.get(path, ())
        if _heading(reading, path, line, reading.hits_in(line)[position]) is not None
    }


def labelled_parties(
    reading: Reading, spec: FieldSpec, names: Names, blocked: set[tuple[int, int]]
) -> list[Candidate]:
    """Names beside or under the party's labels."""
    found = []
    for line, position in reading.labelled.get(spec.path, ()):
        if (line.page, line.index) in blocked:
            continue
        hit = reading.hits_in(line)[position]
        how = _heading(reading, spec.path, line, hit)
        if how is None:
            continue
        first, end = _cell_at(line, hit.start)
        cell_start, cell = cell_text(line, first, end)
        if how in ("colon", "prose"):
            start = hit.end + _tail_end(line.text[hit.end :])
            start += after_separators(line.text[start:])
            text = line.text[start : cell_start + len(cell)]
            if how == "prose":
                text = _PROSE_END.split(text, maxsplit=1)[0]
            if text.strip() or how == "prose":
                name = cleaned_name(text)
                if name is not None:
                    name, text = wrapped_name(reading, line, start, name, text)
                    found.append(_named(spec, names, line, text, name, SECTION))
                continue
        beside = _next_cell(reading, line, end)  # "Bill to: | Rheingold GmbH", "Client | Acme"
        if beside is not None:
            quote, name = beside
            name, quote = wrapped_name(reading, line, line.text.find(quote), name, quote)
            found.append(_named(spec, names, line, quote, name, SECTION))
            continue
        under = _name_under(reading, line, first, end, blocked)
        if under is not None:
            below, quote, name = under
            name, quote = wrapped_name(reading, below, below.text.find(quote), name, quote)
            strength = SECTION - 0.05
            if _company_under(reading, line, first, end, blocked, under):
                strength = TWO_NAMES  # the person or the company: either may be meant
            found.append(_named(spec, names, below, quote, name, strength))
    return found


def _named(
    spec: FieldSpec, names: Names, line: Line, quote: str, name: str, strength: float
) -> Candidate:
    return Candidate(
        spec.path, names.value(name), line.page, quote.strip(), line, strength, "section"
    )


def _next_cell(reading: Reading, line: Line, end: int) -> tuple[str, str] | None:
    """The cell right of a heading on its line, when it is a name and no label."""
    cells = line.cells()
    for number, (first, stop) in enumerate(cells):
        if first != end:
            continue
        start, text = cell_text(line, first, stop)
        if text.strip() == ":" and number + 1 < len(cells):  # "Nom du client | : | Acme"
            start, text = cell_text(line, *cells[number + 1])
        if any(start <= hit.start < start + len(text) for hit in reading.hits_in(line)):
            return None
        name = cleaned_name(text)
        return (text, name) if name is not None else None
    return None


def _sub_label(text: str, end: int) -> bool:
    """A name whose label word is part of it ("Customer Service GmbH"): no colon after the word."""
    return not text[end:].lstrip().startswith(":")


def _name_under(
    reading: Reading, line: Line, first: int, end: int, blocked: set[tuple[int, int]]
) -> tuple[Line, str, str] | None:
    """The first line under a heading, in its column: a name, or nothing."""
    left = line.words[first].x0
    right = line.words[end].x0 if end < len(line.words) else float("inf")
    lines = reading.lines[line.page - 1]
    for under in lines[line.index + 1 : line.index + 1 + UNDER_LINES]:
        if under.top - line.bottom > 3 * line.height or (under.page, under.index) in blocked:
            return None
        cells = [
            (a, b)
            for a, b in under.cells()
            if under.words[a].x0 < right - 1 and under.words[b - 1].x1 > left + 1
        ]
        if not cells:
            continue
        a, b = cells[0]
        text = under.joined(a, b)
        start = under.starts[a]
        labels = [h for h in reading.hits_in(under) if start <= h.start < start + len(text)]
        if labels and text[labels[0].end - start :].lstrip().startswith(":"):
            if labels[0].start == start and len(cells) > 0:
                # "Name: | Brandt KG", "Name: Brandt KG": a sub-label before the name
                rest = text[labels[0].end - start :].lstrip(" :")
                if rest:
                    name = cleaned_name(rest)
                    return (under, text, name) if name is not None else None
            continue  # "Attn: ...": another label under the heading
        if labels and not (len(labels) == 1 and _sub_label(text, labels[0].end - start)):
            return None  # "N° facture": a label of something else under the heading
        name = cleaned_name(text)
        if name is None and salutation(text):
            continue  # "Firma", "Herrn", "Attn": the name is on the next line
        if name is None and re.match(r"^\s*[^\W\d_]+\s*:\s*$", text) and len(under.cells()) > 1:
            following = [cell for cell in under.cells() if cell[0] == b]
            if following:
                text = under.joined(a, following[0][1])
                name = cleaned_name(text)
        return (under, text, name) if name is not None else None
    return None


def _company_under(
    reading: Reading,
    heading: Line,
    first: int,
    end: int,
    blocked: set[tuple[int, int]],
    under: tuple[Line, str, str],
) -> bool:
    """A person's name first under the heading and a company's with its legal form right
    under it ("Bill to | Anna Schmidt | Nordwind GmbH"): which one is the party is a guess."""
    below, _, name = under
    if legal_form(name) or organisation_word(name):
        return False
    following = _name_under(reading, below, *_column(heading, below, first, end), blocked)
    return (
        following is not None and following[0].index == below.index + 1 and legal_form(following[2])
    )


def _column(heading: Line, below: Line, first: int, end: int) -> tuple[int, int]:
    """The words of ``below`` under the heading's words ``first:end``, as a cell of it."""
    left = heading.words[first].x0
    right = heading.words[end].x0 if end < len(heading.words) else float("inf")
    inside = [i for i, word in enumerate(below.words) if word.x0 < right - 1 and word.x1 > left + 1]
    return (inside[0], inside[-1] + 1) if inside else (0, len(below.words))


def title_word(reading: Reading, hit: LabelHit) -> bool:
    """A document title's word ("Invoice", "FACTURE"): a generic label of a code field."""
    return all(
        reading.labels.kinds.get(path) == "code" and reading.labels.weak(path, hit)
        for path in hit.fields
    )


def labelling(reading: Reading, line: Line, hit: LabelHit) -> bool:
    """The hit labels a value: not a title word, not a party's word inside a name
    ("Lieferant Holz GmbH")."""
    if title_word(reading, hit):
        return False
    parties = [path for path in hit.fields if reading.labels.kinds.get(path) == "text"]
    if parties:
        return any(_heading(reading, path, line, hit) is not None for path in parties)
    return is_announcing(line, hit)
