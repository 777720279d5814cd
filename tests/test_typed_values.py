"""contract.kinds.typed_value reads the usual cells (text, Decimals) by a short way: it must
give exactly what the general way gives, written here as it was before the short way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contract.kinds import NUMERIC, typed_value
from schemas.values import amount, canonical_value


def general(kind: Any, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind in NUMERIC:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float, Decimal)):
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return value
        text = str(value).strip()
        try:
            return Decimal(text)
        except InvalidOperation:
            parsed = amount(text)
            return parsed if parsed is not None else text
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return canonical_value("date", str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


KINDS = st.sampled_from([None, "money", "number", "date", "code", "text"])
AMOUNTS = st.sampled_from(["1234.50", " 1.234,50 ", "-0.00", "1e3", "NaN", "€ 12,50", "12.", ""])
VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    AMOUNTS,
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
)


@given(KINDS, VALUES)
def test_the_short_way_types_as_the_general_way(kind: Any, value: Any) -> None:
    got, expected = typed_value(kind, value), general(kind, value)
    assert type(got) is type(expected)
    assert repr(got) == repr(expected)  # a Decimal written the same, not just equal
