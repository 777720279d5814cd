"""LibreOffice, headless, as a second spreadsheet program that must read our workbooks:
convert a workbook to xlsx (what a person's save in LibreOffice gives) or to PDF (what it
shows). Tests that need it are skipped where it is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def converted(path: Path, target: str, folder: Path) -> Path:
    """``path`` converted by LibreOffice to ``target`` (xlsx, pdf) in ``folder``."""
    assert SOFFICE is not None
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "profile"  # a profile of its own: no clash with a running LibreOffice
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         target, "--outdir", str(folder), str(path)],
        capture_output=True, timeout=300, text=True,
    )  # fmt: skip
    result = folder / f"{path.stem}.{target}"
    assert done.returncode == 0 and result.exists(), done.stderr
    return result
