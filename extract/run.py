"""One run: documents -> parsed pages -> backend -> verified values -> store -> workbook.

This module wires the stages together and does nothing else. Each document is committed
to the store as soon as it is done, so a killed run resumes from the cache.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD
from contract.reuse import SavedWorkbook
from contract.update import write_run
from contract.workbook import WorkbookRefused, check_contract, refuse_if_open
from extract.backends import Backend, BackendOptions, backend_chain
from extract.backends.base import Extraction
from extract.backends.chain import Answerer, answerers
from extract.backends.embedded import embedded_extraction
from extract.batch import OnProgress, batch_answers
from extract.boxes import quote_boxes
from extract.confidence import value_confidences
from extract.documents import Document, folder_documents, split_of, unique_documents
from extract.errors import ExtractError, WorkbookError
from extract.grounding import arithmetic_warnings, grounded_values, sum_checks
from extract.ocr import Ocr
from extract.parse import DEFAULT_TIMEOUT_S, FORKS, Parsed, ParseStage
from extract.pdf import ParsedDocument, parsed_document
from extract.store import SentRequest, Store, run_values_of, value_set
from schemas import resolved_schema_spec, schema_named
from schemas.base import FieldValue, field_values, schema_hash
from schemas.confidence import CONFIDENCE_VERSION
from schemas.vocabulary import Source, Status


@dataclass(frozen=True)
class RunOptions:
    folder: Path
    workbook: Path = Path("contract.xlsx")
    schema: str = "invoice"
    backend: str = "rules"
    backend_options: BackendOptions = field(default_factory=BackendOptions)
    # (provider, model) in order: a document its predecessors could not get answered goes on
    fallback: tuple[tuple[str, str | None], ...] = ()
    concurrency: int = 4
    force: bool = False
    limit: int | None = None
    batch: bool = False  # the provider's batch API first (half price), single requests after
    parse_timeout: float = DEFAULT_TIMEOUT_S  # seconds per document before its parser is killed
    ocr: str = Ocr.AUTO  # which pages OCR reads: see extract.ocr.Ocr
    # final accepts a value nobody judged at or above this confidence; None: the threshold
    # extract score last recommended for this backend and model, else 1.0 (nothing)
    accept_above: float | None = None


@dataclass
class RequestLogger:
    """Writes each request a backend sends into the store, under the run that sent it."""

    run_id: str
    store: Store | None = None

    def __call__(self, sent: SentRequest) -> None:
        if self.store is not None:
            self.store.log_request(self.run_id, sent)


@dataclass
class DocumentOutcome:
    """What the workbook and store get for one document: a status and its values."""

    doc_id: str
    file: str
    sha256: str
    status: str
    error: str = ""
    pages: int = 0
    cached: bool = False
    source: str = Source.MODEL
    values: list[dict[str, Any]] = field(default_factory=list)
    made_by: str = ""  # the run whose extraction these values are, when not this one
    values_digest: str = ""  # the values as kept in the store (then ``values`` may be empty)
    # the values as the store keeps them (see extract.store.value_set), made in the parse
    # worker: one string crosses to the run, not hundreds of dicts (``values`` is then empty)
    values_json: str = ""
    found: int = 0  # values that are not empty
    backend: str | None = None  # who answered: a fallback provider's name, say
    model: str | None = None

    def document_row(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "file": self.file,
            "sha256": self.sha256,
            "pages": self.pages,
            "status": self.status,
            "error": self.error,
            "cached": int(self.cached),
            "source": self.source,
            "backend": self.backend,
            "model": self.model,
        }


@dataclass
class RunSummary:
    run_id: str
    backend: str
    model: str
    workbook: Path
    outcomes: list[DocumentOutcome] = field(default_factory=list)  # kept without their values
    fields_found: int = 0  # values are in the store: memory stays flat as the folder grows
    copies: list[tuple[Document, Document]] = field(default_factory=list)  # (copy, original)
    accept_above: float = DEFAULT_REVIEW_THRESHOLD  # the review threshold final used
    accept_reason: str = ""  # where that threshold came from, for the summary
    notes: list[str] = field(default_factory=list)  # what the backends settled on (output mode)
    # per (provider, model) that answered or was sent requests: docs, ok, cached, cost_usd
    shares: list[dict[str, Any]] = field(default_factory=list)

    def add(self, outcome: DocumentOutcome) -> None:
        self.fields_found += outcome.found
        self.outcomes.append(replace(outcome, values=[]))

    @property
    def ok(self) -> int:
        return sum(o.status == Status.OK for o in self.outcomes)

    @property
    def failed(self) -> list[DocumentOutcome]:
        return [o for o in self.outcomes if o.status != Status.OK]

    @property
    def cached(self) -> int:
        return sum(o.cached for o in self.outcomes)


Extracted = tuple[DocumentOutcome, Extraction | None]  # the extraction None when it failed


@dataclass(frozen=True)
class AfterOcr:
    """A document whose pages wait for OCR: ``finish`` (which blocks until they are read)
    runs on a thread of its own, so the documents queued behind it are not held up."""

    finish: Callable[[], DocumentOutcome]


class LeftInWorker(BaseModel):
    """Stands for a schema instance that stayed in the parse worker: the run needs only its
    checked values, and unpickling a model of hundreds of values costs more than making it."""


LEFT_IN_WORKER = LeftInWorker()


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


# a schema's JSON schema takes ~20 ms to build: once per schema, not once per document
schema_digest = functools.cache(schema_hash)


def answer_key(
    document: Document, schema: type[BaseModel], answerer: Answerer, ocr: str = Ocr.AUTO
) -> str:
    """Same PDF bytes, schema, provider, model, prompt and OCR mode: the same answer, so no
    second request (the default mode adds nothing: keys made before OCR still hold)."""
    name, model, prompt_version = answerer
    parts = [document.sha256, schema_digest(schema), name, model, prompt_version]
    if ocr != Ocr.AUTO:
        parts.append(f"ocr={ocr}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def cache_key(
    document: Document, schema: type[BaseModel], backend: Backend, ocr: str = Ocr.AUTO
) -> str:
    """The key of the backend's main provider and model."""
    return answer_key(document, schema, answerers(backend)[0], ocr)


