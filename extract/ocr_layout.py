"""From OCR's text boxes to the words and lines a text page has: pure geometry, no models.

The detector gives a quadrilateral per run of text; the recogniser reads each one with the
output column of every character. Here the page is turned upright (text running up or
down the page means a quarter turn), its skew measured from the boxes' slopes, and every
word placed on the straightened page in PDF points. The words of one printed line get one
top and bottom, so the line clustering the text layer uses (tops within 3 pt) puts them on
one line, whatever the scan's small slant or the detector's jitter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING

from extract.layout import Word
from extract.ocr_engine import ReadLine

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Boxes = NDArray[np.float64]

MIN_LINE_SCORE = 0.5  # a run read with a lower mean character confidence is noise, not text
LONG_BOX = 2.0  # a box this many times longer than high shows which way its text runs
SAME_LINE = 0.4  # runs whose middles are closer than this many heights share a printed line
WORD_GAP = 0.25  # inside one run, a gap between words is at most this many heights (no cell)


def quarter_turns(boxes: Boxes) -> int:
    """1 when most of the text runs up or down the page (np.rot90 once sets it level), else 0."""
    level = upright = 0.0
    for box in boxes:
        across = math.dist(box[0], box[1])
        down = math.dist(box[1], box[2])
        if across >= LONG_BOX * down:
            level += across
        elif down >= LONG_BOX * across:
            upright += down
    return int(upright > level)


def ordered(box: Boxes) -> Boxes:
    """A quadrilateral's corners as top-left, top-right, bottom-right, bottom-left."""
    import numpy as np

    sums = box.sum(axis=1)
    differences = box[:, 1] - box[:, 0]
    return np.array(
        [box[np.argmin(sums)], box[np.argmin(differences)], box[np.argmax(sums)],
         box[np.argmax(differences)]]
    )  # fmt: skip


def turned_boxes(boxes: Boxes, turns: int, width: float, height: float) -> Boxes:
    """The boxes of a width x height image on the same image turned by np.rot90(turns)."""
    import numpy as np

    turned = boxes.copy()
    for _ in range(turns % 4):
        x, y = turned[..., 0].copy(), turned[..., 1].copy()
        turned[..., 0], turned[..., 1] = y, width - x
        width, height = height, width
    return np.array([ordered(box) for box in turned]) if len(turned) else turned


def skew_of(boxes: Boxes) -> float:
    """The page's slant in degrees (positive: lines fall to the right): the median slope of
    the boxes' top edges, each weighted by its squared length, since a short box's corners,
    whole pixels apart, cannot show a slant of a degree, and a long line shows it best."""
    slopes: list[tuple[float, float]] = []
    for box in boxes:
        dx, dy = box[1] - box[0]
        if dx > 0:
            slopes.append((math.degrees(math.atan2(dy, dx)), dx * dx))
    if not slopes:
        return 0.0
    slopes.sort()
    half = sum(weight for _, weight in slopes) / 2
    total = 0.0
    for angle, weight in slopes:
        total += weight
        if total >= half:
            return angle
    return slopes[-1][0]


@dataclass(frozen=True)
class Straightening:
    """Turning points about the image's centre by minus the skew: the straightened page."""

    skew_degrees: float
    centre_x: float
    centre_y: float

    def __call__(self, box: Boxes) -> Boxes:
        angle = math.radians(self.skew_degrees)
        cos, sin = math.cos(angle), math.sin(angle)
        straight = box.copy()
        dx, dy = box[:, 0] - self.centre_x, box[:, 1] - self.centre_y
        straight[:, 0] = self.centre_x + dx * cos + dy * sin
        straight[:, 1] = self.centre_y - dx * sin + dy * cos
        return straight


@dataclass
class _Run:
    """One read box on the straightened page (pixels) and its words (fractions of its width)."""

    left: float
    top: float
    right: float
    bottom: float
    words: list[tuple[str, float, float, float]]  # text, start, end (0..1 of the run), score

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


