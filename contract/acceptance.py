"""Whether final takes the model's value without a human look: a decision with a number.

A key nobody judged takes the model's value as accepted (source model, or embedded_xml)
only when the value is grounded and its confidence is at or above the review threshold;
otherwise final still shows the value, with source ``needs review``, so an integrator can
filter it out. An empty value is never accepted: nothing on the page vouches for the
absence. The threshold comes from `extract run --accept-above`, by default the one
`extract score` last recommended, else 1.0: confidences stop at 0.99, so nothing is
accepted unseen before a threshold was measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.vocabulary import Source

DEFAULT_REVIEW_THRESHOLD = 1.0  # nothing accepted unseen until extract score measured one


def accepted(grounded: Any, confidence: Any, threshold: float) -> bool:
    """Grounded, and sure enough: what may reach an integrator unseen."""
    if grounded is not True and grounded != 1:
        return False
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        return False
    return float(confidence) >= threshold


def model_source(row: Mapping[str, Any], threshold: float | None) -> str:
    """final's source for the model's value of a key nobody judged. ``threshold`` None: the
    row's source was decided before (a final sheet read back) and is kept."""
    given = row.get("source")
    if threshold is None:
        return Source.NEEDS_REVIEW if given == Source.NEEDS_REVIEW else _origin(given)
    if accepted(row.get("grounded"), row.get("confidence"), threshold):
        return _origin(given)
    return Source.NEEDS_REVIEW


def _origin(source: Any) -> str:
    return Source.EMBEDDED_XML if source == Source.EMBEDDED_XML else Source.MODEL
