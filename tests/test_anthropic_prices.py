"""The price table: batches cost half of every token; a model missing from it is said once."""

from __future__ import annotations

import logging

import pytest

from extract.prices import cost_usd


def test_a_batch_costs_half_of_every_token_cache_included() -> None:
    tokens = {"input_tokens": 1_000, "output_tokens": 200}
    cache = {"cache_write_tokens": 3_000, "cache_read_tokens": 40_000}
    full = cost_usd("claude-sonnet-5-5", **tokens, **cache)
    assert cost_usd("claude-sonnet-5-5", **tokens, **cache, batch=True) == pytest.approx(
        full / 2, abs=1e-8
    )
    assert cost_usd("claude-sonnet-5-5", **tokens, batch=True) < full / 2  # cache counts too


def test_a_model_without_a_price_is_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="extract.prices"):
        assert cost_usd("claude-unheard-of-9", 1_000, 100) == 0
        assert cost_usd("claude-unheard-of-9", 2_000, 100, batch=True) == 0
        assert cost_usd("claude-sonnet-5-5-20260928", 1_000, 100) > 0  # a dated alias: priced
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "claude-unheard-of-9" in warnings[0]
