"""Pictures of PDF pages for the people who judge values: a page, or a band of it around a
value, with each value's box drawn over it in a colour that says what is known of it.

Pages are rendered with pdfium and embedded as data: URIs, so an HTML file that shows them
works offline, opened from disk, with nothing fetched. A box is kept in the reader's
coordinates (PDF points from the page's top left); pdfium's own page-to-device transform
places it on the picture, so cropped and rotated pages are drawn right too. Pages are
grey (16 levels, a 4-bit PNG: a text page in ~25 KB, rendered and encoded in ~25 ms), so
the coloured boxes stand out; a photographed scan goes as JPEG when that is smaller.
"""

from __future__ import annotations

import base64
import ctypes
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pdfium and Pillow are imported when a picture is made, not by every command
    import pypdfium2 as pdfium
    from PIL import Image

PAGE_WIDTH_PX = 900  # a page picture's width as rendered; shown narrower, so sharp on HiDPI
CROP_WIDTH_PX = 1100  # a worklist band's width as rendered: the value's line, readable
CROP_MARGIN_PT = 40.0  # page shown above and below a value's box in a band
CROP_HEIGHT_PT = 180.0  # a band without a box: the top of its page
GREYS = 16  # levels of grey in a page picture: enough for smooth text, 4 bits a pixel
JPEG_QUALITY = 70
BOX_PAD_PX = 3.0  # a box is drawn this far outside its words, so its line hides none

Box = Sequence[float]  # [x0, top, x1, bottom] in PDF points, top-down (extract.boxes)
Matrix = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f


class Colour:
    """What a box's colour says: a verdict where there are labels, else the confidence."""

    RIGHT = "#2e7d32"
    WRONG = "#c62828"
    UNLABELED = "#757575"
    LOW = "#e65100"
    MEDIUM = "#f9a825"
    HIGH = "#1565c0"
    HIGHLIGHT = "#ffeb3b"


# (upper bound, name, colour): a confidence below the bound is in the band
CONFIDENCE_BANDS: tuple[tuple[float, str, str], ...] = (
    (0.5, "low", Colour.LOW),
    (0.9, "medium", Colour.MEDIUM),
    (float("inf"), "high", Colour.HIGH),
)
VERDICT_LEGEND = (("right", Colour.RIGHT), ("wrong", Colour.WRONG), ("unlabeled", Colour.UNLABELED))
CONFIDENCE_LEGEND = (
    ("confidence < 0.5", Colour.LOW),
    ("0.5 to 0.9", Colour.MEDIUM),
    ("≥ 0.9", Colour.HIGH),
    ("no confidence", Colour.UNLABELED),
)


def confidence_colour(confidence: float | None) -> str:
    if confidence is None:
        return Colour.UNLABELED
    return next(colour for bound, _, colour in CONFIDENCE_BANDS if confidence < bound)


@dataclass(frozen=True)
class PdfFile:
    """Where a document's PDF is, or (path None) why it cannot be shown."""

    path: Path | None
    problem: str = ""
    href: str = ""  # a link to the file from where the HTML is written (relative when it can)
    # the pages OCR read, by number: how far OCR turned each (its words' boxes are on the
    # page turned so), so its picture is turned the same way
    turns: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Picture:
    """A rendered page or band of one: an image and how PDF points map onto its pixels."""

    page: int
    uri: str
    width: int
    height: int
    matrix: Matrix  # reader's points (x, top) -> the picture's pixels

    def rect(self, box: Box) -> tuple[float, float, float, float]:
        """A box as (x, y, width, height) in the picture's pixels."""
        a, b, c, d, e, f = self.matrix
        xs, ys = [], []
        for x, y in ((box[0], box[1]), (box[2], box[3])):
            xs.append(a * x + c * y + e)
            ys.append(b * x + d * y + f)
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


@dataclass(frozen=True)
class Mark:
    """A box on a picture and the values it shows (a table row's quote holds several);
    ``keys`` tie it to their rows of a table (data-v)."""

    keys: tuple[str, ...]
    box: Box
    colour: str
    title: str


class PictureError(Exception):
    """A PDF that cannot be opened or rendered: the page says so instead of a picture."""


@contextmanager
def opened_pdf(path: Path) -> Iterator[pdfium.PdfDocument]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except (OSError, pdfium.PdfiumError) as error:
        raise PictureError(f"cannot open {path.name}: {error}") from error
    try:
        yield pdf
    finally:
        pdf.close()


