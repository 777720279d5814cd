"""What an LLM backend is asked: instructions, a field guide, the document as page-marked text.

The request shape is provider-neutral data (Anthropic's Messages format, which the SDK takes
as is). ``PROMPT_VERSION`` hashes every text here that shapes an answer, so editing the
prompt changes the cache key and old answers are not reused.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from pydantic import BaseModel

from extract.pdf import ParsedDocument
from schemas.base import field_specs

INSTRUCTIONS = """\
You read one business document and fill in the answer schema. Work through the fields in \
their order: it is the order of reasoning. First say what kind of document this is and on \
which pages the evidence lies, then give each value, then state the checks.

Every value is evidence first: write `page`, then `quote`, then `value`, in that order. Copy \
what is printed, then normalise what you copied; never decide a value before you have found \
it on the page.
- `page` is the 1-based page number the value is printed on, as marked in <page number="N">.
- `quote` is a short span copied character for character from that page (one line where \
possible) that contains the value as printed. Never reword, translate or reformat a quote.
- `value` is what the quote prints, normalised: dates as YYYY-MM-DD, amounts and numbers as \
plain decimals with a dot and no thousands separators (1.234,50 becomes 1234.50), currency as \
an ISO 4217 code (EUR, USD, GBP).
- If the document does not print a value, set page, quote and value to null. Never guess, \
never compute a value that is not printed.

List every row of the line-item table in order, each cell cited like any other value. In \
`checks`, state whether the line amounts add up to the subtotal and whether subtotal plus tax \
equals the total, using the printed numbers; explain any difference in `notes`.

Pages marked scan="true" have no text layer: they are attached as a PDF, in the order listed; \
read them from the images and cite the document's page number. A scanned page marked \
ocr="true" also comes with the text OCR read from its image: it may hold misread characters. \
Take each value from the image; quote the OCR text where it shows the value as the image \
does, since quotes are checked against that text."""

FIELD_GUIDE_HEAD = "The fields, in reasoning order, with the printed labels that announce them:"

CORRECTION = """\
Your answer did not fit the schema:
{problem}
Answer again with the whole corrected JSON object."""

DOCUMENT_HEAD = "Extract the fields from this document."

# request settings that change answers; part of PROMPT_VERSION
MAX_TOKENS = 16_000
MAX_TOKENS_CAP = 21_000  # above this the SDK insists on streaming


def _version() -> str:
    parts = [INSTRUCTIONS, FIELD_GUIDE_HEAD, CORRECTION, DOCUMENT_HEAD, str(MAX_TOKENS)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


PROMPT_VERSION = _version()


def field_guide(schema: type[BaseModel]) -> str:
    """One line a field: path, kind, what it is, and the labels it is printed under."""
    lines = [FIELD_GUIDE_HEAD]
    for spec in field_specs(schema):
        labels = ", ".join(spec.labels[:12])
        line = f"- {spec.path} ({spec.kind}): {spec.description}"
        lines.append(f"{line} Labels: {labels}." if labels else line)
    return "\n".join(lines)


def system_blocks(schema: type[BaseModel]) -> list[dict[str, Any]]:
    """Instructions and the schema's field guide; the breakpoint caches both (and nothing else)."""
    return [
        {"type": "text", "text": INSTRUCTIONS},
        {"type": "text", "text": field_guide(schema), "cache_control": {"type": "ephemeral"}},
    ]


def scanned_pages(document: ParsedDocument) -> list[int]:
    """Pages the model must see as images: no text layer, or text only OCR read."""
    return [page.number for page in document.pages if page.ocr or not page.has_text]


def page_marked_text(document: ParsedDocument) -> str:
    """The document as the model sees it: each page's text inside its own numbered tag; a
    scan's OCR text marked as such (its image goes along as a PDF)."""
    parts = [f'<document pages="{len(document.pages)}">']
    for page in document.pages:
        if page.ocr and page.has_text:
            parts.append(
                f'<page number="{page.number}" scan="true" ocr="true">\n'
                f"{page.text.strip()}\n</page>"
            )
        elif page.has_text:
            parts.append(f'<page number="{page.number}">\n{page.text.strip()}\n</page>')
        else:
            parts.append(f'<page number="{page.number}" scan="true"></page>')
    parts.append("</document>")
    return "\n".join(parts)


def scans_pdf(document: ParsedDocument, pages: list[int]) -> bytes:
    """Only the pages without a text layer, as a PDF: the model reads them as images."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(document.path)
    writer = PdfWriter()
    for number in pages:
        writer.add_page(reader.pages[number - 1])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def document_content(document: ParsedDocument) -> list[dict[str, Any]]:
    """The user turn: page-marked text, plus the scanned pages as a PDF document block."""
    content: list[dict[str, Any]] = [{"type": "text", "text": DOCUMENT_HEAD}]
    scans = scanned_pages(document)
    if scans:
        data = base64.standard_b64encode(scans_pdf(document, scans)).decode("ascii")
        content.append(
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": data},
            }
        )
    content.append({"type": "text", "text": page_marked_text(document)})
    return content


def correction_turns(reply_text: str, problem: str) -> list[dict[str, Any]]:
    """The model's own answer back, then what was wrong with it: the next try sees both."""
    return [
        {"role": "assistant", "content": [{"type": "text", "text": reply_text or "{}"}]},
        {"role": "user", "content": [{"type": "text", "text": CORRECTION.format(problem=problem)}]},
    ]
