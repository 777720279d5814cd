"""The offline rules backend: labels from the schema's metadata, values found next to them.

Placeholder: finds a value on the same line as one of its labels. Being replaced by the
template-free backend of issue 6.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from extract.backends.base import BackendOptions, Extraction
from extract.pdf import ParsedDocument
from schemas.base import FieldSpec, field_specs
from schemas.values import amounts_in, currency_code, dates_in


class RulesBackend:
    name = "rules"
    model = "rules-v1"
    prompt_version = "1"
    reads_scans = False

    def __init__(self, options: BackendOptions | None = None) -> None:
        self.options = options or BackendOptions()

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        data: dict[str, Any] = {}
        for spec in field_specs(schema):
            if spec.list_field is None:
                found = _same_line_value(document, spec)
                if found is not None:
                    data[spec.path] = found
        return Extraction(schema.model_validate(data), self.name, self.model, "model")


def _same_line_value(document: ParsedDocument, spec: FieldSpec) -> dict[str, Any] | None:
    for label in spec.labels:
        pattern = re.compile(rf"(?<!\w){re.escape(label)}(?!\w)\s*[:#.]?\s*(.+)", re.IGNORECASE)
        for page in document.pages:
            for line in page.text.splitlines():
                match = pattern.search(line)
                if match is None:
                    continue
                value = _typed(spec, match.group(1))
                if value is not None:
                    return {"value": value, "page": page.number, "quote": line.strip()}
    return None


def _typed(spec: FieldSpec, rest: str) -> str | None:
    if spec.kind == "date":
        found = dates_in(rest)
        return found[0][0].isoformat() if found else None
    if spec.kind in ("money", "number"):
        amounts = amounts_in(rest)
        return str(amounts[-1][0]) if amounts else None
    if spec.extra.get("role") == "currency":
        return currency_code(rest)
    token = rest.strip().split()[0] if rest.strip() else ""
    return token if spec.kind == "code" and any(ch.isdigit() for ch in token) else None