def _device_matrix(page: Any, size: tuple[int, int]) -> Matrix:
    """The reader's (x, top) to the rendered bitmap's pixels, from pdfium's own transform
    (it knows the page's crop box and rotation). The reader's top is height - y."""
    import pypdfium2.raw as pdfium_c

    width_pt, height_pt = page.get_size()

    def device(x: float, y: float) -> tuple[int, int]:
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(
            page.raw, 0, 0, size[0], size[1], 0, x, y, ctypes.byref(dx), ctypes.byref(dy)
        )
        return dx.value, dy.value

    # far corners, so the integer pixels lose nothing that matters
    x0, y0 = device(0.0, height_pt)  # the reader's (0, 0)
    x1, y1 = device(width_pt, height_pt)  # (width, 0)
    x2, y2 = device(0.0, 0.0)  # (0, height)
    a, b = (x1 - x0) / width_pt, (y1 - y0) / width_pt
    c, d = (x2 - x0) / height_pt, (y2 - y0) / height_pt
    return a, b, c, d, float(x0), float(y0)


_LEVEL = [value * GREYS // 256 for value in range(256)]  # a grey to its palette index
_GREY_PALETTE = [round(i * 255 / (GREYS - 1)) for i in range(GREYS) for _ in range(3)]


def _encoded(image: Image.Image) -> str:
    """A grey image as a data: URI: a 4-bit PNG, or a JPEG when that is smaller (a
    photographed scan). Quantising by a table is 4 times faster than Pillow's quantize."""
    from PIL import Image

    indexed = Image.frombytes("P", image.size, image.point(_LEVEL).tobytes())
    indexed.putpalette(_GREY_PALETTE)
    png = io.BytesIO()
    indexed.save(png, "PNG", bits=4)
    data, kind = png.getvalue(), "png"
    if len(data) > 40 * image.width * image.height // 1000:  # more than 0.04 B/px: not text
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=JPEG_QUALITY)
        if jpeg.tell() < len(data):
            data, kind = jpeg.getvalue(), "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def _rendered(
    pdf: pdfium.PdfDocument, number: int, width_px: int, turn: float | None = None
) -> tuple[Image.Image, Matrix]:
    """A page and how the reader's points fall on it. An OCR'd page (``turn`` not None) is
    turned as OCR read it: its words are points on the rendered page so turned."""
    page = pdf[number - 1]
    try:
        scale = width_px / page.get_width()
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil()
        if turn is None:
            return image, _device_matrix(page, image.size)
    finally:
        page.close()
    from extract.ocr import turned_as_read

    return turned_as_read(image, turn), (scale, 0.0, 0.0, scale, 0.0, 0.0)


def page_pictures(
    path: Path,
    numbers: Iterable[int],
    width_px: int = PAGE_WIDTH_PX,
    turns: Mapping[int, float] | None = None,
) -> list[Picture]:
    """Whole pages, in the order asked; a page number the PDF does not have is left out;
    ``turns`` as PdfFile's. Raises PictureError when the file cannot be opened or rendered."""
    turns = turns or {}
    pictures = []
    with opened_pdf(path) as pdf:
        count = len(pdf)
        for number in numbers:
            if not 1 <= number <= count:
                continue
            try:
                image, matrix = _rendered(pdf, number, width_px, turns.get(number))
            except Exception as error:  # pdfium on a broken page: said, not raised
                raise PictureError(
                    f"cannot render page {number} of {path.name}: {error}"
                ) from error
            pictures.append(Picture(number, _encoded(image), *image.size, matrix))
    return pictures


def band_pictures(
    path: Path,
    wanted: Sequence[tuple[int, Box | None]],
    width_px: int = CROP_WIDTH_PX,
    turns: Mapping[int, float] | None = None,
) -> list[Picture | None]:
    """For each (page, box): a band of the page's full width around the box (without a box,
    the top of the page); None for a page the PDF does not have. Each page is rendered
    once, however many bands it gives; ``turns`` as PdfFile's."""
    turns = turns or {}
    bands: list[Picture | None] = [None] * len(wanted)
    by_page: dict[int, list[int]] = {}
    for index, (number, _) in enumerate(wanted):
        by_page.setdefault(number, []).append(index)
    with opened_pdf(path) as pdf:
        for number, indexes in by_page.items():
            if not 1 <= number <= len(pdf):
                continue
            try:
                image, matrix = _rendered(pdf, number, width_px, turns.get(number))
            except Exception as error:
                raise PictureError(
                    f"cannot render page {number} of {path.name}: {error}"
                ) from error
            whole = Picture(number, "", *image.size, matrix)
            for index in indexes:
                bands[index] = _band(image, whole, wanted[index][1])
    return bands


