"""Tables from ruling lines: pdfplumber's table finder (its defaults), fed with pdfium's geometry.

pdfplumber finds a table where drawn lines cross; running it through pdfminer costs most of
a page's parse time. Here the lines come from pdfium's path objects and the words from
pdfium's text page, and the finder's steps (snap, join, crossings, cells, tables, rows) are
pdfplumber 0.11's, rewritten without its quadratic scans and per-edge dicts but computing
the same floats in the same order, so the tables come out exactly as pdfplumber's would.
Pages without ruling lines both ways skip the finder altogether.
"""

from __future__ import annotations

import ctypes
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache
from itertools import groupby, islice, repeat
from operator import itemgetter
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.layout import Word, text_of

Table = tuple[tuple[str, ...], ...]
Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, top, x1, bottom
# a ruling line: x0, top, x1, bottom, width, height, "h" (level) or "v" (plumb)
Edge = tuple[float, float, float, float, float, float, str]

STRAIGHT = 0.01  # a segment this close to level or plumb counts as a ruling line
MIN_EDGE = 3.0  # pdfplumber's edge_min_length
MAX_DEPTH = 8  # form XObjects nested deeper than this are not searched for lines
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
SNAP = 3.0  # pdfplumber's snap, join and intersection tolerances
JOIN = 3.0
CROSS = 3.0
PREFILTER = 1.0  # pdfplumber's edge_min_length_prefilter


# pdfium, called bare ------------------------------------------------------------------------


def bare(function: Any, restype: Any, *argtypes: Any) -> Any:
    """A pdfium function re-typed to take plain ints: pypdfium2's typed pointers cost a
    conversion on every call, and a page makes thousands of calls."""
    bound = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
    bound.restype = restype
    if argtypes:  # none: the caller passes ctypes objects and small ints, converted by no one
        bound.argtypes = argtypes
    return bound


def address_of(handle: Any) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


class Handle(ctypes.c_void_p):
    """A pdfium handle as a ctypes object (a c_void_p subclass is not turned into an int),
    so it goes back into untyped calls without a conversion."""


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
# untyped: called with Handles, ready-made c_void_p pointers and small ints only
_count_objects = bare(pdfium_c.FPDFPage_CountObjects, _INT)
_object = bare(pdfium_c.FPDFPage_GetObject, Handle)
_count_form_objects = bare(pdfium_c.FPDFFormObj_CountObjects, _INT)
_form_object = bare(pdfium_c.FPDFFormObj_GetObject, Handle, _VOID, ctypes.c_ulong)  # typed
_object_type = bare(pdfium_c.FPDFPageObj_GetType, _INT)
_object_matrix = bare(pdfium_c.FPDFPageObj_GetMatrix, _INT)
_count_segments = bare(pdfium_c.FPDFPath_CountSegments, _INT)
_segment = bare(pdfium_c.FPDFPath_GetPathSegment, Handle)
_segment_point = bare(pdfium_c.FPDFPathSegment_GetPoint, _INT)
_segment_type = bare(pdfium_c.FPDFPathSegment_GetType, _INT)
_segment_closes = bare(pdfium_c.FPDFPathSegment_GetClose, _INT)
PATH, FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
LINETO, MOVETO = pdfium_c.FPDF_SEGMENT_LINETO, pdfium_c.FPDF_SEGMENT_MOVETO


# ruling lines from the page's path objects ----------------------------------------------------


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


