"""The parse stage: PDFs parsed in worker processes, cached by content, never hanging a run.

Parsing is CPU-bound Python, so threads do not help: each document goes to one of a few
worker processes (one per core). A worker that overruns the per-document timeout is killed
and replaced, and its document comes back with Status.TIMEOUT; one that dies (a parser
crash) gives Status.CORRUPT. Parsed pages are cached in the run store by the PDF's sha256, so
an unchanged PDF is parsed once. A CPU-bound backend can hand the stage a ``then`` step that
runs in the worker right after parsing, so extraction uses every core too.

Pages without a text layer are OCR'd by a second set of processes, a page each, at a lower
CPU priority: a scan's seconds a page never hold up the digital documents queued behind it,
and a long scan is read on every core. The text layer is cached under PARSER whatever the
mode; a document OCR has read is cached again under a key that names the mode.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import chain, repeat
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from extract.documents import Document
from extract.errors import ExtractError
from extract.layout import TEXT_SCORE, make_word
from extract.ocr import Ocr, pages_to_read, read_page, reader_version
from extract.pdf import (
    Page,
    ParsedDocument,
    ocr_failure,
    outcome_of,
    parsed_document,
    read_page_of,
    status_of_pages,
)
from extract.store import Store
from schemas.vocabulary import Status

PARSER = "pdfium-3"  # the parse cache key beside the sha256: bump it when pages come out different
DEFAULT_TIMEOUT_S = 60.0  # per document (a page OCR reads gets READ_TIMEOUT_FACTOR times it)
# OCR processes yield the CPU to the parsing of digital documents: at nice 10 these still
# took twice as long beside the scans (bench_ocr), at 15 no longer; so starved on a busy
# machine, a page gets several times the parse timeout
READER_NICE = 15
READ_TIMEOUT_FACTOR = 5
MAX_READERS = 4  # OCR processes at most; on more cores each runs several threads
FORKS = "fork" in multiprocessing.get_all_start_methods()  # else ``then`` must be picklable
PARENT_CHECK_S = 1.0  # how often an idle worker checks that its run is still alive
TASKS_PER_WORKER = 500  # a worker is replaced after this many documents, so leaks cannot pile up
# a task sent ahead waits in its busy worker's pipe; one larger than the pipe's buffer (a
# document with many cached pages) would block the sending thread, and with it every deadline
AHEAD_MAX_BYTES = 64 * 1024

T = TypeVar("T")
R = TypeVar("R")


class ParseTimeout(ExtractError):
    """A document took longer than the parse timeout; its worker was killed."""


class ParserCrashed(ExtractError):
    """The worker process died while parsing a document (a crash in the PDF library)."""


class PageNotRead(ExtractError):
    """OCR could not read a page: the document's status and the error that says why."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def cpu_count() -> int:
    """Cores this process may use (a container's limit, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# the parse cache: pages as compressed JSON (never pickle: the store is just a file) ----------

WORD_TEXT, WORD_BOX, WORD_SCORE = itemgetter(0), itemgetter(1, 2, 3, 4), itemgetter(5)


def read_key(ocr: str) -> str:
    """The parse cache's key, beside the sha256, of a document OCR has read under the mode
    ``ocr``; the text layer alone is cached under PARSER, whatever the mode."""
    return f"{PARSER}+{reader_version()}-{ocr}"


def cached_reading(store: Store, sha256: str) -> tuple[str, str, bytes] | None:
    """A PDF's pages as a run last read them, from the parse cache: OCR'd (under either
    mode that reads) where OCR read them, else the text layer's; None when never parsed."""
    for key in (read_key(Ocr.AUTO), read_key(Ocr.FORCE), PARSER):
        found = store.cached_parse(sha256, key)
        if found is not None:
            return found
    return None


def pages_blob(pages: tuple[Page, ...]) -> bytes:
    """Pages as JSON, but the words' boxes as raw little-endian doubles after it: writing
    and reading thousands of floats as text cost more than parsing the page."""
    rows = [
        [
            page.number,
            page.text,
            page.width,
            page.height,
            list(map(WORD_TEXT, page.words)),
            page.tables,
            *((page.source, page.turn, list(map(WORD_SCORE, page.words))) if page.ocr else ()),
        ]
        for page in pages
    ]
    head = json.dumps(rows, ensure_ascii=False).encode()
    boxes = array(
        "d", chain.from_iterable(map(WORD_BOX, chain.from_iterable(p.words for p in pages)))
    )
    if sys.byteorder == "big":
        boxes.byteswap()
    return zlib.compress(len(head).to_bytes(8, "little") + head + boxes.tobytes(), 1)


