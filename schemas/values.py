"""Reading printed values by kind: "1.234,50" is 1234.50, "5. März 2018" is 2018-03-05.

Grounding, the rules backend and the evals all compare values through these functions, so
a value means the same thing at every stage.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from schemas.base import Kind

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar janvier enero gennaio januari janeiro jänner",
        "february feb februar février fevrier febrero febbraio februari fevereiro",
        "march mar märz maerz mars marzo maart março",
        "april apr avril abril aprile",
        "may mai mayo maggio mei maio",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet julio luglio julho",
        "august aug août aout agosto augustus",
        "september sep sept septembre septiembre settembre setembro",
        "october oct oktober octobre octubre ottobre okt outubro",
        "november nov novembre noviembre",
        "december dec dezember décembre decembre diciembre dicembre dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

CURRENCY_SIGNS: dict[str, str] = {
    "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "₽": "RUB", "₩": "KRW",
    "₺": "TRY", "zł": "PLN", "kč": "CZK", "fr.": "CHF", "rs.": "INR", "rs": "INR",
    "us$": "USD", "a$": "AUD", "c$": "CAD", "r$": "BRL",
}  # fmt: skip
CURRENCY_CODES: frozenset[str] = frozenset(
    {
    "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "INR", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "RON", "BGN", "HRK", "RUB", "TRY", "BRL", "MXN", "ZAR", "SGD", "HKD",
    "KRW", "AED", "SAR", "ILS", "THB", "MYR", "IDR", "PHP", "VND",
    }
)  # fmt: skip

_AMOUNT = re.compile(
    r"(?<![\d.,])[-−(]?\s*\d{1,3}(?:[ .,'\u202f\u00a0]\d{3})+(?:[.,]\d{1,2})?(?![\d])"
    r"|(?<![\d.,])[-−(]?\s*\d+(?:[.,]\d{1,4})?(?![\d])"
)


def normalized_text(text: str) -> str:
    """Case-, accent-width-, whitespace- and punctuation-insensitive form of a text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Whitespace- and case-insensitive form, punctuation kept: how quotes are matched."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def amount(text: str) -> Decimal | None:
    """The number in a printed amount, whichever decimal separator the document uses."""
    text = unicodedata.normalize("NFKC", text).strip()
    negative = text.startswith(("-", "−", "(")) or text.endswith("-")
    digits = re.sub(r"[^\d.,' ]", "", text).strip().replace(" ", "").replace("'", "")
    if not digits or not any(ch.isdigit() for ch in digits):
        return None
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_comma >= 0:
        tail = digits[last_comma + 1 :]
        # "1,234" with several groups or exactly three digits is a thousands mark
        decimal_mark = "," if len(tail) != 3 or (digits.count(",") == 1 and len(tail) < 3) else ""
        if digits.count(",") > 1:
            decimal_mark = ""
    elif last_dot >= 0:
        tail = digits[last_dot + 1 :]
        decimal_mark = "" if digits.count(".") > 1 or (len(tail) == 3 and len(digits) > 4) else "."
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    cleaned = "".join(ch for ch in digits if ch not in thousands)
    if decimal_mark == ",":
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return -number if negative else number


def amounts_in(text: str) -> list[tuple[Decimal, str]]:
    """Every amount printed in a text, with the exact substring it was read from."""
    return [(number, text[start:end]) for number, start, end in amount_spans(text)]


def amount_spans(text: str, all_readings: bool = True) -> list[tuple[Decimal, int, int]]:
    """Every amount printed in a text, with where it starts and ends (sign included).

    "2 150,00" may be one amount (French grouping) or a quantity and a price in a row; with
    ``all_readings`` both are given (overlapping), else only the grouped reading.
    """
    found: list[tuple[Decimal, int, int]] = []
    for match in _AMOUNT.finditer(text):
        raw = match.group(0)
        start = match.start() + len(raw) - len(raw.lstrip())
        number = amount(raw)
        if number is not None:
            found.append((number, start, match.end()))
        if all_readings and re.search(r"\d[ \u202f\u00a0]\d", raw):
            for part in re.finditer(r"[-−(]?\d+(?:[.,]\d+)*", raw):
                value = amount(part.group(0))
                if value is not None:
                    found.append((value, match.start() + part.start(), match.start() + part.end()))
    return found


_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_DAY_MONTH_NAME = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?([^\W\d_]{3,})\.?,?\s*(?:de\s+)?(\d{4})"
)
_MONTH_NAME_DAY = re.compile(
    r"(?<![^\W\d_])([^\W\d_]{3,})\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)"
)
_DAY_MON_ABBR = re.compile(r"(?<!\d)(\d{1,2})[- ]([^\W\d_]{3,})[- ](\d{2,4})(?!\d)")


