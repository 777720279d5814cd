"""Labels from known answers (samples/truth/*.json): every field of every document labeled.

A truth file knows the whole document, so its lists are closed: a line item the model
invents beyond the known rows is a hallucination. That is recorded as a label on the list
itself, (doc_id, "line_items", None) -> row count, which the metrics read and never score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contract.labels import LabelSource
from contract.sheets import Key
from evals.compare import typed_value
from evals.labels import Label
from schemas.base import field_specs


def truth_labels(
    truth: Mapping[str, Any], doc_id: str, schema: type[BaseModel]
) -> dict[Key, Label]:
    """One document's labels from its truth object: a missing or null field is absent."""
    labels: dict[Key, Label] = {}
    lists: set[str] = set()
    for spec in field_specs(schema):
        if spec.list_field is None:
            value = typed_value(spec.kind, truth.get(spec.path))
            labels[(doc_id, spec.path, None)] = Label.truth(value, LabelSource.TRUTH_FILE)
            continue
        lists.add(spec.list_field)
        rows = truth.get(spec.list_field) or []
        for item, row in enumerate(rows, start=1):
            value = typed_value(spec.kind, row.get(spec.name) if isinstance(row, dict) else None)
            labels[(doc_id, spec.path, item)] = Label.truth(value, LabelSource.TRUTH_FILE)
    for list_field in sorted(lists):
        count = len(truth.get(list_field) or [])
        labels[(doc_id, list_field, None)] = Label.truth(str(count), LabelSource.TRUTH_FILE)
    return labels


def truth_folder_labels(
    folder: Path, doc_ids: Mapping[str, str], schema: type[BaseModel]
) -> dict[Key, Label]:
    """Labels for the documents whose file stem has a ``<stem>.json`` in ``folder``.

    ``doc_ids`` maps a PDF file name (as the run recorded it) to its doc_id. A file that is
    not JSON raises ValueError (json.JSONDecodeError, UnicodeDecodeError) naming the file.
    """
    labels: dict[Key, Label] = {}
    for file, doc_id in doc_ids.items():
        path = folder / f"{Path(file).stem}.json"
        if path.is_file():
            try:
                truth = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise ValueError(f"{path} is not a JSON truth file: {error}") from error
            labels.update(truth_labels(truth, doc_id, schema))
    return labels
