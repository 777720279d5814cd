"""Shared fixtures: the sample corpus, and a clean copy of it to run on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "pdfs"
TRUTH = ROOT / "samples" / "truth"


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    """The sample PDFs in a folder of the test's own, so a test may add or change files."""
    folder = tmp_path / "pdfs"
    shutil.copytree(SAMPLES, folder)
    return folder
