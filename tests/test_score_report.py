"""The HTML report: self-contained, values beside quotes, and it renders in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner

from contract.labels import ALL_FIELDS
from evals.metrics import Rate
from evals.report import rate_cell, rate_text
from extract.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    workbook = folder / "contract.xlsx"
    shutil.copy(SAMPLES / "labeled" / "labels.xlsx", workbook)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["run", str(SAMPLES / "pdfs"), "--workbook", str(workbook), "--backend", "rules"]
    )
    assert result.exit_code == 0, result.output
    html = folder / "report.html"
    result = runner.invoke(cli, ["score", "--workbook", str(workbook), "--html", str(html)])
    assert result.exit_code == 0, result.output
    return html


def test_report_is_self_contained_with_a_chart_and_quotes(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", text)  # the one script is inline
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert not re.search(r"@import|@font-face|<link\b", text)
    assert text.count('aria-label="accuracy and hallucination per field"') == 1 and "<rect" in text
    assert 'aria-label="reliability' in text and "recommended review threshold:" in text
    assert "Invoice No: INV-1001" in text  # a quote, beside its value
    assert "invoice-01-left-labels.pdf" in text
    assert "Testers disagree" in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "report.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            report.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(png).convert("RGB")
    assert image.size == (1200, 900)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20  # text and bars, not a blank page
    green = sum(count for count, (r, g, b) in colours if g > 100 and r < 80 and b < 80)
    assert green > 500  # the accuracy bars are drawn


def test_terminal_and_report_show_a_rate_alike(report: Path) -> None:
    workbook = report.parent / "contract.xlsx"
    result = CliRunner().invoke(cli, ["score", "--workbook", str(workbook), "--json"])
    overall = json.loads(result.output)["overall"]
    accuracy = Rate(overall["accuracy"]["hits"], overall["accuracy"]["count"])
    assert rate_text(Rate(11, 14)) == "78.6% 11/14 [52–92%]"
    terminal = CliRunner().invoke(cli, ["score", "--workbook", str(workbook)]).output
    html = report.read_text(encoding="utf-8")
    assert rate_text(accuracy) in terminal
    labeled = overall["labeled"]
    assert f"<td>{escape(ALL_FIELDS)}</td><td class=num>{labeled}</td>{rate_cell(accuracy)}" in html
