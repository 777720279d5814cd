"""``--batch``: the documents that need an answer go to the provider as one batch (half price).

Each request's custom_id is the document's cache key, so a result maps to its document
whatever run asked for it. The batch id is stored the moment the provider accepts it: a run
killed while waiting is resumed by the next one, which polls the same batch instead of
paying again. Documents whose batch answer failed then go the ordinary way, one request
each with retries and the fallback model, through the same pipeline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from contract.sheets import Status
from extract.backends import Backend, Extraction
from extract.backends.base import BatchResult
from extract.documents import Document
from extract.errors import InputError
from extract.pdf import ParsedDocument, parsed_document
from extract.store import Store

POLL_START_S = 1.0
POLL_MAX_S = 60.0


@runtime_checkable
class BatchBackend(Protocol):
    """What a backend offers when its provider has a batch API."""

    model: str

    def batch_request(
        self, document: ParsedDocument, schema: type[BaseModel]
    ) -> dict[str, Any]: ...

    def submit_batch(self, requests: list[tuple[str, dict[str, Any]]]) -> str: ...

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
    """The run's backend, answering from batch results first and by single requests after."""

    def __init__(self, backend: Backend, answers: dict[str, Extraction]) -> None:
        self.backend = backend
        self.answers = answers  # by PDF sha256
        self.name = backend.name
        self.model = backend.model
        self.prompt_version = backend.prompt_version
        self.reads_scans = backend.reads_scans

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        answer = self.answers.pop(document.sha256, None)
        return answer if answer is not None else self.backend.extract(document, schema)


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
) -> BatchAnswers:
    """Submit (or resume) the batch for ``pending`` (cache key, document), wait, collect."""
    if not isinstance(backend, BatchBackend):
        raise InputError(f"--batch needs a backend with a batch API; {backend.name} has none")
    parsed = {key: parsed_document(document) for key, document in pending}
    wanted = {key: doc for key, doc in parsed.items() if readable(doc, backend.reads_scans)}
    batches: dict[str, set[str]] = {}
    for batch_id, custom_ids in store.open_batches(backend.model):
        keys = set(custom_ids) & wanted.keys()
        if keys:
            batches[batch_id] = keys
    covered = set().union(*batches.values()) if batches else set()
    fresh = [key for key in wanted if key not in covered]
    if fresh:
        requests = [(key, backend.batch_request(wanted[key], schema)) for key in fresh]
        batch_id = backend.submit_batch(requests)
        store.add_batch(batch_id, run_id, backend.model, fresh)
        batches[batch_id] = set(fresh)
    answers: dict[str, Extraction] = {}
    for batch_id, keys in batches.items():
        wait_for_batch(backend, batch_id, on_progress, sleep)
        doc_ids = {key: wanted[key].doc_id for key in keys}
        for result in backend.batch_results(batch_id, schema, doc_ids):
            if result.extraction is not None:
                answers[wanted[result.custom_id].sha256] = result.extraction
        store.finish_batch(batch_id)
    return BatchAnswers(backend, answers)


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
