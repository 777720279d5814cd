"""One cell's value between Excel and Python: what a person typed in, what we write out.

Text from a PDF is data, never a formula: a value that starts with = + - @ is written
as a text cell. A formula a person typed in their own cells is theirs and stays one.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_TEXT = 32_767  # Excel's limit for one cell
CUT_MARK = " [...]"


class Formula(str):
    """A formula a person typed (read from a formula cell): written back as a formula."""


def read_value(value: Any, data_type: str | None = None) -> Any:
    """A cell as the rest of the code sees it: dates as dates, blank text as nothing."""
    if data_type == "f" and isinstance(value, str):
        return Formula(value)
    if isinstance(value, datetime) and value.time() == time.min:
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def clean_text(text: str) -> str:
    """Text Excel accepts: no control characters, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - len(CUT_MARK)] + CUT_MARK
    return text


def written_value(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """What to append for one cell of a write-only sheet."""
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, str):
        text = clean_text(value)
        if text.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, text)
            cell.data_type = "s"  # text, never a formula
            return cell
        return text
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, (bool, int, float, date)) or value is None:
        return value
    return clean_text(str(value))
