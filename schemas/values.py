"""Reading printed values by kind: "1.234,50" is 1234.50, "5. März 2018" is 2018-03-05.

Grounding, the rules backend and the evals all compare values through these functions, so
a value means the same thing at every stage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from schemas.base import Kind, canonical

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

CURRENCY_SIGNS: dict[str, str] = {  # signs that name one currency wherever they are printed
    "€": "EUR", "£": "GBP", "₹": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY", "zł": "PLN",
    "kč": "CZK", "fr.": "CHF", "rs.": "INR", "rs": "INR", "us$": "USD", "a$": "AUD",
    "au$": "AUD", "c$": "CAD", "ca$": "CAD", "nz$": "NZD", "hk$": "HKD", "r$": "BRL",
}  # fmt: skip
# signs several currencies print: which one they mean, only the rest of the document says
AMBIGUOUS_SIGNS: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"),
    "¥": ("JPY", "CNY"),
    "kr": ("SEK", "NOK", "DKK", "ISK"),
}
CURRENCY_CODES: frozenset[str] = frozenset(
    {
    "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "INR", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "RON", "BGN", "HRK", "RUB", "TRY", "BRL", "MXN", "ZAR", "SGD", "HKD",
    "KRW", "AED", "SAR", "ILS", "THB", "MYR", "IDR", "PHP", "VND", "ISK",
    }
)  # fmt: skip

# An amount: grouped ("1.234,50", "2 150") or plain ("12.50"), after a minus, an opening
# parenthesis or nothing, and not right after a digit, dot or comma. Written so that every
# alternative opens with a character class, which lets the regex engine skip to candidates
# (a look-behind first makes it try every position); each look-behind is two characters wide
# as it follows the first one. It finds what this plainer pattern finds, bar spaces before
# an unsigned number (which every reader strips):
#     (?<![\d.,])[-−(]?\s*[1-9]\d{0,2}(?:[ .,'\u202f\u00a0]\d{3})+(?:[.,]\d{1,2})?(?![\d])
#     |(?<![\d.,])[-−(]?\s*\d+(?:[.,]\d{1,4})?(?![\d])
_GROUPED_REST = r"\d{0,2}(?:[ .,'\u202f\u00a0]\d{3})+(?:[.,]\d{1,2})?(?![\d])"
_PLAIN_REST = r"\d*(?:[.,]\d{1,4})?(?![\d])"
_AMOUNT = re.compile(
    rf"[-−(](?<![\d.,][-−(])\s*(?:[1-9]{_GROUPED_REST}|\d{_PLAIN_REST})"
    rf"|[1-9](?<![\d.,][1-9]){_GROUPED_REST}"
    rf"|\d(?<![\d.,]\d){_PLAIN_REST}"
)
# the common printed amounts, read directly: exactly what ``amount`` makes of them otherwise
_PLAIN_AMOUNT = re.compile(
    r"(?P<plain>[0-9]+(?:[.,][0-9]{1,2})?)"  # "12", "12.50", "12,5"
    r"|(?P<dot>[0-9]+(?:,[0-9]+)+\.[0-9]+)"  # "1,234.50"
    r"|(?P<comma>[0-9]+(?:\.[0-9]+)+,[0-9]+)"  # "1.234,50"
)
_NOT_NUMBER_CHAR = re.compile(r"[^\d.,' ]")
_LEADING_ZERO = re.compile(r"0+[.,]")
_SPACED_DIGITS = re.compile(r"\d[ \u202f\u00a0]\d")
_NUMBER_PART = re.compile(r"[-−(]?\d+(?:[.,]\d+)*")
_NOT_WORD = re.compile(r"[^\w]+")
_CAPITAL_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
# a minus or an opening parenthesis before the number, a currency between them allowed:
# "-12.50", "EUR -12.50", "€ -12,50", "-€12.50", "(USD 12.50)"
_SIGN_BEFORE = re.compile(
    r"[-−(]\s*(?:(?:"
    + "|".join(
        re.escape(sign)
        for sign in sorted({*CURRENCY_SIGNS, *AMBIGUOUS_SIGNS, *CURRENCY_CODES}, key=len)[::-1]
    )
    + r")\.?\s*)?$",
    re.IGNORECASE,
)


def normalized_text(text: str) -> str:
    """Case-, accent-width-, whitespace- and punctuation-insensitive form of a text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Whitespace- and case-insensitive form, punctuation kept: how quotes are matched."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=2048)
