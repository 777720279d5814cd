"""Reading a row's key (doc_id, field, item) the way a hand-edited sheet holds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.sheets import Key


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


EXACT = 2**53  # an int up to this is its own float: read as itself (the pipeline's items)


def item_of(value: Any) -> int | None:
    """Items arrive as 1, 1.0, "1", " 1 " or blank from a hand-edited sheet."""
    if type(value) is int and -EXACT <= value <= EXACT:
        return value
    if blank(value) or isinstance(value, bool):
        return None
    try:
        return int(float(str(value).strip()))
    except (ValueError, OverflowError):
        return None


def doc_id_of(value: Any) -> str:
    """A doc_id as text, even after Excel turned an all-digit one into a number."""
    if type(value) is str:
        return value.strip().lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(12)
    return "" if value is None else str(value).strip().lower()


def key_of(row: Mapping[str, Any]) -> Key:
    return (
        doc_id_of(row.get("doc_id")),
        str(row.get("field") or "").strip().lower(),
        item_of(row.get("item")),
    )
