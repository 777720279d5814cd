"""One cell's value between Excel and Python: what a person typed in, what we write out.

Text from a PDF is data, never a formula: every string is written as a text cell, so a
value that starts with = + - @ stays text. A formula a person typed in their own cells
is read back as a :class:`Formula` and written back as one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, NamedTuple

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


class Link(NamedTuple):
    """A cell that opens ``target`` (a path relative to the workbook, or a URL) and shows
    ``text``: written as a HYPERLINK formula with its result, so Excel, LibreOffice, pandas
    and Power BI all read ``text`` and a click opens the target."""

    target: str
    text: str


FORMULA_TEXT = 255  # Excel's longest text literal in a formula: a longer text is cut in parts
_LITERAL = r'"(?:[^"]|"")*"'
_TEXT = rf"{_LITERAL}(?:&{_LITERAL})*"  # "a"&"b": a text written in parts
HYPERLINK_RE = re.compile(rf"=HYPERLINK\(({_TEXT}),({_TEXT})\)")
LITERAL_RE = re.compile(_LITERAL)


def formula_text(text: str) -> str:
    """A text as a formula's string literal (in parts joined by & when it is long)."""
    text = clean_text(text)
    parts = [text[i : i + FORMULA_TEXT] for i in range(0, len(text), FORMULA_TEXT)] or [""]
    return "&".join('"' + part.replace('"', '""') + '"' for part in parts)


def _text_of(literals: str) -> str:
    return "".join(part[1:-1].replace('""', '"') for part in LITERAL_RE.findall(literals))


def link_of(value: Any) -> Link | None:
    """The Link a HYPERLINK formula of the writer's form is, read back; None for others."""
    if not isinstance(value, Formula):
        return None
    return _link_of(str(value))


@functools.lru_cache(maxsize=1 << 14)  # a document's rows share a few pages: one Link each
def _link_of(value: str) -> Link | None:
    found = HYPERLINK_RE.fullmatch(value)
    if found is None:
        return None
    return Link(_text_of(found.group(1)), _text_of(found.group(2)))


@dataclass(frozen=True)
class Note:
    """A cell's comment as the file holds it: its author and its text's XML (the runs of
    a rich text kept), so it is written back exactly."""

    author: str
    text_xml: str


@dataclass(frozen=True, slots=True)
class Formatted:
    """A value with what a person gave its cell: a cell format (an index into the
    workbook's cellXfs) and a comment."""

    value: Any
    style: int | None = None
    note: Note | None = None
