"""One root for every failure a user can fix; the CLI turns each into a one-line message."""

from __future__ import annotations


class ExtractError(Exception):
    """Root of the project's errors. The message says what went wrong and what to do."""


class InputError(ExtractError):
    """A path, option or file given on the command line cannot be used."""


class MissingApiKey(ExtractError):
    """A provider's backend was asked for without its key; the message says what else works."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or "ANTHROPIC_API_KEY is missing: set it, or use --backend rules to run offline"
        )


class BackendError(ExtractError):
    """A backend could not extract one document; the run records it and goes on."""


class ProviderUnavailable(BackendError):
    """The provider could not answer (overloaded, rate limited, its own error, timed out) and
    the SDK's retries are spent: a fallback provider may take the document."""


class WorkbookError(ExtractError):
    """The workbook cannot be read or written safely; it is left untouched."""
