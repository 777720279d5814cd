"""No value, file name or supplier name of the realworld dev sets is written into the code.

The rules must find values from evidence any invoice prints, never from having seen a file:
this reads every truth file under ``shared/realworld`` (beside the repository or above it)
and looks for what they hold, as printed, in extract/ and schemas/. Skipped where the
folder is absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("extract", "schemas")
TEXT_FIELDS = ("invoice_number", "seller", "buyer", "issuer", "partner_name", "vat", "iban")
DATE_FIELDS = ("issue_date", "due_date", "date", "date_due")
AMOUNT_FIELDS = ("total", "subtotal", "tax", "amount", "amount_untaxed", "amount_tax")
SHORTEST = 5  # shorter texts ("1", "OYO", "Free") are words any code may hold


def realworld() -> Path | None:
    for folder in (REPO, *REPO.parents):
        candidate = folder / "shared" / "realworld"
        if candidate.is_dir():
            return candidate
    return None


def _records(truth: Any) -> Iterator[dict[str, Any]]:
    if isinstance(truth, list):
        yield from (record for record in truth if isinstance(record, dict))
    elif isinstance(truth, dict):
        yield truth


def _printed_dates(text: str) -> list[str]:
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return []
    return [
        day.isoformat(),
        day.strftime("%d.%m.%Y"),
        day.strftime("%d/%m/%Y"),
        day.strftime("%m/%d/%Y"),
        day.strftime("%Y%m%d"),
    ]


def _printed_amounts(value: Any) -> list[str]:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return []
    if number.copy_abs() < 100:
        return []  # "10.00", "60.00": amounts any code may print
    plain = f"{number:.2f}"
    grouped = f"{number:,.2f}"
    return [plain, plain.replace(".", ","), grouped, grouped.translate(str.maketrans(",.", ".,"))]


def dev_strings(root: Path) -> set[str]:
    """Every file stem, and what each truth holds as it may be printed."""
    found: set[str] = set()
    for truth_file in root.glob("*/*.json"):
        found.add(truth_file.stem)
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        for record in _records(truth):
            for name in TEXT_FIELDS:
                value = record.get(name)
                if isinstance(value, (str, int)) and len(str(value).strip()) >= SHORTEST:
                    found.add(str(value).strip())
            for name in DATE_FIELDS:
                value = record.get(name)
                if isinstance(value, str):
                    found.update(_printed_dates(value))
            for name in AMOUNT_FIELDS:
                if record.get(name) is not None:
                    found.update(_printed_amounts(record[name]))
    return found


def code_text() -> str:
    """The code, with runs of whitespace made one space: a value a docstring wraps is found."""
    text = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in CODE_FOLDERS
        for path in sorted((REPO / folder).rglob("*.py"))
    )
    return re.sub(r"\s+(?:#\s*)?", " ", text)


def _pattern(value: str) -> re.Pattern[str]:
    edge_before = r"(?<![\w])" if value[0].isalnum() else ""
    edge_after = r"(?![\w])" if value[-1].isalnum() else ""
    return re.compile(edge_before + re.escape(value) + edge_after, re.IGNORECASE)


def test_no_dev_set_value_is_in_the_code() -> None:
    root = realworld()
    if root is None:
        pytest.skip("no shared/realworld folder beside the repository")
    strings = dev_strings(root)
    assert len(strings) > 100, "the truth files were read"
    text = code_text()
    found = sorted(value for value in strings if _pattern(value).search(text))
    assert not found, f"dev-set values in extract/ or schemas/: {found}"


def test_the_search_finds_a_value_written_into_code() -> None:
    """The check itself works: a supplier's name or a printed amount in code is caught."""
    text = 'SUPPLIERS = ["Nordwind Handels GmbH"]  # total 1.234,50'
    assert _pattern("Nordwind Handels GmbH").search(text)
    assert any(_pattern(printed).search(text) for printed in _printed_amounts("1234.50"))
    assert not _pattern("Handel").search(text)  # a word inside a word is no match
    assert "15.03.2026" in _printed_dates("2026-03-15")
