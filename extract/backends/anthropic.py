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
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import anthropic
from anthropic import APIRequest, APIResponse, Middleware
from anthropic.types import Message
from pydantic import BaseModel

from extract.backends.anthropic_batch import batch_progress, batch_results, submit
from extract.backends.base import BackendOptions, BatchResult, Extraction, Usage
from extract.backends.llm import (
    SENDING,
    Attempts,
    ChatBackend,
    Reply,
    Stop,
    built_off_thread,
    failure,
    judged,
    logged_usage,
    operator_id,
    operator_name,
)
from extract.backends.providers import ANTHROPIC_DEFAULT_MODEL
from extract.errors import BackendError, MissingApiKey
from extract.pdf import ParsedDocument
from extract.prices import cost_usd
from extract.prompt import (
    MAX_TOKENS,
    PROMPT_VERSION,
    correction_turns,
    document_content,
    system_blocks,
)
from extract.store import SentRequest, now

DEFAULT_MODEL = ANTHROPIC_DEFAULT_MODEL
MESSAGES_PATH = "/v1/messages"
__all__ = ["AnthropicBackend", "operator_id", "operator_name"]
STOPS = {"max_tokens": Stop.CUT, "refusal": Stop.REFUSAL}


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


def sent_request(doc_id: str, model: str, **rest: Any) -> SentRequest:
    """A batch result, logged as one request of its own."""
    return SentRequest(doc_id, model, 1, now(), 0.0, provider="anthropic", **rest)


class AttemptLog(Middleware):
    """Runs once per HTTP attempt inside the SDK's retry loop: logs it, retries a bad body."""

    def __init__(self, options: BackendOptions) -> None:
        self.options = options

    def handle(self, request: APIRequest, call_next: Any) -> APIResponse[Any]:
        sending = SENDING.get()
        if sending is None or request.url != MESSAGES_PATH:
            return call_next(request)  # type: ignore[no-any-return]
        sending.count += 1
        started, clock = now(), time.perf_counter()
        try:
            response: APIResponse[Any] = call_next(request)
        except anthropic.APIError as error:
            sending.log(self.options, started, clock, error=_described(error))
            raise
        if response.status_code >= 400:
            sending.log(self.options, started, clock, error=f"HTTP {response.status_code}")
            return response
        try:
            message = response.parse()
        except Exception as error:  # the body is not a Message: a proxy hiccup, try again
            sending.log(
                self.options, started, clock, error=f"unreadable response body ({error})"[:200]
            )
            raise anthropic.RetryableError("the response body was not a valid message") from error
        if isinstance(message, Message):
            usage = usage_of(message, sending.model)
            sending.log(
                self.options,
                started,
                clock,
                stop_reason=message.stop_reason or "",
                **logged_usage(usage),
            )
        return response


def _described(error: Exception) -> str:
    if isinstance(error, anthropic.APITimeoutError):
        return "timed out"
    if isinstance(error, anthropic.APIStatusError):
        return f"HTTP {error.status_code}: {error.message}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def answer_text(message: Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def reply_of(message: Message, model: str, batch: bool = False) -> Reply:
    stop = STOPS.get(message.stop_reason or "", Stop.END)
    return Reply(answer_text(message), stop, usage_of(message, model, batch))


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


class AnthropicBackend(ChatBackend):
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
        self._client = built_off_thread(self._built_client, "anthropic-client")

    def _built_client(self) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            max_retries=self.options.max_retries,
            timeout=self.options.timeout_s,
            middleware=[AttemptLog(self.options)],
        )

    @property
    def client(self) -> anthropic.Anthropic:
        return self._client.result()

    # one document, synchronously ------------------------------------------------------

    def request(
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

    def corrected(self, params: dict[str, Any], text: str, problem: str) -> dict[str, Any]:
        return {**params, "messages": params["messages"] + correction_turns(text, problem)}

    def reply(self, attempts: Attempts, params: dict[str, Any], schema: type[BaseModel]) -> Reply:
        token = SENDING.set(attempts)
        try:
            message: Message = self.client.messages.create(**params)
            return reply_of(message, attempts.model)
        except anthropic.APITimeoutError as error:
            raise failure(
                attempts.model,
                attempts.count,
                f"timed out after {self.options.timeout_s:g} s",
                None,
            ) from error
        except anthropic.APIStatusError as error:
            raise failure(
                attempts.model, attempts.count, _described(error), error.status_code
            ) from error
        except anthropic.APIError as error:  # no answer at all: a reset, a refused connection
            raise failure(attempts.model, attempts.count, _described(error), None) from error
        except anthropic.AnthropicError as error:  # e.g. a body still unreadable after retries
            raise failure(attempts.model, attempts.count, str(error), None) from error
        finally:
            SENDING.reset(token)

    # the Message Batches API ------------------------------------------------------------

    def batch_request(self, document: ParsedDocument, schema: type[BaseModel]) -> dict[str, Any]:
        return self.request(self.model, document, schema)

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
            reply = reply_of(message, self.model, batch=True)
            self._log_batch(
                doc_id, stop_reason=message.stop_reason or "", **logged_usage(reply.usage)
            )
            try:
                answer = judged(reply, schema)
            except BackendError as refused:
                yield BatchResult(custom_id, None, str(refused))
                continue
            if answer.result is None:
                yield BatchResult(custom_id, None, answer.problem)
            else:
                extraction = Extraction(answer.result, self.name, self.model, "model", reply.usage)
                yield BatchResult(custom_id, extraction, "")

    def _log_batch(self, doc_id: str, **fields: Any) -> None:
        if self.options.request_log is not None:
            self.options.request_log(sent_request(doc_id, self.model, **fields))
