"""The Claude backend as a user meets it on the command line: one clear line when it cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_anthropic import FakeAnthropic, write_invoices

from extract.backends.anthropic import operator_id
from extract.cli import cli


def test_no_key_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    write_invoices(tmp_path / "pdfs", 1)
    workbook = tmp_path / "contract.xlsx"
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "pdfs"), "--workbook", str(workbook), "--backend", "anthropic"]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "ANTHROPIC_API_KEY is missing" in lines[0]
    assert not workbook.with_suffix(".db").exists()


def test_batch_needs_a_backend_with_a_batch_api(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)  # auto chooses rules
    write_invoices(tmp_path / "pdfs", 1)
    result = CliRunner().invoke(
        cli,
        ["run", str(tmp_path / "pdfs"), "--workbook", str(tmp_path / "c.xlsx"), "--batch"],
    )
    assert result.exit_code == 1
    assert "--batch needs a backend with a batch API" in result.output


def test_a_run_works_for_an_os_user_without_a_passwd_entry(
    fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Containers often run under a uid that /etc/passwd does not know."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("os.getuid", lambda: 4_000_000_000)
    write_invoices(tmp_path / "pdfs", 1)
    workbook = tmp_path / "c.xlsx"
    arguments = [
        "run",
        str(tmp_path / "pdfs"),
        "--workbook",
        str(workbook),
        "--backend",
        "anthropic",
    ]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    (sent,) = fake.messages()
    assert sent.body["metadata"] == {"user_id": operator_id("uid-4000000000")}
