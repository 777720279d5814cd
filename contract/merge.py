"""Merging a run into people's sheets by key (doc_id, field, item), never by row position."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from contract.sheets import Key, Source, Verdict

Row = dict[str, Any]


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def item_of(value: Any) -> int | None:
    """Items arrive as 1, 1.0, "1", " 1 " or blank from a hand-edited sheet."""
    if blank(value):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def key_of(row: Row) -> Key:
    return (
        str(row.get("doc_id") or "").strip(),
        str(row.get("field") or "").strip(),
        item_of(row.get("item")),
    )


def judged(row: Row) -> bool:
    """A row a tester has touched: its suggestion is frozen from then on."""
    return not blank(row.get("verdict")) or not blank(row.get("expected"))


def merged_ground_truth(existing: list[Row], extractions: Iterable[Row]) -> list[Row]:
    """Existing rows kept as typed; new keys appended; unjudged suggestions refreshed."""
    latest: dict[Key, Row] = {}
    for row in extractions:
        latest.setdefault(key_of(row), row)
    seen: set[Key] = set()
    merged: list[Row] = []
    for row in existing:
        key = key_of(row)
        seen.add(key)
        new = latest.get(key)
        if new is not None and not judged(row):
            row = {**row, "suggested": new.get("value"), "file": new.get("file", row.get("file"))}
        merged.append(row)
    for key, new in latest.items():
        if key not in seen:
            merged.append(
                {
                    "doc_id": key[0],
                    "file": new.get("file"),
                    "field": key[1],
                    "item": key[2],
                    "suggested": new.get("value"),
                }
            )
    return merged


def agreed_truth(ground_truth: Iterable[Row]) -> dict[Key, Any]:
    """Per key, the value all testers agree on (correct -> suggested, wrong -> expected)."""
    opinions: dict[Key, set[str]] = defaultdict(set)
    values: dict[Key, Any] = {}
    for row in ground_truth:
        verdict = str(row.get("verdict") or "").strip().casefold()
        if verdict == Verdict.CORRECT:
            value = row.get("suggested")
        elif not blank(row.get("expected")):
            value = row.get("expected")
        elif verdict == Verdict.ABSENT:
            value = None
        else:
            continue
        key = key_of(row)
        opinions[key].add("" if blank(value) else str(value).strip())
        values[key] = value
    return {key: values[key] for key, seen in opinions.items() if len(seen) == 1}


def final_rows(
    extractions: list[Row], ground_truth: list[Row], corrections: list[Row]
) -> list[Row]:
    """Per key: the client's correction, else the testers' agreed truth, else the model's value."""
    files = {str(row["doc_id"]): row.get("file") for row in extractions}
    rows: dict[Key, Row] = {}
    for row in extractions:
        rows[key_of(row)] = {
            **_final(row, row.get("value"), Source.MODEL),
            "_source": row.get("source"),
        }
    for key, value in agreed_truth(ground_truth).items():
        rows[key] = _final(
            {"doc_id": key[0], "field": key[1], "item": key[2]}, value, Source.TESTER
        )
    for row in corrections:
        if not blank(row.get("doc_id")) and not blank(row.get("field")):
            rows[key_of(row)] = _final(row, row.get("value"), Source.CLIENT)
    result = []
    for key, row in rows.items():
        source = row.pop("_source", None)
        if row["source"] == Source.MODEL and source == Source.EMBEDDED_XML:
            row["source"] = Source.EMBEDDED_XML
        row["file"] = files.get(key[0], row.get("file"))
        result.append(row)
    return result


def _final(row: Row, value: Any, source: str) -> Row:
    doc_id, field, item = key_of(row)
    return {
        "doc_id": doc_id,
        "file": row.get("file"),
        "field": field,
        "item": item,
        "value": value,
        "source": source,
    }
