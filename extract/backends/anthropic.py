"""The Claude backend: one schema-conformant answer per document, through the official SDK.

The answer comes as structured output (``output_config.format``, the SDK's
``transform_schema`` of the pydantic model): forced tool use is refused by current Sonnet
models, structured outputs work on all of them. The SDK does the HTTP work as it is: its
retries honour ``retry-after`` on 429 and 529 and back off exponentially with jitter
otherwise, its timeout bounds every attempt. A middleware inside its retry loop logs every
attempt (tokens, cost, latency, error) and turns an unreadable body into a retry. An answer
that does not validate is sent back with the error, at most ``max_validation_retries`` times.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic import APIRequest, APIResponse, Middleware
from anthropic.types import Message
from pydantic import BaseModel, ValidationError

from extract.backends.anthropic_batch import batch_progress, batch_results, submit
from extract.backends.base import BackendOptions, BatchResult, Extraction, Usage
from extract.errors import BackendError, MissingApiKey
from extract.pdf import ParsedDocument
from extract.prices import cost_usd
from extract.prompt import (
    MAX_TOKENS,
    MAX_TOKENS_CAP,
    PROMPT_VERSION,
    correction_turns,
    document_content,
    system_blocks,
)
from extract.store import SentRequest, now

DEFAULT_MODEL = "claude-sonnet-5-5"  # current, not in the SDK's DEPRECATED_MODELS
MESSAGES_PATH = "/v1/messages"


def operator_name() -> str:
    """The OS user; a container without a passwd entry for its uid has no name, only the uid."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"


def operator_id(user: str | None) -> str:
    """An opaque id for metadata.user_id: a hash, never the operator's name itself."""
    name = user or operator_name()
    return hashlib.sha256(f"pdf-extract:{name}".encode()).hexdigest()[:32]


@dataclass
class _Attempts:
    """The document a thread is sending for, so the middleware can log under its name."""

    doc_id: str
    model: str
    count: int = 0


_SENDING: ContextVar[_Attempts | None] = ContextVar("sending", default=None)


def usage_of(message: Message, model: str, batch: bool = False) -> Usage:
    used = message.usage
    write = used.cache_creation_input_tokens or 0
    read = used.cache_read_input_tokens or 0
    return Usage(
        requests=1,
        input_tokens=used.input_tokens,
        output_tokens=used.output_tokens,
        cache_read_tokens=read,
        cache_write_tokens=write,
        cost_usd=cost_usd(model, used.input_tokens, used.output_tokens, write, read, batch),
    )


def sent_request(
    doc_id: str, model: str, attempt: int, started: str, latency_ms: float, **rest: Any
) -> SentRequest:
    return SentRequest(doc_id, model, attempt, started, round(latency_ms, 1), **rest)


def logged_usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cost_usd": usage.cost_usd,
    }


class AttemptLog(Middleware):
    """Runs once per HTTP attempt inside the SDK's retry loop: logs it, retries a bad body."""

    def __init__(self, options: BackendOptions) -> None:
        self.log = options.request_log

    def handle(self, request: APIRequest, call_next: Any) -> APIResponse[Any]:
        sending = _SENDING.get()
        if sending is None or request.url != MESSAGES_PATH:
            return call_next(request)  # type: ignore[no-any-return]
        sending.count += 1
        started, clock = now(), time.perf_counter()
        try:
            response: APIResponse[Any] = call_next(request)
        except anthropic.APIError as error:
            self._write(sending, started, clock, error=_described(error))
            raise
        if response.status_code >= 400:
            self._write(sending, started, clock, error=f"HTTP {response.status_code}")
            return response
        try:
            message = response.parse()
        except Exception as error:  # the body is not a Message: a proxy hiccup, try again
            self._write(sending, started, clock, error=f"unreadable response body ({error})"[:200])
            raise anthropic.RetryableError("the response body was not a valid message") from error
        if isinstance(message, Message):
            usage = usage_of(message, sending.model)
            self._write(
                sending,
                started,
                clock,
                stop_reason=message.stop_reason or "",
                **logged_usage(usage),
            )
        return response

    def _write(self, sending: _Attempts, started: str, clock: float, **fields: Any) -> None:
        if self.log is not None:
            latency = (time.perf_counter() - clock) * 1000
            self.log(
                sent_request(
                    sending.doc_id, sending.model, sending.count, started, latency, **fields
                )
            )


