"""The chat-completions request for one document, built from the neutral prompt (no SDK here).

Three output modes, the best the server takes: ``json_schema`` (structured outputs, strict),
``json_object`` (JSON mode) and ``plain`` (the schema in the prompt); in the last two the
schema is shown to the model and validation retries catch what does not fit. Scanned pages
go as PNG images where the model takes images; a page with text (OCR text too) goes as text.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import threading
from typing import Any, Final

from pydantic import BaseModel

from extract.pdf import ParsedDocument
from extract.prompt import (
    CORRECTION,
    DOCUMENT_HEAD,
    INSTRUCTIONS,
    PROMPT_VERSION,
    field_guide,
    page_marked_text,
    scanned_pages,
)


class Mode:
    """How the answer's shape is asked for, best first."""

    JSON_SCHEMA: Final = "json_schema"
    JSON_OBJECT: Final = "json_object"
    PLAIN: Final = "plain"
    ORDER: Final = (JSON_SCHEMA, JSON_OBJECT, PLAIN)


SCANS_AS_IMAGES = (
    'Here the pages marked scan="true" are attached as one image each, in the order listed.'
)
SCHEMA_IN_PROMPT = """\
Answer with one JSON object and nothing else (no prose, no code fence). It must fit this \
JSON schema:
{schema}"""
SCAN_DPI = 150  # enough for print-size text; a page is ~1240 x 1750 pixels

# JSON schema keywords a strict structured-output schema may hold; the rest (our field
# metadata: labels, bt, where, ...) and defaults are dropped
STRICT_KEYWORDS = frozenset(
    {"type", "properties", "items", "anyOf", "$ref", "$defs", "description", "enum", "const"}
    | {"additionalProperties", "required", "title", "minimum", "maximum", "format"}
)


def _version() -> str:
    parts = [PROMPT_VERSION, SCANS_AS_IMAGES, SCHEMA_IN_PROMPT, str(SCAN_DPI)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


OPENAI_PROMPT_VERSION = _version()


def strict(node: Any) -> Any:
    """A JSON schema as strict mode wants it: every object closed and all its properties
    required (an optional value is already ``anyOf [..., null]``), unknown keywords gone."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if key not in STRICT_KEYWORDS:
            continue
        if key in ("properties", "$defs"):
            kept[key] = {name: strict(child) for name, child in value.items()}
        else:
            kept[key] = strict(value)
    if "properties" in kept:
        kept["required"] = list(kept["properties"])
        kept["additionalProperties"] = False
    return kept


_SCHEMA_LOCK = threading.Lock()


@functools.cache
def _schema_texts(schema: type[BaseModel]) -> tuple[dict[str, Any], str, str]:
    json_schema = strict(schema.model_json_schema())
    guide = f"{INSTRUCTIONS}\n\n{SCANS_AS_IMAGES}\n\n{field_guide(schema)}"
    shown = SCHEMA_IN_PROMPT.format(schema=json.dumps(json_schema, separators=(",", ":")))
    return json_schema, guide, shown


def schema_texts(schema: type[BaseModel]) -> tuple[dict[str, Any], str, str]:
    """(strict JSON schema, system text, the schema as the prompt shows it), once a schema."""
    with _SCHEMA_LOCK:
        return _schema_texts(schema)


def response_format(schema: type[BaseModel], mode: str) -> dict[str, Any] | None:
    if mode == Mode.JSON_SCHEMA:
        json_schema = schema_texts(schema)[0]
        name = schema.__name__[:64]
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": json_schema},
        }
    if mode == Mode.JSON_OBJECT:
        return {"type": "json_object"}
    return None


def system_message(schema: type[BaseModel], mode: str) -> dict[str, Any]:
    """Instructions and field guide; outside strict mode, the schema the answer must fit."""
    _, guide, shown = schema_texts(schema)
    text = guide if mode == Mode.JSON_SCHEMA else f"{guide}\n\n{shown}"
    return {"role": "system", "content": text}


def page_png(document: ParsedDocument, number: int) -> bytes:
    """One page rendered as PNG: how a scan reaches a model that reads images."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(document.path)
    try:
        image = pdf[number - 1].render(scale=SCAN_DPI / 72).to_pil()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def user_message(document: ParsedDocument, images: bool) -> dict[str, Any]:
    """Page-marked text; scanned pages as images after it when the model takes images. Plain
    text content when there is no image: every OpenAI-compatible server reads that."""
    text = f"{DOCUMENT_HEAD}\n\n{page_marked_text(document)}"
    scans = scanned_pages(document) if images else []
    if not scans:
        return {"role": "user", "content": text}
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for number in scans:
        data = base64.standard_b64encode(page_png(document, number)).decode("ascii")
        parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
    return {"role": "user", "content": parts}


def has_images(params: dict[str, Any]) -> bool:
    return any(isinstance(message["content"], list) for message in params["messages"])


def correction_messages(text: str, problem: str) -> list[dict[str, Any]]:
    """The model's own answer back, then what was wrong with it: the next try sees both."""
    return [
        {"role": "assistant", "content": text or "{}"},
        {"role": "user", "content": CORRECTION.format(problem=problem)},
    ]


def answer_json(text: str) -> str:
    """The JSON object in a reply: a code fence or a sentence around it (JSON and plain
    modes) is cut off; what is left is for the schema to judge."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text