def blob_pages(blob: bytes) -> tuple[Page, ...]:
    raw = zlib.decompress(blob)
    size = int.from_bytes(raw[:8], "little")
    boxes = array("d")
    boxes.frombytes(raw[8 + size :])
    if sys.byteorder == "big":
        boxes.byteswap()
    values = iter(boxes.tolist())
    return tuple(
        Page(
            number=number,
            text=text,
            width=width,
            height=height,
            words=tuple(map(make_word, zip(texts, *repeat(values, 4), scores, strict=False))),
            tables=tuple(tuple(tuple(row) for row in table) for table in tables),
            source=source,
            turn=turn,
        )
        for number, text, width, height, texts, tables, source, turn, scores in map(
            _with_text_source, json.loads(raw[8 : 8 + size])
        )
    )


def _with_text_source(row: list[Any]) -> list[Any]:
    """A cached page row; a text page's has no source, turn and scores."""
    return row if len(row) > 6 else [*row, Ocr.TEXT, 0.0, repeat(TEXT_SCORE)]


@dataclass(frozen=True)
class CachedParse:
    status: str
    error: str
    blob: bytes
    read: bool = False  # OCR has read the pages it was asked to (else: the text layer only)


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """One document through the stage: its status, and either its pages or what ``then`` made."""

    status: str
    error: str
    pages: int
    document: ParsedDocument | None  # None when ``then`` already used it in the worker
    value: T | None = None
    fresh: CachedParse | None = None  # just parsed: for the parse cache
    unread: tuple[int, ...] = ()  # pages OCR has yet to read (``document`` holds the rest)


# the document, its cached pages, cache it?, the OCR mode
Task = tuple[Document, CachedParse | None, bool, str]


def parsed_in_worker(then: Callable[[ParsedDocument], T] | None, task: Task) -> Parsed[T]:
    """What a worker does with one document: parse it (or read its cached pages), then
    ``then``; a document with pages to OCR goes back without either, for the readers."""
    document, cached, to_cache, ocr = task
    fresh = None
    if cached is None:
        parsed = parsed_document(document)
        if to_cache:
            fresh = CachedParse(parsed.status, parsed.error, pages_blob(parsed.pages))
    else:
        parsed = outcome_of(document, cached.status, cached.error, blob_pages(cached.blob))
    pages = len(parsed.pages)
    readable = parsed.status in (Status.OK, Status.NO_TEXT)
    unread = pages_to_read(parsed.pages, ocr) if readable and not (cached and cached.read) else ()
    if unread:
        return Parsed(parsed.status, parsed.error, pages, parsed, None, fresh, unread)
    if then is None:
        return Parsed(parsed.status, parsed.error, pages, parsed, None, fresh)
    return Parsed(parsed.status, parsed.error, pages, None, then(parsed), fresh)


# worker processes that can be killed one at a time -------------------------------------------


