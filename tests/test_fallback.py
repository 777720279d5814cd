"""``--fallback``: documents the main provider cannot answer go to the next one.

Both fakes run on 127.0.0.1 with the real SDKs; the Anthropic fake answers 529 (overloaded)
to every try of the first half of the documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fake_anthropic import FakeAnthropic, Reply, write_invoices
from fake_openai import FakeOpenAI

from contract.sheets import Status
from extract.backends import BackendOptions
from extract.cli import cli
from extract.run import RunOptions, RunSummary, execute
from extract.store import Store

DOCS = 10
RETRIES = 1
FALLBACK = (("openai", "gpt-5.6-luna"),)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_invoices(tmp_path / "pdfs", DOCS)
    return tmp_path / "pdfs"


def run(folder: Path, workbook: Path, **options: Any) -> RunSummary:
    return execute(
        RunOptions(
            folder=folder,
            workbook=workbook,
            backend="anthropic",
            backend_options=BackendOptions(max_retries=RETRIES, timeout_s=5.0),
            fallback=options.pop("fallback", FALLBACK),
            concurrency=4,
            **options,
        )
    )


def overload_first_half(fake: FakeAnthropic, tries: int = RETRIES + 1) -> list[str]:
    """Every try of the first half of the documents answered 529 (overloaded)."""
    markers = [f"INV-{n:05d}" for n in range(1, DOCS // 2 + 1)]
    for marker in markers:
        fake.plan(marker, [Reply.error(529, retry_after=0.01)] * tries)
    return markers


def test_an_overloaded_provider_hands_its_documents_to_the_fallback_and_a_rerun_sends_nothing(
    fake: FakeAnthropic, fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    overloaded = overload_first_half(fake)
    workbook = tmp_path / "contract.xlsx"
    summary = run(folder, workbook)
    assert summary.ok == DOCS, [o.error for o in summary.failed]
    assert sorted(fake_openai.markers()) == overloaded
    answered = {(o.backend, o.model) for o in summary.outcomes}
    assert answered == {("anthropic", "claude-sonnet-5-5"), ("openai", "gpt-5.6-luna")}
    by_provider = {share["backend"]: share for share in summary.shares}
    assert by_provider["anthropic"]["docs"] == by_provider["openai"]["docs"] == DOCS // 2
    assert by_provider["anthropic"]["cost_usd"] > 0 and by_provider["openai"]["cost_usd"] > 0

    store = Store.beside(workbook)
    sent = store.requests(summary.run_id)
    store.close()
    failed_tries = [r for r in sent if r["provider"] == "anthropic" and r["error"]]
    assert len(failed_tries) == (RETRIES + 1) * DOCS // 2
    assert {r["error"] for r in failed_tries} == {"HTTP 529"}
    assert sum(r["provider"] == "openai" for r in sent) == DOCS // 2

    runs = pd.read_excel(workbook, sheet_name="runs").set_index("run_id")
    main = runs.loc[summary.run_id]
    assert main["docs"] == DOCS and main["ok"] == DOCS
    claude = runs.loc[f"{summary.run_id}:anthropic:claude-sonnet-5-5"]
    gpt = runs.loc[f"{summary.run_id}:openai:gpt-5.6-luna"]
    assert claude["docs"] == gpt["docs"] == DOCS // 2
    assert claude["cost_usd"] + gpt["cost_usd"] == pytest.approx(main["cost_usd"])
    assert gpt["backend"] == "openai" and gpt["model"] == "gpt-5.6-luna"
    assert claude["part_of"] == gpt["part_of"] == summary.run_id and pd.isna(main["part_of"])
    whole_runs = runs[runs["part_of"].isna()]  # what an integrator sums: no cost counted twice
    assert whole_runs["cost_usd"].sum() == pytest.approx(main["cost_usd"])

    sent_before = (len(fake.messages()), len(fake_openai.completions()))
    again = run(folder, workbook)
    assert (len(fake.messages()), len(fake_openai.completions())) == sent_before
    assert again.cached == DOCS and again.ok == DOCS
    assert {(o.backend, o.model) for o in again.outcomes} == answered, "the cache kept who"
    runs = pd.read_excel(workbook, sheet_name="runs").set_index("run_id")
    assert runs.loc[again.run_id, "cost_usd"] == 0
    assert runs.loc[f"{again.run_id}:openai:gpt-5.6-luna", "cached"] == DOCS // 2


def test_an_invalid_answer_is_no_reason_to_ask_another_provider(
    fake: FakeAnthropic, fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00003", [Reply.with_text("no")] * 3)
    summary = run(folder, tmp_path / "contract.xlsx")
    (broken,) = summary.failed
    assert broken.status == Status.FAILED and "no valid answer" in broken.error
    assert fake_openai.completions() == []
    assert len(summary.shares) == 1  # one provider answered: no rows per provider


def test_every_provider_down_fails_the_document_with_each_ones_reason(
    fake: FakeAnthropic, fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    fake.plan("INV-00001", [Reply.error(529, retry_after=0.01)] * (RETRIES + 1))
    fake_openai.plan("INV-00001", [Reply.error(503, retry_after=0.01)] * (RETRIES + 1))
    summary = run(folder, tmp_path / "contract.xlsx")
    (lost,) = summary.failed
    assert "anthropic" in lost.error and "HTTP 529" in lost.error
    assert "openai" in lost.error and "HTTP 503" in lost.error
    assert summary.ok == DOCS - 1


def test_the_command_line_takes_a_chain_and_says_what_each_provider_answered(
    fake: FakeAnthropic, fake_openai: FakeOpenAI, folder: Path, tmp_path: Path
) -> None:
    overload_first_half(fake, tries=1 + BackendOptions.max_retries)
    workbook = tmp_path / "contract.xlsx"
    arguments = ["run", str(folder), "--workbook", str(workbook), "--backend", "anthropic"]
    chain = ["--fallback", "openai:gpt-5.6-luna,anthropic:claude-haiku-5-5"]
    result = CliRunner().invoke(cli, [*arguments, *chain, "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    assert f"{DOCS} ok" in result.output
    assert "openai gpt-5.6-luna: 5 documents answered (0 from cache)" in result.output
    assert "structured outputs" in result.output

    bad = CliRunner().invoke(cli, [*arguments, "--fallback", "gemini:pro"])
    assert bad.exit_code == 1 and "unknown provider 'gemini'" in bad.output
    both = CliRunner().invoke(cli, [*arguments, "--fallback", "openai:gpt-5.6-luna", "--batch"])
    assert both.exit_code == 2 and "--batch" in both.output
