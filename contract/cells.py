"""One cell's value between Excel and Python: what a person typed in, what we write out.

Text from a PDF is data, never a formula: every string is written as a text cell, so a
value that starts with = + - @ stays text. A formula a person typed in their own cells
is read back as a :class:`Formula` and written back as one.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

# what openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE): the run path does not import
# openpyxl, whose import alone costs 0.3 s of a warm run
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

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


def column_letter(index: int) -> str:
    """Excel's name of a 1-based column: 1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def clean_text(text: str) -> str:
    """Text Excel accepts: no control characters, at most 32,767 characters."""
    if not (text.isascii() and text.isprintable()):  # printable ASCII has none to remove
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - len(CUT_MARK)] + CUT_MARK
    return text
