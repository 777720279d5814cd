"""The price table: what a request costs, in one place.

USD per million tokens. Claude: Anthropic's pricing page (checked 2026-10-24; Sonnet 5.5 and
Opus 5.5 cache reads at 0.05x input since 2026-10-07). OpenAI: its pricing page as published
in November 2026 (cached input at 0.1x input on GPT-5 and later, cache writes at 1.25x input
on GPT-5.6); OpenAI's prompt tokens include the cached ones, the backend splits them. The
Message Batches API halves every token of a request: input, output, cache reads and writes.
A dated model id (claude-sonnet-5-5-20260928, gpt-4.1-2025-04-14) is priced as its alias.
A model on a local server (Ollama, vLLM) that is not in the table costs 0, silently: it runs
on the team's own machine. Any other model missing here costs 0 in the log, with one
warning a model: add it rather than guess.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

BATCH_DISCOUNT = 0.5
PER_TOKEN = 1 / 1_000_000


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write: float  # 5-minute cache writes
    cache_read: float
    long_prompt: Price | None = None  # the band above LONG_PROMPT_TOKENS, where there is one


LONG_PROMPT_TOKENS = 100_000
_OPUS_4_5 = Price(5.00, 25.00, 6.25, 0.50)
_FABLE = Price(10.00, 50.00, 12.50, 1.00)
_FABLE_5_1 = Price(10.00, 50.00, 12.50, 0.25)

PRICES: dict[str, Price] = {
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),
    "claude-haiku-5-5": Price(0.10, 0.50, 0.125, 0.01, Price(0.50, 2.50, 0.625, 0.05)),
    "claude-opus-5-5": Price(4.00, 20.00, 5.00, 0.20),
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-opus-5": _OPUS_4_5,
    "claude-fable-5-1": _FABLE_5_1,
    "claude-mythos-5-1": _FABLE_5_1,
    "claude-fable-5": _FABLE,
    "claude-mythos-5": _FABLE,
    "claude-opus-4-8": _OPUS_4_5,
    "claude-opus-4-7": _OPUS_4_5,
    "claude-opus-4-6": _OPUS_4_5,
    "claude-opus-4-5": _OPUS_4_5,
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
    # OpenAI
    "gpt-6.1-sol": Price(2.00, 10.00, 2.50, 0.10),
    "gpt-5.6-sol": Price(5.00, 30.00, 6.25, 0.50),
    "gpt-5.6-terra": Price(2.50, 15.00, 3.125, 0.25),
    "gpt-5.6-luna": Price(1.00, 6.00, 1.25, 0.10),
    "gpt-5.5": Price(5.00, 30.00, 5.00, 0.50),
    "gpt-5.4": Price(2.50, 15.00, 2.50, 0.25),
    "gpt-5.4-mini": Price(0.75, 4.50, 0.75, 0.075),
    "gpt-5": Price(1.25, 10.00, 1.25, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.25, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.05, 0.005),
    "gpt-4.1": Price(2.00, 8.00, 2.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.40, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.10, 0.025),
    "gpt-4o": Price(2.50, 10.00, 2.50, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.15, 0.075),
}


DATED = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")  # -20260928, -2025-04-14


def price_of(model: str) -> Price | None:
    """The model's price; a dated id (a snapshot) shares its alias's price. Only a date is
    cut: gpt-5.4-nano is not gpt-5.4."""
    return PRICES.get(model) or PRICES.get(DATED.sub("", model))


_unpriced: set[str] = set()
_unpriced_lock = threading.Lock()


def warn_unpriced(model: str) -> None:
    """Once a model: its requests are logged, but at no cost, and the runs sheet undercounts."""
    with _unpriced_lock:
        if model in _unpriced:
            return
        _unpriced.add(model)
    logging.getLogger(__name__).warning(
        "no price for model %s in extract/prices.py: its requests are logged at cost 0", model
    )


def cost_usd(
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
    batch: bool = False,
    local: bool = False,
) -> float:
    """USD for one request; ``local``: the model runs on the team's own server."""
    price = price_of(model)
    if price is None:
        if not local:
            warn_unpriced(model)
        return 0.0
    prompt = input_tokens + cache_write_tokens + cache_read_tokens
    if price.long_prompt is not None and prompt > LONG_PROMPT_TOKENS:
        price = price.long_prompt
    discount = BATCH_DISCOUNT if batch else 1.0
    total = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_write_tokens * price.cache_write
        + cache_read_tokens * price.cache_read
    )
    return round(total * discount * PER_TOKEN, 8)
