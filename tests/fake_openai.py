"""A fake OpenAI-compatible server on 127.0.0.1: the real openai SDK talks to it.

It serves ``POST /v1/chat/completions`` as OpenAI, Ollama or vLLM would, answering well for
``write_invoices`` documents (see fake_anthropic.py, whose scripted ``Reply`` it takes:
``server.plan(marker, [Reply...])``). It can play a local server that refuses structured
outputs (``refuses={"json_schema"}``: a 400 naming response_format, as many do), JSON mode too,
or images; it records every request with its headers. In-process (``FakeOpenAI().start()``)
or as a process (``python tests/fake_openai.py --latency 0.3`` prints its base URL).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_anthropic import MARKER, PAGE, JsonHandler, QuietServer, Reply, good_answer, serve

FINISH = {"end_turn": "stop", "max_tokens": "length", "refusal": "content_filter"}
ERROR_TYPES = {429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def user_text(self) -> str:
        """The document's turn: plain text, or the text parts beside the images."""
        messages = self.body.get("messages", [])
        content = messages[1]["content"] if len(messages) > 1 else ""
        if isinstance(content, list):
            return "\n".join(part.get("text", "") for part in content if part["type"] == "text")
        return str(content)

    @property
    def images(self) -> int:
        content = self.body["messages"][1]["content"]
        return 0 if isinstance(content, str) else sum(p["type"] == "image_url" for p in content)

    @property
    def marker(self) -> str | None:
        found = MARKER.search(self.user_text)
        return found.group(0) if found else None


class FakeOpenAI:
    """The server's state: scripts, what it refuses, what it received."""

    def __init__(
        self, latency: float = 0.0, refuses: set[str] | None = None, fenced: bool = False
    ) -> None:
        self.context: int | None = None  # a local model's context length, in tokens
        self.latency = latency
        self.refuses = refuses or set()  # "json_schema", "json_object", "images"
        self.fenced = fenced  # answers wrapped in a ```json fence, as chatty local models do
        self.received: list[Received] = []
        self._plans: list[tuple[str | None, deque[Reply]]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.httpd: QuietServer | None = None

    def plan(self, marker: str | None, replies: list[Reply]) -> None:
        with self._lock:
            self._plans.append((marker, deque(replies)))

    def completions(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path.endswith("/chat/completions")]

    def markers(self) -> list[str]:
        return [m for m in (r.marker for r in self.completions()) if m]

    def next_reply(self, received: Received) -> Reply:
        with self._lock:
            for marker, replies in self._plans:
                if replies and (marker is None or marker in received.user_text):
                    return replies.popleft()
        return Reply.good()

    def refusal(self, received: Received) -> str | None:
        """A local server's 400 for what it does not support, or None."""
        shape = (received.body.get("response_format") or {}).get("type")
        if shape in self.refuses:
            return f"response_format type {shape!r} is not supported by this server"
        if "images" in self.refuses and received.images:
            return "this model does not support image input"
        if self.context is not None:  # vLLM's words; a token is about four characters
            prompt = len(json.dumps(received.body.get("messages", []))) // 4
            budget = int(received.body.get("max_tokens") or 0)
            if prompt + budget > self.context:
                return (
                    f"This model's maximum context length is {self.context} tokens. However,"
                    f" you requested {prompt + budget} tokens ({prompt} in the messages,"
                    f" {budget} in the completion). Please reduce the length of the messages"
                    " or completion."
                )
        return None

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self, port: int = 0) -> FakeOpenAI:
        self.httpd = QuietServer(("127.0.0.1", port), handler_for(self))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def completion(self, received: Received, reply: Reply) -> dict[str, Any]:
        if reply.kind == "text":
            text = reply.text
        elif reply.kind == "answer":
            text = json.dumps(reply.answer)
        else:
            pages = {int(n): text for n, text in PAGE.findall(received.user_text)}
            text = json.dumps(good_answer(pages))
        if self.fenced:
            text = f"Here is the JSON:\n```json\n{text}\n```"
        prompt = len(json.dumps(received.body.get("messages", []))) // 4
        system = len(json.dumps(received.body.get("messages", [])[:1])) // 4
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": received.body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "finish_reason": FINISH.get(reply.stop_reason, "stop"),
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": len(text) // 4,
                "total_tokens": prompt + len(text) // 4,
                "prompt_tokens_details": {"cached_tokens": system},
            },
        }


def handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            kind = ERROR_TYPES.get(status, "invalid_request_error")
            body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
            self.send_json(status, body, headers)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            received = Received(
                self.path, json.loads(self.rfile.read(length) or b"{}"), dict(self.headers)
            )
            with fake._lock:
                fake.received.append(received)
            if not self.path.endswith("/chat/completions"):
                self.error(404, f"no route {self.path}")
                return
            refused = fake.refusal(received)
            if refused is not None:
                self.error(400, refused)
                return
            self.answer(received, fake.next_reply(received))

        def answer(self, received: Received, reply: Reply) -> None:
            time.sleep(fake.latency + reply.delay)
            if reply.kind == "reset":
                self.reset()
                return
            if reply.kind == "garbage":
                self.send_json(200, b'{"id": "chatcmpl-broken", "choices": [')
                return
            if reply.kind == "status":
                self.error(reply.status, f"fake error {reply.status}", reply.headers)
                return
            self.send_json(200, fake.completion(received, reply))

    return Handler


if __name__ == "__main__":
    serve(FakeOpenAI, __doc__ or "")
