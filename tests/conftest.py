"""Shared fixtures: the sample corpus, a clean copy of it to run on, fake Anthropic and OpenAI
APIs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_anthropic import FakeAnthropic
from fake_openai import FakeOpenAI

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
