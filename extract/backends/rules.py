"""The offline rules backend: candidates with their evidence, chosen together, or nothing.

Template-free: nothing here knows a vendor or a layout. The schema's field metadata drives
it: labels (specific ones, and ``weak_labels`` that name a field only when nothing better
does), ``cues`` and ``not_cues`` (words that turn a label into another field's or rule it
out), the kind, and hints (``role``, ``title``, ``document_date``, ``after_field``,
``not_before``, ``names_exclude``, ``where``, ``issuer_field``) and ``sum_rules``. Every
candidate carries a strength in [0, 1] (extract.rules.evidence); values are pooled (the
same value found twice agrees, a rival contradicts), checked together (the sums, the order
of dates, seller not buyer) and written only at ``WRITE_AT`` or above, their confidence in
``Extraction.scores``. A PDF that carries an e-invoice (Factur-X, ZUGFeRD, XRechnung) is read
from its XML instead.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extract.backends.base import BackendOptions, Extraction
from extract.backends.embedded import embedded_extraction
from extract.pdf import ParsedDocument
from extract.rules.amounts import Money, amounts_printed, money_candidates
from extract.rules.cues import CueIndex
from extract.rules.currency import document_currency
from extract.rules.evidence import WRITE_AT, Candidate, Choice, pooled, with_strength
from extract.rules.fields import labelled_values
from extract.rules.labels import LabelIndex, folded
from extract.rules.names import holds_word, name_key
from extract.rules.parties import (
    addressees,
    footer_parties,
    heading_lines,
    labelled_parties,
    letterhead_parties,
    names_of,
    sender_parties,
)
from extract.rules.reading import Reading, reading_of
from extract.rules.tables import StopLabels, list_rows
from extract.rules.titles import document_dates, raised_titles, title_numbers
from extract.rules.totals import SumRule, resolved_totals
from extract.rules.typed import date_after
from schemas.base import FieldSpec, field_specs

Cited = dict[str, Any]

_EXTRACT = Path(__file__).resolve().parent.parent
# the code whose change changes the rules' answers (and how values are written and read)
RULES_SOURCES: tuple[Path, ...] = (
    *sorted((_EXTRACT / "rules").glob("*.py")),
    Path(__file__).resolve(),
    _EXTRACT / "embedded.py",
    _EXTRACT / "grounding.py",  # cached rules outcomes carry their grounded flags
    _EXTRACT.parent / "schemas" / "values.py",
    _EXTRACT.parent / "schemas" / "base.py",
)


def sources_digest(paths: Iterable[Path]) -> str:
    """A short hash of source files' names and bytes: the rules' version in the cache key."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class SchemaRules:
    """What the rules need of a schema, worked out once: its fields, labels, cues and sums."""

    scalar: list[FieldSpec]
    lists: dict[str, tuple[list[FieldSpec], LabelIndex]]
    labels: LabelIndex
    cues: CueIndex
    stops: StopLabels
    sum_rules: tuple[SumRule, ...]


def schema_rules(schema: type[BaseModel]) -> SchemaRules:
    specs = field_specs(schema)
    scalar = [spec for spec in specs if spec.list_field is None]
    grouped: dict[str, list[FieldSpec]] = {}
    for spec in specs:
        if spec.list_field is not None:
            grouped.setdefault(spec.list_field, []).append(spec)
    return SchemaRules(
        scalar=scalar,
        lists={name: (group, LabelIndex(group)) for name, group in grouped.items()},
        labels=LabelIndex(scalar),
        cues=CueIndex(scalar),
        stops=StopLabels(
            totals={spec.path for spec in scalar if spec.kind == "money"},
            final={spec.path for spec in scalar if spec.extra.get("ends_list")},
        ),
        sum_rules=tuple(getattr(schema, "sum_rules", ())),
    )


class RulesBackend:
    name = "rules"
    model = "rules-v3"
    # changes with the rules' code, so `extract run` never serves answers of older rules
    prompt_version = f"3-{sources_digest(RULES_SOURCES)}"
    reads_scans = False
    local = True  # CPU-bound, no network: the run extracts in the parse worker processes

    def __init__(self, options: BackendOptions | None = None) -> None:
        self.options = options or BackendOptions()
        self._rules: dict[type[BaseModel], SchemaRules] = {}
        self._lock = threading.Lock()

    def _schema_rules(self, schema: type[BaseModel]) -> SchemaRules:
        with self._lock:
            if schema not in self._rules:
                self._rules[schema] = schema_rules(schema)
            return self._rules[schema]

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        embedded = embedded_extraction(document, schema, self.name, self.model)
        if embedded is not None:
            return embedded
        rules = self._schema_rules(schema)
        reading = reading_of(document, rules.labels, rules.cues)
        data, scores = document_values(reading, rules)
        return Extraction(schema.model_validate(data), self.name, self.model, scores=scores)


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
                    values = [
                        row[spec.name]["value"] for row in found_rows.rows if spec.name in row
                    ]
                    line_sums[spec.path] = sum(values, Decimal(0))
    chosen: dict[str, Choice] = {}
    money = {spec.path for spec in rules.scalar if spec.kind == "money"}
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
            found = [_placed(reading, _unsure_order(reading, c)) for c in found]
        found += _after_field(reading, spec, chosen)
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
    _dates_in_order(rules.scalar, chosen)
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


