"""Small real PDFs for the rules backend's tests: text placed at given positions."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extract.documents import Document
from extract.pdf import ParsedDocument, parsed_document

Placed = tuple[float, float, str]  # x, y from the top, text


def pdf_of(path: Path, pages: list[list[Placed]], size: float = 10) -> ParsedDocument:
    """Write the pages (each a list of texts at x, y-from-top) and parse them as a run does."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    height = A4[1]
    for placed in pages:
        for x, y, text in placed:
            pdf.setFont("Helvetica", size)
            pdf.drawString(x, height - y, text)
        pdf.showPage()
    pdf.save()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return parsed_document(Document(path=path, sha256=sha))


def lines_at(x: float, y: float, *texts: str, step: float = 14) -> list[Placed]:
    return [(x, y + index * step, text) for index, text in enumerate(texts)]
