"""The one interface every backend implements, and what it gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from extract.pdf import ParsedDocument
from extract.store import SentRequest
from schemas.vocabulary import Source


@dataclass
class Usage:
    """What one extraction cost: summed over every request and retry it took."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, other: Usage) -> None:
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cost_usd += other.cost_usd


@dataclass
class Extraction:
    """A schema instance for one document, and how it was obtained."""

    result: BaseModel
    backend: str
    model: str
    source: str = Source.MODEL  # or Source.EMBEDDED_XML
    usage: Usage = field(default_factory=Usage)
    # the backend's own evidence score in [0, 1] per value key (field, item); the rules
    # backend gives one, an LLM's self-assessment is never taken (see extract.confidence)
    scores: dict[tuple[str, int | None], float] = field(default_factory=dict)
    # answers the schema's validation refused before this one (each sent back with its error)
    validation_retries: int = 0


@dataclass(frozen=True)
class BatchResult:
    """One request of a provider batch: an extraction, or why there is none."""

    custom_id: str
    extraction: Extraction | None
    error: str


RequestLog = Callable[[SentRequest], None]


@dataclass(frozen=True)
class BackendOptions:
    """What the CLI passes to any backend; each takes what it needs."""

    model: str | None = None
    fallback_model: str | None = None
    user: str | None = None
    timeout_s: float = 120.0
    max_retries: int = 4
    max_validation_retries: int = 2
    # set by the run: where each request sent is logged (tokens, cost, latency, error)
    request_log: RequestLog | None = field(default=None, compare=False, repr=False)


class Backend(Protocol):
    """Turns a parsed document into an instance of the schema, every value cited."""

    name: str
    model: str
    prompt_version: str  # part of the cache key: change it and old answers are not reused
    reads_scans: bool  # True when pages without a text layer can still be read

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction: ...