def squeezed_quote(quote: str) -> str:
    """``squeezed``, cached for quotes: the rules check a line's text, then grounding checks
    every value that quotes it (a table row's values all quote the row's line)."""
    return squeezed(quote)


@lru_cache(maxsize=4096)
def amount(text: str) -> Decimal | None:
    """The number in a printed amount, whichever decimal separator the document uses.

    Cached: the same few printed amounts are read again by every stage (Decimals are immutable).
    """
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        if plain.lastgroup == "plain":
            return Decimal(text.replace(",", "."))
        if plain.lastgroup == "dot":
            return Decimal(text.replace(",", ""))
        return Decimal(text.replace(".", "").replace(",", "."))
    text = unicodedata.normalize("NFKC", text).strip()
    first_digit = next((i for i, ch in enumerate(text) if ch.isdigit()), -1)
    if first_digit < 0:
        return None
    negative = bool(_SIGN_BEFORE.search(text[:first_digit])) or text.endswith("-")
    digits = _NOT_NUMBER_CHAR.sub("", text).strip().replace(" ", "").replace("'", "")
    number = _decimal(digits)
    if number is None:
        return None
    return -number if negative and number != 0 else number


def _decimal(digits: str) -> Decimal | None:
    """Digits and separators as a number: the last separator is the decimal mark unless it
    groups thousands ("1,234", "1.234.567"); after a lone 0 it never does ("0.125")."""
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    leading_zero = _LEADING_ZERO.match(digits) is not None
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_comma >= 0:
        tail = digits[last_comma + 1 :]
        # "1,234" with several groups or exactly three digits is a thousands mark
        grouped = digits.count(",") > 1 or (len(tail) == 3 and not leading_zero)
        decimal_mark = "" if grouped else ","
    elif last_dot >= 0:
        tail = digits[last_dot + 1 :]
        grouped = digits.count(".") > 1 or (len(tail) == 3 and len(digits) > 4 and not leading_zero)
        decimal_mark = "" if grouped else "."
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    cleaned = "".join(ch for ch in digits if ch not in thousands)
    if decimal_mark == ",":
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def amounts_in(text: str) -> list[tuple[Decimal, str]]:
    """Every amount printed in a text, with the exact substring it was read from."""
    return [(number, text[start:end]) for number, start, end in amount_spans(text)]


def amount_spans(text: str, all_readings: bool = True) -> list[tuple[Decimal, int, int]]:
    """Every amount printed in a text, with where it starts and ends (sign included).

    "2 150,00" may be one amount (French grouping) or a quantity and a price in a row; with
    ``all_readings`` both are given (overlapping), else only the grouped reading.
    """
    return list(_amount_spans(text, all_readings))


@lru_cache(maxsize=2048)
def _amount_spans(text: str, all_readings: bool) -> tuple[tuple[Decimal, int, int], ...]:
    """Cached: a line is read by the table rows, its fields' readers and grounding alike."""
    found: list[tuple[Decimal, int, int]] = []
    for match in _AMOUNT.finditer(text):
        raw = match.group(0)
        start = match.start() + len(raw) - len(raw.lstrip())
        number = amount(raw)
        if number is not None:
            found.append((number, start, match.end()))
        if all_readings and _SPACED_DIGITS.search(raw):
            for part in _NUMBER_PART.finditer(raw):
                value = amount(part.group(0))
                if value is not None:
                    found.append((value, match.start() + part.start(), match.start() + part.end()))
    return tuple(found)


