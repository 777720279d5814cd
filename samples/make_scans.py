"""Scanned copies of some sample invoices: image-only PDFs as a scanner or a phone makes them.

Each is a sample invoice rendered to a grey image at 110-200 dpi, with paper tone, sensor
noise, specks, a slight blur and a small skew (one page is fed sideways: turned 90 degrees
on a landscape page), saved as JPEG inside a PDF with no text layer. Their truth is the
source invoice's. One more page holds only a blurred photo of shapes: nothing to read.
Called by make_samples.py; a fixed seed per page keeps the output the same run after run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class Scan:
    """How one invoice is scanned: resolution, skew (degrees, counter-clockwise), noise."""

    name: str
    source: str  # the stem of the sample invoice scanned
    dpi: int
    skew: float
    noise: float = 6.0  # standard deviation of the sensor noise, in grey levels
    sideways: bool = False  # fed turned 90 degrees, onto a landscape page
    blur: float = 0.5
    quality: int = 70  # JPEG quality


SCANS = (
    Scan("scan-01-left-labels", "invoice-01-left-labels", 200, 1.2),
    Scan("scan-03-labels-above-gbp", "invoice-03-labels-above-gbp", 150, -2.0, noise=8.0),
    Scan("scan-05-two-column-header", "invoice-05-two-column-header", 200, 3.0),
    Scan("scan-07-de-rechnung", "invoice-07-de-rechnung", 200, -0.8, noise=9.0),
    # the scan that was samples/pdfs/scan-no-text.pdf: 110 dpi, grey and blurred, now readable
    Scan("scan-08-boxed-totals-gbp", "invoice-08-boxed-totals-gbp", 110, 0.7, 0.0, blur=0.6),
    Scan("scan-09-boxed-totals-usd", "invoice-09-boxed-totals-usd", 150, -1.0, sideways=True),
)
UNREADABLE = "scan-unreadable"  # a photo of nothing readable: stays no_text


def scanned_image(pdf: bytes, scan: Scan) -> Image.Image:
    """The invoice's first page as the scanner saw it."""
    page = pdfium.PdfDocument(pdf)[0]
    image: Image.Image = page.render(scale=scan.dpi / 72, grayscale=True).to_pil()
    if scan.sideways:
        image = image.transpose(Image.Transpose.ROTATE_270)  # fed clockwise: text runs down
    image = image.rotate(scan.skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(scan.blur))
    return noisy(image, scan.noise, seed=sum(map(ord, scan.name)))


def noisy(image: Image.Image, sigma: float, seed: int) -> Image.Image:
    """Paper tone, sensor noise and a few dark specks, from a fixed seed."""
    if not sigma:
        return image
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32) * (235 / 255) + 8  # paper is never white
    pixels += rng.normal(0, sigma, pixels.shape)
    specks = rng.random(pixels.shape) < 0.0004
    pixels[specks] = rng.uniform(0, 120, int(specks.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def unreadable_image(dpi: int = 100) -> Image.Image:
    """A blurred photo of shapes and shading: no text in it."""
    width, height = round(A4[0] / 72 * dpi), round(A4[1] / 72 * dpi)
    rng = np.random.default_rng(1234)
    ramp = np.linspace(90, 200, height, dtype=np.float32)[:, None].repeat(width, axis=1)
    image = Image.fromarray(ramp.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(40, 260)
        draw.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.7), fill=int(rng.uniform(20, 240)))
    image = image.filter(ImageFilter.GaussianBlur(9))
    return noisy(image, 10.0, seed=99)


def image_pdf(image: Image.Image, pagesize: tuple[float, float], quality: int = 70) -> bytes:
    """One page that is only the image, as JPEG: how scanners save."""
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=quality, optimize=False)
    jpeg.seek(0)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=pagesize, invariant=1)
    canvas.drawImage(ImageReader(jpeg), 0, 0, *pagesize)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def scanned_pdfs(rendered: dict[str, bytes]) -> dict[str, bytes]:
    """Every scan by file name (scan-*.pdf), made from the rendered sample invoices."""
    made: dict[str, bytes] = {}
    for scan in SCANS:
        source = rendered[scan.source]
        width = pdfium.PdfDocument(source)[0].get_size()[0]
        size = LETTER if abs(width - LETTER[0]) < 1 else A4
        pagesize = landscape(size) if scan.sideways else size
        made[f"{scan.name}.pdf"] = image_pdf(scanned_image(source, scan), pagesize, scan.quality)
    made[f"{UNREADABLE}.pdf"] = image_pdf(unreadable_image(), A4)
    return made
