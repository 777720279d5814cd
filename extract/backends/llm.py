"""What every LLM backend shares, whatever API it speaks.

The answer loop (validation retries with the error shown to the model, a larger budget after
a cut-off answer, the fallback model), the attempt log's bookkeeping and the operator's
opaque id live here once. A backend holds only what its API needs: how a request is built,
sent and read (``ChatBackend``'s three abstract methods).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, wait
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from extract.backends.base import BackendOptions, Extraction, Usage
from extract.errors import BackendError, ProviderUnavailable
from extract.pdf import ParsedDocument
from extract.prompt import MAX_TOKENS_CAP
from extract.store import SentRequest, now


def operator_name() -> str:
    """The OS user; a container without a passwd entry for its uid has no name, only the uid."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"


def operator_id(user: str | None) -> str:
    """An opaque id for a provider's user field: a hash, never the operator's name itself."""
    name = user or operator_name()
    return hashlib.sha256(f"pdf-extract:{name}".encode()).hexdigest()[:32]


T = TypeVar("T")
_BUILDING: set[Future[Any]] = set()
_BUILDING_LOCK = threading.Lock()


def _wait_for_builds() -> None:
    with _BUILDING_LOCK:
        pending = list(_BUILDING)
    wait(pending)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_wait_for_builds)


def built_off_thread(build: Callable[[], T], name: str) -> Future[T]:
    """An SDK client built on a thread of its own: its imports and TLS set-up (0.1-0.2 s) run
    while the run hashes its documents. A fork (the parse workers) waits for it, since a child
    forked in the middle of an import would hang on that import's lock."""
    future: Future[T] = Future()
    with _BUILDING_LOCK:
        _BUILDING.add(future)

    def run() -> None:
        try:
            future.set_result(build())
        except BaseException as error:  # raised again where the client is first used
            future.set_exception(error)
        finally:
            with _BUILDING_LOCK:
                _BUILDING.discard(future)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


@dataclass
class Attempts:
    """The document a thread is sending for, so the HTTP layer can log under its name."""

    doc_id: str
    model: str
    provider: str
    count: int = 0

    def log(self, options: BackendOptions, started: str, clock: float, **fields: Any) -> None:
        """One HTTP attempt into the run's request log: tokens, cost, latency, error."""
        if options.request_log is not None:
            latency = round((time.perf_counter() - clock) * 1000, 1)
            options.request_log(
                SentRequest(
                    self.doc_id,
                    self.model,
                    self.count,
                    started,
                    latency,
                    provider=self.provider,
                    **fields,
                )
            )


SENDING: ContextVar[Attempts | None] = ContextVar("sending", default=None)


def logged_usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cost_usd": usage.cost_usd,
    }


def unavailable(status: int | None) -> bool:
    """Statuses that say the provider cannot answer now (rate limit, overload, its own fault):
    once the SDK's retries are spent on one, the document may go to the next provider."""
    return status is None or status in (408, 409, 429) or status >= 500


def validation_problem(error: ValidationError) -> str:
    """The first errors, one a line, with the path that failed: what the model must fix."""
    lines = []
    for item in error.errors()[:12]:
        where = ".".join(str(part) for part in item["loc"]) or "(the whole answer)"
        lines.append(f"- {where}: {item['msg']}")
    return "\n".join(lines)


class Stop:
    """Why a reply ended, in the providers' common words."""

    END: Final = "end"
    CUT: Final = "max_tokens"  # the answer hit the output budget
    REFUSAL: Final = "refusal"


@dataclass(frozen=True)
class Reply:
    """One provider reply, read: the answer's text, why it ended, what it cost."""

    text: str
    stop: str
    usage: Usage


@dataclass
class Answer:
    """One reply, judged: a valid result, or the problem to show the model on the next try."""

    result: BaseModel | None
    problem: str
    text: str
    truncated: bool = False


