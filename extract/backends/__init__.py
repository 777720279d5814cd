"""Backends by name: the CLI, the tests and the fakes all go through this registry."""

from __future__ import annotations

import os
from collections.abc import Callable

from extract.backends.base import Backend, BackendOptions, Extraction, Usage
from extract.backends.chain import chained
from extract.backends.providers import PROVIDER_BY_NAME
from extract.errors import InputError, MissingApiKey

Factory = Callable[[BackendOptions], Backend]
_REGISTRY: dict[str, Factory] = {}

__all__ = [
    "Backend",
    "BackendOptions",
    "Extraction",
    "Usage",
    "backend_chain",
    "backend_named",
    "register",
]


def register(name: str, factory: Factory) -> None:
    _REGISTRY[name] = factory


def _builtin() -> None:
    register("rules", _rules)
    register("anthropic", _anthropic)
    register("openai", _openai)


def _rules(options: BackendOptions) -> Backend:
    """Imported when asked for, as the SDK is: a Claude run never needs the rules."""
    from extract.backends.rules import RulesBackend

    return RulesBackend(options)


def _anthropic(options: BackendOptions) -> Backend:
    """Imported when asked for: the SDK takes seconds to import, a rules run never needs it."""
    if not os.environ.get("ANTHROPIC_API_KEY"):
        raise MissingApiKey()  # before the slow import, so the one-line error comes at once
    from extract.backends.anthropic import AnthropicBackend

    return AnthropicBackend(options)


def _openai(options: BackendOptions) -> Backend:
    """Imported when asked for, like the Claude SDK."""
    from extract.backends.openai import OpenAIBackend

    return OpenAIBackend(options)


def chosen_backend_name(requested: str) -> tuple[str, str]:
    """The backend to use for ``--backend``, and one line saying why when it was chosen."""
    if requested != "auto":
        return requested, ""
    if os.environ.get("ANTHROPIC_API_KEY"):
        return "anthropic", "backend: anthropic (ANTHROPIC_API_KEY is set)"
    return "rules", "backend: rules (offline; set ANTHROPIC_API_KEY to use Claude)"


def backend_named(name: str, options: BackendOptions) -> Backend:
    if not _REGISTRY:
        _builtin()
    factory = _REGISTRY.get(name)
    if factory is None:
        known = ", ".join(sorted(_REGISTRY))
        raise InputError(f"unknown backend {name!r}: use auto, {known}")
    return factory(options)


def backend_chain(
    name: str, options: BackendOptions, fallbacks: tuple[tuple[str, str | None], ...] = ()
) -> Backend:
    """The backend ``name``, followed by each (provider, model) of ``--fallback`` for the
    documents it could not get answered."""
    return chained(backend_named(name, options), list(fallbacks), options, backend_named)


def known_providers() -> set[str]:
    return set(PROVIDER_BY_NAME)
