"""Reading one value of a kind from the text that follows a label.

Each reader returns the value and where it sits in the text, so the quote can end right
after it. A reader that is not sure returns None: an empty field beats a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from schemas.values import CURRENCY_CODES, amount_spans, currency_code, date_spans

NEAR = 16  # a date or code must start within this many characters after its label
_TOKEN = re.compile(r"[^\s]+")
_CURRENCY_WORDS = re.compile(
    r"^(?:[€$£¥₹₽₩₺]|[A-Z]{3}|rs\.?|kr\.?|us\$|au?\$|ca?\$|nz\$|hk\$|r\$|zł|kč|fr\.|chf)$",
    re.IGNORECASE,
)
_TRAILING = ",;:)]}"
_LETTERS_AT_END = re.compile(r"[A-Za-z]*$")
_LETTERS = re.compile(r"[A-Za-z]*")
_DECIMALS_AT_END = re.compile(r"[.,]\d{1,2}$")
_AMOUNT_TOKEN = re.compile(r"[-+]?[\d.,' ]*[.,]\d{2}")


class Read(NamedTuple):  # a tuple: made for every amount of every cell
    value: Any
    start: int  # offsets in the text that was read
    end: int


def _token_has_only_amount(text: str, start: int, end: int) -> bool:
    """The amount is a whole token (currency aside): not the tail of "B01" or "SKU-4100"."""
    if (
        start > 0
        and text[start - 1].isalnum()
        and not _is_currency_word(_LETTERS_AT_END.search(text[:start]))
    ):
        return False
    if text[end : end + 1] == "%" or text[end : end + 2] == " %":
        return False
    return not (
        end < len(text) and text[end].isalnum() and not _is_currency_word(_LETTERS.match(text, end))
    )


def _is_currency_word(match: re.Match[str] | None) -> bool:
    word = match.group(0) if match else ""
    return word.upper() in CURRENCY_CODES or word.lower() == "rs"


@lru_cache(maxsize=8192)
def money_spans(text: str, day_first: bool = True) -> tuple[Read, ...]:
    """Amounts in a text that are money: not part of a date, a percentage or an identifier."""
    amounts = amount_spans(text, all_readings=False)
    if not amounts:
        return ()
    dates = [(start, end) for _, start, end in date_spans(text, day_first)]
    found: list[Read] = []
    for number, start, end in amounts:
        if any(start < d_end and d_start < end for d_start, d_end in dates):
            continue
        if not _token_has_only_amount(text, start, end):
            continue
        found.append(Read(number, start, end))
    return tuple(found)


def money_after(text: str, day_first: bool) -> Read | None:
    """The amount a label announces: the last one before the next label (column totals).

    A long whole number with no currency beside it is an identifier ("VAT/TIN: 29670869006").
    """
    found = [read for read in money_spans(text, day_first) if not _looks_like_id(text, read)]
    return found[-1] if found else None


def _looks_like_id(text: str, read: Read) -> bool:
    raw = text[read.start : read.end]
    if _DECIMALS_AT_END.search(raw) or sum(ch.isdigit() for ch in raw) < 7:
        return False
    near = text[max(0, read.start - 4) : read.end + 4]
    return currency_code(near) is None


@lru_cache(maxsize=1024)
def number_at(text: str) -> Read | None:
    """A count such as a quantity: the first number of the text (cached: quantities repeat)."""
    found = [
        Read(number, start, end)
        for number, start, end in amount_spans(text, all_readings=False)
        if _token_has_only_amount(text, start, end) or text[end : end + 1].isalpha()
    ]
    return found[0] if found else None


def date_after(text: str, day_first: bool) -> Read | None:
    """The date right after a label ("Date: 5 March 2018", "du 02 Juillet 2015")."""
    found = date_spans(text, day_first)
    if not found or found[0][1] > NEAR:
        return None
    parsed, start, end = found[0]
    return Read(parsed, start, end)


_NUMBER_SIGN = re.compile(r"^(?:n[°º]|nº|no\.|nr\.|#)\s*", re.IGNORECASE)
_SIGN_TOKENS = frozenset(["#", ":", "-", "n°", "nº", "no", "no.", "nr", "nr.", "n.", "n"])


def code_after(text: str) -> Read | None:
    """An identifier right after its label: one token holding a digit, not a date, an amount
    or a telephone number; a number sign glued to it is no part of it ("N°F-2024", "#INV-7")."""
    for match in _TOKEN.finditer(text):
        token = match.group(0).rstrip(_TRAILING)
        start = match.start()
        if token.casefold() in _SIGN_TOKENS:
            continue
        if start > NEAR:
            return None
        sign = _NUMBER_SIGN.match(token)
        cut = sign.end() if sign is not None and sign.end() < len(token) else 0
        cut += len(token[cut:]) - len(token[cut:].lstrip("#:"))
        token, start = token[cut:], start + cut
        if not _is_identifier(token):
            return None
        return Read(token, start, start + len(token))
    return None


def _is_identifier(token: str) -> bool:
    if not (1 <= len(token) <= 40) or not any(ch.isdigit() for ch in token):
        return False
    if token.endswith("%") or re.match(r"\+\d|\(", token) or ")" in token:
        return False  # a percentage, a telephone number: "+1", "(0123)"
    dates = date_spans(token)
    if dates and dates[0][2] == len(token) and not token.isdigit():
        return False
    # "1.234,50" or "12.00" is an amount, not a number that names a document
    return not _AMOUNT_TOKEN.fullmatch(token)


def currency_after(text: str, signs: Mapping[str, str]) -> Read | None:
    """A currency named right after its label, as a code or a sign; "$" only as ``signs``
    (what the document says its ambiguous signs mean) has it."""
    for match in _TOKEN.finditer(text):
        if match.start() > NEAR:
            return None
        token = match.group(0).strip(":,;()")
        if not token:
            continue
        code = currency_code(token, signs) if _CURRENCY_WORDS.match(token) else None
        if code is None and token.upper() in CURRENCY_CODES:
            code = token.upper()
        if code is None:
            return None
        return Read(code, match.start(), match.end())
    return None


def text_after(text: str) -> Read | None:
    """The rest of a cell after its label, as printed: a name, a reference."""
    stripped = text.strip(" :#-–|")
    if not stripped or not any(ch.isalpha() for ch in stripped):
        return None
    start = text.index(stripped)
    value = stripped.rstrip(" ,;:")
    return Read(value, start, start + len(value))


_NOT_A_NAME = re.compile(
    r"@|www\.|https?:|\b(?:tel|fax|phone|ship\s?to|deliver\s?to)\b|(?:address|adres|anschrift)",
    re.IGNORECASE,
)


def is_name(text: str) -> bool:
    """Looks like a company or person's name: letters, few digits, no address or contact."""
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if letters < 3 or digits > 2 or len(text) > 60 or _NOT_A_NAME.search(text):
        return False
    return not text[0].isdigit()


def name_after(text: str) -> Read | None:
    """A party's name after its label ("Bill to: Harbour Foods Ltd")."""
    got = text_after(text)
    return got if got is not None and is_name(str(got.value)) else None
