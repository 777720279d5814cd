"""contract.kinds.typed_value reads the usual cells (text, Decimals) by a short way: it must
give exactly what the general way (general_typed_value) gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contract.kinds import general_typed_value, typed_value

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
    got, expected = typed_value(kind, value), general_typed_value(kind, value)
    assert type(got) is type(expected)
    assert repr(got) == repr(expected)  # a Decimal written the same, not just equal
