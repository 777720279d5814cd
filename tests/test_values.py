"""The shared typed parsers: amounts, dates and currencies as real invoices print them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.values import (
    amount,
    amount_spans,
    amounts_in,
    canonical_value,
    currency_code,
    date_spans,
    dates_in,
    parsed_date,
    same_value,
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
