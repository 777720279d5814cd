"""One document's values: every field's candidates gathered, chosen together, written when
sure enough (see extract.backends.rules for the whole picture)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from extract.rules.amounts import Money, amounts_printed, money_candidates
from extract.rules.currency import document_currency
from extract.rules.dates import after_field, dates_in_order, placed, unsure_order
from extract.rules.evidence import WRITE_AT, Candidate, Choice, pooled
from extract.rules.fields import labelled_values
from extract.rules.labels import folded
from extract.rules.letterhead import (
    addressees,
    footer_parties,
    letterhead_parties,
    sender_parties,
)
from extract.rules.names import holds_word, name_key
from extract.rules.parties import heading_lines, labelled_parties, names_of
from extract.rules.reading import Reading
from extract.rules.schema import SchemaRules
from extract.rules.tables import list_rows
from extract.rules.titles import document_dates, raised_titles, title_numbers
from extract.rules.totals import resolved_totals

Cited = dict[str, Any]


def _cited(found: Candidate) -> Cited:
    return {"value": found.value, "page": found.page, "quote": found.quote}


LINE_ITEMS_ADD_UP = 0.9  # a row's values, when the rows add up to a chosen total
LINE_ITEMS = 0.7  # a row's values otherwise


def document_values(
    reading: Reading, rules: SchemaRules
) -> tuple[dict[str, Any], dict[tuple[str, int | None], float]]:
    """The schema's values as pydantic input ({field: {value, page, quote}, list: [rows]}),
    and the confidence of each value written."""
    data: dict[str, Any] = {}
    scores: dict[tuple[str, int | None], float] = {}
    blocked: set[tuple[int, int]] = set()
    line_sums: dict[str, Decimal] = {}
    for list_field, (item_specs, index) in rules.lists.items():
        found_rows = list_rows(reading, item_specs, index, rules.stops)
        blocked |= found_rows.lines
        if found_rows.rows:
            data[list_field] = found_rows.rows
            for spec in item_specs:
                if spec.kind == "money":
                    name = spec.name
                    values = [row[name]["value"] for row in found_rows.rows if name in row]
                    line_sums[spec.path] = sum(values, Decimal(0))
    chosen: dict[str, Choice] = {}
    money = [spec.path for spec in rules.scalar if spec.kind == "money"]  # in schema order:
    # ties among the chosen amounts fall the same way in every process (no set order)
    read = Money(reading)
    amounts = [
        found
        for found in money_candidates(reading, read, money, blocked)
        if reading.holds(found.page, found.quote)
    ]
    printed = amounts_printed(reading, read, blocked)
    chosen.update(resolved_totals(amounts, rules.sum_rules, printed, line_sums))
    title_spec = next((spec for spec in rules.scalar if spec.extra.get("title")), None)
    for spec in rules.scalar:
        if spec.kind == "money" or spec.extra.get("role") in ("currency", "party"):
            continue
        found = labelled_values(reading, spec, blocked)
        if spec.extra.get("title"):
            found = raised_titles(reading, spec, found) + title_numbers(reading, spec)
        if spec.kind == "code":  # "Invoice 1 of 2": a one-character code needs a real label
            found = [c for c in found if len(str(c.value)) > 1 or c.why not in ("weak",)]
        if spec.kind == "date":
            found = [placed(reading, unsure_order(reading, c)) for c in found]
        found += after_field(reading, spec, chosen)
        if spec.extra.get("document_date"):
            anchors = (
                [c.line for c in chosen[title_spec.path].support]
                if title_spec and title_spec.path in chosen
                else []
            )
            found += document_dates(reading, spec, title_spec, anchors)
        choices = pooled(c for c in found if reading.holds(c.page, c.quote))
        if choices:
            chosen[spec.path] = choices[0]
    dates_in_order(rules.scalar, chosen)
    _parties(reading, rules, chosen, blocked)
    for spec in rules.scalar:
        if spec.extra.get("role") == "currency":
            totals = sorted(
                (chosen[path] for path in money if path in chosen),
                key=lambda choice: -choice.confidence,
            )
            currency = document_currency(reading, spec, totals, blocked)
            if currency is not None:
                chosen[spec.path] = currency
    for path, choice in chosen.items():
        if choice.confidence >= WRITE_AT:
            data[path] = _cited(choice.candidate)
            scores[(path, None)] = choice.confidence
    for list_field, (item_specs, _) in rules.lists.items():
        rows = data.get(list_field) or []
        adds_up = any(
            path in data and abs(data[path]["value"] - total) <= Decimal("0.01")
            for total in line_sums.values()
            for path in money
        )
        for item, row in enumerate(rows, start=1):
            for spec in item_specs:
                if spec.name in row:
                    scores[(spec.path, item)] = LINE_ITEMS_ADD_UP if adds_up else LINE_ITEMS
    return data, scores


def _parties(
    reading: Reading, rules: SchemaRules, chosen: dict[str, Choice], blocked: set[tuple[int, int]]
) -> None:
    """The parties, chosen together: the issuer from its labels, sender line, letterhead
    and footer; the addressee from its labels and the envelope window; never one name for
    both."""
    specs = [spec for spec in rules.scalar if spec.extra.get("role") == "party"]
    if not specs:
        return
    names = names_of(reading)
    found = {spec.path: labelled_parties(reading, spec, names, blocked) for spec in specs}
    headings = heading_lines(reading, [spec.path for spec in specs])
    for spec in specs:
        where = spec.extra.get("where")
        if where == "letterhead":
            found[spec.path] += sender_parties(reading, spec, names)
            found[spec.path] += letterhead_parties(reading, spec, names, headings)
            found[spec.path] += footer_parties(reading, spec, names)
        elif where == "window":
            found[spec.path] += addressees(reading, spec, names)
    for spec in specs:
        excluded = frozenset(folded(str(word)) for word in spec.extra.get("names_exclude") or [])
        candidates = [
            c
            for c in found[spec.path]
            if reading.holds(c.page, c.quote) and not holds_word(str(c.value), excluded)
        ]
        choices = pooled(candidates, key=_one_name(candidates))
        if choices:
            chosen[spec.path] = _as_headed(choices[0])
    for spec in specs:
        issuer = spec.extra.get("issuer_field")
        if not isinstance(issuer, str) or spec.path not in chosen or issuer not in chosen:
            continue
        mine, theirs = chosen[spec.path], chosen[issuer]
        if name_key(str(mine.candidate.value)) == name_key(str(theirs.candidate.value)):
            chosen.pop(spec.path if mine.confidence <= theirs.confidence else issuer)


def _as_headed(choice: Choice) -> Choice:
    """A party named in the footer's company block and in the header is given as the header
    prints it ("Harbour Foods" over the footer's "Harbour Foods Ltd")."""
    if choice.candidate.why != "footer_block":
        return choice
    headed = [c for c in choice.support if c.why not in ("footer_block", "footer")]
    return replace(choice, candidate=headed[0]) if headed else choice


BRAND_LEAST = 4  # letters of a name that stands for a longer one starting with it


def _one_name(candidates: list[Candidate]) -> Callable[[Any], str]:
    """Which names are one party's: the same ``name_key``, or a brand that opens another's
    name ("nordwind" over "Nordwind Logistik GmbH"), so the two agree, not compete."""
    keys = {name_key(str(c.value)) for c in candidates}

    def key(value: Any) -> str:
        own = name_key(str(value))
        longer = [k for k in keys if k != own and len(own) >= BRAND_LEAST and k.startswith(own)]
        return max(longer, key=len) if longer else own

    return key
