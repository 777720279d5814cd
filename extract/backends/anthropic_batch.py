"""The Message Batches API calls, as the SDK makes them: submit, progress, results by id.

Half the price of single requests, for folders too large to wait on. Orchestration (what to
submit, resuming a batch a killed run left behind) lives in extract/batch.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import anthropic
from anthropic.types import Message

from extract.errors import BackendError


def submit(client: anthropic.Anthropic, requests: list[tuple[str, dict[str, Any]]]) -> str:
    try:
        lines = [{"custom_id": custom_id, "params": params} for custom_id, params in requests]
        batch = client.messages.batches.create(requests=cast(Any, lines))
    except anthropic.AnthropicError as error:
        raise BackendError(f"the batch could not be submitted: {error}") from error
    return batch.id


def batch_progress(client: anthropic.Anthropic, batch_id: str) -> tuple[bool, int, int]:
    try:
        batch = client.messages.batches.retrieve(batch_id)
    except anthropic.AnthropicError as error:
        raise BackendError(f"batch {batch_id} could not be read: {error}") from error
    counts = batch.request_counts
    done = counts.succeeded + counts.errored + counts.canceled + counts.expired
    return batch.processing_status == "ended", done, done + counts.processing


def batch_results(
    client: anthropic.Anthropic, batch_id: str
) -> Iterator[tuple[str, Message | None, str]]:
    """Every request's (custom_id, message, "") for a success, (custom_id, None, error) else."""
    try:
        for line in client.messages.batches.results(batch_id):
            result = line.result
            if result.type == "succeeded":
                yield line.custom_id, result.message, ""
            elif result.type == "errored":
                detail = getattr(result.error, "error", None)
                message = getattr(detail, "message", "") or str(result.error)
                yield line.custom_id, None, f"batch request errored: {message}"[:300]
            else:
                yield line.custom_id, None, f"batch request {result.type}"
    except anthropic.AnthropicError as error:
        raise BackendError(f"results of batch {batch_id} could not be read: {error}") from error
