"""The openai backend and the provider list as a user meets them on the command line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_anthropic import write_invoices
from fake_openai import FakeOpenAI

from extract.backends.openai import usage_from
from extract.cli import cli
from extract.prices import cost_usd


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    write_invoices(tmp_path / "pdfs", 1)
    workbook = tmp_path / "contract.xlsx"
    return ["run", str(tmp_path / "pdfs"), "--workbook", str(workbook), *extra]


def test_no_key_for_openai_itself_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    result = CliRunner().invoke(cli, run_args(tmp_path, "--backend", "openai"))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "OPENAI_API_KEY is missing" in lines[0]
    assert "local server" in lines[0] and "no key needed" in lines[0]
    assert not (tmp_path / "contract.db").exists()


def test_a_local_server_needs_no_key_but_a_model_name(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    unnamed = CliRunner().invoke(cli, run_args(tmp_path, "--backend", "openai"))
    assert unnamed.exit_code == 1 and "name its model with --model" in unnamed.output
    result = CliRunner().invoke(
        cli, run_args(tmp_path, "--backend", "openai", "--model", "llama3.1:8b")
    )
    assert result.exit_code == 0, result.output
    assert "1 ok" in result.output
    (sent,) = fake_openai.completions()
    assert sent.body["model"] == "llama3.1:8b" and "safety_identifier" not in sent.body


def test_providers_lists_each_backend_and_the_variables_it_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://10.9.8.7:8080/v1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = CliRunner().invoke(cli, ["providers"])
    assert result.exit_code == 0
    for name in ("anthropic", "openai", "rules", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        assert name in result.output
    openai_url = next(line for line in result.output.splitlines() if "OPENAI_BASE_URL" in line)
    assert " set " in openai_url and "10.9.8.7" not in openai_url  # values never shown
    help_text = CliRunner().invoke(cli, ["run", "--help"]).output
    assert "openai" in help_text and "--fallback" in help_text and "extract providers" in help_text


def test_openai_prices_split_cached_tokens_and_a_local_model_costs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    used = {"prompt_tokens": 10_000, "completion_tokens": 1_000}
    cached = {**used, "prompt_tokens_details": {"cached_tokens": 8_000}}
    full, cheaper = (
        usage_from(used, "gpt-5.6-luna", False),
        usage_from(cached, "gpt-5.6-luna", False),
    )
    assert full.input_tokens == 10_000 and cheaper.input_tokens == 2_000
    assert cheaper.cache_read_tokens == 8_000 and cheaper.cost_usd < full.cost_usd
    assert full.cost_usd == pytest.approx((10_000 * 1.00 + 1_000 * 6.00) / 1e6)
    assert cost_usd("gpt-4.1-2025-04-14", 1_000, 100) == cost_usd("gpt-4.1", 1_000, 100) > 0
    with caplog.at_level(logging.WARNING, logger="extract.prices"):
        assert usage_from(used, "llama3.1:8b", True).cost_usd == 0
        assert cost_usd("gpt-5.4-nano", 1_000, 100) == 0  # not priced as gpt-5.4
    assert [r.getMessage() for r in caplog.records] == [
        "no price for model gpt-5.4-nano in extract/prices.py: its requests are logged at cost 0"
    ]