def judged(reply: Reply, schema: type[BaseModel]) -> Answer:
    if reply.stop == Stop.REFUSAL:
        raise BackendError("the model refused to answer this document")
    if reply.stop == Stop.CUT:
        return Answer(None, "the answer was cut off at max_tokens", reply.text, truncated=True)
    try:
        return Answer(schema.model_validate_json(reply.text), "", reply.text)
    except ValidationError as error:
        return Answer(None, validation_problem(error), reply.text)


class ChatBackend(ABC):
    """An LLM backend: one schema-conformant answer per document, or a BackendError.

    Subclasses say how a request is built (``request``), sent and read (``reply``), and how
    the model is told what was wrong with its answer (``corrected``); the loop is shared.
    """

    name: str
    model: str
    prompt_version: str
    reads_scans: bool
    options: BackendOptions
    budget_key = "max_tokens"  # the request field that bounds the answer's length

    @abstractmethod
    def request(
        self, model: str, document: ParsedDocument, schema: type[BaseModel]
    ) -> dict[str, Any]: ...

    @abstractmethod
    def reply(self, attempts: Attempts, params: dict[str, Any], schema: type[BaseModel]) -> Reply:
        """Send ``params`` (the SDK retrying as it does) and read the answer, or raise
        BackendError; ProviderUnavailable once the retries are spent on an unavailable
        provider."""

    @abstractmethod
    def corrected(self, params: dict[str, Any], text: str, problem: str) -> dict[str, Any]: ...

    @property
    def answerers(self) -> list[tuple[str, str, str]]:
        """(name, model, prompt version) of each model that may answer: the cache keys."""
        fallback = self.options.fallback_model
        models = [self.model, *([fallback] if fallback and fallback != self.model else [])]
        return [(self.name, model, self.prompt_version) for model in models]

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        """The primary model, then once more on ``fallback_model`` if that failed."""
        usage = Usage()
        try:
            return self.extraction(self.model, document, schema, usage)
        except BackendError as error:
            fallback = self.options.fallback_model
            if not fallback or fallback == self.model:
                raise
            try:
                return self.extraction(fallback, document, schema, usage)
            except BackendError as second:  # the kind of the last failure decides what follows
                raise type(second)(f"{error}; fallback {fallback}: {second}") from second

    def extraction(
        self, model: str, document: ParsedDocument, schema: type[BaseModel], usage: Usage
    ) -> Extraction:
        params = self.request(model, document, schema)
        tries = 1 + max(0, self.options.max_validation_retries)
        attempts = Attempts(document.doc_id, model, self.name)
        answer = Answer(None, "", "")
        refused = 0
        for _ in range(tries):
            reply = self.reply(attempts, params, schema)
            usage.add(reply.usage)
            answer = judged(reply, schema)
            if answer.result is not None:
                return Extraction(
                    answer.result, self.name, model, "model", usage, validation_retries=refused
                )
            if answer.truncated:  # the same budget would cut it off again
                budget = int(params.get(self.budget_key) or 0)
                if budget >= MAX_TOKENS_CAP:
                    raise BackendError(
                        f"{model}: the answer was cut off at max_tokens even with the largest"
                        f" budget ({MAX_TOKENS_CAP} tokens); the document is too long to answer"
                    )
                params[self.budget_key] = min(2 * budget, MAX_TOKENS_CAP)
            else:
                refused += 1
                params = self.corrected(params, answer.text, answer.problem)
        problem = answer.problem.replace("\n", " ")
        raise BackendError(f"{model}: no valid answer after {tries} tries ({problem})"[:500])


def failure(model: str, count: int, described: str, status: int | None) -> BackendError:
    """The error for a request whose retries are spent: ProviderUnavailable when the provider
    could not answer (the run may hand the document to the next provider), else BackendError."""
    kind = ProviderUnavailable if unavailable(status) else BackendError
    return kind(f"{model}: {described} ({count} tries)")


__all__ = [
    "SENDING",
    "Answer",
    "Attempts",
    "ChatBackend",
    "Reply",
    "Stop",
    "failure",
    "judged",
    "logged_usage",
    "now",
    "operator_id",
    "operator_name",
    "validation_problem",
]
