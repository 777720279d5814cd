"""Merging a run into people's sheets by key (doc_id, field, item), never by row position.

The only cells a run may change in ground_truth are the pipeline's own (file, confidence,
link, and suggested while nobody has judged it; latest once somebody has). Every other
cell, every row a person added or sorted, and every extra column stays as typed; a row a
person deleted stays deleted, because the keys once offered are remembered. New rows come
per document, lowest confidence first: what most needs a look is judged first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD, model_source
from contract.keys import blank, doc_id_of, item_of, key_of
from contract.labels import agreed_values
from contract.sheets import Key
from schemas.base import Kind
from schemas.vocabulary import Source

__all__ = ["blank", "doc_id_of", "item_of", "key_of"]  # re-exported: people's keys live here too

Row = dict[str, Any]
NO_VALUE = "(no value)"  # latest, when a newer run found nothing where the suggestion had a value


def judged(row: Mapping[str, Any]) -> bool:
    """A row a tester has touched: its suggestion is frozen from then on."""
    return not blank(row.get("verdict")) or not blank(row.get("expected"))


def same_cell(left: Any, right: Any) -> bool:
    """Equal as a person would read them: 1234.5 == Decimal("1234.50"), "x " == "x"."""
    if blank(left) or blank(right):
        return blank(left) and blank(right)
    numbers = (int, float, Decimal)
    if isinstance(left, numbers) and isinstance(right, numbers):
        return abs(Decimal(str(left)) - Decimal(str(right))) < Decimal("0.000001")
    return str(left).strip() == str(right).strip()


def testers_by_doc(rows: Iterable[Row]) -> dict[str, list[str]]:
    """Who judges each document, in the order they first appear."""
    testers: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        tester = row.get("tester")
        if not blank(tester):
            names = testers[key_of(row)[0]]
            if str(tester).strip() not in names:
                names.append(str(tester).strip())
    return testers


def review_order(confidence: Any) -> tuple[bool, float]:
    """Lowest confidence first; a key without a value (no confidence) after the others."""
    return (confidence is None, 0.0 if confidence is None else float(confidence))


def merged_ground_truth(
    existing: list[Row], extractions: Iterable[Row], offered: Collection[Key] = ()
) -> list[Row]:
    """People's rows kept as typed, in their order; new keys appended (one row per tester
    the document is assigned to), per document in review order; keys once offered and
    since deleted are not re-added."""
    latest: dict[Key, Row] = {}
    for row in extractions:
        latest.setdefault(key_of(row), row)
    present: set[Key] = set()
    merged: list[Row] = []
    for row in existing:
        key = key_of(row)
        present.add(key)
        new = latest.get(key)
        merged.append(row if new is None else _refreshed(row, new))
    testers = testers_by_doc(existing)
    documents: dict[str, int] = {}
    for key in latest:
        documents.setdefault(key[0], len(documents))
    skipped = present.union(offered)
    fresh = [(seq, key) for seq, key in enumerate(latest) if key not in skipped]
    fresh.sort(
        key=lambda found: (
            documents[found[1][0]],
            review_order(latest[found[1]].get("confidence")),
            found[0],
        )
    )
    for _, key in fresh:
        new = latest[key]
        assigned: list[str | None] = list(testers.get(key[0], [])) or [None]
        for tester in assigned:
            merged.append(
                {
                    "doc_id": key[0],
                    "file": new.get("file"),
                    "field": key[1],
                    "item": key[2],
                    "suggested": new.get("value"),
                    "confidence": new.get("confidence"),
                    "link": new.get("link"),
                    "tester": tester,
                }
            )
    return merged


def _refreshed(row: Row, new: Row) -> Row:
    """An unjudged row follows the model; a judged one keeps its suggestion, shows latest.
    Either way its confidence is the new value's, and its link the new value's page."""
    value = new.get("value")
    refreshed = {**row, "file": new.get("file") or row.get("file")}
    refreshed["link"] = new.get("link") or row.get("link")
    if new.get("confidence") is None:
        refreshed.pop("confidence", None)
    else:
        refreshed["confidence"] = new["confidence"]
    if refreshed["link"] is None:
        del refreshed["link"]
    if not judged(row):
        refreshed["suggested"] = value
        refreshed.pop("latest", None)
    elif same_cell(row.get("suggested"), value):
        refreshed.pop("latest", None)
    else:
        refreshed["latest"] = NO_VALUE if blank(value) else value
    return refreshed


def final_rows(
    extractions: list[Row],
    ground_truth: list[Row],
    corrections: list[Row],
    kinds: Mapping[str, Kind] | None = None,
    review_threshold: float | None = DEFAULT_REVIEW_THRESHOLD,
) -> list[Row]:
    """Per key: the client's correction, else the testers' agreed truth, else the model's
    value, accepted or marked needs review (contract.acceptance; ``review_threshold`` None
    keeps the sources the rows carry)."""
    files = {str(row["doc_id"]): row.get("file") for row in extractions}
    rows: dict[Key, Row] = {}
    for row in extractions:
        source = model_source(row, review_threshold)
        rows[key_of(row)] = _final(key_of(row), row.get("file"), row.get("value"), source)
    for key, value in agreed_values(ground_truth, kinds).items():
        rows[key] = _final(key, None, value, Source.TESTER)
    for row in corrections:
        key = key_of(row)
        if key[0] and key[1]:
            rows[key] = _final(key, None, row.get("value"), Source.CLIENT)
    result = []
    for key, row in rows.items():
        row["file"] = files.get(key[0], row.get("file"))
        result.append(row)
    return result


def _final(key: Key, file: Any, value: Any, source: str) -> Row:
    doc_id, field, item = key
    return {
        "doc_id": doc_id,
        "file": file,
        "field": field,
        "item": item,
        "value": value,
        "source": source,
    }