class _Reader:
    """Scratch buffers for the bare calls, and the level or plumb segments found so far."""

    def __init__(self) -> None:
        self.matrix = (ctypes.c_float * 6)()
        self.matrix_at = ctypes.c_void_p(ctypes.addressof(self.matrix))
        self.point = (ctypes.c_float * 2)()
        self.x_at = ctypes.c_void_p(ctypes.addressof(self.point))
        self.y_at = ctypes.c_void_p(ctypes.addressof(self.point) + 4)
        self.found: list[Box] = []  # x0, y0, x1, y1 in page coordinates, in drawing order

    def matrix_of(self, handle: Handle) -> Matrix:
        if not _object_matrix(handle, self.matrix_at):
            return IDENTITY
        a, b, c, d, e, f = self.matrix
        return (a, b, c, d, e, f)

    def add(self, start: Point, end: Point) -> None:
        (x0, y0), (x1, y1) = start, end
        if x1 < x0:  # as sorted() orders two values
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        if (y1 - y0 <= STRAIGHT and x1 - x0 >= MIN_EDGE) or (
            x1 - x0 <= STRAIGHT and y1 - y0 >= MIN_EDGE
        ):
            self.found.append((x0, y0, x1, y1))

    def read_path(self, handle: Handle, matrix: Matrix) -> None:
        """The straight segments of one path object; curves are skipped."""
        a, b, c, d, e, f = matrix
        point_xy, x_at, y_at = self.point, self.x_at, self.y_at
        start: Point | None = None
        last: Point | None = None
        for index in range(_count_segments(handle)):
            segment = _segment(handle, index)
            if not _segment_point(segment, x_at, y_at):
                continue
            x, y = point_xy
            point = (a * x + c * y + e, b * x + d * y + f)
            kind = _segment_type(segment)
            if kind == LINETO and last is not None:
                self.add(last, point)
            if kind == MOVETO:
                start = point
            last = point
            if _segment_closes(segment) and start is not None and last != start:
                self.add(last, start)
                last = start

    def read(self, handle: Handle, count: int, form: bool, outer: Matrix, depth: int) -> None:
        """Every path object, and those inside form XObjects, in drawing order."""
        children = list(map(_form_object if form else _object, repeat(handle), range(count)))
        for child, kind in zip(children, map(_object_type, children), strict=True):
            if kind == PATH:
                self.read_path(child, _times(self.matrix_of(child), outer))
            elif kind == FORM and depth < MAX_DEPTH:
                inner = _times(self.matrix_of(child), outer)
                self.read(child, _count_form_objects(child), True, inner, depth + 1)


def ruling_edges(page: pdfium.PdfPage, height: float) -> list[Edge]:
    """The page's level and plumb line segments as pdfplumber edges (top-down coordinates)."""
    handle = Handle(address_of(page.raw))
    reader = _Reader()
    reader.read(handle, _count_objects(handle), False, IDENTITY, 0)
    edges: list[Edge] = []
    for x0, y0, x1, y1 in reader.found:
        top, bottom = height - y1, height - y0
        level = y1 - y0 <= STRAIGHT and x1 - x0 >= MIN_EDGE
        edges.append((x0, top, x1, bottom, x1 - x0, bottom - top, "h" if level else "v"))
    kinds = {edge[6] for edge in edges}
    return edges if len(kinds) == 2 else []  # a cell needs lines both ways


# pdfplumber's TableFinder with the "lines" strategies ------------------------------------------


def _clusters(edges: list[Edge], key: int, tolerance: float) -> list[list[Edge]]:
    """pdfplumber's cluster_objects: chains of sorted values, members in their given order."""
    value_of: Callable[[Edge], float] = itemgetter(key)
    values = sorted(set(map(value_of, edges)))
    index_of: dict[float, int] = {}
    group, last = 0, values[0] if values else 0.0
    for value in values:
        if not value <= last + tolerance:
            group += 1
        index_of[value] = group
        last = value
    grouped: list[list[Edge]] = [[] for _ in range(group + 1)]
    for edge in edges:
        grouped[index_of[value_of(edge)]].append(edge)
    return [cluster for cluster in grouped if cluster]


def _snapped(edges: list[Edge], plumb: bool) -> list[Edge]:
    """snap_objects: each cluster of x0s (plumb) or tops (level) moved to its average."""
    key = 0 if plumb else 1
    value_of: Callable[[Edge], float] = itemgetter(key)
    snapped = []
    for cluster in _clusters(edges, key, SNAP):
        average = sum(map(value_of, cluster)) / len(cluster)
        for x0, top, x1, bottom, width, height, kind in cluster:
            if plumb:
                shift = average - x0
                snapped.append((x0 + shift, top, x1 + shift, bottom, width, height, kind))
            else:
                shift = average - top
                snapped.append((x0, top + shift, x1, bottom + shift, width, height, kind))
    return snapped


def _joined(group: list[Edge], plumb: bool) -> list[Edge]:
    """join_edge_group: edges on one line that overlap or nearly touch become one."""
    low: Callable[[Edge], float] = itemgetter(1 if plumb else 0)
    high: Callable[[Edge], float] = itemgetter(3 if plumb else 2)
    ordered = sorted(group, key=low)
    joined = [ordered[0]]
    for edge in ordered[1:]:
        last = joined[-1]
        if low(edge) <= high(last) + JOIN:
            if high(edge) > high(last):
                x0, top, x1, bottom, width, height, kind = last
                if plumb:  # resize_object(last, "bottom", ...)
                    end = edge[3]
                    joined[-1] = (x0, top, x1, end, width, height + (end - bottom), kind)
                else:  # resize_object(last, "x1", ...)
                    end = edge[2]
                    joined[-1] = (x0, top, end, bottom, end - x0, height, kind)
        else:
            joined.append(edge)
    return joined


