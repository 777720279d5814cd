"""The words every layer shares: document statuses, verdicts, value sources, splits.

They sit at the bottom so that reading a PDF, a backend, the workbook and the evals can all
name a status or a source without importing one another; contract/sheets.py maps them to
the workbook's cells. Like all of schemas/, this module imports nothing of the project.
"""

from __future__ import annotations

from typing import Final


class Status:
    """A document's status in the documents sheet."""

    OK: Final = "ok"
    CORRUPT: Final = "corrupt"
    ENCRYPTED: Final = "encrypted"
    EMPTY: Final = "empty"
    NOT_PDF: Final = "not_pdf"
    NO_TEXT: Final = "no_text"
    TIMEOUT: Final = "timeout"
    FAILED: Final = "failed"
    UNREADABLE: Final = "unreadable"
    ALL: Final = (OK, CORRUPT, ENCRYPTED, EMPTY, NOT_PDF, NO_TEXT, TIMEOUT, FAILED, UNREADABLE)


class Verdict:
    """What a tester says of a suggested value (the ground_truth dropdown)."""

    CORRECT: Final = "correct"
    WRONG: Final = "wrong"
    ABSENT: Final = "absent"
    ALL: Final = (CORRECT, WRONG, ABSENT)


class Source:
    """Where a value in final (or export) comes from."""

    CLIENT: Final = "client"
    TESTER: Final = "tester"
    MODEL: Final = "model"
    EMBEDDED_XML: Final = "embedded_xml"
    NEEDS_REVIEW: Final = "needs review"  # the model's value, not accepted unseen


class Split:
    """Which documents a scoring covers; a document's own split is dev or holdout."""

    DEV: Final = "dev"
    HOLDOUT: Final = "holdout"
    ALL: Final = "all"
