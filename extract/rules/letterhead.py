"""Parties no label names: the sender line, the letterhead, the footer, the envelope window.

The issuer is the sender line of a window envelope ("Brandt Elektro KG · Industriestraße 4 ·
70565 Stuttgart") or a name high on page 1, surer with a legal form, an address under it,
contact lines, registration numbers near it, the document's own web or mail domain, and
the same name in the footer; less sure where envelope windows show the addressee. The
addressee is the name under the sender line. A template's placeholders are no names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from extract.rules.evidence import Candidate
from extract.rules.labels import folded
from extract.rules.lines import Line
from extract.rules.names import (
    address_like,
    bank_name,
    banner,
    cleaned_name,
    company_ids,
    contact_like,
    legal_form,
    matches_domain,
    organisation_word,
    salutation,
)
from extract.rules.parties import Names, cell_text, labelling, title_word, wrapped_name
from extract.rules.reading import Reading
from schemas.base import FieldSpec

SENDER_LINE = 0.85  # the sender line over a window envelope's address
WINDOW = 0.8  # the addressee under the sender line
LETTERHEAD = 0.4  # the first name high on page 1: an address alone under it is not enough
LETTERHEAD_OTHER = 0.3  # another name of the letterhead block
LETTERHEAD_MOST = 0.9  # however much evidence a letterhead name has
SIDE_BY_SIDE = 0.55  # the first of two companies' blocks side by side, neither headed
FOOTER = 0.4  # a name in a footer's company block: it confirms, it does not decide
FOOTER_BLOCK = 0.65  # a legal entity opening a footer block with its registration numbers
LEGAL_FORM = 0.15
ORGANISATION = 0.05
DOMAIN = 0.3
ADDRESS_UNDER = 0.15
IDS_NEAR = 0.1
CONTACT = 0.1
WINDOW_ZONE = 0.15  # taken off a letterhead name printed where addressees are, with no sign
WINDOW_TOP = 0.12  # of being the issuer: shares of page 1's height
WINDOW_BOTTOM = 0.32
LETTERHEAD_SHARE = 0.35  # the letterhead is in the top 35% of page 1
LETTERHEAD_LINES = 10
FOOTER_SHARE = 0.75
# what separates a sender line's parts: "·", "•", "|", a dash; OCR reads a dot as ":" too
_SEPARATOR = re.compile(r"\s*[·•|]\s*|\s+[–\-:]\s+")


Sender = tuple[Line, int, str, str]


def sender_lines(reading: Reading) -> list[Sender]:
    """Window-envelope sender lines high on page 1: (line, cell's first word, the cell's
    text, the sender's name); worked out once per document."""
    if "senders" not in reading.memo:
        reading.memo["senders"] = list(_sender_lines(reading))
    found: list[Sender] = reading.memo["senders"]
    return found


def _sender_lines(reading: Reading) -> Iterator[Sender]:
    if not reading.lines or not reading.document.pages:
        return
    height = reading.document.pages[0].height or float("inf")
    for line in reading.lines[0]:
        if line.top > height * 0.45:
            return
        for first, end in line.cells():
            _, text = cell_text(line, first, end)
            parts = [part for part in _SEPARATOR.split(text) if part.strip()]
            if len(parts) < 3 or not any(address_like(part) for part in parts[1:]):
                continue
            name = cleaned_name(parts[0])
            if name is not None:
                yield line, first, text, name


def sender_parties(reading: Reading, spec: FieldSpec, names: Names) -> list[Candidate]:
    found = []
    for line, _, text, name in sender_lines(reading):
        strength = SENDER_LINE + (0.05 if legal_form(name) else 0.0)
        found.append(
            Candidate(spec.path, names.value(name), line.page, text, line, strength, "sender")
        )
    return found


def addressees(reading: Reading, spec: FieldSpec, names: Names) -> list[Candidate]:
    """The name under a sender line, in the same column: the envelope's addressee."""
    found = []
    for line, first, _, _ in sender_lines(reading):
        lines = reading.lines[line.page - 1]
        left = line.words[first].x0
        for below in lines[line.index + 1 : line.index + 4]:
            cells = [
                (a, b) for a, b in below.cells() if abs(below.words[a].x0 - left) <= 2 * line.height
            ]
            if not cells:
                continue
            start, text = cell_text(below, *cells[0])
            if any(
                start <= hit.start < start + len(text) and labelling(reading, below, hit)
                for hit in reading.hits_in(below)
            ):
                break
            name = cleaned_name(text)
            if name is None and salutation(text):
                continue  # "Firma", "Herrn": the name is on the next line
            if name is not None:
                found.append(
                    Candidate(
                        spec.path, names.value(name), below.page, text, below, WINDOW, "window"
                    )
                )
            break
    return found


def _ids(reading: Reading, line: Line) -> bool:
    """The line prints a registration or bank number (cached per line)."""
    key = ("ids", line.page, line.index)
    if key not in reading.memo:
        reading.memo[key] = company_ids(line.text)
    return bool(reading.memo[key])


def _evidence(
    reading: Reading, names: Names, line: Line, first: int, end: int, name: str
) -> tuple[float, bool]:
    """What around a name says it is an organisation's (see the module's docstring), and
    whether any of it says the organisation is the issuer (its domain, its contact lines,
    its registration numbers) rather than an addressee with an address."""
    score = 0.0
    issuer = False
    if legal_form(name):
        score += LEGAL_FORM
    elif organisation_word(name):
        score += ORGANISATION
    if matches_domain(name, names.domains):
        score += DOMAIN
        issuer = True
    lines = reading.lines[line.page - 1]
    left, right = line.words[first].x0, line.words[end - 1].x1
    below = lines[line.index + 1 : line.index + 4]
    column = [
        under.joined(a, b)
        for under in below
        for a, b in under.cells()
        if under.words[a].x0 < right and under.words[b - 1].x1 > left
    ]
    if any(address_like(text) for text in column):
        score += ADDRESS_UNDER
    block = [
        under.joined(a, b)
        for under in lines[line.index + 1 : line.index + 7]
        for a, b in under.cells()
        if under.words[a].x0 < right and under.words[b - 1].x1 > left
    ]
    if any(contact_like(text) for text in block):
        score += CONTACT  # the issuer prints how to reach it; an addressee's block rarely does
        issuer = True
    if any(_ids(reading, under) for under in lines[line.index + 1 : line.index + 9]):
        score += IDS_NEAR
        issuer = True
    return score, issuer


def _opens_block(line: Line, headings: tuple[str, ...]) -> bool:
    """A cell of the line opens with one of the (folded) headings, as a heading: alone, or
    followed by a colon or the name."""
    for first, end in line.cells():
        text = folded(line.joined(first, end))
        for heading in headings:
            if text.startswith(heading) and text[len(heading) : len(heading) + 1] in ("", " ", ":"):
                return True
    return False


def _in_window(line: Line, first: int, height: float, width: float) -> bool:
    """In the left part of page 1 where a window envelope shows the addressee (DIN 5008 and
    its kind: some 45 to 90 mm from the top)."""
    return (
        WINDOW_TOP * height <= line.top <= WINDOW_BOTTOM * height
        and line.words[first].x0 < width / 2
    )


def letterhead_parties(
    reading: Reading, spec: FieldSpec, names: Names, stop: set[tuple[int, int]]
) -> list[Candidate]:
    """Names high on page 1, before any line in ``stop`` (the other party's headings)."""
    if not reading.lines or not reading.document.pages:
        return []
    height = reading.document.pages[0].height or float("inf")
    width = reading.document.pages[0].width or float("inf")
    senders = {(line.index, first) for line, first, _, _ in sender_lines(reading)}
    # under a sender line, in its column, is the addressee's block: no letterhead there
    below_senders = [
        (line.index, line.words[first].x0, line.words[line.cell_of(first)[1] - 1].x1)
        for line, first, _, _ in sender_lines(reading)
    ]
    found = []
    issuers: list[bool] = []  # per name found: whether anything says it issued the invoice
    seen_name = False
    others = tuple(folded(str(word)) for word in spec.extra.get("other_blocks") or ())
    for line in reading.lines[0][:LETTERHEAD_LINES]:
        if line.top > height * LETTERHEAD_SHARE or (line.page, line.index) in stop:
            break
        if others and _opens_block(line, others):
            break  # "Ship to", "Lieferadresse": someone else's address block starts here
        hits = reading.hits_in(line)
        labelled = [hit.start for hit in hits if labelling(reading, line, hit)]
        for first, end in line.cells():
            if (line.index, first) in senders:
                continue
            start, text = cell_text(line, first, end)
            if any(place < start + len(text) for place in labelled):
                continue  # a label, or what a label on its left announces
            if line.text[:start].rstrip().endswith(":"):
                continue  # "Order Number: | SO-98765": a label's value
            titled = [
                hit.start - start
                for hit in hits
                if start <= hit.start < start + len(text) and title_word(reading, hit)
            ]
            if titled:
                if banner(text):
                    continue
                text = text[: titled[0]]  # "Harbour Foods INVOICE": the title is no name
            x0, x1 = line.words[first].x0, line.words[end - 1].x1
            if any(line.index > i and x0 < right and x1 > left for i, left, right in below_senders):
                continue  # the addressee's block under a sender line
            name = cleaned_name(text)
            if name is None or bank_name(name):
                continue
            name, text = wrapped_name(reading, line, start, name, text)
            evidence, issuer = _evidence(reading, names, line, first, end, name)
            if not issuer and _in_window(line, first, height, width):
                evidence -= WINDOW_ZONE  # a bare name and address where envelopes show theirs
            domain = matches_domain(name, names.domains)
            if name[0].islower() and not domain:
                continue  # "emo nvo ce": a lower-case name needs its domain
            first_name = not seen_name
            seen_name = True
            base = LETTERHEAD if first_name else LETTERHEAD_OTHER
            evidence = min(evidence, LETTERHEAD_MOST - base)  # never surer than a label
            why = "letterhead" if first_name or domain else "other"
            issuers.append(issuer)
            found.append(
                Candidate(
                    spec.path,
                    names.value(name),
                    line.page,
                    text.strip(),
                    line,
                    base + evidence,
                    why,
                )
            )
    found = _side_by_side(found, issuers)
    if any(matches_domain(str(c.value), names.domains) for c in found):
        # the document's own domain names the issuer: the other names are someone else's
        found = [
            c if matches_domain(str(c.value), names.domains) else replace(c, why="other")
            for c in found
        ]
    return found


def _side_by_side(found: list[Candidate], issuers: list[bool]) -> list[Candidate]:
    """Two companies' blocks side by side at the top, no heading over either: left to right
    says little of which issued the invoice; the first is written only when it alone shows
    a sign of the issuer (its contact, register, domain). The same when a company block
    further down shows such a sign and the first shows none."""
    if len(found) < 2 or not _company(found[0]):
        return found
    second = found[1]
    beside = second.line.index == found[0].line.index and _company(second)
    # a company further down that shows how to reach it, when the first shows nothing of
    # the kind: an addressee's block may be printed first, over the issuer's
    issuing_later = not issuers[0] and any(
        issuer and _company(candidate)
        for candidate, issuer in zip(found[1:], issuers[1:], strict=True)
    )
    if (beside and not (issuers[0] and not issuers[1])) or issuing_later:
        return [replace(found[0], strength=min(found[0].strength, SIDE_BY_SIDE)), *found[1:]]
    return found


def _company(candidate: Candidate) -> bool:
    return legal_form(str(candidate.value)) or organisation_word(str(candidate.value))


def footer_parties(reading: Reading, spec: FieldSpec, names: Names) -> list[Candidate]:
    """Names opening a footer's company block ("Brandt Elektro KG | Sitz der Gesellschaft ...")."""
    found: list[Candidate] = []
    pages = list(zip(reading.document.pages, reading.lines, strict=False))
    for page, lines in pages[:1] + pages[1:][-1:]:  # the first page's footer and the last's
        height = page.height or float("inf")
        for line in lines:
            if line.top < height * FOOTER_SHARE:
                continue
            first, end = line.cells()[0]
            _, text = cell_text(line, first, end)
            text = re.sub(r"^[A-Z]{2,4}:\s*", "", text)  # "REG: Acme GmbH - ..."
            head = _SEPARATOR.split(text)[0]
            name = cleaned_name(head)
            if name is None or company_ids(name) or bank_name(name):
                continue
            if any(
                labelling(reading, line, hit)
                for hit in reading.hits_in(line)
                if hit.start < len(head)
            ):
                continue  # "Total HT Net": a label, not a name
            after = " ".join(near.text for near in lines[line.index + 1 : line.index + 3])
            ids = company_ids(text[len(head) :] + " " + after)
            if not (legal_form(name) or ids):
                continue
            # a legal entity with its registration or bank numbers: the issuer's company block,
            # as sure as a letterhead, and a rival to one that names someone else
            block = ids and legal_form(name)
            found.append(
                Candidate(
                    spec.path,
                    names.value(name),
                    line.page,
                    head.strip(),
                    line,
                    FOOTER_BLOCK if block else FOOTER,
                    "footer_block" if block else "footer",
                )
            )
    return found