def cache_keys(
    document: Document, schema: type[BaseModel], backend: Backend, ocr: str = Ocr.AUTO
) -> list[str]:
    """Every key an answer to this document may be kept under: main model, then fallbacks."""
    return [answer_key(document, schema, answerer, ocr) for answerer in answerers(backend)]


def kept_key(
    document: Document,
    schema: type[BaseModel],
    backend: Backend,
    made: Extraction,
    ocr: str = Ocr.AUTO,
) -> str:
    """The key of whoever answered: a fallback's answer is found again by the next run."""
    for answerer in answerers(backend):
        if answerer[:2] == (made.backend, made.model):
            return answer_key(document, schema, answerer, ocr)
    return cache_key(document, schema, backend, ocr)


class Pipeline:
    """The stages for one run, shared by every worker thread."""

    def __init__(
        self,
        schema: type[BaseModel],
        backend: Backend,
        store: Store,
        force: bool,
        parser: ParseStage[Extracted] | None = None,
        run_id: str = "",
        ocr: str = Ocr.AUTO,
    ) -> None:
        self.schema = schema
        self.backend = backend
        self.store = store
        self.force = force
        self.parser = parser  # worker processes; None parses in the calling thread
        self.run_id = run_id
        self.ocr = ocr

    def outcome(self, document: Document) -> DocumentOutcome | AfterOcr:
        """Never raises: every failure becomes a status and an error on the document."""
        cached = None if self.force else self.cached(document, for_recheck=False)
        if cached is not None:
            if cached["result"].get("confidence_version") == CONFIDENCE_VERSION:
                return _from_cache(document, cached)
            if not runs_locally(self.backend):  # a local backend just extracts again: free
                cached = self.cached(document)  # with the scores the recheck needs
                rechecked = None if cached is None else self.rechecked(document, cached)
                if rechecked is not None:
                    return rechecked
        if self.parser is None:
            outcome, extraction = self.extracted(parsed_document(document, ocr=self.ocr))
        else:
            parsed = self.parser.parsed(document, wait_for_ocr=False)
            if parsed.unread:
                return AfterOcr(functools.partial(self._after_ocr, document, parsed))
            if parsed.value is not None:  # a local backend extracted it in the parse worker
                outcome, extraction = parsed.value
            else:
                assert parsed.document is not None
                outcome, extraction = self.extracted(parsed.document)
        return self._kept(document, outcome, extraction)

    def _after_ocr(self, document: Document, parsed: Parsed[Extracted]) -> DocumentOutcome:
        assert self.parser is not None
        read = self.parser.read(document, parsed)
        assert read.document is not None
        return self._kept(document, *self.extracted(read.document))

    def _kept(
        self, document: Document, outcome: DocumentOutcome, extraction: Extraction | None
    ) -> DocumentOutcome:
        """The outcome, its values kept in the store and its extraction cached."""
        if extraction is None:
            return outcome
        if outcome.values_json:  # made in the parse worker
            self.store.keep_value_set(outcome.values_digest, outcome.values_json)
            outcome.values_json = ""
        else:
            outcome.values_digest = self.store.keep_values(outcome.values)
        self.store.cache_extraction(
            kept_key(document, self.schema, self.backend, extraction, self.ocr),
            document.doc_id,
            extraction.backend,
            extraction.model,
            extraction.source,
            {
                "outcome": outcome.document_row(),
                "values_digest": outcome.values_digest,
                "found": outcome.found,
                **_confidence_inputs(extraction.scores, extraction.validation_retries),
            },
            vars(extraction.usage),
            self.run_id,
        )
        return outcome

    def cached(self, document: Document, for_recheck: bool = True) -> dict[str, Any] | None:
        """The kept answer of the first provider in the chain that answered this document
        (see Store.cached_extraction for ``for_recheck``)."""
        for key in cache_keys(document, self.schema, self.backend, self.ocr):
            cached = self.store.cached_extraction(key, for_recheck)
            if cached is not None:
                return cached
        return None

    def rechecked(self, document: Document, cached: dict[str, Any]) -> DocumentOutcome | None:
        """A cached answer whose confidences an older formula gave, checked again against its
        pages (from the parse cache): new confidences, no request. None when the document
        cannot be read now; then it is extracted again."""
        result = cached["result"]
        digest = result.get("values_digest")
        rows = self.store.value_set_rows(digest) if digest else result.get("values", [])
        if rows is None:
            return None
        if self.parser is None:
            parsed: ParsedDocument | None = parsed_document(document, ocr=self.ocr)
        else:
            parsed = self.parser.parsed(document).document
        if parsed is None or parsed.status not in (Status.OK, Status.NO_TEXT):
            return None
        values = [
            FieldValue(
                row["field"], row["item"], row["value"], row["page"], row["quote"], row["kind"]
            )
            for row in rows
        ]
        scores = {(name, item): score for name, item, score in result.get("scores", [])}
        retries = int(result.get("validation_retries", 0))
        source = result["outcome"]["source"]
        outcome = _checked(parsed, self.schema, values, source, scores, retries)
        outcome.values_digest = self.store.keep_values(outcome.values)
        made_by = cached.get("run_id") or ""
        self.store.cache_extraction(
            cached["key"],
            document.doc_id,
            cached["backend"],
            cached["model"],
            cached["source"],
            {
                **result,
                "outcome": outcome.document_row(),
                "values_digest": outcome.values_digest,
                "found": outcome.found,
                **_confidence_inputs(scores, retries),
            },
            cached["usage"],
            made_by,
        )
        outcome.cached, outcome.made_by = True, made_by
        outcome.backend, outcome.model = cached.get("backend"), cached.get("model")
        return outcome

    def prefetch(self, document: Document) -> None:
        """Start parsing a queued document that the cache does not answer."""
        if self.parser is not None and self._to_parse(document):
            self.parser.prefetch(document)

    def start_parser(self, document: Document) -> None:
        """Fork the parse workers, from the run's own thread, at the first queued document
        the cache does not answer: a run served from the caches forks nothing."""
        if self.parser is not None and not self.parser.started and self._to_parse(document):
            self.parser.start()

    def _to_parse(self, document: Document) -> bool:
        """Not answered by the cache as ``outcome`` takes it: an answer whose confidences
        an older formula gave is checked against its pages again (or extracted again)."""
        if self.force:
            return True
        for key in cache_keys(document, self.schema, self.backend, self.ocr):
            found, version = self.store.cached_result_field(key, "confidence_version")
            if found:  # the first provider in the chain that answered, as ``cached`` finds
                return bool(version != CONFIDENCE_VERSION)
        return True

    def extracted_in_worker(self, parsed: ParsedDocument) -> Extracted:
        """``extracted``, in a parse worker: what goes back to the run without the model, and
        the values as the store keeps them (made here, on a core of their own)."""
        outcome, extraction = self.extracted(parsed)
        if extraction is None:
            return outcome, None
        outcome.values_digest, outcome.values_json = value_set(outcome.values)
        outcome.values = []
        return outcome, replace(extraction, result=LEFT_IN_WORKER)

    def extracted(self, parsed: ParsedDocument) -> Extracted:
        """A parsed document through the backend and the checks; no store, no side effects,
        so that a local (CPU-bound) backend can run it in the parse worker process."""
        document = Document(parsed.path, parsed.sha256)
        if parsed.status not in (Status.OK, Status.NO_TEXT):
            return _failed(document, parsed.status, parsed.error, len(parsed.pages)), None
        try:
            # an attached e-invoice is exact and free, whichever backend was asked for
            extraction = embedded_extraction(
                parsed, self.schema, self.backend.name, self.backend.model
            )
            if extraction is None:
                if not (parsed.ok or self.backend.reads_scans):
                    return _failed(document, parsed.status, parsed.error, len(parsed.pages)), None
                extraction = self.backend.extract(parsed, self.schema)
        except ExtractError as error:
            return _failed(document, Status.FAILED, str(error), len(parsed.pages)), None
        except Exception as error:  # a backend bug must not stop the run; the message says which
            message = f"{type(error).__name__}: {error}"
            return _failed(document, Status.FAILED, message, len(parsed.pages)), None
        return verified(parsed, extraction), extraction