def _safe_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def dates_in(text: str, day_first: bool = True) -> list[tuple[date, str]]:
    """Every date printed in a text, with the substring it was read from.

    ``day_first`` settles 03/05/2018: True (most of the world) reads 3 May, False reads
    March 5. A date impossible one way (13/05) is read the other way whatever the setting.
    """
    return [(parsed, text[start:end]) for parsed, start, end in date_spans(text, day_first)]


def date_spans(text: str, day_first: bool = True) -> list[tuple[date, int, int]]:
    """Every date printed in a text with where it starts and ends, in reading order."""
    found: list[tuple[int, int, date]] = []
    for match in _ISO.finditer(text):
        parsed = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        if parsed:
            found.append((match.start(), match.end(), parsed))
    for match in _NUMERIC.finditer(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day, month = (first, second) if day_first else (second, first)
        if month > 12 and day <= 12:
            day, month = month, day
        parsed = _safe_date(year, month, day)
        if parsed:
            found.append((match.start(), match.end(), parsed))
    for pattern, order in (
        (_DAY_MONTH_NAME, "dmy"),
        (_MONTH_NAME_DAY, "mdy"),
        (_DAY_MON_ABBR, "dmy"),
    ):
        for match in pattern.finditer(text):
            if order == "dmy":
                day_text, month_text, year_text = match[1], match[2], match[3]
            else:
                month_text, day_text, year_text = match[1], match[2], match[3]
            month_number = MONTHS.get(month_text.casefold().rstrip("."))
            if month_number is None:
                continue
            parsed = _safe_date(int(year_text), month_number, int(day_text))
            if parsed:
                found.append((match.start(), match.end(), parsed))
    found.sort(key=lambda entry: (entry[0], -entry[1]))
    unique: list[tuple[date, int, int]] = []
    covered_until = -1
    for start, end, parsed in found:
        if start < covered_until:
            continue  # a shorter reading inside a date already found ("2018" in "5 March 2018")
        covered_until = end
        unique.append((parsed, start, end))
    return unique


def parsed_date(text: str, day_first: bool = True) -> date | None:
    """The first date in a text, or None."""
    found = dates_in(text, day_first)
    return found[0][0] if found else None


_SIGN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (
        re.compile(
            rf"(?<![^\W\d_]){re.escape(sign)}(?![^\W\d_])"
            if sign[0].isalpha()
            else re.escape(sign),
            re.IGNORECASE,
        ),
        code,
    )
    for sign, code in sorted(CURRENCY_SIGNS.items(), key=lambda entry: -len(entry[0]))
)


def currency_code(text: str) -> str | None:
    """The ISO 4217 code a text names, by code or by sign ("Rs" only as a word, not in "hours")."""
    # a short text ("eur") is a code typed by a person; in a longer one only capitals count,
    # so "try" or "php" in a sentence is no currency
    upper = text.upper() if len(text.strip()) <= 5 else text
    for code in re.findall(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])", upper):
        if code in CURRENCY_CODES:
            return str(code)
    for pattern, code in _SIGN_PATTERNS:
        if pattern.search(text):
            return code
    return None


def canonical_value(kind: Kind, text: str | None, day_first: bool = True) -> str | None:
    """A value as typed by a person or printed in a PDF, in the form the workbook stores."""
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    if kind == "date":
        parsed = parsed_date(text, day_first)
        return parsed.isoformat() if parsed else text
    if kind in ("money", "number"):
        number = amount(text)
        if number is None:
            return text
        return f"{number:.2f}" if kind == "money" else _plain(number)
    if kind == "code" and len(text) <= 4 and currency_code(text):
        return currency_code(text)
    return text


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return (text.rstrip("0").rstrip(".") or "0") if "." in text else text


def same_value(kind: Kind, left: str | None, right: str | None, tolerance: str = "0.01") -> bool:
    """Typed equality: dates as dates, numbers within a tolerance, text normalised."""
    if left is None or right is None or not str(left).strip() or not str(right).strip():
        return not (left and str(left).strip()) and not (right and str(right).strip())
    if kind == "date":
        a, b = parsed_date(str(left)), parsed_date(str(right))
        if a and b:
            return a == b
    if kind in ("money", "number"):
        x, y = amount(str(left)), amount(str(right))
        if x is not None and y is not None:
            return abs(x - y) <= Decimal(tolerance)
    return normalized_text(str(left)) == normalized_text(str(right))
