"""Amount candidates: every amount printed outside the line items, named by its phrase.

An amount's phrase is the text of its cell before it, or of the cell before that when the
amount stands alone ("Subtotal | $1,763.58"). A row of several amounts under a header row
("Netto EUR | MwSt. EUR | Brutto EUR") is read by columns: each amount's phrase is the row's
label with the header above it. A label alone in its cell names the amount below it. What
is not money is left out: a percentage, a date, an identifier, an amount inside an aside
("(19% of €310.00)"), the halves of a number the text layer broke ("59 50"), and a bare
whole number where the document prints its money with cents ("HST (page 2)").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal

from extract.rules.evidence import BELOW, Candidate
from extract.rules.lines import Line
from extract.rules.phrases import Segment, namings, phrase_hits
from extract.rules.reading import Reading
from extract.rules.typed import Read, money_spans
from schemas.values import AMBIGUOUS_SIGNS, CURRENCY_CODES, CURRENCY_SIGNS

HEADER_LINES = 4  # how far above a row of amounts its header row may be
BELOW_LINES = 3
_BRACKETED = re.compile(r"\([^)]*\)")
_CURRENCY_NEAR = re.compile(r"[€$£¥₹]|(?<![A-Za-z])(?:[A-Z]{3}|Rs\.?)(?![A-Za-z])")
_WORD = re.compile(r"[^\W\d_]{2,}")
_DIGIT_SPACE_BEFORE = re.compile(r"\d $")
_DECIMALS = re.compile(r"[.,]\d{1,4}$")
_GROUPED = re.compile(r"\d{1,3}(?:[,.' \u202f\u00a0]\d{3})+")
_BASE_WORDS = frozenset(["on", "of", "auf", "sur", "von", "de", "su", "op", "over", "x"])


def _has_currency(text: str) -> bool:
    for match in _CURRENCY_NEAR.finditer(text):
        token = match.group(0).rstrip(".")
        if len(token) != 3 or token in CURRENCY_CODES:
            return True
    return False


_SIGN_WORDS = frozenset(
    [sign for sign in (*CURRENCY_SIGNS, *AMBIGUOUS_SIGNS) if sign.isalpha()] + ["rs", "us"]
)


def _words_of(text: str) -> list[str]:
    """The words of a phrase, currency codes and signs ("EUR", "Rs", "kr") left out."""
    return [
        word
        for word in _WORD.findall(text)
        if word.upper() not in CURRENCY_CODES and word.casefold() not in _SIGN_WORDS
    ]


_WITH_CENTS = re.compile(r"(?<![\d.,])\d[\d.,' ]*[.,]\d{2}(?![\d.,]?\d)")


def cents_style(reading: Reading) -> bool:
    """Whether the document prints its money with cents (twice at least): then a bare "2"
    with no currency beside it is no amount."""
    found = 0
    for page in reading.document.pages:
        found += len(_WITH_CENTS.findall(page.text))
        if found >= 2:
            return True
    return False


class Money:
    """The document's money amounts, read once per line."""

    def __init__(self, reading: Reading) -> None:
        self.day_first = reading.day_first
        self.cents = cents_style(reading)
        self._reads: dict[tuple[int, int], list[Read]] = {}

    def reads(self, line: Line) -> list[Read]:
        key = (line.page, line.index)
        found = self._reads.get(key)
        if found is None:
            found = self._reads[key] = money_reads(line, self.day_first, self.cents)
        return found


def money_reads(line: Line, day_first: bool, cents: bool) -> list[Read]:
    """The line's amounts that are money (see the module's docstring)."""
    text = line.text
    found = list(money_spans(text, day_first))
    if not found:
        return []
    asides = [
        match.span()
        for match in _BRACKETED.finditer(text)
        if _WORD.search(match[0]) or "%" in match[0]
    ]
    kept: list[Read] = []
    for read in found:
        raw = text[read.start : read.end].lstrip("-−( ")
        if any(a <= read.start < b for a, b in asides):
            continue
        if len(raw) == 2 and raw.isdigit() and _DIGIT_SPACE_BEFORE.search(text, 0, read.start):
            if kept and kept[-1].end == read.start - 1:
                kept.pop()  # "Ä59 50": an amount the text layer broke in two, both halves
            continue
        near = text[max(0, read.start - 4) : read.end + 4]
        if _DECIMALS.search(raw) is None:
            grouped = _GROUPED.fullmatch(raw) is not None
            if not grouped and sum(ch.isdigit() for ch in raw) >= 7 and not _has_currency(near):
                continue  # an identifier: "VAT/TIN: 29670869006"
            if cents and not _has_currency(near):
                continue  # "HST (page 2)", "Total Pcs.: 12" where money has cents
        kept.append(read)
    if len(kept) >= 2 and len({read.value for read in kept}) == 1:
        return kept[:1]  # the same amount in two columns ("2.310,00 € 2.310,00 €")
    return kept