def merged_edges(edges: list[Edge]) -> list[Edge]:
    """TableFinder.get_edges: prefilter, snap, join by line, then the minimum length."""
    plumb = [edge for edge in edges if edge[6] == "v" and edge[5] >= PREFILTER]
    level = [edge for edge in edges if edge[6] == "h" and edge[4] >= PREFILTER]
    # one line per distinct top (level) or x0 (plumb), level lines first
    by_line: dict[tuple[str, float], list[Edge]] = {}
    for edge in _snapped(plumb, True) + _snapped(level, False):
        key = ("h", edge[1]) if edge[6] == "h" else ("v", edge[0])
        by_line.setdefault(key, []).append(edge)
    merged = []
    for key in sorted(by_line):
        merged += _joined(by_line[key], key[0] == "v")
    return [edge for edge in merged if (edge[5] if edge[6] == "v" else edge[4]) >= MIN_EDGE]


Crossings = dict[Point, tuple[set[int], set[int]]]  # point: its plumb and level edges


def crossings(edges: list[Edge]) -> Crossings:
    """edges_to_intersections: where a plumb edge meets a level one, within the tolerance.

    An edge is known by its box, as pdfplumber compares them; here by a number per box.
    """
    ids: dict[Box, int] = {}
    level = sorted((edge for edge in edges if edge[6] == "h"), key=itemgetter(1, 0))
    level_ids = [ids.setdefault(edge[:4], len(ids)) for edge in level]
    tops = [edge[1] for edge in level]
    found: Crossings = {}
    for v in sorted((edge for edge in edges if edge[6] == "v"), key=itemgetter(0, 1)):
        x, v_top, v_bottom = v[0], v[1], v[3]
        v_id = ids.setdefault(v[:4], len(ids))
        # a window a little wider than the test, which decides as pdfplumber does
        first = bisect_left(tops, v_top - CROSS - 1.0)
        end = bisect_right(tops, v_bottom + CROSS + 1.0)
        for h, h_id in zip(level[first:end], level_ids[first:end], strict=True):
            h_top = h[1]
            if (
                v_top <= h_top + CROSS
                and v_bottom >= h_top - CROSS
                and x >= h[0] - CROSS
                and x <= h[2] + CROSS
            ):
                point = (x, h_top)
                if point in found:
                    plumbs, levels = found[point]
                    plumbs.add(v_id)
                    levels.add(h_id)
                else:
                    found[point] = ({v_id}, {h_id})
    return found


def smallest_cells(found: Crossings) -> list[Box]:
    """pdfplumber's intersections_to_cells, same answer, without its quadratic scans.

    For each crossing (in sorted order) the smallest cell whose four corners are crossings
    joined by shared edges; points below and to the right come from a row/column index.
    """
    points = sorted(found)
    size = len(points)
    plumbs = [found[point][0] for point in points]
    levels = [found[point][1] for point in points]
    number = dict(zip(points, range(size), strict=True))
    # sorted, so each column is a run of points going down, and each row runs right
    column_end = list(range(1, size + 1))
    for index in range(size - 2, -1, -1):
        if points[index + 1][0] == points[index][0]:
            column_end[index] = column_end[index + 1]
    rows: dict[float, list[int]] = {}
    row_of: list[list[int]] = []
    after: list[int] = []  # where the points to the right start in the row
    for index, point in enumerate(points):
        row = rows.setdefault(point[1], [])
        row.append(index)
        row_of.append(row)
        after.append(len(row))

    cells = []
    for index in range(size):
        row = row_of[index]
        if after[index] == len(row):
            continue
        x, y = points[index]
        own_plumbs, own_levels = plumbs[index], levels[index]
        for under in range(index + 1, column_end[index]):
            if own_plumbs.isdisjoint(plumbs[under]):
                continue  # no plumb edge runs from here down to there
            bottom = points[under][1]
            under_levels = levels[under]
            for beside in islice(row, after[index], None):
                if own_levels.isdisjoint(levels[beside]):
                    continue
                corner = number.get((points[beside][0], bottom))
                if (
                    corner is not None
                    and not plumbs[corner].isdisjoint(plumbs[beside])
                    and not levels[corner].isdisjoint(under_levels)
                ):
                    cells.append((x, y, points[beside][0], bottom))
                    break
            else:
                continue
            break
    return cells


