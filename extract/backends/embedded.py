"""A PDF's attached e-invoice as an extraction: exact and free, whichever backend was asked.

extract/embedded.py reads the XML (it knows no backend); this module names the extraction
after the backend that would otherwise have read the document, with source embedded_xml.
"""

from __future__ import annotations

from pydantic import BaseModel

from extract.backends.base import Extraction
from extract.embedded import embedded_result
from extract.pdf import ParsedDocument
from schemas.vocabulary import Source


def embedded_extraction(
    document: ParsedDocument, schema: type[BaseModel], backend: str, model: str
) -> Extraction | None:
    """The document read from its attached e-invoice, or None when it carries none."""
    result = embedded_result(document, schema)
    return None if result is None else Extraction(result, backend, model, Source.EMBEDDED_XML)
