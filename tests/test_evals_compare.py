"""Typed comparison: values typed in Excel by people and read from PDFs compare by meaning."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from evals.compare import cell_text, comparable, same, typed_value


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.234,50", "1234.50"),  # German / most of Europe
        ("1 234,50", "1234.50"),  # French, with a space for thousands
        ("1,234.50", "1234.50"),  # US / UK
        ("1234,5", "1234.50"),
        ("€ 4.243,84", "4243.84"),
        (1234.5, "1234.50"),  # an Excel number
        ("  99 ", "99.00"),
    ],
)
def test_money_in_european_and_us_formats(typed: object, expected: str) -> None:
    assert typed_value("money", typed) == expected


def test_dates_in_any_common_format_are_equal() -> None:
    iso = "2026-03-05"
    for typed in ("05.03.2026", "5 March 2026", "5. März 2026", date(2026, 3, 5)):
        assert same("date", typed, iso), typed
    assert same("date", datetime(2026, 3, 5), iso)  # an Excel date cell
    assert not same("date", "2026-03-06", iso)


def test_money_within_a_cent() -> None:
    assert same("money", "1.234,50", "1234.5")
    assert same("money", "1234.49", "1234.50")  # tolerance 0.01
    assert not same("money", "1234.48", "1234.50")


def test_text_and_codes_ignore_case_spaces_and_punctuation() -> None:
    assert same("text", "  Müller & Söhne GmbH ", "müller söhne gmbh")
    assert same("code", "inv-1001", "INV 1001")
    assert comparable("code", "€") == comparable("code", "EUR")


def test_blank_cells_are_empty() -> None:
    assert cell_text("   ") is None
    assert cell_text(None) is None
    assert cell_text(0.1 + 0.2) == "0.30000000000000004"
    assert cell_text(7.0) == "7"
    assert same("text", None, "  ")
    assert not same("text", None, "x")