def grouped_cells(cells: list[Box]) -> list[list[Box]]:
    """cells_to_tables: cells that share corners, transitively, top-left table first.

    pdfplumber grows a table from the first cell left over until no cell touches it, so a
    table is a connected set of cells and tables come in the order of their first cell.
    """
    label: dict[Point, int] = {}  # corner: the group of the last cell seen there
    merged_into: list[int] = []  # group: the group it joined (itself while it has not)
    groups = []
    for x0, top, x1, bottom in cells:
        corners = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
        mine = -1
        for corner in corners:
            other = label.get(corner, -1)
            if other < 0:
                continue
            while merged_into[other] != other:
                other = merged_into[other]
            if mine < 0 or other == mine:
                mine = other
            else:  # the cell joins two groups: the younger one joins the older
                mine, other = min(mine, other), max(mine, other)
                merged_into[other] = mine
        if mine < 0:
            mine = len(merged_into)
            merged_into.append(mine)
        for corner in corners:
            label[corner] = mine
        groups.append(mine)
    tables: dict[int, list[Box]] = {}
    for group, cell in zip(groups, cells, strict=True):
        while merged_into[group] != group:
            group = merged_into[group]
        tables.setdefault(group, []).append(cell)
    ordered = sorted(tables.values(), key=lambda table: min((c[1], c[0]) for c in table))
    return [table for table in ordered if len(table) > 1]


Row = tuple[float, float, tuple[Box | None, ...]]  # top, bottom, a cell (or None) per column


def table_rows(cells: list[Box]) -> tuple[Row, ...]:
    """Table.rows: cells by top, one slot per column x0 (None where a row has no cell).

    Each row with the top and bottom of its bounding box (its cells share their top).
    """
    xs = sorted({cell[0] for cell in cells})
    rows = []
    for top, row_cells in groupby(sorted(cells, key=itemgetter(1, 0)), itemgetter(1)):
        by_x = {cell[0]: cell for cell in row_cells}
        bottom = max(cell[3] for cell in by_x.values())
        rows.append((top, bottom, tuple(by_x.get(x) for x in xs)))
    return tuple(rows)


@lru_cache(maxsize=64)
def table_grids(edges: tuple[Edge, ...]) -> tuple[tuple[Row, ...], ...]:
    """The rows of each table these ruling lines make. A function of the lines alone, and
    the pages of one template (continued tables, a vendor's every invoice) repeat them."""
    cells = smallest_cells(crossings(merged_edges(list(edges))))
    return tuple(table_rows(table) for table in grouped_cells(cells))


def _cell_text(band: list[tuple[Word, float, float]], box: Box) -> str:
    """pdfplumber's Table.extract for one cell, by word: the words whose middle lies inside.

    pdfplumber decides per character; a word never straddles a ruling line by more than
    the 3 pt gap that would have split it, so both give the same text.
    """
    x0, top, x1, bottom = box
    inside = [word for word, x, y in band if x0 <= x < x1 and top <= y < bottom]
    if len(inside) < 2:
        return inside[0].text if inside else ""
    return text_of(inside)


def page_tables(
    words: list[Word], edges: list[Edge], width: float, height: float
) -> tuple[Table, ...]:
    """pdfplumber's default (lines) table finder over this page's lines and words."""
    tables = table_grids(tuple(edges))
    if not tables:
        return ()
    y_middles = [(w.top + w.bottom) / 2 for w in words]
    order = sorted(range(len(words)), key=y_middles.__getitem__)
    y_middles = [y_middles[index] for index in order]
    by_middle = [
        (word, (word.x0 + word.x1) / 2, y)
        for word, y in zip([words[index] for index in order], y_middles, strict=True)
    ]
    found = []
    for grid in tables:
        rows = []
        for top, bottom, slots in grid:
            first, end = bisect_left(y_middles, top), bisect_left(y_middles, bottom)
            if first == end:  # no word in the row's band
                rows.append(("",) * len(slots))
                continue
            band = by_middle[first:end]
            rows.append(tuple("" if box is None else _cell_text(band, box) for box in slots))
        found.append(tuple(rows))
    return tuple(found)
