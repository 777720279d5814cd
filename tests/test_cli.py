"""Every command has --help, and bad input gives one clear line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from extract.cli import cli


def command_names() -> list[str]:
    """Every command the CLI lists (they load lazily, so ``cli.commands`` is empty)."""
    return sorted(cli.list_commands(click.Context(cli)))


def test_the_cli_lists_its_commands() -> None:
    assert {"run", "score", "review", "inspect", "providers"} <= set(command_names())


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def one_line_error(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_folder_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(["run", str(tmp_path / "nope"), "--workbook", str(tmp_path / "w.xlsx")])
    assert "does not exist" in line


def test_unknown_schema_is_one_line(tmp_path: Path, samples_copy: Path) -> None:
    args = ["run", str(samples_copy), "--schema", "recipe", "--workbook", str(tmp_path / "w.xlsx")]
    assert "unknown schema" in one_line_error(args)


def test_anthropic_without_key_says_so(
    tmp_path: Path, samples_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    args = ["run", str(samples_copy), "--backend", "anthropic"]
    line = one_line_error([*args, "--workbook", str(tmp_path / "w.xlsx")])
    assert "ANTHROPIC_API_KEY" in line


def test_schemas_lists_invoice_fields() -> None:
    result = CliRunner().invoke(cli, ["schemas"])
    assert result.exit_code == 0
    for name in ("invoice_number", "issue_date", "line_items.amount"):
        assert name in result.output


def test_inspect_shows_text_and_status() -> None:
    root = Path(__file__).resolve().parent.parent / "samples" / "pdfs"
    result = CliRunner().invoke(cli, ["inspect", str(root / "invoice-01-left-labels.pdf")])
    assert result.exit_code == 0
    assert "status: ok" in result.output
    assert "INV-1001" in result.output
    bad = CliRunner().invoke(cli, ["inspect", str(root / "bad-encrypted.pdf")])
    assert "status: encrypted" in bad.output


def test_an_output_path_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--workbook", str(blocker / "w.xlsx")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "file.txt" in result.output


def test_a_run_loads_no_heavy_library_it_does_not_use() -> None:
    """`extract run` starts in a fraction of a second: pandas, openpyxl and the SDK (for a
    rules run) are imported only by the commands and backends that need them."""
    import subprocess
    import sys

    code = (
        "import sys; from extract.cli import cli; cli.get_command(None, 'run');"
        " from extract.backends import backend_named, BackendOptions;"
        " backend_named('rules', BackendOptions());"
        " print(sorted(m for m in ('pandas', 'openpyxl', 'anthropic') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"
