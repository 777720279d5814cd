"""The review colours of a confidence cell, in one place: green, amber or red by the
review threshold, so a tester sees at a glance which values to look at first."""

from __future__ import annotations

from typing import Final

from contract.xlsx_styles import Fill
from contract.xlsx_write import Band

AMBER_BELOW: Final = 0.15  # amber from this far below the threshold; red under that
# Excel's own Good, Neutral and Bad cell styles, which people already read this way
GREEN: Final = Fill("C6EFCE", "006100")
AMBER: Final = Fill("FFEB9C", "9C5700")
RED: Final = Fill("FFC7CE", "9C0006")


def amber_from(threshold: float) -> float:
    return round(max(threshold - AMBER_BELOW, 0.0), 6)


def confidence_bands(threshold: float) -> tuple[Band, ...]:
    """Green at or above ``threshold``, amber a little below it, red below that."""
    amber = amber_from(threshold)
    return (
        Band(GREEN, low=threshold),
        Band(AMBER, low=amber, high=threshold),
        Band(RED, high=amber),
    )


def colours_explained(threshold: float) -> str:
    """The README's words for the colours, with this workbook's numbers."""
    return (
        f"A confidence cell is green at or above the review threshold ({threshold:g}): such a"
        " value may be accepted without a look. Amber is a little below it (from"
        f" {amber_from(threshold):g}), red is further below (under {amber_from(threshold):g}):"
        " look at red rows first. Blank: no value to judge. The threshold is the one"
        " the last run used (extract run --accept-above)."
    )
