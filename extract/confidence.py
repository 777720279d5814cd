"""A confidence in [0, 1] for every value, from what can be checked: one formula, here.

Never the model's opinion of itself. A backend may give its own evidence score (the rules
backend does); the checks of grounding cap it: a value whose quote is not on its cited page
is never sure. A value read by OCR is as sure as the least sure word of its quote.
"""

from __future__ import annotations

from extract.grounding import VerifiedValue

UNGROUNDED_CAP = 0.2  # a value the page does not show is at most this sure


def value_confidence(
    checked: VerifiedValue, backend_score: float | None, ocr_score: float | None = None
) -> float | None:
    """None for an empty value; else the backend's score (1.0 without one), times the OCR
    factor, capped by grounding."""
    if checked.grounded is None:
        return None
    score = 1.0 if backend_score is None else min(max(backend_score, 0.0), 1.0)
    score *= ocr_factor(ocr_score)
    if not checked.grounded:
        score = min(score, UNGROUNDED_CAP)
    return round(score, 3)


def ocr_factor(ocr_score: float | None) -> float:
    """What OCR's doubt takes off: its score of the quote's least sure word (None, a
    text-layer page: nothing)."""
    return 1.0 if ocr_score is None else min(max(ocr_score, 0.0), 1.0)
