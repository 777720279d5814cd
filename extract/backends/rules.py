"""The offline rules backend: candidates with their evidence, chosen together, or nothing.

Template-free: nothing here knows a vendor or a layout. The schema's field metadata drives
it: labels (specific ones, and ``weak_labels`` that name a field only when nothing better
does), ``cues`` and ``not_cues`` (words that turn a label into another field's or rule it
out), the kind, and hints (``role``, ``title``, ``document_date``, ``after_field``,
``not_before``, ``names_exclude``, ``other_blocks``, ``where``, ``issuer_field``) and
``sum_rules``. Every candidate carries a strength in [0, 1] (extract.rules.evidence); values
are pooled (the same value found twice agrees, a rival contradicts), checked together (the
sums, the order of dates, seller not buyer) and written only at ``WRITE_AT`` or above, their
confidence in ``Extraction.scores``. A PDF that carries an e-invoice (Factur-X, ZUGFeRD,
XRechnung) is read from its XML instead.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from extract.backends.base import BackendOptions, Extraction
from extract.backends.embedded import embedded_extraction
from extract.pdf import ParsedDocument

if TYPE_CHECKING:  # the rules themselves are imported when a document is read: a run served
    from extract.rules.schema import SchemaRules  # from the caches never needs them

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
                from extract.rules.schema import schema_rules

                self._rules[schema] = schema_rules(schema)
            return self._rules[schema]

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        embedded = embedded_extraction(document, schema, self.name, self.model)
        if embedded is not None:
            return embedded
        from extract.rules.document import document_values
        from extract.rules.reading import reading_of

        rules = self._schema_rules(schema)
        reading = reading_of(document, rules.labels, rules.cues)
        data, scores = document_values(reading, rules)
        return Extraction(schema.model_validate(data), self.name, self.model, scores=scores)