def backend_notes(backend: Backend) -> list[str]:
    """What a backend has to say of the run (e.g. the output mode a server took)."""
    notes: Callable[[], list[str]] | None = getattr(backend, "notes", None)
    return notes() if notes is not None else []


def runs_locally(backend: Backend) -> bool:
    """A CPU-bound backend (no network): extract in the parse worker, using every core."""
    return bool(getattr(backend, "local", False))


def _failed(document: Document, status: str, error: str, pages: int = 0) -> DocumentOutcome:
    return DocumentOutcome(
        doc_id=document.doc_id,
        file=document.file,
        sha256=document.sha256,
        status=status,
        error=error,
        pages=pages,
    )


def verified(parsed: ParsedDocument, extraction: Extraction) -> DocumentOutcome:
    """What a run keeps of one extraction: every value checked against the pages, with its
    grounded flag and confidence, as the run store's rows. A bench that measures the
    confidence (evals.calibration) takes these rows, so it measures what a run stores."""
    result = extraction.result
    outcome = _checked(
        parsed,
        type(result),
        field_values(result),
        extraction.source,
        extraction.scores,
        extraction.validation_retries,
    )
    outcome.backend, outcome.model = extraction.backend, extraction.model
    return outcome


def _checked(
    parsed: ParsedDocument,
    schema: type[BaseModel],
    values: list[FieldValue],
    source: str,
    scores: dict[tuple[str, int | None], float],
    retries: int,
) -> DocumentOutcome:
    """A document's values checked against its pages and the schema's sums, each with its
    confidence: for a new answer, and again for a cached one when the formula changed."""
    checked = grounded_values(parsed, values)
    boxes = quote_boxes(parsed, ((value.page, value.quote) for value in values))
    sums = sum_checks(schema, values)
    confidences = value_confidences(
        parsed, checked, sums, scores, retries, exact_source=source == Source.EMBEDDED_XML
    )
    rows = [
        {
            "doc_id": parsed.doc_id,
            "field": item.value.field,
            "item": item.value.item,
            "value": item.value.value,
            "page": item.value.page,
            "quote": item.value.quote,
            "grounded": None if item.grounded is None else int(item.grounded),
            "kind": item.value.kind,
            "source": source,
            "confidence": confidence,
            "box": box,
        }
        for item, confidence, box in zip(checked, confidences, boxes, strict=True)
    ]
    return DocumentOutcome(
        doc_id=parsed.doc_id,
        file=parsed.file,
        sha256=parsed.sha256,
        status=Status.OK,
        error="; ".join(arithmetic_warnings(sums)),
        pages=len(parsed.pages),
        source=source,
        values=rows,
        found=found_in(rows),
    )


