"""Headless Chromium screenshots of the HTML we write, and where things are on them.

A page picture is found on a screenshot by its frame (svg.page's 1 px #bbb border); a value's
box is then expected at its PDF points scaled to the frame, and checked by its stroke colour
along all four edges: a pixel check of what a person sees, not of the HTML.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FRAME = (187, 187, 187)  # #bbb, the border of a page picture


def screenshot(url: str, png: Path, size: tuple[int, int]) -> Image.Image:
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={png.parent / (png.stem + '-profile')}",
            f"--screenshot={png}",
            f"--window-size={size[0]},{size[1]}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return Image.open(png).convert("RGB")


def near(pixel: tuple[int, ...], colour: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@dataclass(frozen=True)
class Frame:
    """A page picture's inner area on the screenshot, in pixels."""

    left: int
    top: int
    right: int
    bottom: int

    def at(self, x_pt: float, y_pt: float, page_width_pt: float) -> tuple[float, float]:
        scale = (self.right - self.left) / page_width_pt
        return self.left + x_pt * scale, self.top + y_pt * scale


def frames(image: Image.Image, min_height: int = 120) -> list[Frame]:
    """Page pictures on a screenshot, top to bottom: a vertical run of frame colour at least
    ``min_height`` tall (the left edge) whose top row runs right to a right edge."""
    import numpy as np

    mask = (np.abs(np.asarray(image, dtype=np.int16) - FRAME) <= 6).all(axis=2)
    width = mask.shape[1]
    found: list[Frame] = []
    for x in np.flatnonzero(mask.sum(axis=0) >= min_height).tolist():
        column = np.concatenate(([False], mask[:, x], [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(column))
        for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            if stop - start < min_height or any(
                f.left - 1 <= x <= f.right and f.top <= stop and start <= f.bottom for f in found
            ):
                continue
            gaps = np.flatnonzero(~mask[start, x:])  # the top edge runs to the right edge
            right = x + (int(gaps[0]) if len(gaps) else width - x) - 1
            if right - x > 100:
                found.append(Frame(x + 1, start + 1, right, stop - 1))
    return sorted(found, key=lambda f: (f.top, f.left))


def edge_share(
    image: Image.Image, box: tuple[float, float, float, float], colour: tuple[int, int, int]
) -> float:
    """The share of points along the four edges of ``box`` (screen pixels) that have a pixel
    of ``colour`` at most 4 pixels outside the edge (boxes are drawn just outside their
    words): 1.0 when a box of that colour is drawn around ``box``."""
    pixels = image.load()
    x0, y0, x1, y1 = box
    probes: list[list[tuple[int, int]]] = []
    for step in range(1, 10):
        x = round(x0 + (x1 - x0) * step / 10)
        y = round(y0 + (y1 - y0) * step / 10)
        probes.append([(x, round(y0) + d) for d in range(-4, 1)])  # top edge
        probes.append([(x, round(y1) + d) for d in range(0, 5)])  # bottom
        probes.append([(round(x0) + d, y) for d in range(-4, 1)])  # left
        probes.append([(round(x1) + d, y) for d in range(0, 5)])  # right
    hits = sum(any(near(pixels[p], colour) for p in probe) for probe in probes)
    return hits / len(probes)


def dark_share(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of dark pixels (text) inside ``box``."""
    import numpy as np

    crop = np.asarray(image.crop(tuple(round(v) for v in box)).convert("L"))
    return float((crop < 110).mean()) if crop.size else 0.0


def highlighted_share(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of pixels inside ``box`` tinted by the highlight (yellow)."""
    import numpy as np

    crop = np.asarray(image.crop(tuple(round(v) for v in box)), dtype=np.int16)
    red, green, blue = crop[..., 0], crop[..., 1], crop[..., 2]
    return float(((red > 200) & (green > 200) & (blue < 170)).mean()) if crop.size else 0.0
