"""The confidence formula: a value's confidence in [0, 1] from what the checks found.

Never the model's opinion of itself. What supports a value: for the rules backend (or any
backend that gives an evidence score) that score; for an LLM, the checks that confirm it
(the schema's sums hold with it, the same value is printed elsewhere in the document). What
casts doubt multiplies it down (a quote that matched only after repair, a sum that fails,
an answer validation sent back, OCR words read with low scores), and a value the page does
not show is capped low whatever else holds. No value is ever fully sure: the top is 0.99,
so a review threshold of 1.0 accepts nothing unseen.

Plain arithmetic on plain data, so it sits at the bottom: extract.confidence gathers each
value's ``Evidence`` from a document, and the workbook's README sheet shows
``FORMULA_TEXT``, which follows the constants. A change of the formula must bump
``CONFIDENCE_VERSION``: cached answers are then checked again (see extract.run), never
bought again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

# where a value's quote was found: verbatim on its cited page; on it only once whitespace,
# case and words hyphenated across a line break are repaired; only on another page; nowhere
QuoteFound = Literal["exact", "repaired", "other_page", "missing"]
ON_PAGE: tuple[QuoteFound, ...] = ("exact", "repaired")

CONFIDENCE_VERSION = 2  # bump with any change below: cached values get their confidence again

MOST = 0.99  # no check makes a value certain
DOUBT = 0.10  # an LLM value that is on its page and nothing else confirms: 0.90
DOUBT_IF_SUMS_HOLD = 0.2  # the schema's sums hold with the value: doubt x 0.2
DOUBT_IF_ELSEWHERE = 0.5  # the same value is printed elsewhere in the document: doubt x 0.5
REPAIRED_QUOTE = 0.95  # the quote matched only once whitespace, case or hyphenation repaired
SUMS_FAIL = 0.5  # a sum rule this value is part of does not add up
PER_RETRY = 0.9  # per answer the schema's validation sent back before this one
NOT_ON_PAGE_CAP: Mapping[QuoteFound, float] = {"other_page": 0.2, "missing": 0.05}
NOT_READ_CAP = 0.1  # the quote is on the page but our parser does not read the value in it
EXACT_SOURCE_SCORE = 1.0  # the PDF's own e-invoice XML: exact, so only the checks limit it

LLM_SUPPORT = tuple(  # nothing confirms it, printed elsewhere, sums hold, both
    1 - DOUBT * s * e for s in (1, DOUBT_IF_SUMS_HOLD) for e in (1, DOUBT_IF_ELSEWHERE)
)
FORMULA_TEXT = (
    f"confidence = min({MOST:g}, support x doubts, cap): from what can be checked, never"
    " the model's opinion of itself."
    " support: the backend's own evidence score when it gives one (the rules backend);"
    " otherwise (an LLM) 1 - doubt, the doubt"
    f" {DOUBT:g} multiplied by {DOUBT_IF_SUMS_HOLD:g} when the schema's sums hold with the"
    f" value and by"
    f" {DOUBT_IF_ELSEWHERE:g} when the same value is printed elsewhere in the document"
    f" (so {', '.join(f'{v:.2f}' for v in sorted(LLM_SUPPORT))});"
    f" e-invoice XML {EXACT_SOURCE_SCORE:g}."
    f" doubts: x {REPAIRED_QUOTE:g} when the quote matched only after whitespace, case or"
    f" hyphenation repair; x {SUMS_FAIL:g} when a sum the value is part of does not add up;"
    f" x {PER_RETRY:g} per answer the schema's validation sent back; x the OCR score of the"
    " words quoted on a scanned page."
    f" cap: {NOT_ON_PAGE_CAP['other_page']:g} when the quote is on another page than cited,"
    f" {NOT_ON_PAGE_CAP['missing']:g} when it is nowhere in the document, {NOT_READ_CAP:g}"
    " when the quote does not hold the value."
)


class Evidence(NamedTuple):
    """What the checks found for one value: every input of the formula. (A tuple: a
    document's values share a few of these, and they are made by the thousand.)"""

    quote_found: QuoteFound
    value_read: bool  # our typed parser reads the value in the quote
    sums: bool | None = None  # the schema's sums with this field: hold, fail, or none checked
    elsewhere: bool = False  # the same value is printed elsewhere in the document too
    retries: int = 0  # answers the schema's validation refused before this one
    backend_score: float | None = None  # the backend's own evidence score, if it gives one
    ocr_score: float | None = None  # the OCR score of the quoted words (None: a text layer)


def _unit(score: float) -> float:
    return 0.0 if score < 0.0 else 1.0 if score > 1.0 else score


def value_confidence(evidence: Evidence) -> float:
    """The formula (see ``FORMULA_TEXT``), rounded to three decimals."""
    if evidence.backend_score is None:
        doubt = DOUBT
        if evidence.sums:
            doubt *= DOUBT_IF_SUMS_HOLD
        if evidence.elsewhere:
            doubt *= DOUBT_IF_ELSEWHERE
        support = 1.0 - doubt
    else:
        support = _unit(evidence.backend_score)
    if evidence.quote_found == "repaired":
        support *= REPAIRED_QUOTE
    if evidence.sums is False:
        support *= SUMS_FAIL
    if evidence.retries > 0:
        support *= PER_RETRY**evidence.retries
    if evidence.ocr_score is not None:
        support *= _unit(evidence.ocr_score)
    cap = NOT_ON_PAGE_CAP.get(evidence.quote_found, MOST)
    if not evidence.value_read:
        cap = min(cap, NOT_READ_CAP)
    return round(min(MOST, cap, support), 3)
