"""final accepts the model's value unseen only when it is grounded and sure enough."""

from __future__ import annotations

from typing import Any

import pytest

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD, accepted, model_source
from schemas.confidence import MOST
from schemas.vocabulary import Source


@pytest.mark.parametrize(
    ("grounded", "confidence", "threshold", "expected"),
    [
        (True, 0.9, 0.9, True),  # at the threshold counts
        (1, 0.95, 0.9, True),  # as the run store keeps it
        (True, 0.899, 0.9, False),
        (False, 0.99, 0.5, False),  # ungrounded: never unseen
        (None, None, 0.0, False),  # an empty value: nothing vouches for the absence
        (True, None, 0.0, False),
        (True, True, 0.5, False),  # not a number
        (True, "0.95", 0.5, False),
    ],
)
def test_accepted(grounded: Any, confidence: Any, threshold: float, expected: bool) -> None:
    assert accepted(grounded, confidence, threshold) is expected


def test_the_default_accepts_nothing_unseen() -> None:
    assert MOST < DEFAULT_REVIEW_THRESHOLD
    assert not accepted(True, MOST, DEFAULT_REVIEW_THRESHOLD)


def test_model_source() -> None:
    sure = {"grounded": True, "confidence": 0.97}
    assert model_source({**sure, "source": Source.MODEL}, 0.9) == Source.MODEL
    assert model_source({**sure, "source": Source.EMBEDDED_XML}, 0.9) == Source.EMBEDDED_XML
    assert model_source({**sure, "source": Source.EMBEDDED_XML}, 0.98) == Source.NEEDS_REVIEW
    # a source decided before (a final sheet read back) is kept
    assert model_source({"source": Source.NEEDS_REVIEW}, None) == Source.NEEDS_REVIEW
    assert model_source({"source": Source.EMBEDDED_XML}, None) == Source.EMBEDDED_XML
    assert model_source({"source": "model"}, None) == Source.MODEL
