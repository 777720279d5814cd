"""``--batch``: the documents that need an answer go to the provider in batches (half price).

Each request's custom_id is the document's cache key, so an answer maps to its document
whatever run asked for it. The batch id is stored the moment the provider accepts it: a run
killed while waiting is resumed by the next one, which polls the same batch instead of
paying again. Every answer of a batch is kept in the run store before the batch is marked
ended, the answers this run does not want too, so no answer is ever paid for twice.
Documents whose batch answer failed, or whose request could not be built, then go the
ordinary way, one request each with retries and the fallback model, through the same
pipeline.

Requests are built a document at a time from the run's parse stage (its pages cached, so the
run does not parse them again) and sent in batches under the provider's limits; only the
batch being filled is held in memory.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from extract.backends import Backend, Extraction, Usage
from extract.backends.base import BatchResult
from extract.documents import Document
from extract.embedded import embedded_result
from extract.errors import InputError
from extract.ocr import Ocr
from extract.parse import DEFAULT_TIMEOUT_S, Parsed, ParseStage, cpu_count
from extract.pdf import ParsedDocument
from extract.store import Store, StoredAnswer
from schemas.vocabulary import Status

POLL_START_S = 1.0
POLL_MAX_S = 60.0
# the Message Batches API's caps a batch: 100,000 requests or 256 MB, less room for the envelope
MAX_BATCH_REQUESTS = 100_000
MAX_BATCH_BYTES = 240 * 1024 * 1024
KEEP_EVERY = 200  # answers kept per transaction while a batch's results are read

Request = tuple[str, dict[str, Any]]  # (custom_id, Messages API params)


@runtime_checkable
class BatchBackend(Protocol):
    """What a backend offers when its provider has a batch API."""

    model: str
    reads_scans: bool

    def batch_request(
        self, document: ParsedDocument, schema: type[BaseModel]
    ) -> dict[str, Any]: ...

    def submit_batch(self, requests: list[Request]) -> str: ...

    def batch_progress(self, batch_id: str) -> tuple[bool, int, int]: ...

    def batch_results(
        self, batch_id: str, schema: type[BaseModel], doc_ids: dict[str, str]
    ) -> Iterator[BatchResult]: ...


@dataclass(frozen=True)
class BatchProgress:
    batch_id: str
    done: int
    total: int
    ended: bool


OnProgress = Callable[[BatchProgress], None]


class BatchAnswers:
    """The run's backend, answering from kept batch answers first and by single requests after."""

    def __init__(self, backend: Backend, store: Store, keys: dict[str, str]) -> None:
        self.backend = backend
        self.store = store
        self.keys = keys  # PDF sha256 -> custom_id, for the documents a batch answered
        self.name = backend.name
        self.model = backend.model
        self.prompt_version = backend.prompt_version
        self.reads_scans = backend.reads_scans

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        answer = self._kept(document, schema)
        return answer if answer is not None else self.backend.extract(document, schema)

    def _kept(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction | None:
        key = self.keys.get(document.sha256)
        kept = None if key is None else self.store.batch_answer(key)
        if kept is None or kept.result is None:
            return None
        try:
            result = schema.model_validate(kept.result)
        except ValidationError:
            return None
        usage = Usage(**{f.name: kept.usage[f.name] for f in fields(Usage) if f.name in kept.usage})
        return Extraction(result, self.name, kept.model or self.model, "model", usage)


def readable(parsed: ParsedDocument, reads_scans: bool) -> bool:
    return parsed.ok or (parsed.status == Status.NO_TEXT and reads_scans)


def batch_answers(
    backend: Backend,
    schema: type[BaseModel],
    pending: list[tuple[str, Document]],
    store: Store,
    run_id: str,
    on_progress: OnProgress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    parse_timeout: float = DEFAULT_TIMEOUT_S,
    force: bool = False,
    ocr: str = Ocr.AUTO,
) -> BatchAnswers:
    """Answers for ``pending`` (cache key, document): kept, resumed, or from new batches.

    Without ``force`` an answer kept from an earlier batch is used as it is.
    """
    if not isinstance(backend, BatchBackend):
        raise InputError(f"--batch needs a backend with a batch API; {backend.name} has none")
    documents = dict(pending)  # by cache key: the same bytes twice make one request
    batches = [
        (batch_id, doc_ids)
        for batch_id, doc_ids in store.open_batches(backend.model)
        if not doc_ids.keys().isdisjoint(documents)
    ]
    covered: set[str] = set[str]().union(*(doc_ids.keys() for _, doc_ids in batches))
    fresh = [
        (key, document)
        for key, document in documents.items()
        if key not in covered and (force or not _answered(store, key))
    ]
    unbuilt: set[str] = set()
    if fresh:
        with ParseStage[None](store, timeout_s=parse_timeout, ocr=ocr) as stage:
            requests = built_requests(backend, schema, fresh, stage, unbuilt)
            for chunk in request_chunks(requests, MAX_BATCH_REQUESTS, MAX_BATCH_BYTES, unbuilt):
                doc_ids = {key: documents[key].doc_id for key, _ in chunk}
                batch_id = backend.submit_batch(chunk)
                store.add_batch(batch_id, run_id, backend.model, doc_ids)
                batches.append((batch_id, doc_ids))
    for batch_id, doc_ids in batches:
        wait_for_batch(backend, batch_id, on_progress, sleep)
        keep_answers(backend, schema, store, batch_id, doc_ids)
        store.finish_batch(batch_id)  # only now: every answer of it is kept
    keys = {document.sha256: key for key, document in pending if key not in unbuilt}
    return BatchAnswers(backend, store, keys)


def _answered(store: Store, key: str) -> bool:
    kept = store.batch_answer(key)
    return kept is not None and kept.result is not None


def built_requests(
    backend: BatchBackend,
    schema: type[BaseModel],
    documents: list[tuple[str, Document]],
    stage: ParseStage[None],
    unbuilt: set[str],
) -> Iterator[Request]:
    """Each readable document's request, in order, parsed a few documents ahead.

    A document whose request cannot be built (a scan pypdf cannot copy, say) is added to
    ``unbuilt`` and left to the single-request path, which reports its error.
    """
    ahead = 2 * cpu_count()
    window: deque[tuple[str, Future[Parsed[None]]]] = deque()
    with ThreadPoolExecutor(max_workers=ahead) as threads:
        for key, document in documents:
            window.append((key, threads.submit(stage.parsed, document)))
            while len(window) >= ahead or (window and window[0][1].done()):
                request = _request(backend, schema, *window.popleft(), unbuilt)
                if request is not None:
                    yield request
        while window:
            request = _request(backend, schema, *window.popleft(), unbuilt)
            if request is not None:
                yield request


def _request(
    backend: BatchBackend,
    schema: type[BaseModel],
    key: str,
    parsing: Future[Parsed[None]],
    unbuilt: set[str],
) -> Request | None:
    try:
        parsed = parsing.result().document
        if parsed is None or not readable(parsed, backend.reads_scans):
            return None  # the pipeline gives it its parse status; nothing to ask
        if embedded_result(parsed, schema) is not None:
            return None  # the pipeline reads its attached e-invoice: exact, and free
        return key, backend.batch_request(parsed, schema)
    except Exception:  # the pipeline tries again alone and records the error
        unbuilt.add(key)
        return None


def request_chunks(
    requests: Iterable[Request], max_requests: int, max_bytes: int, too_large: set[str]
) -> Iterator[list[Request]]:
    """The requests in batches of at most ``max_requests`` and ``max_bytes`` of JSON.

    A request larger than a whole batch may be is added to ``too_large``: it goes alone.
    """
    chunk: list[Request] = []
    size = 0
    for custom_id, params in requests:
        line = len(json.dumps({"custom_id": custom_id, "params": params}).encode()) + 2
        if line > max_bytes:
            too_large.add(custom_id)
            continue
        if chunk and (len(chunk) >= max_requests or size + line > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append((custom_id, params))
        size += line
    if chunk:
        yield chunk


def keep_answers(
    backend: BatchBackend,
    schema: type[BaseModel],
    store: Store,
    batch_id: str,
    doc_ids: dict[str, str],
) -> None:
    """Every answer of an ended batch into the store, wanted by this run or not."""
    kept: list[StoredAnswer] = []
    for result in backend.batch_results(batch_id, schema, doc_ids):
        kept.append(stored_answer(result, doc_ids.get(result.custom_id, ""), backend.model))
        if len(kept) >= KEEP_EVERY:
            store.keep_batch_answers(batch_id, kept)
            kept = []
    store.keep_batch_answers(batch_id, kept)


def stored_answer(result: BatchResult, doc_id: str, model: str) -> StoredAnswer:
    extraction = result.extraction
    if extraction is None:
        return StoredAnswer(result.custom_id, doc_id, model, None, {}, result.error)
    return StoredAnswer(
        result.custom_id,
        doc_id,
        extraction.model,
        extraction.result.model_dump(mode="json"),
        vars(extraction.usage),
    )


def wait_for_batch(
    backend: BatchBackend,
    batch_id: str,
    on_progress: OnProgress | None,
    sleep: Callable[[float], None],
) -> None:
    """Poll until the batch has ended, slowly: batches take minutes to hours."""
    delay = POLL_START_S
    while True:
        ended, done, total = backend.batch_progress(batch_id)
        if on_progress is not None:
            on_progress(BatchProgress(batch_id, done, total, ended))
        if ended:
            return
        sleep(delay)
        delay = min(delay * 2, POLL_MAX_S)