# what each date pattern cannot match without: a cheap test that skips the pattern
_FOUR_DIGITS = re.compile(r"\d{4}")  # _ISO, _DAY_MONTH_NAME, _MONTH_NAME_DAY
_DIGIT_SEPARATOR_DIGIT = re.compile(r"\d[./-]\d{1,2}[./-]\d{2}")  # _NUMERIC
_DIGIT_SPACE_LETTER = re.compile(r"\d[- ][^\W\d_]")  # _DAY_MON_ABBR
_ANY_DATE = re.compile(
    "|".join(p.pattern for p in (_FOUR_DIGITS, _DIGIT_SEPARATOR_DIGIT, _DIGIT_SPACE_LETTER))
)
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_DAY_MONTH_NAME = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?([^\W\d_]{3,})\.?,?\s*(?:de\s+)?(\d{4})"
)
_MONTH_NAME_DAY = re.compile(
    r"(?<![^\W\d_])([^\W\d_]{3,})\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)"
)
_DAY_MON_ABBR = re.compile(r"(?<!\d)(\d{1,2})[- ]([^\W\d_]{3,})[- ](\d{2,4})(?!\d)")
# "20250311": year, month and day run together, as some e-invoice prints write them
_COMPACT = re.compile(
    r"(?<![\d.,])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d.,]?\d)"
)


def _safe_date(year: int, month: int, day: int, digits: int = 4) -> date | None:
    """The date, or None when there is no such day. A two-digit year is in 1970-2069; a year
    printed with four digits is taken as printed, and none before 1900 or after 2199 is one
    a document means ("01.01.0001" is a placeholder)."""
    if digits <= 2:
        year += 2000 if year < 70 else 1900
    if not 1900 <= year <= 2199:
        return None
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
    if _ANY_DATE.search(text) is None:  # most texts hold no date: skip the five patterns
        return []
    found: list[tuple[int, int, date]] = []
    four_digits = _FOUR_DIGITS.search(text) is not None
    for match in _ISO.finditer(text) if four_digits else ():
        parsed = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        if parsed:
            found.append((match.start(), match.end(), parsed))
    numeric = _NUMERIC.finditer(text) if _DIGIT_SEPARATOR_DIGIT.search(text) else ()
    for match in numeric:
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day, month = (first, second) if day_first else (second, first)
        if month > 12 and day <= 12:
            day, month = month, day
        parsed = _safe_date(year, month, day, len(match[4]))
        if parsed:
            found.append((match.start(), match.end(), parsed))
    for match in _COMPACT.finditer(text) if four_digits else ():
        parsed = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        if parsed:
            found.append((match.start(), match.end(), parsed))
    for pattern, order, possible in (
        (_DAY_MONTH_NAME, "dmy", four_digits),
        (_MONTH_NAME_DAY, "mdy", four_digits),
        (_DAY_MON_ABBR, "dmy", _DIGIT_SPACE_LETTER.search(text) is not None),
    ):
        if not possible:
            continue
        for match in pattern.finditer(text):
            if order == "dmy":
                day_text, month_text, year_text = match[1], match[2], match[3]
            else:
                month_text, day_text, year_text = match[1], match[2], match[3]
            month_number = MONTHS.get(month_text.casefold().rstrip("."))
            if month_number is None:
                continue
            parsed = _safe_date(int(year_text), month_number, int(day_text), len(year_text))
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


def _sign_pattern(sign: str) -> re.Pattern[str]:
    """A sign as printed; one made of letters only as a word ("Rs" is not in "hours")."""
    escaped = re.escape(sign)
    if sign[0].isalpha():
        escaped = rf"(?<![^\W\d_]){escaped}"
    if sign[-1].isalpha():
        escaped = rf"{escaped}(?![^\W\d_])"
    return re.compile(escaped, re.IGNORECASE)


_SIGN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_sign_pattern(sign), code)
    for sign, code in sorted(CURRENCY_SIGNS.items(), key=lambda entry: -len(entry[0]))
)
_AMBIGUOUS_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_sign_pattern(sign), sign) for sign in AMBIGUOUS_SIGNS
)


