"""A fake Anthropic API on 127.0.0.1: the real SDK, retries and parsing run against it.

Replies are scripted: ``server.plan(marker, [Reply...])`` makes the next requests whose
document text holds ``marker`` (any request when None) get those replies in order. Without a
script the fake answers well, reading the "Label: value" lines that ``write_invoices``
prints. It serves /v1/messages and the Message Batches endpoints, records every request it
received, and can run in-process (``FakeAnthropic().start()``) or as a process
(``python tests/fake_anthropic.py --latency 0.3`` prints its base URL).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PAGE = re.compile(r'<page number="(\d+)"[^>]*>\n?(.*?)\n?</page>', re.DOTALL)
LABELS = {
    "invoice_number": "Invoice number",
    "issue_date": "Issue date",
    "due_date": "Due date",
    "seller": "Seller",
    "buyer": "Bill to",
    "currency": "Currency",
    "subtotal": "Subtotal",
    "tax": "Tax",
    "total": "Total",
}
ITEM = re.compile(
    r"^(?P<description>.+?) (?P<quantity>\d+) x (?P<unit_price>[\d.]+) = (?P<amount>[\d.]+)$"
)
MARKER = re.compile(r"INV-\d+")


# documents the fake knows how to read -------------------------------------------------------


def invoice_lines(number: int) -> list[str]:
    quantity, price = 1 + number % 5, Decimal(10 + number % 17) + Decimal("0.50")
    amount = quantity * price
    second = Decimal(3 + number % 7) * 2
    subtotal = amount + second
    tax = (subtotal * Decimal("0.19")).quantize(Decimal("0.01"))
    return [
        "INVOICE",
        f"Invoice number: INV-{number:05d}",
        f"Issue date: 2026-{1 + number % 12:02d}-{1 + number % 28:02d}",
        f"Seller: Seller {number} GmbH",
        f"Bill to: Buyer {number} Ltd",
        "Currency: EUR",
        "",
        f"Widget {number} {quantity} x {price:.2f} = {amount:.2f}",
        f"Service hours 2 x {second / 2:.2f} = {second:.2f}",
        "",
        f"Subtotal: {subtotal:.2f}",
        f"Tax: {tax:.2f}",
        f"Total: {subtotal + tax:.2f}",
    ]


def write_invoices(folder: Path, count: int, start: int = 1) -> list[Path]:
    """One-page invoices, ``invoice-00001.pdf`` and on, each naming INV-<number>."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        path = folder / f"invoice-{number:05d}.pdf"
        pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)
        y = 800.0
        for line in invoice_lines(number):
            pdf.drawString(60, y, line)
            y -= 18
        pdf.save()
        paths.append(path)
    return paths


def pages_of(body: dict[str, Any]) -> dict[int, str]:
    texts = []
    for message in body.get("messages", [])[:1]:
        for block in message.get("content", []):
            if isinstance(block, dict) and block.get("type") == "text":
                texts.append(block["text"])
    return {int(n): text for n, text in PAGE.findall("\n".join(texts))}


def cited(value: Any, page: int | None, quote: str | None) -> dict[str, Any]:
    """Evidence first, in the schema's order: page, quote, then the value."""
    return {"page": page, "quote": quote, "value": value}


def good_answer(pages: dict[int, str]) -> dict[str, Any]:
    """What a careful model would answer for a ``write_invoices`` document."""
    answer: dict[str, Any] = {"document_kind": "invoice"}
    found: dict[str, dict[str, Any]] = {}
    items: list[dict[str, Any]] = []
    for number, text in sorted(pages.items()):
        for line in text.splitlines():
            line = line.strip()
            for name, label in LABELS.items():
                if line.startswith(label + ":") and name not in found:
                    found[name] = cited(line.split(":", 1)[1].strip(), number, line)
            match = ITEM.match(line)
            if match:
                items.append({k: cited(v, number, line) for k, v in match.groupdict().items()})
    first = min(pages) if pages else None
    answer["evidence"] = {
        "header_page": first,
        "totals_page": first,
        "line_item_pages": [first] if items else [],
        "language": "en",
    }
    for name in LABELS:
        answer[name] = found.get(name, cited(None, None, None))
    answer["line_items"] = items
    answer["checks"] = {
        "line_items_sum_to_subtotal": True,
        "subtotal_plus_tax_equals_total": True,
        "notes": None,
    }
    return answer


# scripted replies ------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer to one request."""

    kind: str = "good"  # good, answer, text, status, reset, garbage
    answer: dict[str, Any] | None = None
    text: str = ""
    stop_reason: str = "end_turn"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def good(cls, delay: float = 0.0) -> Reply:
        return cls("good", delay=delay)

    @classmethod
    def with_answer(cls, answer: dict[str, Any]) -> Reply:
        return cls("answer", answer=answer)

    @classmethod
    def with_text(cls, text: str, stop_reason: str = "end_turn") -> Reply:
        return cls("text", text=text, stop_reason=stop_reason)

    @classmethod
    def error(cls, status: int, retry_after: float | None = None) -> Reply:
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return cls("status", status=status, headers=headers)

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        return cls("good", delay=seconds)

    @classmethod
    def reset(cls) -> Reply:
        return cls("reset")

    @classmethod
    def garbage(cls) -> Reply:
        return cls("garbage")


ERROR_TYPES = {429: "rate_limit_error", 529: "overloaded_error", 500: "api_error"}


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def marker(self) -> str | None:
        found = MARKER.search(json.dumps(self.body.get("messages", [])[:1]))
        return found.group(0) if found else None