def _confidence_inputs(scores: dict[tuple[str, int | None], float], retries: int) -> dict[str, Any]:
    """Kept with a cached answer: what the confidence needs beyond the pages and the values,
    and the formula's version, so a new formula checks the answer again (see rechecked)."""
    return {
        "confidence_version": CONFIDENCE_VERSION,
        "validation_retries": retries,
        "scores": [[name, item, score] for (name, item), score in scores.items()],
    }


def found_in(values: list[dict[str, Any]]) -> int:
    """How many of a document's values are not empty: the run's "fields found"."""
    return sum(value["value"] is not None for value in values)


def _from_cache(document: Document, cached: dict[str, Any]) -> DocumentOutcome:
    """The cached outcome; its values stay in the store, named by their digest."""
    saved = cached["result"]["outcome"]
    values = cached["result"].get("values", [])  # cached before values were kept by digest
    return DocumentOutcome(
        doc_id=document.doc_id,
        file=document.file,  # the same bytes may have been renamed since
        sha256=document.sha256,
        status=saved["status"],
        error=saved["error"],
        pages=saved["pages"],
        cached=True,
        source=saved["source"],
        values=[{**value, "doc_id": document.doc_id} for value in values],
        made_by=cached.get("run_id") or "",
        values_digest=cached["result"].get("values_digest", ""),
        found=cached["result"].get("found", found_in(values)),
        backend=cached.get("backend"),
        model=cached.get("model"),
    )


