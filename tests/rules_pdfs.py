"""Small real PDFs for the rules backend's tests: text placed at given positions."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extract.documents import Document
from extract.pdf import ParsedDocument, parsed_document

Placed = tuple[float, float, str]  # x, y from the top, text
Bold = tuple[float, float, str, float]  # x, y from the top, text, in bold at this size


def pdf_of(path: Path, pages: list[list[Placed | Bold]], size: float = 10) -> ParsedDocument:
    """Write the pages (each a list of texts at x, y-from-top) and parse them as a run does."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    height = A4[1]
    for placed in pages:
        for x, y, text, *bold in placed:
            pdf.setFont("Helvetica-Bold" if bold else "Helvetica", bold[0] if bold else size)
            pdf.drawString(x, height - y, text)
        pdf.showPage()
    pdf.save()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return parsed_document(Document(path=path, sha256=sha))


def lines_at(x: float, y: float, *texts: str, step: float = 14) -> list[Placed]:
    return [(x, y + index * step, text) for index, text in enumerate(texts)]


def pdf_with_codepoints(path: Path, lines: list[tuple[float, float, str]]) -> ParsedDocument:
    """A PDF whose text layer says exactly ``lines`` (x, y from the top, text), whatever the
    characters: each distinct character gets a byte of a Helvetica font whose ToUnicode map
    names it, as a UTF-16 unit or pair, or a lone half of one. Characters drawn with zero
    width are the invisible ones (zero-width and direction marks, controls, joiners)."""
    chars = sorted({char for _, _, text in lines for char in text})
    if len(chars) > 200:
        raise ValueError("at most 200 distinct characters")
    code_of = {char: 0x21 + number for number, char in enumerate(chars)}
    invisible = {char for char in chars if not char.isprintable() or char.isspace()}
    invisible |= {char for char in chars if 0x200B <= ord(char) <= 0x206F or char == "\ufeff"}
    units = {char: char.encode("utf-16-be", "surrogatepass").hex().upper() for char in chars}
    entries = "\n".join(f"<{code_of[char]:02X}> <{units[char]}>" for char in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"{len(chars)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode()
    last = 0x20 + len(chars)
    widths = " ".join(
        "0" if code > 0x20 and chars[code - 0x21] in invisible else "556"
        for code in range(0x20, last + 1)
    )
    height = A4[1]
    content = b"".join(
        b"BT /F1 11 Tf %.1f %.1f Td <%s> Tj ET\n"
        % (x, height - y, "".join(f"{code_of[c]:02X}" if c != " " else "20" for c in text).encode())
        for x, y, text in lines
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 5 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>" % (A4[0], height),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar %d"
        b" /Widths [%s] /ToUnicode 6 0 R >>" % (last, widths.encode()),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return parsed_document(Document(path=path, sha256=sha))
