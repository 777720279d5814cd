"""The parse stage: PDFs parsed in worker processes, cached by content, never hanging a run.

Parsing is CPU-bound Python, so threads do not help: each document goes to one of a few
worker processes (one per core). A worker that overruns the per-document timeout is killed
and replaced, and its document comes back with Status.TIMEOUT; one that dies (a parser
crash) gives Status.CORRUPT. Parsed pages are cached in the run store by the PDF's sha256, so
an unchanged PDF is parsed once. A CPU-bound backend can hand the stage a ``then`` step that
runs in the worker right after parsing, so extraction uses every core too.
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
from itertools import chain
from multiprocessing.connection import Connection, wait
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from extract.documents import Document
from extract.errors import ExtractError
from extract.layout import make_word
from extract.pdf import Page, ParsedDocument, outcome_of, parsed_document
from extract.store import Store
from schemas.vocabulary import Status

PARSER = "pdfium-2"  # the parse cache key beside the sha256: bump it when pages come out different
DEFAULT_TIMEOUT_S = 60.0
FORKS = "fork" in multiprocessing.get_all_start_methods()  # else ``then`` must be picklable
PARENT_CHECK_S = 1.0  # how often an idle worker checks that its run is still alive
TASKS_PER_WORKER = 500  # a worker is replaced after this many documents, so leaks cannot pile up

T = TypeVar("T")
R = TypeVar("R")


class ParseTimeout(ExtractError):
    """A document took longer than the parse timeout; its worker was killed."""


class ParserCrashed(ExtractError):
    """The worker process died while parsing a document (a crash in the PDF library)."""


def cpu_count() -> int:
    """Cores this process may use (a container's limit, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# the parse cache: pages as compressed JSON (never pickle: the store is just a file) ----------

WORD_TEXT, WORD_BOX = itemgetter(0), itemgetter(1, 2, 3, 4)


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
            words=tuple(map(make_word, zip(texts, values, values, values, values, strict=False))),
            tables=tuple(tuple(tuple(row) for row in table) for table in tables),
        )
        for number, text, width, height, texts, tables in json.loads(raw[8 : 8 + size])
    )


@dataclass(frozen=True)
class CachedParse:
    status: str
    error: str
    blob: bytes


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """One document through the stage: its status, and either its pages or what ``then`` made."""

    status: str
    error: str
    pages: int
    document: ParsedDocument | None  # None when ``then`` already used it in the worker
    value: T | None = None
    fresh: CachedParse | None = None  # just parsed: for the parse cache


Task = tuple[Document, CachedParse | None, bool]  # the document, its cached pages, cache it?


def parsed_in_worker(then: Callable[[ParsedDocument], T] | None, task: Task) -> Parsed[T]:
    """What a worker does with one document: parse it (or read its cached pages), then ``then``."""
    document, cached, to_cache = task
    fresh = None
    if cached is None:
        parsed = parsed_document(document)
        if to_cache:
            fresh = CachedParse(parsed.status, parsed.error, pages_blob(parsed.pages))
    else:
        parsed = outcome_of(document, cached.status, cached.error, blob_pages(cached.blob))
    pages = len(parsed.pages)
    if then is None:
        return Parsed(parsed.status, parsed.error, pages, parsed, None, fresh)
    return Parsed(parsed.status, parsed.error, pages, None, then(parsed), fresh)


# worker processes that can be killed one at a time -------------------------------------------


def _serve(connection: Connection, work: Callable[[Any], Any]) -> None:
    """A worker's loop: one task in, one ("ok" | "error", payload) out, until told to stop,
    or until the run is gone (killed: forked siblings hold its pipe ends, so no EOF comes)."""
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


