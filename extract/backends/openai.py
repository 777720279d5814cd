"""The OpenAI-compatible backend: OpenAI, a gateway, or a local Ollama / vLLM server.

Through the official SDK, which reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` as it always
does; a local server needs no key. The SDK does the HTTP work as it is: its retries honour
``retry-after`` on 429 and back off on 5xx, resets and timeouts. Its HTTP client is ours by
one method: ``send`` runs once per attempt inside the retry loop, logs it (tokens, cost,
latency, error) and turns an unreadable body into a retry. The answer's shape is asked for
by structured outputs; a server that answers 400 to them gets JSON mode, then the schema in
the prompt, chosen once for the run (``notes`` says which). What is not the API's (the
answer loop, validation retries, fallback model) is ChatBackend's.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

import openai
from pydantic import BaseModel

from extract.backends.base import BackendOptions, Usage
from extract.backends.llm import (
    SENDING,
    Attempts,
    ChatBackend,
    Reply,
    Stop,
    built_off_thread,
    failure,
    logged_usage,
    operator_id,
)
from extract.backends.openai_request import (
    OPENAI_PROMPT_VERSION,
    Mode,
    answer_json,
    correction_messages,
    has_images,
    response_format,
    system_message,
    user_message,
)
from extract.backends.providers import OPENAI_DEFAULT_MODEL, is_local_url, openai_server
from extract.errors import InputError, MissingApiKey
from extract.pdf import ParsedDocument
from extract.prices import cost_usd
from extract.prompt import MAX_TOKENS
from extract.store import now

COMPLETIONS_PATH = "/chat/completions"
STOPS = {"length": Stop.CUT, "content_filter": Stop.REFUSAL}
NO_KEY = (
    "OPENAI_API_KEY is missing: set it, or point OPENAI_BASE_URL at a local server"
    " (Ollama, vLLM: no key needed), or use --backend rules to run offline"
)
MODE_NOTES = {
    Mode.JSON_SCHEMA: "structured outputs (strict JSON schema)",
    Mode.JSON_OBJECT: "the server refused structured outputs: JSON mode, the schema in the"
    " prompt, every answer validated",
    Mode.PLAIN: "the server refused structured outputs and JSON mode: the schema in the"
    " prompt, every answer validated",
}
# words of a 400 that refuses what we asked for, by what it refuses
FORMAT_WORDS = ("response_format", "json_schema", "json_object", "structured output")
IMAGE_WORDS = ("image", "vision", "multimodal", "multi-modal")
# a local model's context is smaller than the answer budget asked for (vLLM, llama.cpp, ...)
CONTEXT_WORDS = ("context length", "context size", "context window", "reduce the length")
MIN_BUDGET = 1_024  # an invoice's answer needs more: below this the document fails instead
_CONTEXT = re.compile(r"context (?:length|size|window) (?:is |of )?(\d+)")
_PROMPT = re.compile(r"(\d+) (?:tokens )?in the messages")


def usage_from(used: dict[str, Any], model: str, local: bool) -> Usage:
    """Tokens and cost of one reply; prompt tokens include the cached ones, kept apart here
    as the Anthropic log keeps them. A local model unknown to the price table costs 0."""
    prompt = int(used.get("prompt_tokens") or 0)
    output = int(used.get("completion_tokens") or 0)
    details = used.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    fresh = max(0, prompt - cached)
    cost = cost_usd(model, fresh, output, 0, cached, local=local)
    return Usage(1, fresh, output, cached, 0, cost)


def _described(error: Exception) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}: {error.message}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def budget_that_fits(message: str, budget: int) -> int:
    """The answer budget a server's "context length exceeded" leaves: its context less the
    prompt when it says both (vLLM does), else half the budget asked for; always less than
    that budget, never below MIN_BUDGET."""
    context, prompt = _CONTEXT.search(message), _PROMPT.search(message)
    fits = int(context[1]) - int(prompt[1]) - 16 if context and prompt else budget // 2
    return max(MIN_BUDGET, min(budget - 1, fits))


def _refuses(error: openai.APIStatusError, words: tuple[str, ...]) -> bool:
    """A 4xx saying the server does not take a part of the request (not a rate limit)."""
    text = f"{error.message} {error.body}".lower()
    return error.status_code in (400, 415, 422, 501) and any(word in text for word in words)


class AttemptLogClient(openai.DefaultHttpxClient):
    """The SDK's own HTTP client (its defaults, proxies from the environment) whose ``send``
    runs once per attempt of the SDK's retry loop: every attempt logged, a body that is not
    a chat completion turned into a retryable 502 (``x-should-retry``)."""

    def __init__(self, options: BackendOptions, local: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backend_options = options
        self.local_server = local

    def send(self, request: Any, **kwargs: Any) -> Any:
        sending = SENDING.get()
        if sending is None or not request.url.path.endswith(COMPLETIONS_PATH):
            return super().send(request, **kwargs)
        sending.count += 1
        started, clock = now(), time.perf_counter()
        try:
            response = super().send(request, **kwargs)
        except Exception as error:  # the SDK retries resets and timeouts itself
            timed_out = "Timeout" in type(error).__name__
            sending.log(
                self.backend_options,
                started,
                clock,
                error="timed out" if timed_out else (f"{type(error).__name__}: {error}"[:300]),
            )
            raise
        if response.status_code >= 400:
            sending.log(self.backend_options, started, clock, error=f"HTTP {response.status_code}")
            return response
        if kwargs.get("stream"):
            sending.log(self.backend_options, started, clock)
            return response
        try:
            data = json.loads(response.content)
            finish = data["choices"][0].get("finish_reason") or ""
        except (ValueError, LookupError, TypeError, AttributeError) as error:
            sending.log(
                self.backend_options,
                started,
                clock,
                error=f"unreadable response body ({error})"[:200],
            )
            body = {"error": {"message": "the response body was not a chat completion"}}
            return type(response)(
                502,
                headers={"x-should-retry": "true", "content-type": "application/json"},
                content=json.dumps(body).encode(),
                request=request,
            )
        usage = usage_from(data.get("usage") or {}, sending.model, self.local_server)
        sending.log(self.backend_options, started, clock, stop_reason=finish, **logged_usage(usage))
        return response


class OpenAIBackend(ChatBackend):
    """Chat completions through the official SDK, at OpenAI or any compatible server."""

    name = "openai"
    prompt_version = OPENAI_PROMPT_VERSION
    reads_scans = True

    def __init__(self, options: BackendOptions | None = None) -> None:
        self.options = options or BackendOptions()
        self.server = openai_server()
        self.local_server = is_local_url(self.server)
        if not os.environ.get("OPENAI_API_KEY") and not self.local_server:
            raise MissingApiKey(NO_KEY)
        if self.local_server and not self.options.model:
            raise InputError(
                f"OPENAI_BASE_URL {self.server} is a local server: name its model with --model"
                " (e.g. --model llama3.1:8b for Ollama), or --fallback openai:MODEL"
            )
        self.model = self.options.model or OPENAI_DEFAULT_MODEL
        self.user_id = operator_id(self.options.user)
        # OpenAI's reasoning models take only max_completion_tokens; other servers max_tokens
        self.budget_key = "max_tokens" if self.server else "max_completion_tokens"
        self._lock = threading.Lock()
        self.mode = Mode.JSON_SCHEMA  # settled by the first refusal, for the rest of the run
        self.images = True
        self.ceiling: int | None = None  # the answer budget the server's context leaves
        self._client = built_off_thread(self._built_client, "openai-client")

    def _built_client(self) -> openai.OpenAI:
        client = openai.OpenAI(
            # a local server takes any key; the SDK insists on one
            api_key=os.environ.get("OPENAI_API_KEY") or "no-key-local-server",
            max_retries=self.options.max_retries,
            timeout=self.options.timeout_s,
            http_client=AttemptLogClient(self.options, self.local_server),
        )
        client.chat.completions  # noqa: B018  its lazy imports here, not in the first request
        return client

    @property
    def client(self) -> openai.OpenAI:
        return self._client.result()

    def notes(self) -> list[str]:
        """What the run summary says of this backend: the output mode it settled on."""
        said = [f"openai {self.model}: {MODE_NOTES[self.mode]}"]
        if self.ceiling is not None:
            said.append(
                f"openai {self.model}: answers limited to {self.ceiling} tokens (the server's"
                " context length)"
            )
        if not self.images:
            said.append(
                f"openai {self.model}: the model takes no images; scanned pages without OCR"
                " text were sent empty"
            )
        return said

    # one document -----------------------------------------------------------------------

    def request(
        self, model: str, document: ParsedDocument, schema: type[BaseModel]
    ) -> dict[str, Any]:
        with self._lock:
            mode, images = self.mode, self.images
        params: dict[str, Any] = {
            "model": model,
            self.budget_key: MAX_TOKENS,
            "messages": [system_message(schema, mode), user_message(document, images)],
        }
        shape = response_format(schema, mode)
        if shape is not None:
            params["response_format"] = shape
        if not self.local_server:  # an opaque id for OpenAI's abuse monitoring, never the name
            params["extra_body"] = {"safety_identifier": self.user_id}
        return params

    def corrected(self, params: dict[str, Any], text: str, problem: str) -> dict[str, Any]:
        return {**params, "messages": params["messages"] + correction_messages(text, problem)}

    def reply(self, attempts: Attempts, params: dict[str, Any], schema: type[BaseModel]) -> Reply:
        while True:
            with self._lock:
                ceiling = self.ceiling
            if ceiling is not None and int(params.get(self.budget_key) or 0) > ceiling:
                params[self.budget_key] = ceiling  # a larger budget would be refused again
            try:
                return self._sent(attempts, params)
            except openai.APIStatusError as error:
                changed = self._without_refused(error, params, schema)
                if changed is None:
                    raise failure(
                        attempts.model, attempts.count, _described(error), error.status_code
                    ) from error
                params.clear()
                params.update(changed)

    def _sent(self, attempts: Attempts, params: dict[str, Any]) -> Reply:
        token = SENDING.set(attempts)
        try:
            completion = self.client.chat.completions.create(**params)
        except openai.APITimeoutError as error:
            raise failure(
                attempts.model,
                attempts.count,
                f"timed out after {self.options.timeout_s:g} s",
                None,
            ) from error
        except openai.APIStatusError:
            raise  # the caller decides: a refused part of the request, or a failure
        except openai.APIError as error:  # no answer at all: a reset, a refused connection
            raise failure(attempts.model, attempts.count, _described(error), None) from error
        finally:
            SENDING.reset(token)
        used = completion.usage.model_dump() if completion.usage is not None else {}
        usage = usage_from(used, attempts.model, self.local_server)
        if not completion.choices:
            return Reply("", Stop.END, usage)
        choice = completion.choices[0]
        if getattr(choice.message, "refusal", None):
            return Reply("", Stop.REFUSAL, usage)
        stop = STOPS.get(choice.finish_reason or "", Stop.END)
        return Reply(answer_json(choice.message.content or ""), stop, usage)

    def _without_refused(
        self, error: openai.APIStatusError, params: dict[str, Any], schema: type[BaseModel]
    ) -> dict[str, Any] | None:
        """The request again without what the server refused (the output mode, images, or an
        answer budget beyond its context), settled for the rest of the run; None when the
        error is not such a refusal."""
        sent_mode = _mode_of(params)
        if _refuses(error, FORMAT_WORDS) and sent_mode != Mode.PLAIN:
            following = Mode.ORDER[Mode.ORDER.index(sent_mode) + 1]
            with self._lock:
                if Mode.ORDER.index(self.mode) < Mode.ORDER.index(following):
                    self.mode = following
            changed = {**params, "messages": [system_message(schema, following)]}
            changed["messages"] += params["messages"][1:]
            changed.pop("response_format", None)
            shape = response_format(schema, following)
            return changed if shape is None else {**changed, "response_format": shape}
        if _refuses(error, IMAGE_WORDS) and has_images(params):
            with self._lock:
                self.images = False
            user = params["messages"][1]
            text = next(part["text"] for part in user["content"] if part["type"] == "text")
            messages = [params["messages"][0], {"role": "user", "content": text}]
            return {**params, "messages": messages + params["messages"][2:]}
        budget = int(params.get(self.budget_key) or MAX_TOKENS)
        if _refuses(error, CONTEXT_WORDS) and budget > MIN_BUDGET:
            fits = budget_that_fits(f"{error.message} {error.body}".lower(), budget)
            with self._lock:
                self.ceiling = fits if self.ceiling is None else min(self.ceiling, fits)
            return {**params, self.budget_key: fits}
        return None


def _mode_of(params: dict[str, Any]) -> str:
    shape = params.get("response_format")
    return Mode.PLAIN if shape is None else str(shape["type"])
