"""``--fallback PROVIDER:MODEL,...``: a document the main provider cannot answer goes on.

Only a provider that could not answer (overloaded, rate limited, its own errors, timed out,
once the SDK's retries are spent) hands a document to the next entry; an answer that failed
validation or a refusal stays a failure of that document (``--fallback-model`` covers that
within a provider). Each entry answers under its own name and model, so the run's cache
keeps who answered and a re-run asks nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pydantic import BaseModel

from extract.backends.base import Backend, BackendOptions, Extraction
from extract.errors import InputError, ProviderUnavailable
from extract.pdf import ParsedDocument

Answerer = tuple[str, str, str]  # (backend name, model, prompt version): one cache key each


def fallback_entries(spec: str, known: set[str]) -> list[tuple[str, str | None]]:
    """``anthropic:claude-haiku-5-5,openai:gpt-5.6-luna`` as (provider, model) pairs; a bare
    provider name takes that provider's default model."""
    entries: list[tuple[str, str | None]] = []
    for part in (piece.strip() for piece in spec.split(",")):
        if not part:
            continue
        provider, _, model = part.partition(":")
        if provider not in known:
            raise InputError(
                f"--fallback {part!r}: unknown provider {provider!r}; use PROVIDER:MODEL with"
                f" PROVIDER one of {', '.join(sorted(known))}"
            )
        entries.append((provider, model.strip() or None))
    if not entries:
        raise InputError("--fallback needs at least one PROVIDER:MODEL")
    return entries


def answerers(backend: Backend) -> list[Answerer]:
    """Every (name, model, prompt version) whose answer this backend may give, main first."""
    listed: list[Answerer] | None = getattr(backend, "answerers", None)
    return listed or [(backend.name, backend.model, backend.prompt_version)]


class FallbackChain:
    """The main backend, then each fallback in order, for documents the previous could not
    get answered. Looks like its main backend to the run (name, model, cache key)."""

    def __init__(self, backends: list[Backend]) -> None:
        self.backends = backends
        main = backends[0]
        self.name = main.name
        self.model = main.model
        self.prompt_version = main.prompt_version
        self.reads_scans = main.reads_scans
        self.answerers = [answerer for backend in backends for answerer in answerers(backend)]

    def extract(self, document: ParsedDocument, schema: type[BaseModel]) -> Extraction:
        failures: list[str] = []
        for backend in self.backends:
            try:
                return backend.extract(document, schema)
            except ProviderUnavailable as error:
                failures.append(f"{backend.name}: {error}")
        raise ProviderUnavailable("; then ".join(failures))

    def notes(self) -> list[str]:
        """What each backend has to say of this run (e.g. the output mode it settled on)."""
        said: list[str] = []
        for backend in self.backends:
            notes: Callable[[], list[str]] | None = getattr(backend, "notes", None)
            said.extend(notes() if notes is not None else [])
        return said


def chained(
    main: Backend,
    entries: list[tuple[str, str | None]],
    options: BackendOptions,
    named: Callable[[str, BackendOptions], Backend],
) -> Backend:
    """``main`` followed by a backend for each (provider, model) entry; ``--fallback-model``
    belongs to the main provider only."""
    if not entries:
        return main
    rest = [
        named(provider, replace(options, model=model, fallback_model=None))
        for provider, model in entries
    ]
    return FallbackChain([main, *rest])