def _described(error: Exception) -> str:
    if isinstance(error, anthropic.APITimeoutError):
        return "timed out"
    if isinstance(error, anthropic.APIStatusError):
        return f"HTTP {error.status_code}: {error.message}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def answer_text(message: Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def validation_problem(error: ValidationError) -> str:
    """The first errors, one a line, with the path that failed: what the model must fix."""
    lines = []
    for item in error.errors()[:12]:
        where = ".".join(str(part) for part in item["loc"]) or "(the whole answer)"
        lines.append(f"- {where}: {item['msg']}")
    return "\n".join(lines)


@dataclass
class Answer:
    """One reply, judged: a valid result, or the problem to show the model on the next try."""

    result: BaseModel | None
    problem: str
    text: str
    truncated: bool = False


def judged(message: Message, schema: type[BaseModel]) -> Answer:
    text = answer_text(message)
    if message.stop_reason == "refusal":
        raise BackendError("the model refused to answer this document")
    if message.stop_reason == "max_tokens":
        return Answer(None, "the answer was cut off at max_tokens", text, truncated=True)
    try:
        return Answer(schema.model_validate_json(text), "", text)
    except ValidationError as error:
        return Answer(None, validation_problem(error), text)


_SCHEMA_PARTS_LOCK = threading.Lock()