class _Worker:
    def __init__(self, context: Any, work: Callable[[Any], Any]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, work), daemon=True)
        self.process.start()
        child.close()
        self.job: _Job | None = None
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
    """

    def __init__(self, work: Callable[[T], R], workers: int, timeout_s: float) -> None:
        self._context = multiprocessing.get_context("fork" if FORKS else "spawn")
        self._work = work
        self._timeout = timeout_s
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._closing = False
        self._wake_read, self._wake_write = self._context.Pipe(duplex=False)
        self._workers = [_Worker(self._context, work) for _ in range(max(1, workers))]
        self._thread = threading.Thread(target=self._dispatch, name="parse-pool", daemon=True)
        self._thread.start()

    def submit(self, task: T) -> Future[R]:
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
            busy = [w for w in self._workers if w.job is not None]
            with self._lock:
                if self._closing and not busy and not self._queue:
                    return
            deadline = min((w.job.deadline for w in busy if w.job), default=None)
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
        for index, worker in enumerate(self._workers):
            with self._lock:
                if worker.job is not None or not self._queue:
                    continue
                job = self._queue.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue
            if worker.done >= TASKS_PER_WORKER:
                worker.stop(kill=False)
                worker = self._workers[index] = _Worker(self._context, self._work)
            job.deadline = time.monotonic() + self._timeout
            try:
                worker.connection.send(job.task)
            except Exception as error:  # a task that cannot be pickled
                job.future.set_exception(error)
                continue
            worker.job = job

    def _collect(self, worker: _Worker, ready: list[Any]) -> None:
        job = worker.job
        assert job is not None
        died = worker.process.sentinel in ready
        if worker.connection in ready:
            try:
                kind, payload = worker.connection.recv()
            except (EOFError, OSError):
                died = True  # gone while answering
            else:
                worker.job = None
                worker.done += 1
                if kind == "ok":
                    job.future.set_result(payload)
                else:
                    job.future.set_exception(ExtractError(payload))
                return
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

    def _replace(self, worker: _Worker, kill: bool = True) -> None:
        worker.stop(kill=kill)
        self._workers[self._workers.index(worker)] = _Worker(self._context, self._work)


# the stage the run uses -------------------------------------------------------------------------


class ParseStage(Generic[T]):
    """Documents in, Parsed out: the cache first, then a worker, within the timeout.

    ``parsed`` blocks the calling thread until its document is done, so a run's worker
    threads each wait for their own document while the processes parse in parallel.
    """

    def __init__(
        self,
        store: Store | None,
        then: Callable[[ParsedDocument], T] | None = None,
        workers: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.timeout_s = timeout_s
        work = _ParseWork(then)
        # a remote backend's requests wait on the first parses: numpy imported once here is
        # inherited by the forked workers (a local backend's workers import it in parallel)
        if FORKS and then is None:
            import numpy  # noqa: F401
        self._pool: WorkerPool[Task, Parsed[T]] = WorkerPool(
            work, workers or cpu_count(), timeout_s
        )
        self._ahead: dict[Path, Future[Parsed[T]]] = {}  # started by prefetch, not yet asked for
        self._ahead_lock = threading.Lock()

    def prefetch(self, document: Document) -> None:
        """Start parsing a document that will be asked for soon, so that a thread about to
        send a request does not first wait for its parse."""
        with self._ahead_lock:
            if document.path not in self._ahead:
                self._ahead[document.path] = self._submitted(document)

    def _submitted(self, document: Document) -> Future[Parsed[T]]:
        return self._pool.submit((document, self._cached(document), self.store is not None))

    def parsed(self, document: Document) -> Parsed[T]:
        """Never raises for a bad PDF: a timeout, a crash and a corrupt file are statuses."""
        with self._ahead_lock:
            future = self._ahead.pop(document.path, None)
        try:
            result = (future or self._submitted(document)).result()
        except ParseTimeout as error:
            return Parsed(
                Status.TIMEOUT, str(error), 0, outcome_of(document, Status.TIMEOUT, str(error))
            )
        except ParserCrashed as error:
            return Parsed(
                Status.CORRUPT, str(error), 0, outcome_of(document, Status.CORRUPT, str(error))
            )
        except ExtractError as error:  # anything else the worker raised: this document only
            return Parsed(
                Status.FAILED, str(error), 0, outcome_of(document, Status.FAILED, str(error))
            )
        if result.fresh is not None and self.store is not None:
            self.store.cache_parse(
                document.sha256, PARSER, result.fresh.blob, result.fresh.status, result.fresh.error
            )
        return result

    def _cached(self, document: Document) -> CachedParse | None:
        if self.store is None:
            return None
        found = self.store.cached_parse(document.sha256, PARSER)
        return None if found is None else CachedParse(*found)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> ParseStage[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ParseWork(Generic[T]):
    """``parsed_in_worker`` with its ``then`` bound; a class so that spawn can pickle it."""

    def __init__(self, then: Callable[[ParsedDocument], T] | None) -> None:
        self.then = then

    def __call__(self, task: Task) -> Parsed[T]:
        return parsed_in_worker(self.then, task)
