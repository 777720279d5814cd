"""The offline rules backend: the schema's labels find values, and every value quotes its line.

Template-free: nothing here knows a vendor or a layout. Field metadata drives it: labels
(most specific first), kind, and a few hints (``role``, ``position``, ``where``,
``after_field``). A PDF that carries an e-invoice (Factur-X, ZUGFeRD, XRechnung) is read
from its XML instead. Whatever the rules are unsure of stays empty.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extract.backends.base import BackendOptions, Extraction
from extract.backends.embedded import embedded_extraction
from extract.pdf import ParsedDocument
from extract.rules.currency import document_currency
from extract.rules.fields import Found, labelled_values
from extract.rules.labels import LabelIndex
from extract.rules.parties import addressee, letterhead
from extract.rules.reading import Reading, reading_of
from extract.rules.tables import StopLabels, list_rows
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
    """What the rules need of a schema, worked out once: its fields and compiled labels."""

    scalar: list[FieldSpec]
    lists: dict[str, tuple[list[FieldSpec], LabelIndex]]
    labels: LabelIndex
    stops: StopLabels


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
        stops=StopLabels(
            totals={spec.path for spec in scalar if spec.kind == "money"},
            final={spec.path for spec in scalar if spec.extra.get("ends_list")},
        ),
    )


class RulesBackend:
    name = "rules"
    model = "rules-v2"
    # changes with the rules' code, so `extract run` never serves answers of older rules
    prompt_version = f"2-{sources_digest(RULES_SOURCES)}"
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
        reading = reading_of(document, rules.labels)
        data = document_values(reading, rules)
        return Extraction(schema.model_validate(data), self.name, self.model)


def _cited(found: Found) -> Cited:
    return {"value": found.value, "page": found.page, "quote": found.quote}


def document_values(reading: Reading, rules: SchemaRules) -> dict[str, Any]:
    """The schema's values as pydantic input: {field: {value, page, quote}, list: [rows]}."""
    data: dict[str, Any] = {}
    blocked: set[tuple[int, int]] = set()
    for list_field, (item_specs, index) in rules.lists.items():
        found_rows = list_rows(reading, item_specs, index, rules.stops)
        blocked |= found_rows.lines
        if found_rows.rows:
            data[list_field] = found_rows.rows
    chosen: dict[str, Found] = {}
    for spec in rules.scalar:
        if spec.extra.get("role") == "currency":
            continue
        for found in labelled_values(reading, spec, blocked):
            if reading.holds(found.page, found.quote):
                chosen[spec.path] = found
                break
    for spec in rules.scalar:
        if spec.path not in chosen:
            fallback = _fallback(reading, spec, chosen)
            if fallback is not None:
                chosen[spec.path] = fallback
    for spec in rules.scalar:
        if spec.extra.get("role") == "currency":
            currency = document_currency(reading, spec, chosen, blocked)
            if currency is not None:
                chosen[spec.path] = currency
    data.update({path: _cited(found) for path, found in chosen.items()})
    return data


def _fallback(reading: Reading, spec: FieldSpec, chosen: dict[str, Found]) -> Found | None:
    """Values found without their own label: letterhead, address window, a date after a number."""
    where = spec.extra.get("where")
    if where == "letterhead":
        return letterhead(reading, spec.path)
    issuer_field = spec.extra.get("issuer_field")
    if where == "window" and isinstance(issuer_field, str) and issuer_field in chosen:
        return addressee(reading, spec.path, str(chosen[issuer_field].value))
    after = spec.extra.get("after_field")
    if spec.kind == "date" and isinstance(after, str) and after in chosen:
        anchor = chosen[after]
        if anchor.end < 0:
            return None
        rest = anchor.line.text[anchor.end :]
        got = date_after(rest, reading.day_first)
        if got is None:
            return None
        start = anchor.end - len(anchor.quote)
        quote = anchor.line.text[start : anchor.end + got.end].strip()
        return Found(spec.path, got.value, anchor.page, quote, (0,), anchor.line, -1)
    return None