@functools.cache
def _schema_parts(schema: type[BaseModel]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    output_format = {"type": "json_schema", "schema": anthropic.transform_schema(schema)}
    return system_blocks(schema), {"format": output_format}


def schema_parts(schema: type[BaseModel]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """System blocks and output format, built once a schema (the transform costs ~25 ms),
    under a lock so that 16 threads starting together do not all build it."""
    with _SCHEMA_PARTS_LOCK:
        return _schema_parts(schema)


class AnthropicBackend:
    """Claude through the official SDK; ``ANTHROPIC_BASE_URL`` points it at a gateway or fake."""

    name = "anthropic"
    prompt_version = PROMPT_VERSION
    reads_scans = True

    def __init__(self, options: BackendOptions | None = None) -> None:
        if not os.environ.get("ANTHROPIC_API_KEY"):
            raise MissingApiKey()
        self.options = options or BackendOptions()
        self.model = self.options.model or DEFAULT_MODEL
        self.user_id = operator_id(self.options.user)
        # building the client (HTTP transport, TLS certificates) takes ~0.1 s: done on a thread
        # of its own while the run hashes and parses its first documents
        self._client: Future[anthropic.Anthropic] = Future()
        threading.Thread(target=self._build_client, name="anthropic-client", daemon=True).start()

    def _build_client(self) -> None:
        try:
            self._client.set_result(
                anthropic.Anthropic(
                    max_retries=self.options.max_retries,
                    timeout=self.options.timeout_s,
                    middleware=[AttemptLog(self.options)],
                )
            )
        except BaseException as error:  # raised again where the client is first used
            self._client.set_exception(error)

    @property
    def client(self) -> anthropic.Anthropic:
        return self._client.result()

    # one document, synchronously ------------------------------------------------------

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        """The primary model, then once more on ``fallback_model`` if that failed."""
        usage = Usage()
        try:
            return self._extraction(self.model, document, schema, usage)
        except BackendError as error:
            fallback = self.options.fallback_model
            if not fallback or fallback == self.model:
                raise
            try:
                return self._extraction(fallback, document, schema, usage)
            except BackendError as second:
                raise BackendError(f"{error}; fallback {fallback}: {second}") from second

    def request_params(
        self, model: str, document: ParsedDocument, schema: type[BaseModel]
    ) -> dict[str, Any]:
        """The Messages API request for one document: also what a batch line carries."""
        system, output_config = schema_parts(schema)
        return {
            "model": model,
            "max_tokens": MAX_TOKENS,
            "system": system,
            "messages": [{"role": "user", "content": document_content(document)}],
            "output_config": output_config,
            "metadata": {"user_id": self.user_id},
        }

    def _extraction(
        self, model: str, document: ParsedDocument, schema: type[BaseModel], usage: Usage
    ) -> Extraction:
        params = self.request_params(model, document, schema)
        tries = 1 + max(0, self.options.max_validation_retries)
        attempts = _Attempts(document.doc_id, model)
        answer = Answer(None, "", "")
        refused = 0  # answers validation sent back: an input of the confidence
        for _ in range(tries):
            message = self._sent(attempts, params)
            usage.add(usage_of(message, model))
            answer = judged(message, schema)
            if answer.result is not None:
                return Extraction(
                    answer.result, self.name, model, "model", usage, validation_retries=refused
                )
            if answer.truncated:  # the same budget would cut it off again
                if int(params["max_tokens"]) >= MAX_TOKENS_CAP:
                    raise BackendError(
                        f"{model}: the answer was cut off at max_tokens even with the largest"
                        f" budget ({MAX_TOKENS_CAP} tokens); the document is too long to answer"
                    )
                params["max_tokens"] = min(2 * int(params["max_tokens"]), MAX_TOKENS_CAP)
            else:
                refused += 1
                params["messages"] = params["messages"] + correction_turns(
                    answer.text, answer.problem
                )
        problem = answer.problem.replace("\n", " ")
        raise BackendError(f"{model}: no valid answer after {tries} tries ({problem})"[:500])

    def _sent(self, attempts: _Attempts, params: dict[str, Any]) -> Message:
        token = _SENDING.set(attempts)
        try:
            message: Message = self.client.messages.create(**params)
            return message
        except anthropic.APITimeoutError as error:
            raise BackendError(
                f"{attempts.model}: timed out after {self.options.timeout_s:g} s"
                f" ({attempts.count} tries)"
            ) from error
        except anthropic.APIError as error:
            raise BackendError(
                f"{attempts.model}: {_described(error)} ({attempts.count} tries)"
            ) from error
        except anthropic.AnthropicError as error:  # e.g. a body still unreadable after retries
            raise BackendError(f"{attempts.model}: {error} ({attempts.count} tries)") from error
        finally:
            _SENDING.reset(token)

    # the Message Batches API ------------------------------------------------------------

    def batch_request(self, document: ParsedDocument, schema: type[BaseModel]) -> dict[str, Any]:
        return self.request_params(self.model, document, schema)

    def submit_batch(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        return submit(self.client, requests)

    def batch_progress(self, batch_id: str) -> tuple[bool, int, int]:
        """(ended, requests done, requests in the batch)."""
        return batch_progress(self.client, batch_id)

    def batch_results(
        self, batch_id: str, schema: type[BaseModel], doc_ids: dict[str, str]
    ) -> Iterator[BatchResult]:
        """Every request's extraction, or its error; every result's tokens logged."""
        for custom_id, message, error in batch_results(self.client, batch_id):
            doc_id = doc_ids.get(custom_id, "")
            if message is None:
                self._log_batch(doc_id, error=error)
                yield BatchResult(custom_id, None, error)
                continue
            usage = usage_of(message, self.model, batch=True)
            self._log_batch(doc_id, stop_reason=message.stop_reason or "", **logged_usage(usage))
            try:
                answer = judged(message, schema)
            except BackendError as refused:
                yield BatchResult(custom_id, None, str(refused))
                continue
            if answer.result is None:
                yield BatchResult(custom_id, None, answer.problem)
            else:
                extraction = Extraction(answer.result, self.name, self.model, "model", usage)
                yield BatchResult(custom_id, extraction, "")

    def _log_batch(self, doc_id: str, **fields: Any) -> None:
        if self.options.request_log is not None:
            self.options.request_log(sent_request(doc_id, self.model, 1, now(), 0.0, **fields))
