"""The shared typed parsers: amounts, dates and currencies as real invoices print them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
