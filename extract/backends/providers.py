"""The backends a user can name, what each needs, and their default models: said once here.

No SDK is imported: ``extract providers`` and ``--help`` answer at once.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

ANTHROPIC_DEFAULT_MODEL = "claude-sonnet-5-5"  # current, not in the SDK's DEPRECATED_MODELS
OPENAI_DEFAULT_MODEL = "gpt-5.6-terra"  # current, not in the SDK's deprecated ChatModel list

# host name endings that name a machine on the team's own network
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


@dataclass(frozen=True)
class Variable:
    name: str
    about: str


@dataclass(frozen=True)
class Provider:
    name: str
    about: str
    default_model: str
    variables: tuple[Variable, ...]


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "anthropic",
        "Claude through the official anthropic SDK (structured outputs, prompt caching,"
        " --batch at half price).",
        ANTHROPIC_DEFAULT_MODEL,
        (
            Variable("ANTHROPIC_API_KEY", "required; never logged"),
            Variable("ANTHROPIC_BASE_URL", "a gateway or proxy instead of api.anthropic.com"),
        ),
    ),
    Provider(
        "openai",
        "Any OpenAI-compatible chat-completions server through the official openai SDK:"
        " OpenAI, a gateway, or a local Ollama / vLLM / llama.cpp / LM Studio server.",
        OPENAI_DEFAULT_MODEL,
        (
            Variable("OPENAI_API_KEY", "required for OpenAI; not for a local server; never logged"),
            Variable(
                "OPENAI_BASE_URL",
                "the server, e.g. http://localhost:11434/v1 (Ollama), http://localhost:8000/v1"
                " (vLLM); name its model with --model",
            ),
            Variable("OPENAI_ORG_ID, OPENAI_PROJECT_ID", "optional, as the SDK reads them"),
        ),
    ),
    Provider(
        "rules",
        "Offline: labels and layout from the schema's metadata; no network, no key.",
        "rules",
        (),
    ),
)

PROVIDER_BY_NAME = {provider.name: provider for provider in PROVIDERS}


def is_local_url(url: str | None) -> bool:
    """A server on this machine or the team's own network (loopback, private addresses, a
    bare or .local/.internal host name): documents sent there do not leave the building."""
    if not url:
        return False
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host
    return address.is_loopback or address.is_private or address.is_link_local


def openai_server() -> str | None:
    """The base URL the openai SDK will use: OPENAI_BASE_URL, or None for OpenAI's own."""
    return os.environ.get("OPENAI_BASE_URL") or None