FOOTER_SHARE = 0.7  # below this share of its page a line is in the footer
IN_FOOTER = 0.15  # taken off a weakly labelled date there ("Datum: 30.10.2024 Zeit: 04:59")


HEADER_SHARE = 0.4  # above this share of page 1 a line is in the document's header
IN_HEADER = 0.1  # added to a weakly labelled date there ("Date: 05.03.2024" under the title)


def _placed(reading: Reading, candidate: Candidate) -> Candidate:
    """A weakly labelled date is the document's more surely in its header, less so in a
    footer ("Datum: 30.10.2024 Zeit: 04:59" is when it was printed)."""
    page = reading.document.page(candidate.page)
    height = page.height if page is not None and page.height else float("inf")
    if candidate.why != "weak":
        return candidate
    if candidate.line.top > height * FOOTER_SHARE:
        return with_strength(candidate, candidate.strength - IN_FOOTER)
    if candidate.page == 1 and candidate.line.top < height * HEADER_SHARE:
        return with_strength(candidate, candidate.strength + IN_HEADER)
    return candidate


IN_ORDER = 0.05  # added to both dates when the due date follows the issue date
IN_ORDER_DAYS = 370
IN_ORDER_CAP = 0.95


UNSURE_ORDER = 0.2  # taken off "03/05/2024" where nothing says day or month comes first
_EITHER_WAY = re.compile(r"(?<!\d)(\d{1,2})[/-](\d{1,2})[/-](?:\d{4}|\d{2})(?!\d)")


def _unsure_order(reading: Reading, candidate: Candidate) -> Candidate:
    """A date that reads as two days ("03/05/2024": 3 May or March 5) where the document says
    nothing of its order is a guess: less sure. Dotted dates ("03.05.2024") are day first."""
    if reading.day_first_known:
        return candidate
    for match in _EITHER_WAY.finditer(candidate.quote):
        first, second = int(match[1]), int(match[2])
        if first != second and first <= 12 and second <= 12:
            return with_strength(candidate, candidate.strength - UNSURE_ORDER)
    return candidate


def _dates_in_order(specs: list[FieldSpec], chosen: dict[str, Choice]) -> None:
    """A date that must not come before another (``not_before``: the due date and the issue
    date): when they do, the less sure of the two is not written."""
    for spec in specs:
        earlier = spec.extra.get("not_before")
        if not isinstance(earlier, str) or spec.path not in chosen or earlier not in chosen:
            continue
        late, early = chosen[spec.path], chosen[earlier]
        if late.candidate.value < early.candidate.value:
            weaker = spec.path if late.confidence <= early.confidence else earlier
            chosen.pop(weaker)
        elif (late.candidate.value - early.candidate.value).days <= IN_ORDER_DAYS:
            for path, choice in ((spec.path, late), (earlier, early)):  # they bear each other out
                confidence = min(IN_ORDER_CAP, choice.confidence + IN_ORDER)
                chosen[path] = replace(
                    choice, confidence=round(max(choice.confidence, confidence), 3)
                )


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
        choices = pooled(
            (
                c
                for c in found[spec.path]
                if reading.holds(c.page, c.quote) and not holds_word(str(c.value), excluded)
            ),
            key=name_key,
        )
        if choices:
            chosen[spec.path] = choices[0]
    for spec in specs:
        issuer = spec.extra.get("issuer_field")
        if not isinstance(issuer, str) or spec.path not in chosen or issuer not in chosen:
            continue
        mine, theirs = chosen[spec.path], chosen[issuer]
        if name_key(str(mine.candidate.value)) == name_key(str(theirs.candidate.value)):
            chosen.pop(spec.path if mine.confidence <= theirs.confidence else issuer)


def _after_field(reading: Reading, spec: FieldSpec, chosen: dict[str, Choice]) -> list[Candidate]:
    """A date printed right after another field's value: "Facture n° F-118 du 05/11/2024"."""
    after = spec.extra.get("after_field")
    if spec.kind != "date" or not isinstance(after, str) or after not in chosen:
        return []
    found = []
    for anchor in chosen[after].support:
        if anchor.end < 0:
            continue
        rest = anchor.line.text[anchor.end :]
        got = date_after(rest, reading.day_first)
        if got is None:
            continue
        start = anchor.line.text.find(anchor.quote)
        if start < 0:
            continue
        quote = anchor.line.text[start : anchor.end + got.end].strip()
        strength = min(anchor.strength, 0.85)
        found.append(
            Candidate(spec.path, got.value, anchor.page, quote, anchor.line, strength, "after")
        )
    return found