def currency_code(text: str, signs: Mapping[str, str] | None = None) -> str | None:
    """The ISO 4217 code a text names, by code or by sign ("Rs" only as a word, not in "hours").

    An ambiguous sign ($, ¥, kr) names a code only as ``signs`` (``sign_meanings`` of the
    whole document) says. Without ``signs`` it reads as its commonest code ("$" as USD):
    good for checking a quote against a value already known, never for writing one.
    """
    # a short text ("eur") is a code typed by a person; in a longer one only capitals count,
    # so "try" or "php" in a sentence is no currency
    upper = text.upper() if len(text.strip()) <= 5 else text
    for code in _CAPITAL_CODE.findall(upper):
        if code in CURRENCY_CODES:
            return str(code)
    for pattern, code in _SIGN_PATTERNS:
        if pattern.search(text):
            return code
    for pattern, sign in _AMBIGUOUS_PATTERNS:
        meaning = AMBIGUOUS_SIGNS[sign][0] if signs is None else signs.get(sign)
        if meaning is not None and pattern.search(text):
            return meaning
    return None


def currency_readings(text: str) -> frozenset[str]:
    """Every code a text may name: "$ 12" may be USD, CAD, AUD..., "EUR 12" only EUR."""
    code = currency_code(text, {})
    if code is not None:
        return frozenset({code})
    return frozenset(
        reading
        for pattern, sign in _AMBIGUOUS_PATTERNS
        if pattern.search(text)
        for reading in AMBIGUOUS_SIGNS[sign]
    )


_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH"
    "|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_CA_PROVINCES = "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT"


_NO_LETTER_BEFORE = "(?<![A-Za-z])"


def _words_body(*alternatives: str) -> str:
    """Alternatives as words, not followed by a letter; spaces optional, as some PDFs' text
    runs words together."""
    body = "|".join(alternative.replace(" ", r"\s*") for alternative in alternatives)
    return rf"(?:{body})(?![A-Za-z])"


def _words(*alternatives: str, flags: int = 0) -> re.Pattern[str]:
    """Alternatives as whole words."""
    return re.compile(_NO_LETTER_BEFORE + _words_body(*alternatives), flags)


_NAMED_WORDS: dict[str, tuple[str, ...]] = {
    "USD": (r"US ?\$", r"U\.?S\.? dollars?"),
    "CAD": (r"CA?\$", r"canadian dollars?"),
    "AUD": (r"AU?\$", r"australian dollars?"),
    "NZD": (r"NZ\$", r"new zealand dollars?"),
    "SGD": (r"S\$", r"singapore dollars?"),
    "HKD": (r"HK\$", r"hong kong dollars?"),
    "MXN": (r"MX\$", r"pesos? mexicanos?", r"mexican pesos?"),
    "JPY": ("円", "yen"),
    "CNY": ("RMB", "元", "yuan", "renminbi"),
    "SEK": ("kronor",),
    "NOK": (r"norske kroner", r"norwegian kron(?:e|er|or)"),
    "DKK": (r"danske kroner", r"danish kron(?:e|er|or)"),
    "ISK": (r"íslenskar krónur", r"icelandic kr[oó]n(?:a|ur|or)"),
}
_PLACED_WORDS: dict[str, tuple[str, ...]] = {
    "USD": ("United States", r"U\.S\.A", "USA"),
    "CAD": ("Canada", rf"(?:{_CA_PROVINCES}),? [A-Z]\d[A-Z] ?\d[A-Z]\d"),
    "AUD": ("Australia", r"(?:NSW|VIC|QLD|TAS|ACT|WA|SA|NT),? \d{4}(?!\d)", "BSB"),
    "NZD": ("New Zealand",),
    "SGD": ("Singapore",),
    "HKD": ("Hong Kong",),
    "MXN": ("M[eé]xico",),
    "JPY": ("Japan", "日本"),
    "CNY": ("China", "中国"),
    "SEK": ("Sweden", "Sverige"),
    "NOK": ("Norway", "Norge"),
    "DKK": ("Denmark", "Danmark"),
    "ISK": ("Iceland", "Ísland"),
}
# what a document prints that names its currency outright, besides the code itself
_NAMED: dict[str, re.Pattern[str]] = {
    code: _words(*alternatives, flags=re.IGNORECASE) for code, alternatives in _NAMED_WORDS.items()
}
# where the document's addresses are: the country whose currency an ambiguous sign likely is
_PLACED: dict[str, re.Pattern[str]] = {
    code: _words(*alternatives) for code, alternatives in _PLACED_WORDS.items()
}
_US_STATE_ZIP_BODY = rf"(?:{_US_STATES}),?\s*\d{{5}}(?:-\d{{4}})?(?!\d)"
# "Seattle, WA 98109-5210", and run together as some PDFs' text gives it: "FremontCA94538"
_US_STATE_ZIP = re.compile(rf"(?:(?<![A-Za-z])|(?<=[a-z])){_US_STATE_ZIP_BODY}")

