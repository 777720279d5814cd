"""The shared typed parsers: amounts, dates and currencies as real invoices print them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import values
from schemas.base import canonical
from schemas.values import (
    amount,
    amount_spans,
    amounts_in,
    canonical_value,
    currency_code,
    currency_readings,
    date_spans,
    dates_in,
    parsed_date,
    same_value,
    sign_meanings,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("€ 2.321,00", "2321.00"),
        ("(12.00)", "-12.00"),
        ("1 234,56 €", "1234.56"),
        ("Rs 1939", "1939"),
        ("0,75 €", "0.75"),
    ],
)
def test_amounts_with_either_decimal_mark(text: str, expected: str) -> None:
    assert amount(text) == Decimal(expected)


def test_a_space_grouped_amount_also_gives_its_parts() -> None:
    """'2 150,00' in a row is quantity 2 and price 150,00: grounding must see both readings."""
    readings = {number for number, _ in amounts_in("Wartungsvertrag 2 150,00 300,00")}
    assert {Decimal("2150.00"), Decimal("2"), Decimal("150.00"), Decimal("300.00")} <= readings
    grouped = amount_spans("Wartungsvertrag 2 150,00 300,00", all_readings=False)
    assert [number for number, _, _ in grouped] == [Decimal("2150.00"), Decimal("300.00")]


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("Invoice Date: August 3 , 2014", True, date(2014, 8, 3)),
        ("Date: Jan1,2022", True, date(2022, 1, 1)),
        ("Rechnungsdatum 7. Mai 2014", True, date(2014, 5, 7)),
        ("Facture n°562044387 du 02 Juillet 2015", True, date(2015, 7, 2)),
        ("F actuurdatum: 29 maart 2014", True, date(2014, 3, 29)),
        ("8-9-2022", True, date(2022, 9, 8)),
        ("03/05/2018", False, date(2018, 3, 5)),
        ("03/20/2023", True, date(2023, 3, 20)),  # impossible day-first: read month-first
        ("2026-03-05", False, date(2026, 3, 5)),
        ("15-Oct-2015", True, date(2015, 10, 15)),
    ],
)
def test_dates_as_invoices_print_them(text: str, day_first: bool, expected: date) -> None:
    assert parsed_date(text, day_first) == expected


def test_date_spans_say_where_each_date_is() -> None:
    text = "Date 5 March 2018, due 2018-04-04"
    spans = date_spans(text)
    assert [(found, text[start:end]) for found, start, end in spans] == [
        (date(2018, 3, 5), "5 March 2018"),
        (date(2018, 4, 4), "2018-04-04"),
    ]
    assert dates_in(text) == [(date(2018, 3, 5), "5 March 2018"), (date(2018, 4, 4), "2018-04-04")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total EUR 34,73", "EUR"),
        ("Grand Total Rs 1939", "INR"),
        ("Totaal € 717,97", "EUR"),
        ("£13,580.98", "GBP"),
        ("usd", "USD"),
        ("Working hours and yours", None),  # "rs" inside words is no rupee
        ("Please try again later", None),  # "try" in a sentence is no lira
        ("EUR34,73", "EUR"),
    ],
)
def test_currency_codes_and_signs(text: str, expected: str | None) -> None:
    assert currency_code(text) == expected


def test_canonical_and_same_value_agree_across_forms() -> None:
    assert canonical_value("date", "05.03.2026") == "2026-03-05"
    assert canonical_value("money", "1.234,5") == "1234.50"
    assert same_value("code", "#BLR_WFLD20151000982590", "BLR_WFLD20151000982590")
    assert same_value("money", "319", "319.00")
    assert not same_value("date", "2026-03-05", "2026-05-03")


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_printed_amounts_read_back_in_english_and_german(number: Decimal) -> None:
    english = f"{number:,.2f}"
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert amount(english) == number
    assert amount(german) == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.125", "0.125"),  # a unit price: no thousands mark after a lone 0
        ("0,125", "0.125"),
        ("0.500", "0.500"),
        ("0,0125 €", "0.0125"),
        ("-0.125", "-0.125"),
        ("USD 0.1250", "0.1250"),
        ("1,234", "1234"),  # still a thousands mark after other digits
        ("1.234.567", "1234567"),
    ],
)
def test_a_leading_zero_is_never_thousands(text: str, expected: str) -> None:
    assert amount(text) == Decimal(expected)
    assert Decimal(expected) in [number for number, _ in amounts_in(f"Unit price: {text}")]


@given(
    st.decimals(min_value=0, max_value=Decimal("0.999"), places=3)
    | st.decimals(min_value=0, max_value=1, places=4, allow_nan=False)
)
def test_small_unit_prices_read_back_with_either_mark(number: Decimal) -> None:
    printed = format(number, "f")
    assert amount(printed) == number
    assert amount(printed.replace(".", ",")) == number


@pytest.mark.parametrize(
    "text", ["EUR -12.50", "€ -12,50", "-€12.50", "€-12,50", "USD (12.50)", "(EUR 12.50)", "12.50-"]
)
def test_a_minus_after_a_currency_is_kept(text: str) -> None:
    assert amount(text) == Decimal("-12.50")
    assert canonical_value("money", text) == "-12.50"


@pytest.mark.parametrize("text", ["EUR 12.50", "Invoice - Total 12.50", "Net 12.50"])
def test_a_dash_elsewhere_is_no_minus(text: str) -> None:
    assert amount(text) == Decimal("12.50")


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("money", "0.0125", "0.0125"),  # never rounded to 0.01
        ("money", "0,125", "0.125"),
        ("money", "0.500", "0.50"),
        ("money", "12.5", "12.50"),
        ("money", "319", "319.00"),
        ("money", "-0.00", "0.00"),
        ("number", "0.500", "0.5"),
        ("number", "2.00", "2"),
    ],
)
def test_one_canonical_form_for_money_and_numbers(kind: str, text: str, expected: str) -> None:
    assert canonical_value(kind, text) == expected  # type: ignore[arg-type]
    assert canonical(amount(text), kind) == expected  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False))
def test_money_keeps_every_printed_digit_and_two_decimals(number: Decimal) -> None:
    text = canonical(number, "money")
    assert text is not None and Decimal(text) == number
    assert len(text.partition(".")[2]) >= 2
    assert canonical_value("money", format(number, "f")) == text


def test_an_ambiguous_sign_names_a_currency_only_where_the_document_says_which() -> None:
    assert currency_code("Total $4.11", {}) is None
    assert currency_code("Total $4.11", {"$": "CAD"}) == "CAD"
    assert currency_code("Total US$ 4.11", {}) == "USD"  # unambiguous as printed
    assert currency_code("Total C$ 4.11", {}) == "CAD"
    assert currency_code("Summe 120 kr", {"kr": "SEK"}) == "SEK"
    assert {"USD", "CAD", "AUD"} <= currency_readings("$ 4.11")
    assert currency_readings("EUR 4.11") == {"EUR"}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("Amazon Web Services\nSeattle, WA 98109-5210, US\nTotal $4.11", {"$": "USD"}),
        ("FremontCA94538\nUnitedStates\nTotal $42.00", {"$": "USD"}),  # run-together text
        ("All charges are in US Dollars\nTotal $4.11", {"$": "USD"}),
        ("Maple Signs Inc.\nToronto, ON M5V 2T6\nTotal $4.11", {"$": "CAD"}),
        ("Sydney, Australia\nTotal $4.11", {"$": "AUD"}),
        ("Bill to: Chicago, IL 60601\nFrom: Vancouver, Canada\nTotal $4.11", {}),
        ("Total $4.11", {}),
        ("Amount in CAD\nSeattle, WA 98109\nTotal $4.11", {"$": "CAD"}),  # the code wins
        ("Tokyo, Japan\n¥12,000", {"¥": "JPY"}),
        ("Stockholm, Sverige\nSumma 120 kr", {"kr": "SEK"}),
    ],
)
def test_sign_meanings_come_from_the_document(document: str, expected: dict[str, str]) -> None:
    assert sign_meanings(document) == expected


# The parsers take shortcuts for speed; each must give exactly what the plain way gives.

_PLAIN_AMOUNT_PATTERN = re.compile(
    r"(?<![\d.,])[-−(]?\s*[1-9]\d{0,2}(?:[ .,'\u202f\u00a0]\d{3})+(?:[.,]\d{1,2})?(?![\d])"
    r"|(?<![\d.,])[-−(]?\s*\d+(?:[.,]\d{1,4})?(?![\d])"
)
_AMOUNT_CHARS = "0123456789012345678901234567890123456789.,'- /()−$€%\u00a0\u202f\u2003\t\n٣²a"


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    """Matches as the readers use them: leading spaces stripped."""
    spans = []
    for match in pattern.finditer(text):
        raw = match.group(0)
        spans.append((match.end() - len(raw.lstrip()), match.end(), raw.lstrip()))
    return spans


@given(st.text(alphabet=_AMOUNT_CHARS, max_size=24))
def test_the_amount_pattern_finds_what_the_plain_one_does(text: str) -> None:
    assert _found(values._AMOUNT, text) == _found(_PLAIN_AMOUNT_PATTERN, text)


@given(
    st.from_regex(
        r"[0-9]{1,7}(?:[.,][0-9]{1,3})?|[0-9]{1,3}(?:[.,][0-9]{3}){1,3}[.,][0-9]{2}", fullmatch=True
    )
)
def test_plain_amounts_read_as_the_full_parser_reads_them(text: str) -> None:
    # a leading space takes the full path; the result must be the same Decimal, digit for digit
    assert str(amount(text)) == str(amount(" " + text))


@given(st.text(alphabet="0123456789./- aJanMarchMärzdeer,st", max_size=24))
def test_date_patterns_never_match_where_their_quick_test_fails(text: str) -> None:
    quick = {
        values._ISO: values._FOUR_DIGITS,
        values._NUMERIC: values._DIGIT_SEPARATOR_DIGIT,
        values._DAY_MONTH_NAME: values._FOUR_DIGITS,
        values._MONTH_NAME_DAY: values._FOUR_DIGITS,
        values._DAY_MON_ABBR: values._DIGIT_SPACE_LETTER,
    }
    for pattern, test in quick.items():
        if pattern.search(text):
            assert test.search(text) and values._ANY_DATE.search(text)


def _cased(char: str) -> bool:
    return char.lower() != char or char.upper() != char


def test_lower_casing_is_ignorecase_for_the_currency_words_but_for_the_case_traps() -> None:
    """Checked over every character that has a case (the others match only themselves)."""
    word_chars = {
        char for words in values._NAMED_WORDS.values() for word in words for char in word.lower()
    }
    patterns = [(char, re.compile(re.escape(char), re.IGNORECASE)) for char in word_chars]
    letter = re.compile("[A-Za-z]", re.IGNORECASE)
    traps = set()
    for code in range(0x110000):
        char = chr(code)
        if not _cased(char):
            continue
        lower = char.lower()
        exact = (
            len(lower) == 1
            and bool(letter.match(char)) == (lower in values._ASCII_LETTERS)
            and all(bool(pattern.match(char)) == (lower == word) for word, pattern in patterns)
        )
        if not exact:
            traps.add(char)
    assert traps == set(values._CASE_TRAPS)


@pytest.mark.parametrize(
    "text",
    [
        "Total: 12.50 US$ · Seattle, WA 98109",
        "Betrag in CANADIAN DOLLARS, Montréal QC H2X 1Y4",
        "ſingapore dollars S$ 5",  # a case trap: read the plain way
        "İcelandic krónur 500 kr",
        "Yen ¥ 1200, 日本",
        "mexican peso MX$ 3",
        "FremontCA94538 $ 12",
        "XCA94538 $ 12",
        "causa $ 12 usa",
    ],
)
def test_sign_meanings_agree_with_the_plain_patterns(text: str) -> None:
    named = {code for code, pattern in values._NAMED.items() if pattern.search(text)}
    placed = {code for code, pattern in values._PLACED.items() if pattern.search(text)}
    if values._US_STATE_ZIP.search(text):
        placed.add("USD")
    assert values._named_codes(text) == named
    assert values._placed_codes(text) == placed


def test_equal_decimals_have_one_canonical_text_whatever_came_first() -> None:
    for first, second in [("1.50", "1.5"), ("1E+1", "10.00"), ("-0.00", "0")]:
        a, b = Decimal(first), Decimal(second)
        assert canonical(a, "money") == canonical(b, "money")
        assert canonical(b, "number") == canonical(a, "number")
    assert canonical(Decimal("1.50"), "money") == "1.50"
    assert canonical(Decimal("1.50"), "number") == "1.5"