def outcomes_in_order(
    documents: list[Document],
    work: Callable[[Document], DocumentOutcome | AfterOcr],
    concurrency: int,
    queued: Callable[[Document], None] | None = None,
) -> Iterator[DocumentOutcome]:
    """Outcomes as they finish, with at most ``concurrency`` documents in flight.

    As many again wait queued in the pool, so a worker that finishes starts its next document
    at once instead of waiting for the caller to record the last one; ``queued`` hears of
    each document as it is queued (to start its parse while the others wait). A document
    waiting for OCR is finished on threads of its own and does not count as in flight.
    """
    pending: set[Future[DocumentOutcome | AfterOcr]] = set()
    later: set[Future[DocumentOutcome | AfterOcr]] = set()
    queue = iter(documents)
    workers = max(1, concurrency)
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ocr") as reading,
    ):

        def finished(done: set[Future[DocumentOutcome | AfterOcr]]) -> Iterator[DocumentOutcome]:
            for future in done:
                result = future.result()
                if isinstance(result, AfterOcr):
                    later.add(reading.submit(result.finish))
                else:
                    yield result

        for document in queue:
            if queued is not None:
                queued(document)
            pending.add(pool.submit(work, document))
            while len(pending) >= 2 * concurrency:
                done, _ = wait(pending | later, return_when=FIRST_COMPLETED)
                pending -= done
                later -= done
                yield from finished(done)
        while pending or later:
            done, _ = wait(pending | later, return_when=FIRST_COMPLETED)
            pending -= done
            later -= done
            yield from finished(done)


def review_threshold(store: Store, asked: float | None, backend: Backend) -> tuple[float, str]:
    """The threshold final accepts values at, and where it comes from: --accept-above, else
    what extract score last recommended for this backend and model, else 1.0 (nothing)."""
    if asked is not None:
        return asked, "--accept-above"
    measured = store.review_threshold(backend.name, backend.model)
    if measured is None:
        return DEFAULT_REVIEW_THRESHOLD, (
            f"no threshold measured for {backend.name} {backend.model} yet: nothing is"
            " accepted unseen until `extract score` recommends one"
        )
    threshold, run_id = measured
    if threshold is None:
        return DEFAULT_REVIEW_THRESHOLD, (
            f"the last scoring (run {run_id}) found no threshold with hallucination"
            " surely under 1%: nothing is accepted unseen"
        )
    return threshold, f"recommended by extract score of run {run_id}"