# The same searches, fast: a look-behind first in a pattern keeps the regex engine from
# skipping ahead to the pattern's first characters, so these bodies leave it out and
# ``_found_after`` checks the character before instead; each alternative is searched on its
# own, for the same reason. The named words are matched in a lower-cased text, which is
# exactly what IGNORECASE does for them unless the text holds one of ``_CASE_TRAPS`` (checked
# against every Unicode character in tests/test_values.py).
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CASE_TRAPS = ("\u0130", "\u0131", "\u017f")  # İ ı ſ: IGNORECASE reads them as i, i, s
_NAMED_LOWER: dict[str, tuple[re.Pattern[str], ...]] = {
    code: tuple(re.compile(_words_body(alternative.lower())) for alternative in alternatives)
    for code, alternatives in _NAMED_WORDS.items()
}
_PLACED_BODIES: dict[str, tuple[re.Pattern[str], ...]] = {
    code: tuple(re.compile(_words_body(alternative)) for alternative in alternatives)
    for code, alternatives in _PLACED_WORDS.items()
}
_US_STATE_ZIP_FAST = re.compile(_US_STATE_ZIP_BODY)


def _found_after(body: re.Pattern[str], text: str, not_before: str) -> bool:
    """``body`` is found in ``text`` where the character before it is none of ``not_before``."""
    position = 0
    while (match := body.search(text, position)) is not None:
        start = match.start()
        if start == 0 or text[start - 1] not in not_before:
            return True
        position = start + 1
    return False


def _words_found(bodies: dict[str, tuple[re.Pattern[str], ...]], text: str) -> set[str]:
    return {
        code
        for code, alternatives in bodies.items()
        if any(_found_after(body, text, _ASCII_LETTERS) for body in alternatives)
    }


def _codes_matching(patterns: dict[str, re.Pattern[str]], text: str) -> set[str]:
    return {code for code, pattern in patterns.items() if pattern.search(text)}


def _named_codes(text: str) -> set[str]:
    """The codes whose ``_NAMED`` words the text prints."""
    if not text.isascii() and any(trap in text for trap in _CASE_TRAPS):
        return _codes_matching(_NAMED, text)
    return _words_found(_NAMED_LOWER, text.lower())


def _placed_codes(text: str) -> set[str]:
    """The codes whose country the text's addresses name (``_PLACED``, ``_US_STATE_ZIP``)."""
    placed = _words_found(_PLACED_BODIES, text)
    if _found_after(_US_STATE_ZIP_FAST, text, _ASCII_LETTERS[:26]):  # (?<![A-Z])
        placed.add("USD")
    return placed


def sign_meanings(document_text: str) -> dict[str, str]:
    """What each ambiguous sign means in this document, where the document says so.

    "$" is USD on a page that names USD (the code, "US$", "US dollars") and no other dollar,
    or, naming none, shows a US address ("Seattle, WA 98109") and no other dollar country.
    Anything less sure leaves the sign without a meaning: the currency stays empty.
    """
    codes = set(_CAPITAL_CODE.findall(document_text)) & CURRENCY_CODES
    named = codes | _named_codes(document_text)
    placed = _placed_codes(document_text)
    meanings: dict[str, str] = {}
    for sign, candidates in AMBIGUOUS_SIGNS.items():
        for evidence in (named, placed):
            found = evidence & set(candidates)
            if found:
                if len(found) == 1:
                    meanings[sign] = found.pop()
                break
    return meanings


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
        return text if number is None else canonical(number, kind)
    if kind == "code" and len(text) <= 4 and currency_code(text):
        return currency_code(text)
    return text


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
