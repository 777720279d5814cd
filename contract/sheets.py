"""The workbook's vocabulary: sheets, their columns and owners, and the words people meet.

Everything a person sees in the workbook is named here once and imported elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Owner = Literal["pipeline", "testers", "client"]


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
    ALL: Final = (OK, CORRUPT, ENCRYPTED, EMPTY, NOT_PDF, NO_TEXT, TIMEOUT, FAILED)


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


class Split:
    DEV: Final = "dev"
    HOLDOUT: Final = "holdout"
    ALL: Final = "all"


@dataclass(frozen=True)
class Sheet:
    name: str
    owner: Owner
    columns: tuple[str, ...]
    about: str


README = Sheet("README", "pipeline", ("topic", "explanation"), "How to use this workbook.")
DOCUMENTS = Sheet(
    "documents",
    "pipeline",
    ("doc_id", "file", "sha256", "pages", "split", "status", "error", "last_run"),
    "One row per PDF of the last run: its status and, when it failed, why.",
)
EXTRACTIONS = Sheet(
    "extractions",
    "pipeline",
    ("doc_id", "file", "field", "item", "value", "page", "quote", "grounded", "run_id"),
    "Every value the last run extracted, with the page and quote it cites.",
)
GROUND_TRUTH = Sheet(
    "ground_truth",
    "testers",
    ("doc_id", "file", "field", "item", "suggested", "verdict", "expected", "tester", "note"),
    "Testers judge each suggested value: verdict, and the right value when it is wrong.",
)
CORRECTIONS = Sheet(
    "corrections",
    "client",
    ("doc_id", "field", "item", "value", "by", "note"),
    "Client experts' corrections; they override everything else in final.",
)
FINAL = Sheet(
    "final",
    "pipeline",
    ("doc_id", "file", "field", "item", "value", "source"),
    "The value to use per key: correction, else testers' truth, else the model's value.",
)
RUNS = Sheet(
    "runs",
    "pipeline",
    (
        "run_id", "started", "finished", "backend", "model", "schema", "docs", "ok", "failed",
        "cached", "input_tokens", "output_tokens", "cost_usd", "accuracy", "hallucination_rate",
    ),
    "One row per run and per scoring: what ran, what it cost, how good it was.",
)  # fmt: skip
SCORES = Sheet(
    "scores",
    "pipeline",
    (
        "run_id", "split", "field", "labeled", "accuracy", "hallucination_rate",
        "omission_rate",
    ),
    "Per-field scores of a run against the labels, written by extract score.",
)  # fmt: skip

SHEETS: Final = (README, DOCUMENTS, EXTRACTIONS, GROUND_TRUTH, CORRECTIONS, FINAL, RUNS, SCORES)
SHEET_BY_NAME: Final = {sheet.name: sheet for sheet in SHEETS}
PEOPLE_SHEETS: Final = tuple(sheet for sheet in SHEETS if sheet.owner != "pipeline")

Key = tuple[str, str, int | None]  # (doc_id, field, item)