def _band(image: Image.Image, whole: Picture, box: Box | None) -> Picture:
    a, b, c, d, e, f = whole.matrix
    per_point = max(abs(b), abs(d))  # pixels per point down the picture
    if box is None:
        top, bottom = 0.0, CROP_HEIGHT_PT * per_point
    else:
        _, y, _, h = whole.rect(box)
        top, bottom = y - CROP_MARGIN_PT * per_point, y + h + CROP_MARGIN_PT * per_point
    top, bottom = max(0, int(top)), min(image.height, int(bottom) + 1)
    if bottom <= top:  # a box off the picture: show the top of the page
        top, bottom = 0, min(image.height, int(CROP_HEIGHT_PT * per_point))
    piece = image.crop((0, top, image.width, bottom))
    return Picture(whole.page, _encoded(piece), *piece.size, (a, b, c, d, e, f - top))


def picture_svg(picture: Picture, marks: Iterable[Mark], label: str) -> str:
    """The picture with every mark's box over it, as inline SVG scaled to its container.
    A mark links to its first row (#r-KEY) and lists its rows' keys in data-v."""
    parts = [
        f'<svg class="page" viewBox="0 0 {picture.width} {picture.height}"'
        f' xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}">'
        f'<image href="{picture.uri}" width="{picture.width}" height="{picture.height}"/>'
    ]
    for mark in marks:
        x, y, w, h = picture.rect(mark.box)
        pad = BOX_PAD_PX
        parts.append(
            f'<a href="#r-{mark.keys[0]}"><rect class="box" data-v="{" ".join(mark.keys)}"'
            f' x="{x - pad:.1f}" y="{y - pad:.1f}" width="{w + 2 * pad:.1f}"'
            f' height="{h + 2 * pad:.1f}" stroke="{mark.colour}" fill="{mark.colour}">'
            f"<title>{escape(mark.title)}</title></rect></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(entries: Iterable[tuple[str, str]]) -> str:
    return "".join(
        f'<span class="key"><i style="border-color:{colour};background:{colour}33"></i>'
        f"{escape(name)}</span>"
        for name, colour in entries
    )


def marks_by_page(marks: Iterable[tuple[int, Mark]]) -> Mapping[int, list[Mark]]:
    by_page: dict[int, list[Mark]] = {}
    for page, mark in marks:
        by_page.setdefault(page, []).append(mark)
    return by_page


# Shared by the report and the worklist: boxes drawn as outlines with a light fill; a box
# and its row light up together on hover, and stay lit when clicked (or named in the URL).
PICTURE_STYLE = f"""
svg.page {{ width: 100%; height: auto; display: block; box-sizing: border-box;
  border: 1px solid #bbb;
  background: #fff; margin-bottom: 8px; }}
svg.page .box {{ stroke-width: 3; fill-opacity: 0.12; cursor: pointer; }}
svg.page .box.lit, svg.page .box.picked {{ stroke-width: 6; fill: {Colour.HIGHLIGHT};
  fill-opacity: 0.45; }}
tr.lit td, tr.picked td {{ background: {Colour.HIGHLIGHT}66; }}
tr[data-v] {{ cursor: pointer; }}
.key {{ margin-right: 12px; font-size: 12px; color: #555; white-space: nowrap; }}
.key i {{ display: inline-block; width: 12px; height: 10px; border: 2px solid;
  margin-right: 4px; vertical-align: -1px; }}
"""

# Inline and small: hover lights a row and its box; a click (or #r-KEY in the address)
# keeps them lit and scrolls the other one into view.
PICTURE_SCRIPT = """
(function () {
  function light(element, name) {
    document.querySelectorAll('.' + name).forEach(function (e) { e.classList.remove(name); });
    if (!element) return [];
    var scope = element.closest('section') || document;
    var found = [];
    element.getAttribute('data-v').split(' ').forEach(function (key) {
      scope.querySelectorAll('[data-v~="' + key + '"]').forEach(function (e) {
        e.classList.add(name);
        found.push(e);
      });
    });
    return found;
  }
  function pick(element) {
    var other = light(element, 'picked').find(function (e) {
      return e.tagName !== element.tagName;
    });
    if (other) other.scrollIntoView({block: 'nearest', inline: 'nearest'});
  }
  document.addEventListener('mouseover', function (event) {
    light(event.target.closest('[data-v]'), 'lit');
  });
  document.addEventListener('click', function (event) {
    var element = event.target.closest('[data-v]');
    if (!element) return;
    event.preventDefault();
    pick(element);
    if (element.id) history.replaceState(null, '', '#' + element.id);
  });
  function fromAddress() {
    var id = decodeURIComponent(location.hash.slice(1));
    var element = id && document.getElementById(id);
    if (element && element.hasAttribute('data-v')) pick(element);
  }
  window.addEventListener('hashchange', fromAddress);
  fromAddress();
})();
"""