def _cell_of(line: Line, word: int) -> tuple[int, int]:
    return line.cell_of(word)


def _own_phrase(line: Line, read: Read, previous_end: int) -> Segment:
    """The text before the amount in its cell, or the cell before when it stands alone."""
    word = line.word_index(read.start)
    first, _ = _cell_of(line, word)
    start = line.starts[first]
    for _ in range(4):  # "TOTAL | $ | 842.10": a lone sign is no phrase
        if first == 0 or start <= previous_end:
            break
        opened = line.text[:start].count("(") > line.text[:start].count(")")
        outside = _BRACKETED.sub(" ", line.text[start : read.start])
        if _words_of(outside) and not opened:
            break  # "Nettobetrag | (zzgl. | MwSt.) 812,40": the phrase starts before the aside
        first, _ = _cell_of(line, first - 1)
        start = line.starts[first]
    return Segment(line, max(start, previous_end), read.start)


def _span_x(line: Line, read: Read) -> tuple[float, float]:
    first = line.word_index(read.start)
    last = line.word_index(max(read.start, read.end - 1))
    return line.words[first].x0, line.words[last].x1


def _cell_x(line: Line, read: Read) -> tuple[float, float]:
    """Where the cell holding an amount runs ("USD 24,339.08": the code is in the column)."""
    first, end = line.cell_of(line.word_index(read.start))
    return line.words[first].x0, line.words[end - 1].x1


def _header_above(
    reading: Reading,
    line: Line,
    money: Money,
    paths: Collection[str],
    blocked: Collection[tuple[int, int]],
) -> Line | None:
    """The header row over a row of amounts: the nearest line above with no amount that names
    two amounts at least (labels or cue words: "Netto EUR | MwSt. EUR | Brutto EUR"), or the
    line items' own header (a row of their column totals under it)."""
    lines = reading.lines[line.page - 1]
    for above in reversed(lines[max(0, line.index - HEADER_LINES) : line.index]):
        if line.top - above.bottom > 2 * HEADER_LINES * line.height:
            return None
        if money.reads(above) or len(above.cells()) < 2:
            continue
        if (above.page, above.index) in blocked:
            return above
        labels = sum(1 for hit in reading.hits_in(above) if set(hit.fields) & set(paths))
        if labels + len(reading.cues.of(above.text)[0]) >= 2:
            return above
    return None


def _column_segment(header: Line, left: float, x0: float, x1: float) -> Segment | None:
    """The header cell over an amount (the one it overlaps most), with the cells before it
    that start right of ``left`` (the amount before, or the row's label): a monospaced
    print puts every header word in a cell of its own ("Netto | EUR")."""
    cells = header.cells()
    best: tuple[float, int] | None = None
    for number, (first, end) in enumerate(cells):
        overlap = min(header.words[end - 1].x1, x1) - max(header.words[first].x0, x0)
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, number)
    if best is None:
        return None
    number = best[1]
    while number > 0 and header.words[cells[number - 1][0]].x0 > left:
        number -= 1
    start = header.starts[cells[number][0]]
    last = cells[best[1]][1] - 1
    return Segment(header, start, header.starts[last] + len(header.words[last].text))


def money_candidates(
    reading: Reading, money: Money, paths: Collection[str], blocked: Collection[tuple[int, int]]
) -> list[Candidate]:
    """Every amount outside the line items that a phrase names as one of ``paths``."""
    found: list[Candidate] = []
    for line in reading.all_lines():
        if (line.page, line.index) in blocked:
            continue
        reads = money.reads(line)
        if not reads:
            found += _below(reading, line, paths, blocked, money)
            continue
        own: list[Segment] = []
        previous_end = 0
        for read in reads:
            own.append(_own_phrase(line, read, previous_end))
            previous_end = read.end
        empty = [not _words_of(segment.text) for segment in own]
        if len(reads) >= 2 and any(empty):
            found += _row_by_columns(reading, line, reads, paths, blocked, money, own, empty)
            continue
        for read, segment in zip(reads, own, strict=True):
            quote = line.text[segment.start : read.end].strip()
            for naming in namings(reading, [segment], paths, beside=True):
                if naming.weak and read.value == 0:
                    continue  # "Balance due 0.00", "Offener Betrag 0,00": paid, not the total
                found.append(
                    Candidate(
                        naming.path,
                        read.value,
                        line.page,
                        quote,
                        line,
                        naming.strength,
                        "weak" if naming.weak else "label",
                        read.end,
                    )
                )
    return found


