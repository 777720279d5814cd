"""Shared fixtures: the sample corpus, a clean copy of it to run on, fake Anthropic and OpenAI
APIs, and the samples' scans OCR'd once a session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from fake_anthropic import FakeAnthropic
from fake_openai import FakeOpenAI

from extract.documents import Document, file_sha256
from extract.parse import ParseStage
from extract.pdf import Page

OPENAI_TEST_KEY = "sk-test-never-shown-0123456789"

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "pdfs"
TRUTH = ROOT / "samples" / "truth"


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    """The sample PDFs in a folder of the test's own, so a test may add or change files."""
    folder = tmp_path / "pdfs"
    shutil.copytree(SAMPLES, folder)
    return folder


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    """A fake Anthropic API on 127.0.0.1 that the real SDK talks to; a test may set its
    ``latency`` or ``batch_polls`` (or a module override this fixture to set them)."""
    server = FakeAnthropic().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    yield server
    server.stop()


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1 that the real openai SDK talks to."""
    server = FakeOpenAI().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_TEST_KEY)
    yield server
    server.stop()


@cache
def sample_scans() -> frozenset[str]:
    return frozenset(file_sha256(path) for path in SAMPLES.glob("scan-*.pdf"))


READ_ONCE: dict[tuple[str, int], Page] = {}  # (sha256, page number) -> the page OCR read


@pytest.fixture(autouse=True, scope="session")
def samples_ocr_once() -> Iterator[None]:
    """OCR is seconds a page, and many tests run the sample folder: a page of a sample scan
    is read (for real, by the reader processes) the first time a run asks for it, and the
    same reading is handed to every later run of the session. Other PDFs are always read."""
    real = ParseStage.pages_read

    def pages_read(
        stage: ParseStage[object], document: Document, numbers: tuple[int, ...]
    ) -> dict[int, Page]:
        if document.sha256 not in sample_scans():
            return real(stage, document, numbers)
        missing = tuple(n for n in numbers if (document.sha256, n) not in READ_ONCE)
        if missing:
            for number, page in real(stage, document, missing).items():
                READ_ONCE[(document.sha256, number)] = page
        return {number: READ_ONCE[(document.sha256, number)] for number in numbers}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ParseStage, "pages_read", pages_read)
        yield