def _serve(connection: Connection, work: Callable[[Any], Any], nice: int = 0) -> None:
    """A worker's loop: one task in, one ("ok" | "error", payload) out, until told to stop,
    or until the run is gone (killed: forked siblings hold its pipe ends, so no EOF comes)."""
    if nice:
        os.nice(nice)
    parent = os.getppid()
    while True:
        if not connection.poll(PARENT_CHECK_S):
            if os.getppid() != parent:
                return
            continue
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", work(task))
        except BaseException as error:  # the parent decides; the worker must keep serving
            reply = ("error", f"{type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except Exception as error:  # an answer that cannot be pickled
            connection.send(("error", f"{type(error).__name__}: {error}"))


@dataclass
class _Job:
    task: Any
    future: Future[Any]
    deadline: float = 0.0
    started: bool = False  # its future is running (a job put back after its worker went)


class _Worker:
    def __init__(self, context: Any, work: Callable[[Any], Any], nice: int = 0) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, work, nice), daemon=True)
        self.process.start()
        child.close()
        self.jobs: deque[_Job] = deque()  # sent to it, in order: it works on the first
        self.done = 0

    def stop(self, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class WorkerPool(Generic[T, R]):
    """Processes that each run ``work`` on one task at a time, with a deadline per task.

    Unlike ProcessPoolExecutor, a task that overruns its deadline costs only its own worker:
    that process is killed, the task's future gets ParseTimeout, and a fresh worker takes its
    place. Workers are forked where the platform allows it, so ``work`` need not be picklable.
    ``nice`` lowers the workers' CPU priority (os.nice), so other work goes first. With
    ``start`` false the workers are forked by ``start``, or else by the first ``submit``.

    With ``ahead``, a busy worker is also sent its next task while enough others wait, so it
    starts it the moment it is done instead of waiting for this process to hear of it (a few
    milliseconds a task, more on a busy machine). A task's deadline runs from when its
    worker is done with the one before; a task still waiting behind one that timed out or
    crashed is put back in the queue.
    """

    def __init__(
        self,
        work: Callable[[T], R],
        workers: int,
        timeout_s: float,
        nice: int = 0,
        start: bool = True,
        ahead: bool = False,
    ) -> None:
        self._context = multiprocessing.get_context("fork" if FORKS else "spawn")
        self._work = work
        self._timeout = timeout_s
        self._nice = nice
        self._size = max(1, workers)
        self._ahead = ahead
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._closing = False
        self._wake_read, self._wake_write = self._context.Pipe(duplex=False)
        self._workers: list[_Worker] = []
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Fork the workers and start dispatching to them; once."""
        with self._lock:
            if self._thread is not None or self._closing:
                return
            self._workers = [
                _Worker(self._context, self._work, self._nice) for _ in range(self._size)
            ]
            self._thread = threading.Thread(target=self._dispatch, name="parse-pool", daemon=True)
            self._thread.start()

    def submit(self, task: T) -> Future[R]:
        self.start()
        future: Future[R] = Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("the worker pool is closed")
            self._queue.append(_Job(task, future))
        self._wake_write.send_bytes(b"")
        return future

    def close(self) -> None:
        """Finish queued work, then stop every worker; closing twice is harmless."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        self._wake_write.send_bytes(b"")
        if self._thread is not None:
            self._thread.join()
        for worker in self._workers:
            worker.stop(kill=False)
        self._wake_read.close()
        self._wake_write.close()

    def __enter__(self) -> WorkerPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the dispatcher thread ------------------------------------------------------------------

    def _dispatch(self) -> None:
        while True:
            self._assign()
            busy = [w for w in self._workers if w.jobs]
            with self._lock:
                if self._closing and not busy and not self._queue:
                    return
            deadline = min((w.jobs[0].deadline for w in busy), default=None)
            wait_s = None if deadline is None else max(0.0, deadline - time.monotonic())
            handles: list[Any] = [self._wake_read]
            for worker in busy:
                handles += [worker.connection, worker.process.sentinel]
            ready = wait(handles, timeout=wait_s)
            if self._wake_read in ready:
                while self._wake_read.poll():
                    self._wake_read.recv_bytes()
            for worker in busy:
                self._collect(worker, ready)

    def _assign(self) -> None:
        """A task for each idle worker; then, with ``ahead``, the next one for each busy
        worker while at least as many tasks wait as there are workers (the last few go to
        whichever worker is free first)."""
        for index, worker in enumerate(self._workers):
            if not worker.jobs:
                self._send_next(index)
        if not self._ahead:
            return
        for index, worker in enumerate(self._workers):
            if len(worker.jobs) == 1 and worker.done + 1 < TASKS_PER_WORKER:
                with self._lock:
                    enough = len(self._queue) >= len(self._workers)
                if enough:
                    self._send_next(index)

    def _send_next(self, index: int) -> None:
        job = self._next_job()
        if job is None:
            return
        worker = self._workers[index]
        if not worker.jobs and worker.done >= TASKS_PER_WORKER:
            worker = self._replace(worker, kill=False)
        # a task sent ahead gets its deadline once its worker is done with the one before
        job.deadline = time.monotonic() + self._timeout if not worker.jobs else float("inf")
        try:
            data = ForkingPickler.dumps(job.task)
        except Exception as error:  # a task that cannot be pickled
            job.future.set_exception(error)
            return
        if worker.jobs and len(data) > AHEAD_MAX_BYTES:
            self._requeue(job)  # it waits for a free worker instead of in a full pipe
            return
        try:
            worker.connection.send_bytes(data)
        except OSError:  # the worker died since it was last looked at: the task goes on
            self._requeue(job)
            if not worker.jobs:  # else its sentinel shows the crash to ``_collect``
                self._replace(worker)
            return
        worker.jobs.append(job)

    def _requeue(self, job: _Job) -> None:
        with self._lock:
            self._queue.appendleft(job)

    def _next_job(self) -> _Job | None:
        """The next queued job nobody cancelled: cancelled ones are dropped here, else a
        queue of them would keep the pool from ever closing."""
        while True:
            with self._lock:
                if not self._queue:
                    return None
                job = self._queue.popleft()
            if job.started or job.future.set_running_or_notify_cancel():
                job.started = True
                return job

    def _collect(self, worker: _Worker, ready: list[Any]) -> None:
        died = worker.process.sentinel in ready
        if worker.connection in ready:
            try:
                while worker.jobs and worker.connection.poll():  # every answer there is
                    kind, payload = worker.connection.recv()
                    job = worker.jobs.popleft()
                    worker.done += 1
                    if worker.jobs:  # the worker is on the next one now
                        worker.jobs[0].deadline = time.monotonic() + self._timeout
                    if kind == "ok":
                        job.future.set_result(payload)
                    else:
                        job.future.set_exception(ExtractError(payload))
            except (EOFError, OSError):
                died = True  # gone while answering
        if not worker.jobs:
            if died:  # after its last answer: a fresh one takes the next task
                self._replace(worker)
            return
        job = worker.jobs[0]
        if died:
            self._replace(worker)
            code = worker.process.exitcode
            job.future.set_exception(ParserCrashed(f"the parser crashed (exit code {code})"))
        elif time.monotonic() >= job.deadline:
            self._replace(worker, kill=True)
            job.future.set_exception(
                ParseTimeout(
                    f"parsing took longer than {self._timeout:g} s and was stopped"
                    " (--parse-timeout sets the limit)"
                )
            )

    def _replace(self, worker: _Worker, kill: bool = True) -> _Worker:
        """A fresh worker in its place; the tasks sent after the one it was on go back to
        the front of the queue (the caller settles that one)."""
        worker.stop(kill=kill)
        waiting = list(worker.jobs)[1:]
        with self._lock:
            self._queue.extendleft(reversed(waiting))
        fresh = _Worker(self._context, self._work, self._nice)
        self._workers[self._workers.index(worker)] = fresh
        return fresh


# the stage the run uses -------------------------------------------------------------------------


class ParseStage(Generic[T]):
    """Documents in, Parsed out: the cache first, then a worker, within the timeout.

    ``parsed`` blocks the calling thread until its document is done, so a run's worker
    threads each wait for their own document while the processes parse in parallel. Pages
    to OCR go to the readers, started at the first such page: ``parsed`` waits for them
    too, unless asked not to (then ``read`` finishes the document later).
    """

    def __init__(
        self,
        store: Store | None,
        then: Callable[[ParsedDocument], T] | None = None,
        workers: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ocr: str = Ocr.AUTO,
        start: bool = True,
    ) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.ocr = ocr
        self._then = then
        work = _ParseWork(then)
        self._workers = workers or cpu_count()
        self._pool: WorkerPool[Task, Parsed[T]] = WorkerPool(
            work, self._workers, timeout_s, start=False, ahead=True
        )
        if start:
            self.start()
        self._readers: WorkerPool[ReadTask, Page] | None = None
        self._readers_lock = threading.Lock()
        self._ahead: dict[Path, Future[Parsed[T]]] = {}  # started by prefetch, not yet asked for
        self._ahead_lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._pool.started

    def start(self) -> None:
        """Fork the worker processes (else the first document to parse does): a run whose
        documents all come from the caches starts none, and so forks nothing."""
        if self._pool.started:
            return
        # a remote backend's requests wait on the first parses: numpy imported once here is
        # inherited by the forked workers (a local backend's workers import it in parallel)
        if FORKS and self._then is None:
            import numpy  # noqa: F401
        self._pool.start()

    def prefetch(self, document: Document) -> None:
        """Start parsing a document that will be asked for soon, so that a thread about to
        send a request does not first wait for its parse."""
        with self._ahead_lock:
            if document.path not in self._ahead:
                self._ahead[document.path] = self._submitted(document)

    def _submitted(self, document: Document) -> Future[Parsed[T]]:
        self.start()
        task = (document, self._cached(document), self.store is not None, self.ocr)
        return self._pool.submit(task)

    def parsed(self, document: Document, wait_for_ocr: bool = True) -> Parsed[T]:
        """Never raises for a bad PDF: a timeout, a crash and a corrupt file are statuses.

        With ``wait_for_ocr`` false, a document with pages to OCR comes back at once with
        them in ``unread``: ``read`` finishes it.
        """
        with self._ahead_lock:
            future = self._ahead.pop(document.path, None)
        try:
            result = (future or self._submitted(document)).result()
        except ParseTimeout as error:
            return _failed(document, Status.TIMEOUT, str(error))
        except ParserCrashed as error:
            return _failed(document, Status.CORRUPT, str(error))
        except ExtractError as error:  # anything else the worker raised: this document only
            return _failed(document, Status.FAILED, str(error))
        if result.fresh is not None and self.store is not None:
            fresh = result.fresh
            self.store.cache_parse(document.sha256, PARSER, fresh.blob, fresh.status, fresh.error)
        if result.unread and wait_for_ocr:
            return self.read(document, result)
        return result

    def read(self, document: Document, parsed: Parsed[T]) -> Parsed[T]:
        """The document with its unread pages OCR'd, and cached.

        A page that cannot be read within the timeout, or at all, fails the document (not
        cached: the next run tries again).
        """
        assert parsed.document is not None
        pages = list(parsed.document.pages)
        try:
            for number, page in self.pages_read(document, parsed.unread).items():
                pages[number - 1] = page
        except PageNotRead as error:
            return _failed(document, error.status, str(error), len(pages))
        done = status_of_pages(document, tuple(pages))
        if self.store is not None:
            blob = pages_blob(done.pages)
            key = read_key(self.ocr)
            self.store.cache_parse(document.sha256, key, blob, done.status, done.error)
        return Parsed(done.status, done.error, len(done.pages), done)

    def pages_read(self, document: Document, numbers: tuple[int, ...]) -> dict[int, Page]:
        """The pages OCR read, by number, a page to a reader process; PageNotRead says
        which page could not be read, and why."""
        readers = self._reader_pool()
        futures = [(number, readers.submit((document.path, number))) for number in numbers]
        read: dict[int, Page] = {}
        try:
            for number, future in futures:
                read[number] = future.result()
        except ParseTimeout as error:
            message = (
                f"OCR of page {number} took longer than"
                f" {self.timeout_s * READ_TIMEOUT_FACTOR:g} s and was stopped"
                f" (--parse-timeout sets the limit, {READ_TIMEOUT_FACTOR} times it for a page)"
            )
            raise PageNotRead(Status.TIMEOUT, message) from error
        except ExtractError as error:  # the reader crashed, or raised
            raise PageNotRead(*ocr_failure(number, error)) from error
        finally:
            for _, future in futures:
                future.cancel()
        return read

    def _reader_pool(self) -> WorkerPool[ReadTask, Page]:
        """The OCR processes, started at the first page to read, at a lower CPU priority: one
        per core (pages in parallel beat threads on one page), but at most MAX_READERS, each
        with a share of the cores as threads (a reader holds about half a GB)."""
        with self._readers_lock:
            if self._readers is None:
                readers = min(self._workers, MAX_READERS)
                work = _ReadWork(threads=max(1, self._workers // readers))
                timeout = self.timeout_s * READ_TIMEOUT_FACTOR
                self._readers = WorkerPool(work, readers, timeout, nice=READER_NICE)
            return self._readers

    def _cached(self, document: Document) -> CachedParse | None:
        """The pages OCR read under this mode, else the text layer's."""
        if self.store is None:
            return None
        if self.ocr != Ocr.OFF:
            found = self.store.cached_parse(document.sha256, read_key(self.ocr))
            if found is not None:
                return CachedParse(*found, read=True)
        found = self.store.cached_parse(document.sha256, PARSER)
        return None if found is None else CachedParse(*found)

    def close(self) -> None:
        self._pool.close()
        with self._readers_lock:
            if self._readers is not None:
                self._readers.close()

    def __enter__(self) -> ParseStage[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _failed(document: Document, status: str, error: str, pages: int = 0) -> Parsed[Any]:
    return Parsed(status, error, pages, outcome_of(document, status, error))


class _ParseWork(Generic[T]):
    """``parsed_in_worker`` with its ``then`` bound; a class so that spawn can pickle it."""

    def __init__(self, then: Callable[[ParsedDocument], T] | None) -> None:
        self.then = then

    def __call__(self, task: Task) -> Parsed[T]:
        return parsed_in_worker(self.then, task)


ReadTask = tuple[Path, int]  # a PDF, and the number of a page to OCR


class _ReadWork:
    """What a reader process does with one page: OCR it into a text page."""

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def __call__(self, task: ReadTask) -> Page:
        import pypdfium2 as pdfium

        path, number = task
        pdf = pdfium.PdfDocument(path)
        try:
            return read_page_of(read_page(pdf, number - 1, self.threads), number)
        finally:
            pdf.close()