def _document_rows(documents: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    return [{**row, "split": split_of(row["doc_id"]), "last_run": run_id} for row in documents]


def execute(
    options: RunOptions,
    on_document: Callable[[DocumentOutcome], None] | None = None,
    on_batch: OnProgress | None = None,
) -> RunSummary:
    """Run the whole pipeline over a folder and update the workbook; returns the summary."""
    documents, copies = unique_documents(folder_documents(options.folder, options.limit))
    schema = schema_named(options.schema)
    schema_digest(schema)  # built once here, not by every worker thread racing at the start
    try:
        refuse_if_open(options.workbook)
        check_contract(options.workbook)  # refuse a corrupt or foreign workbook before any work
    except WorkbookRefused as error:
        raise WorkbookError(str(error)) from error
    run_id = new_run_id()
    request_log = RequestLogger(run_id)
    backend_options = replace(options.backend_options, request_log=request_log)
    backend = backend_chain(options.backend, backend_options, options.fallback)
    options.workbook.parent.mkdir(parents=True, exist_ok=True)
    store = Store.beside(options.workbook)
    request_log.store = store
    schema_spec = resolved_schema_spec(options.schema)  # loads from any folder later (score)
    threshold, reason = review_threshold(store, options.accept_above, backend)
    folder = str(options.folder.resolve())  # the review pictures find the PDFs from any folder
    store.start_run(run_id, backend.name, backend.model, schema_spec, folder, threshold)
    summary = RunSummary(
        run_id,
        backend.name,
        backend.model,
        options.workbook,
        copies=copies,
        accept_above=threshold,
        accept_reason=reason,
    )
    pipeline = Pipeline(schema, backend, store, options.force, run_id=run_id, ocr=options.ocr)
    lock = threading.Lock()
    try:
        if options.batch:
            keyed = [
                (cache_key(document, schema, backend, options.ocr), document)
                for document in documents
            ]
            pending = [
                (key, document)
                for key, document in keyed
                if options.force or store.cached_extraction(key) is None
            ]
            pipeline.backend = batch_answers(
                backend,
                schema,
                pending,
                store,
                run_id,
                on_batch,
                parse_timeout=options.parse_timeout,
                force=options.force,
                ocr=options.ocr,
            )
        then = pipeline.extracted_in_worker if FORKS and runs_locally(pipeline.backend) else None
        pipeline.parser = ParseStage(
            store, then, timeout_s=options.parse_timeout, ocr=options.ocr, start=False
        )
        queued = pipeline.start_parser if runs_locally(pipeline.backend) else pipeline.prefetch
        for outcome in outcomes_in_order(documents, pipeline.outcome, options.concurrency, queued):
            with lock:
                store.record_document(
                    run_id,
                    outcome.document_row(),
                    outcome.values,
                    outcome.made_by,
                    outcome.values_digest,
                )
                summary.add(outcome)
            if on_document is not None:
                on_document(outcome)
        pipeline.parser.close()
        store.finish_run(run_id)
        summary.notes = backend_notes(backend)
        summary.shares = store.run_shares(run_id)
        try:
            saved = write_run(
                options.workbook,
                _document_rows(store.run_documents(run_id), run_id),
                lambda: run_values_of(store.path, run_id),  # read twice, never held
                store.runs_and_scorings(),
                store.run_content(run_id),
                SavedWorkbook.from_json(store.workbook_save(options.workbook)),
                review_threshold=threshold,
                pdf_folder=options.folder,
            )
            store.record_workbook_save(options.workbook, saved.as_json())
        except WorkbookRefused as error:
            raise WorkbookError(str(error)) from error
    finally:
        if pipeline.parser is not None:
            pipeline.parser.close()
        store.close()
    return summary