def line_words(line: ReadLine) -> list[tuple[str, float, float, float]]:
    """Each word of a read line: its text, where it starts and ends as fractions of the
    crop's width (its characters' columns, half a character either side), its score (the
    lowest confidence of its characters)."""
    if not line.text.strip() or line.span <= 0:
        return []
    spans: list[list[int]] = []  # character indexes of each word
    for index, char in enumerate(line.text):
        if char.isspace():
            if spans and spans[-1]:
                spans.append([])
            continue
        if not spans:
            spans.append([])
        spans[-1].append(index)
    spans = [span for span in spans if span]
    column_of = dict(zip([i for span in spans for i in span], line.columns, strict=True))
    steps = [column_of[b] - column_of[a] for span in spans for a, b in pairwise(span)]
    half = (median(steps) if steps else line.span / max(1, len(line.text))) / 2
    words = []
    for span in spans:
        start = max(0.0, (column_of[span[0]] + 0.5 - half) / line.span)
        end = min(1.0, (column_of[span[-1]] + 0.5 + half) / line.span)
        score = min(line.confidences[i] for i in span)
        words.append(("".join(line.text[i] for i in span), start, max(end, start), score))
    return words


def _runs(boxes: Boxes, lines: Sequence[ReadLine], straighten: Straightening) -> list[_Run]:
    runs = []
    for box, line in zip(boxes, lines, strict=True):
        read = [i for i, char in enumerate(line.text) if not char.isspace()]
        if not read or sum(line.confidences[i] for i in read) / len(read) < MIN_LINE_SCORE:
            continue
        if len(read) > 2 and math.dist(box[1], box[2]) >= LONG_BOX * math.dist(box[0], box[1]):
            continue  # text running up the margin of a level page: no line of the page
        words = line_words(line)
        if not words:
            continue
        level = straighten(box)
        runs.append(
            _Run(
                left=(level[0, 0] + level[3, 0]) / 2,
                top=(level[0, 1] + level[1, 1]) / 2,
                right=(level[1, 0] + level[2, 0]) / 2,
                bottom=(level[3, 1] + level[2, 1]) / 2,
                words=words,
            )
        )
    return runs


def _printed_lines(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped into printed lines by their middles, top to bottom."""
    groups: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: r.middle):
        if groups:
            group = groups[-1]
            middle = sum(r.middle for r in group) / len(group)
            height = min(run.height, min(r.height for r in group))
            if abs(run.middle - middle) <= SAME_LINE * height:
                group.append(run)
                continue
        groups.append([run])
    return groups


def page_words(
    boxes: Boxes, lines: Sequence[ReadLine], straighten: Straightening, points_per_pixel: float
) -> list[Word]:
    """The words in reading order (lines top to bottom, each left to right), in points on
    the straightened page; the words of a printed line share its top and bottom."""
    words: list[Word] = []
    for group in _printed_lines(_runs(boxes, lines, straighten)):
        top = median(run.top for run in group) * points_per_pixel
        bottom = median(run.bottom for run in group) * points_per_pixel
        placed = []
        for run in group:
            width = run.right - run.left
            gap = WORD_GAP * run.height / max(width, 1.0)  # as a fraction of the run
            spans = [[start, end] for _, start, end, _ in run.words]
            for before, after in pairwise(spans):
                excess = after[0] - before[1] - gap
                if excess > 0:  # one run is one cell: close the gap halfway from each side
                    before[1] += excess / 2
                    after[0] -= excess / 2
            for (text, _, _, score), (start, end) in zip(run.words, spans, strict=True):
                x0 = (run.left + start * width) * points_per_pixel
                x1 = (run.left + end * width) * points_per_pixel
                placed.append(Word(text, x0, top, x1, bottom, score))
        placed.sort(key=lambda word: word.x0)
        words.extend(placed)
    return words
