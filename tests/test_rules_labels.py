"""Label finding: a line is matched lower-cased for speed, with exactly IGNORECASE's matches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.pdf import Word
from extract.rules.labels import LabelIndex
from extract.rules.lines import Line
from extract.rules.schema import schema_rules
from schemas.base import field_specs
from schemas.invoice import Invoice

RULES = schema_rules(Invoice)
INDEXES = [RULES.labels, *(index for _, index in RULES.lists.values())]
LABELS = sorted({label for spec in field_specs(Invoice) for label in spec.labels})
# characters whose case IGNORECASE treats otherwise than lower-casing does
ODD = ["İ", "ı", "ſ", "K", "Σ", "ς", "ß", "ẞ", "ﬁ", "ǅ", "Ⅰ", "µ", "\u00a0", "É", "Ü"]


def _line(text: str) -> Line:
    return Line(1, 0, tuple(Word(word, 0.0, 0.0, 1.0, 1.0) for word in text.split(" ")))


def _same_hits(index: LabelIndex, text: str) -> None:
    assert index.pattern is not None
    plain = [(m.start(), m.end()) for m in index.pattern.finditer(text)]
    assert [(m.start(), m.end()) for m in index._matches(text)] == plain
    hits = index.hits(_line(text))
    assert [(hit.start, hit.end) for hit in hits] == [
        span for span in plain if index._label(text[span[0] : span[1]]) is not None
    ]


@pytest.mark.parametrize(
    "text",
    [
        "INVOICE NUMBER: 123 Invoice Date 5 March 2018",
        "Rechnungsnr. 12 · RECHNUNGSDATUM: 05.03.2018 · Fällig",
        "İNVOICE NO 5 ınvoice date",  # dotted and dotless i: matched the plain way
        "ſubtotal 12 SUBTOTAL 13",
        "ΣΥΝΟΛΟ Total € 5",
        "F actuurnummer: 7 Factuur datum 1-2-2020",
        "Description Qty Unit price Amount",
    ],
)
def test_labels_are_found_as_a_case_insensitive_search_finds_them(text: str) -> None:
    for index in INDEXES:
        _same_hits(index, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LABELS + [label.upper() for label in LABELS] + ODD), max_size=6))
def test_any_mix_of_labels_and_odd_letters_is_matched_alike(parts: list[str]) -> None:
    text = " ".join(parts)
    for index in INDEXES:
        _same_hits(index, text)
