"""The document's currency: a labelled code, else the code or sign printed with its totals.

Failing both, the currency the document's lines name, when one clearly dominates (three
times as many lines as any other); otherwise the field stays empty. A sign several
currencies print ("$", "¥", "kr") counts only where the document says which one it is
(``Reading.signs``): a bare "$" on a Canadian invoice is not written as USD.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from extract.rules.fields import Found, labelled_values
from extract.rules.reading import Reading
from schemas.base import FieldSpec
from schemas.values import currency_code


def document_currency(
    reading: Reading, spec: FieldSpec, chosen: dict[str, Found], headers: set[tuple[int, int]]
) -> Found | None:
    for found in labelled_values(reading, spec, headers):
        if reading.holds(found.page, found.quote):
            return found
    amounts = [found for found in chosen.values() if isinstance(found.value, Decimal)]
    for found in reversed(amounts):  # totals come last in a schema, and name it most often
        code = currency_code(found.quote, reading.signs)
        if code is not None:
            return Found(spec.path, code, found.page, found.quote, (0,), found.line, -1)
    return _most_printed(reading, spec)


def _most_printed(reading: Reading, spec: FieldSpec) -> Found | None:
    """The one currency the document's lines name, quoted from the first line naming it."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, str]] = {}
    for line in reading.all_lines():
        code = currency_code(line.text, reading.signs)
        if code is None:
            continue
        counts[code] += 1
        first.setdefault(code, (line.page, line.text))
    if not counts:
        return None
    (code, count), *others = counts.most_common()
    if others and others[0][1] * 3 > count:
        return None
    page, quote = first[code]
    return Found(spec.path, code, page, quote, (9,), reading.lines[page - 1][0], -1)