def _row_by_columns(
    reading: Reading,
    line: Line,
    reads: list[Read],
    paths: Collection[str],
    blocked: Collection[tuple[int, int]],
    money: Money,
    own: list[Segment],
    empty: list[bool],
) -> list[Candidate]:
    """Several amounts in a row: an amount after a base ("Tax 15% on $112.90 $16.94") named
    by the label before the base, or each amount named by its column header and the row's
    label."""
    based = _after_base(reading, line, reads, paths, own, empty)
    if based:
        return based
    row_label = Segment(line, 0, reads[0].start)
    if (
        _words_of(row_label.text)
        and not namings(reading, [row_label], paths)
        and not any(set(hit.fields) & set(paths) for hit in phrase_hits(reading, [row_label]))
    ):
        return []  # "Parcels 97.98 97.98" under "Subtotal | GST | Total": a summary table's row
    header = _header_above(reading, line, money, paths, blocked)
    if header is None:
        return []
    found = []
    quote = line.text[: max(read.end for read in reads)].strip()
    label_words = [word for word in line.words if word.x1 <= _span_x(line, reads[0])[0]]
    left = label_words[-1].x1 if label_words else float("-inf")
    for read in reads:
        x0, x1 = _span_x(line, read)
        column = _column_segment(header, left, x0, x1)
        left = x1
        if column is None:
            continue
        segments = [row_label, column] if _words_of(row_label.text) else [column]
        for naming in namings(reading, segments, paths):
            found.append(
                Candidate(
                    naming.path,
                    read.value,
                    line.page,
                    quote,
                    line,
                    naming.strength,
                    "column",
                    read.end,
                )
            )
    return found


def _after_base(
    reading: Reading,
    line: Line,
    reads: list[Read],
    paths: Collection[str],
    own: list[Segment],
    empty: list[bool],
) -> list[Candidate]:
    """ "Tax 10% on $200.00 $20.00": the amount after the base is what the label names."""
    found = []
    for number in range(1, len(reads)):
        before = own[number - 1]
        words = re.findall(r"[^\W\d_]+|\d", before.text)
        if not empty[number] or empty[number - 1] or not words:
            continue
        last = words[-1].casefold()
        if last not in _BASE_WORDS and not re.search(r"(?:on|auf|sur|of)$", last):
            continue  # "on", "auf", "sur", "of", glued: "Tax15%on$112.90"
        read = reads[number]
        quote = line.text[before.start : read.end].strip()
        for naming in namings(reading, [before], paths):
            found.append(
                Candidate(
                    naming.path,
                    read.value,
                    line.page,
                    quote,
                    line,
                    naming.strength,
                    "label",
                    read.end,
                )
            )
    return found


def _below(
    reading: Reading,
    line: Line,
    paths: Collection[str],
    blocked: Collection[tuple[int, int]],
    money: Money,
) -> list[Candidate]:
    """Labels alone in their cells, each naming the amount right under it."""
    hits = reading.hits_in(line)
    if not any(path in paths for hit in hits for path in hit.fields):
        return []
    found = []
    lines = reading.lines[line.page - 1]
    for first, end in line.cells():
        start = line.starts[first]
        stop = start + len(line.joined(first, end))
        if not any(start <= hit.start < stop and set(hit.fields) & set(paths) for hit in hits):
            continue
        segment = Segment(line, start, stop)
        named = namings(reading, [segment], paths)
        if not named:
            continue
        left, right = line.words[first].x0, line.words[end - 1].x1
        for under in lines[line.index + 1 : line.index + 1 + BELOW_LINES]:
            if under.top - line.bottom > BELOW_LINES * line.height:
                break
            if (under.page, under.index) in blocked:
                break
            if _words_of(under.text):
                break  # "Parcels 97.98" under a header "Subtotal": a table's row, not a value
            reads = [
                read
                for read in money.reads(under)
                if min(right, _cell_x(under, read)[1]) - max(left, _cell_x(under, read)[0]) > 0
            ]
            if not reads:
                if any(
                    min(right, w.x1) - max(left, w.x0) > 0 for w in under.words
                ) and reading.hits_in(under):
                    break  # another label in the column
                continue
            read = reads[0]
            cell_first, _ = _cell_of(under, under.word_index(read.start))
            quote = under.text[under.starts[cell_first] : read.end].strip()
            for naming in named:
                found.append(
                    Candidate(
                        naming.path,
                        read.value,
                        under.page,
                        quote,
                        under,
                        naming.strength - BELOW,
                        "below",
                        read.end,
                    )
                )
            break
    return found


def amounts_printed(
    reading: Reading, money: Money, blocked: Collection[tuple[int, int]]
) -> set[Decimal]:
    """Every money amount printed outside the line items: parts of a sum may be unlabelled."""
    return {
        abs(read.value)
        for line in reading.all_lines()
        if (line.page, line.index) not in blocked
        for read in money.reads(line)
    }