class FakeAnthropic:
    """The server's state: scripts, what it received, batches."""

    def __init__(self, latency: float = 0.0, batch_polls: int = 0) -> None:
        self.latency = latency
        self.batch_polls = batch_polls  # polls a batch answers in_progress before it ends
        self.received: list[Received] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self._plans: list[tuple[str | None, deque[Reply]]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._cached_prefixes: set[str] = set()
        self.httpd: ThreadingHTTPServer | None = None

    # scripting and inspection

    def plan(self, marker: str | None, replies: list[Reply]) -> None:
        with self._lock:
            self._plans.append((marker, deque(replies)))

    def messages(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == "/v1/messages"]

    def markers(self) -> list[str]:
        return [m for m in (r.marker for r in self.messages()) if m]

    def batches_created(self) -> int:
        with self._lock:
            return sum(r.path == "/v1/messages/batches" for r in self.received)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        text = json.dumps(body.get("messages", [])[:1])
        with self._lock:
            for marker, replies in self._plans:
                if replies and (marker is None or marker in text):
                    return replies.popleft()
        return Reply.good()

    # serving

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self, port: int = 0) -> FakeAnthropic:
        self.httpd = QuietServer(("127.0.0.1", port), handler_for(self))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    # answers

    def message(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        if reply.kind == "text":
            text = reply.text
        elif reply.kind == "answer":
            text = json.dumps(reply.answer)
        else:
            text = json.dumps(good_answer(pages_of(body)))
        prefix = json.dumps(body.get("system", ""))
        with self._lock:
            cached = prefix in self._cached_prefixes
            self._cached_prefixes.add(prefix)
        prefix_tokens = len(prefix) // 4
        return {
            "id": f"msg_fake_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-sonnet-5-5"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": len(json.dumps(body.get("messages", []))) // 4,
                "output_tokens": len(text) // 4,
                "cache_creation_input_tokens": 0 if cached else prefix_tokens,
                "cache_read_input_tokens": prefix_tokens if cached else 0,
            },
        }

    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"msgbatch_fake{next(self._ids):04d}"
        results = []
        for request in body["requests"]:
            params, reply = request["params"], self.next_reply(request["params"])
            if reply.kind in ("status", "reset", "garbage"):
                error = {"type": "api_error", "message": f"fake failure ({reply.kind})"}
                result = {"type": "errored", "error": {"type": "error", "error": error}}
            else:
                result = {"type": "succeeded", "message": self.message(params, reply)}
            results.append({"custom_id": request["custom_id"], "result": result})
        with self._lock:
            self.batches[batch_id] = {"results": results, "polls": 0, "created": now()}
        return self.batch_state(batch_id, poll=False)

    def batch_state(self, batch_id: str, poll: bool = True) -> dict[str, Any]:
        with self._lock:
            batch = self.batches[batch_id]
            if poll:
                batch["polls"] += 1
            ended = batch["polls"] > self.batch_polls
        results = batch["results"]
        succeeded = sum(r["result"]["type"] == "succeeded" for r in results)
        created = batch["created"]
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(results),
                "succeeded": succeeded if ended else 0,
                "errored": len(results) - succeeded if ended else 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": created.isoformat(),
            "expires_at": (created + timedelta(days=1)).isoformat(),
            "ended_at": now().isoformat() if ended else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch_id}/results"
            if ended
            else None,
        }


def now() -> datetime:
    return datetime.now(timezone.utc)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is part of the script


class JsonHandler(BaseHTTPRequestHandler):
    """What both fakes' handlers share: JSON out, no logging, a reset on demand."""

    protocol_version = "HTTP/1.1"
    request_ids = itertools.count(1)

    def setup(self) -> None:
        super().setup()  # headers and body go out as two writes: no Nagle delay between
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", f"req_fake_{next(self.request_ids)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def reset(self) -> None:
        """Hang up with a TCP reset, as a dropped connection does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def handler_for(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake._lock:
                fake.received.append(Received(self.path, body, dict(self.headers.items())))
            if self.path == "/v1/messages/batches":
                self.send_json(200, fake.create_batch(body))
            elif self.path == "/v1/messages":
                self.answer(body, fake.next_reply(body))
            else:
                self.send_json(404, {"type": "error", "error": {"type": "not_found_error"}})

        def do_GET(self) -> None:
            with fake._lock:
                fake.received.append(Received(self.path, {}, dict(self.headers.items())))
            match = re.fullmatch(r"/v1/messages/batches/(\w+)(/results)?", self.path)
            if match is None or match.group(1) not in fake.batches:
                self.send_json(404, {"type": "error", "error": {"type": "not_found_error"}})
                return
            batch_id = match.group(1)
            if match.group(2) is None:
                self.send_json(200, fake.batch_state(batch_id))
                return
            lines = "".join(json.dumps(r) + "\n" for r in fake.batches[batch_id]["results"])
            data = lines.encode()
            self.send_response(200)
            self.send_header("content-type", "application/x-jsonl")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def answer(self, body: dict[str, Any], reply: Reply) -> None:
            time.sleep(fake.latency + reply.delay)
            if reply.kind == "reset":
                self.reset()
                return
            if reply.kind == "garbage":
                self.send_json(200, b'{"id": "msg_broken", "content": [')
                return
            if reply.kind == "status":
                kind = ERROR_TYPES.get(reply.status, "api_error")
                error = {"type": "error", "error": {"type": kind, "message": f"fake {kind}"}}
                self.send_json(reply.status, error, reply.headers)
                return
            self.send_json(200, fake.message(body, reply))

    return Handler


def serve(make: Any, description: str) -> None:
    """Run a fake as a process of its own: ``--latency``, ``--port``; prints its base URL."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    fake = make(latency=args.latency).start(args.port)
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    serve(FakeAnthropic, __doc__ or "")
