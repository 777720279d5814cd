"""The confidence measured, as people read it: the reliability table's rows, the lines that
state the threshold, and a reliability chart (inline SVG, offline) for the HTML report.

The terminal (extract score) and the HTML report show the same rows and lines from here.
"""

from __future__ import annotations

from html import escape

from evals.calibration import Acceptance, Calibration
from evals.metrics import Rate

Row = tuple[str, int, str, Rate, Rate]  # band, values, mean confidence, accuracy, hallucination

CHART = 300  # the plot's side, in pixels
MARGIN = 44
GREEN, RED, GREY, BLUE = "#2e7d32", "#c62828", "#777", "#1565c0"


def reliability_rows(calibration: Calibration) -> list[Row]:
    """One row per band that holds labelled values, then the keys the run left empty."""
    rows: list[Row] = [
        (
            f"{band.low:.1f}–{band.high:.1f}",
            band.values,
            f"{band.mean_confidence:.3f}" if band.mean_confidence is not None else "–",
            band.accuracy,
            band.hallucination,
        )
        for band in calibration.bands
        if band.values
    ]
    if calibration.empty.total:
        rows.append(("no value", calibration.empty.total, "–", calibration.empty, Rate(0, 0)))
    return rows


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def _accepted(at: Acceptance) -> str:
    through = at.straight_through
    wrong = at.hallucination
    if not through.hits:
        return f"nothing accepted unseen (0 of {through.total} values)"
    return (
        f"straight-through {_percent(through.value)} ({through.hits} of {through.total} values"
        f" need no human look); hallucination among the accepted labelled values"
        f" {wrong.hits}/{wrong.total}, 95% upper bound {_percent(at.hallucination_bound)}"
    )


def _closest(calibration: Calibration) -> str:
    found = calibration.closest()
    if found is None:
        return "no grounded labelled value has a confidence yet"
    threshold, wrong, total, bound = found
    return (
        f"closest: at confidence >= {threshold:g}, {wrong} wrong of {total} labelled values,"
        f" 95% upper bound {_percent(bound)}"
    )


def threshold_lines(calibration: Calibration) -> list[str]:
    """The calibration error, the recommended threshold with what it lets through (or how
    near one was), and what the run's own threshold let through."""
    bar = f"{calibration.max_hallucination:.0%}"
    ece = calibration.ece
    rated_count = sum(band.values for band in calibration.bands)
    lines = [
        f"expected calibration error: {'–' if ece is None else f'{ece:.3f}'}"
        f" over {rated_count} labelled values ({len(calibration.bands)} bands)"
    ]
    if calibration.unrated:
        lines.append(f"{calibration.unrated} labelled values have no confidence (an older run)")
    recommended = calibration.recommended
    if recommended is not None:
        lines.append(
            f"recommended review threshold: {recommended.threshold:g}, the lowest at which"
            f" hallucination among accepted values is at most {bar} with 95% confidence;"
            f" {_accepted(recommended)}"
        )
    else:
        lines.append(
            f"recommended review threshold: none; no threshold keeps hallucination among"
            f" accepted values at most {bar} with 95% confidence (with none wrong that takes"
            f" {calibration.needed()} labelled values; {calibration.labelled_grounded} grounded"
            f" ones are labelled); straight-through 0% (nothing accepted unseen);"
            f" {_closest(calibration)}"
        )
    if calibration.applied is not None:
        lines.append(
            f"at this run's accept_above {calibration.applied.threshold:g}:"
            f" {_accepted(calibration.applied)}"
        )
    return lines


def _x(confidence: float) -> float:
    return MARGIN + confidence * CHART


def _y(rate: float) -> float:
    return MARGIN + (1 - rate) * CHART


def reliability_chart(calibration: Calibration) -> str:
    """Accuracy against confidence per band (dot area by count, line for the 95% interval),
    the diagonal a calibrated confidence would follow, the recommended threshold marked."""
    side = CHART + 2 * MARGIN
    parts = [
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{CHART}" height="{CHART}" fill="#fafafa"'
        f' stroke="#ccc"/>',
        f'<line x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" stroke="{GREY}"'
        ' stroke-dasharray="4 3"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{_x(tick):.0f}" y="{side - MARGIN + 16}" text-anchor="middle"'
            f' fill="{GREY}">{tick:g}</text>'
            f'<text x="{MARGIN - 6}" y="{_y(tick) + 4:.0f}" text-anchor="end"'
            f' fill="{GREY}">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{_x(0.5):.0f}" y="{side - 8}" text-anchor="middle">confidence</text>'
        f'<text x="14" y="{_y(0.5):.0f}" text-anchor="middle"'
        f' transform="rotate(-90 14 {_y(0.5):.0f})">accuracy</text>'
    )
    most = max((band.values for band in calibration.bands), default=0) or 1
    for band in calibration.bands:
        accuracy = band.accuracy
        if not band.values or accuracy.value is None or band.mean_confidence is None:
            continue
        x, y = _x(band.mean_confidence), _y(accuracy.value)
        interval = accuracy.interval
        if interval:
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_y(interval[0]):.1f}"'
                f' y2="{_y(interval[1]):.1f}" stroke="{GREY}"/>'
            )
        radius = 3 + 9 * (band.values / most) ** 0.5
        colour = GREEN if accuracy.value >= band.mean_confidence - 0.05 else RED
        title = escape(
            f"{band.low:.1f}–{band.high:.1f}: {band.values} values, mean confidence"
            f" {band.mean_confidence:.3f}, accuracy {accuracy.value:.1%}"
        )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}"'
            f' fill-opacity="0.75"><title>{title}</title></circle>'
        )
    if calibration.threshold is not None:
        x = _x(calibration.threshold)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN}" y2="{MARGIN + CHART}"'
            f' stroke="{BLUE}" stroke-width="1.5"/>'
            f'<text x="{x - 4:.1f}" y="{MARGIN - 6}" text-anchor="end" fill="{BLUE}">'
            f"threshold {calibration.threshold:g}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}"'
        ' font-size="12" role="img" aria-label="reliability: accuracy per confidence band">'
        + "".join(parts)
        + "</svg>"
    )
