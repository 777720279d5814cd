"""Tables from ruling lines: pdfplumber's own table finder, fed with pdfium's geometry.

pdfplumber finds a table where drawn lines cross; running it through pdfminer costs most of
a page's parse time. Here the lines come from pdfium's path objects and the characters from
pdfium's text page, so the finder (and its cell text) is pdfplumber's, at pdfium's speed.
Pages without ruling lines skip the finder altogether.
"""

from __future__ import annotations

import ctypes
from bisect import bisect_left
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.layout import Word, text_of

Edge = dict[str, Any]
Table = tuple[tuple[str, ...], ...]
Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]

STRAIGHT = 0.01  # a segment this close to level or plumb counts as a ruling line
MIN_EDGE = 3.0  # pdfplumber's edge_min_length
MAX_DEPTH = 8  # form XObjects nested deeper than this are not searched for lines
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _matrix(handle: Any) -> Matrix:
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(handle, matrix):
        return IDENTITY
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def _path_segments(handle: Any, matrix: Matrix) -> Iterator[tuple[Point, Point]]:
    """Straight segments of one path object in page coordinates; curves are skipped."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    start: Point | None = None
    last: Point | None = None
    for index in range(pdfium_c.FPDFPath_CountSegments(handle)):
        segment = pdfium_c.FPDFPath_GetPathSegment(handle, index)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and last is not None:
            yield last, point
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = point
        last = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None and last != start:
            yield last, start
            last = start


def _objects(handle: Any, count: int, get: Any, outer: Matrix, depth: int) -> Iterator[Edge]:
    for index in range(count):
        child = get(handle, index)
        kind = pdfium_c.FPDFPageObj_GetType(child)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            for start, end in _path_segments(child, _times(_matrix(child), outer)):
                edge = _edge(start, end)
                if edge is not None:
                    yield edge
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_DEPTH:
            yield from _objects(
                child,
                pdfium_c.FPDFFormObj_CountObjects(child),
                pdfium_c.FPDFFormObj_GetObject,
                _times(_matrix(child), outer),
                depth + 1,
            )


def _edge(start: Point, end: Point) -> Edge | None:
    x0, x1 = sorted((start[0], end[0]))
    y0, y1 = sorted((start[1], end[1]))
    if y1 - y0 <= STRAIGHT and x1 - x0 >= MIN_EDGE:
        orientation = "h"
    elif x1 - x0 <= STRAIGHT and y1 - y0 >= MIN_EDGE:
        orientation = "v"
    else:
        return None
    return {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "orientation": orientation}


def ruling_edges(page: pdfium.PdfPage, height: float) -> list[Edge]:
    """The page's level and plumb line segments as pdfplumber edges (top-down coordinates)."""
    found = _objects(
        page.raw,
        pdfium_c.FPDFPage_CountObjects(page.raw),
        pdfium_c.FPDFPage_GetObject,
        IDENTITY,
        0,
    )
    edges = []
    for edge in found:
        top, bottom = height - edge.pop("y1"), height - edge.pop("y0")
        edge |= {
            "top": top,
            "bottom": bottom,
            "doctop": top,
            "width": edge["x1"] - edge["x0"],
            "height": bottom - top,
            "object_type": "line",
        }
        edges.append(edge)
    has_both = {edge["orientation"] for edge in edges} == {"h", "v"}
    return edges if has_both else []  # a cell needs lines both ways


class _Geometry:
    """The little of a pdfplumber page that its TableFinder reads: the ruling lines."""

    def __init__(self, edges: list[Edge], width: float, height: float) -> None:
        self.edges = edges
        self.bbox = (0.0, 0.0, width, height)
        self.chars: list[dict[str, Any]] = []


def _cell_text(words: list[Word], bbox: Any) -> str:
    """pdfplumber's Table.extract for one cell, by word: the words whose middle lies inside.

    pdfplumber decides per character; a word never straddles a ruling line by more than
    the 3 pt gap that would have split it, so both give the same text.
    """
    x0, top, x1, bottom = bbox
    inside = [
        w for w in words if x0 <= (w.x0 + w.x1) / 2 < x1 and top <= (w.top + w.bottom) / 2 < bottom
    ]
    return text_of(inside)


def _rows(table: Any, words: list[Word]) -> Table:
    """Table.extract, without its scan of every page character for every row."""
    by_middle = sorted(words, key=lambda w: (w.top + w.bottom) / 2)
    middles = [(w.top + w.bottom) / 2 for w in by_middle]
    rows = []
    for row in table.rows:
        _, top, _, bottom = row.bbox
        band = by_middle[bisect_left(middles, top) : bisect_left(middles, bottom)]
        rows.append(tuple("" if cell is None else _cell_text(band, cell) for cell in row.cells))
    return tuple(rows)


def smallest_cells(intersections: dict[Point, dict[str, list[Edge]]]) -> list[Any]:
    """pdfplumber's intersections_to_cells, same answer, without its quadratic scans.

    For each crossing (in sorted order) the smallest cell whose four corners are crossings
    joined by shared edges; points below and to the right come from a row/column index.
    """

    def keys(edges: list[Edge]) -> frozenset[tuple[float, float, float, float]]:
        return frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges)

    plumb = {point: keys(found["v"]) for point, found in intersections.items()}
    level = {point: keys(found["h"]) for point, found in intersections.items()}
    points = sorted(intersections)
    columns: dict[float, list[Point]] = {}
    rows: dict[float, list[Point]] = {}
    for point in points:
        columns.setdefault(point[0], []).append(point)
        rows.setdefault(point[1], []).append(point)

    def joined(a: Point, b: Point) -> bool:
        if a[0] == b[0]:
            return not plumb[a].isdisjoint(plumb[b])
        return a[1] == b[1] and not level[a].isdisjoint(level[b])

    cells = []
    for point in points:
        below = [p for p in columns[point[0]] if p[1] > point[1]]
        right = [p for p in rows[point[1]] if p[0] > point[0]]
        cell = next(
            (
                (point[0], point[1], corner[0], corner[1])
                for under in below
                if joined(point, under)
                for beside in right
                if joined(point, beside)
                for corner in [(beside[0], under[1])]
                if corner in intersections and joined(corner, beside) and joined(corner, under)
            ),
            None,
        )
        if cell is not None:
            cells.append(cell)
    return cells


def page_tables(
    words: list[Word], edges: list[Edge], width: float, height: float
) -> tuple[Table, ...]:
    """pdfplumber's default (lines) table finder over this page's lines and characters."""
    from pdfplumber.table import Table as Found
    from pdfplumber.table import TableFinder, TableSettings, cells_to_tables, edges_to_intersections

    settings = TableSettings.resolve(None)
    geometry = _Geometry(edges, width, height)
    finder = SimpleNamespace(page=geometry, settings=settings)
    merged = TableFinder.get_edges(finder)  # type: ignore[arg-type]
    crossings = edges_to_intersections(
        merged, settings.intersection_x_tolerance, settings.intersection_y_tolerance
    )
    found = [Found(geometry, group) for group in cells_to_tables(smallest_cells(crossings))]  # type: ignore[arg-type]
    return tuple(_rows(table, words) for table in found)
