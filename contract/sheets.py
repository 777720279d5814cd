"""The workbook's sheets: their columns, owners and the help each column shows.

Every sheet and column a person sees is named here once and imported elsewhere; the words in
the cells (statuses, verdicts, sources, splits) are schemas.vocabulary's, shared by every layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from schemas.vocabulary import Status

Owner = Literal["pipeline", "testers", "client"]


@dataclass(frozen=True)
class Sheet:
    """One sheet of the contract: its Excel table has the same name and these columns."""

    name: str
    owner: Owner
    columns: tuple[str, ...]
    about: str
    key: tuple[str, ...] = ()  # the columns that name a row, to carry people's extra columns


README = Sheet("README", "pipeline", ("topic", "explanation"), "How to use this workbook.")
DOCUMENTS = Sheet(
    "documents",
    "pipeline",
    ("doc_id", "file", "sha256", "pages", "split", "status", "error", "last_run"),
    "One row per PDF of the last run: its status and, when it failed, why.",
    key=("doc_id",),
)
EXTRACTIONS = Sheet(
    "extractions",
    "pipeline",
    (
        "doc_id", "file", "field", "item", "value", "page", "link", "quote", "grounded",
        "confidence", "run_id",
    ),
    "Every value the last run extracted, with the page and quote it cites.",
    key=("doc_id", "field", "item"),
)  # fmt: skip
GROUND_TRUTH = Sheet(
    "ground_truth",
    "testers",
    (
        "doc_id", "file", "field", "item", "suggested", "latest", "confidence", "link",
        "verdict", "expected", "tester", "note",
    ),
    "Testers judge each suggested value: verdict, and the right value when it is wrong.",
)  # fmt: skip
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
    "The value to use per key: correction, else testers' truth, else the model's value"
    " (accepted, or marked needs review).",
    key=("doc_id", "field", "item"),
)
RUNS = Sheet(
    "runs",
    "pipeline",
    (
        "run_id", "started", "finished", "backend", "model", "schema", "docs", "ok", "failed",
        "cached", "input_tokens", "output_tokens", "cost_usd", "accuracy", "hallucination_rate",
        "accept_above", "recommended_threshold", "straight_through", "part_of",
    ),
    "One row per run and per scoring: what ran, what it cost, how good it was.",
    key=("run_id",),
)  # fmt: skip
SCORES = Sheet(
    "scores",
    "pipeline",
    (
        "run_id", "split", "field", "labeled", "accuracy", "hallucination_rate",
        "omission_rate",
    ),
    "Per-field scores of a run against the labels, written by extract score.",
    key=("run_id", "split", "field"),
)  # fmt: skip

SHEETS: Final = (README, DOCUMENTS, EXTRACTIONS, GROUND_TRUTH, CORRECTIONS, FINAL, RUNS, SCORES)
SHEET_BY_NAME: Final = {sheet.name: sheet for sheet in SHEETS}
PEOPLE_SHEETS: Final = tuple(sheet for sheet in SHEETS if sheet.owner != "pipeline")

Key = tuple[str, str, int | None]  # (doc_id, field, item)

OFFERED = "_offered"
"""A very hidden sheet: per document, the keys ground_truth ever offered, so a row a tester
deleted stays deleted on the next run. Excel's menus cannot unhide it."""

LINK_HELP: Final = (
    "p. 3 opens the PDF at the page the value was read from. The link is a path from this"
    " workbook's folder to the PDF's, so keep the workbook and the PDFs' folder together"
    " (moved or shared as one folder, the links keep working)."
)
CONFIDENCE_HELP: Final = (
    "How sure the pipeline's checks are of the value, from 0 to 1 (blank when there is no"
    " value). Green: at or above the review threshold; amber: a little below; red: look first"
    " (see README, Colours)."
)

COLUMN_HELP: Final[dict[str, dict[str, str]]] = {
    DOCUMENTS.name: {
        "doc_id": "The document's name for the pipeline: the first 12 characters of its sha256."
        " The same PDF keeps its doc_id when renamed; a PDF whose content changed gets a new one.",
        "file": "The PDF's file name in the folder of the last run.",
        "sha256": "The fingerprint of the PDF's bytes.",
        "pages": "How many pages the PDF has.",
        "split": "dev or holdout. Holdout documents (20%, fixed) are only scored when asked for.",
        "status": "ok, or why the PDF could not be read: " + ", ".join(Status.ALL[1:]) + ".",
        "error": "What went wrong with this PDF and what to do, or the checks that failed.",
        "last_run": "The run that last read this PDF.",
    },
    EXTRACTIONS.name: {
        "doc_id": "The document (see documents).",
        "file": "The PDF's file name.",
        "field": "The value's name; a field of a list is dotted, e.g. line_items.amount.",
        "item": "Blank for a document-level field; 1, 2, ... for each row of a list.",
        "value": "What the model read: amounts as numbers, dates as ISO text (2026-03-05).",
        "page": "The page the value was read from (a number, for Power BI).",
        "link": LINK_HELP,
        "quote": "The text on that page that shows the value, copied verbatim.",
        "grounded": "TRUE when the quote is on the page and the value is in the quote.",
        "confidence": CONFIDENCE_HELP,
        "run_id": (
            "The run that produced the value (for a value answered from the cache, the earlier"
            " run that extracted it)."
        ),
    },
    GROUND_TRUTH.name: {
        "doc_id": "The document (see documents). Part of the row's key with field and item.",
        "file": "The PDF's file name.",
        "field": "The value's name (see extractions).",
        "item": "Blank for a document-level field; 1, 2, ... for each row of a list.",
        "suggested": "The model's value. Frozen once the row has a verdict or an expected value,"
        " so your verdict always refers to the value you judged.",
        "latest": "Filled only when a newer run read a different value than the frozen"
        " suggestion: look again at this row.",
        "confidence": CONFIDENCE_HELP + " It is the confidence of the last run's value (latest"
        " when shown). A document's new rows come lowest confidence first.",
        "link": LINK_HELP,
        "verdict": "Your judgement: correct (the suggestion is right), wrong (type the right"
        " value in expected), absent (the document has no such value).",
        "expected": "The right value when the suggestion is wrong: dates as dates or"
        " 2026-03-05, amounts as numbers.",
        "tester": "Who judges this row. extract assign fills it; several testers may judge"
        " the same key, one row each.",
        "note": "Anything worth saying about this row.",
    },
    CORRECTIONS.name: {
        "doc_id": "The document (copy it from documents or ground_truth).",
        "field": "The value's name (see extractions).",
        "item": "Blank for a document-level field; the row number for a list field.",
        "value": "The right value. It overrides testers and model in final.",
        "by": "Who made the correction.",
        "note": "Why.",
    },
    FINAL.name: {
        "doc_id": "The document.",
        "file": "The PDF's file name.",
        "field": "The value's name.",
        "item": "Blank for a document-level field; 1, 2, ... for each row of a list.",
        "value": "The value to use: amounts as numbers, dates as ISO text.",
        "source": "Where it comes from: client (corrections), tester (ground_truth, when the"
        " testers agree), model or embedded_xml (the PDF's own e-invoice data) when the value"
        " was accepted unseen (grounded, confidence at or above the run's accept_above), else"
        " needs review: the model's value that nobody has looked at yet. Filter it out to"
        " load only what is vouched for.",
    },
    RUNS.name: {
        "run_id": "The run (or scoring) this row describes. A run whose documents several"
        " providers answered (--fallback) has a row per provider and model under it,"
        " RUN:PROVIDER:MODEL, with what that one answered and cost.",
        "started": "When it started (UTC).",
        "finished": "When it finished (UTC).",
        "backend": "anthropic (Claude), openai (OpenAI or a local model server) or rules"
        " (offline).",
        "model": "The model used.",
        "schema": "The schema the documents were read with.",
        "docs": "Documents read.",
        "ok": "Documents read without error.",
        "failed": "Documents that could not be read (see documents.status).",
        "cached": "Documents answered from the cache, at no cost.",
        "input_tokens": "Tokens sent to the model.",
        "output_tokens": "Tokens the model wrote.",
        "cost_usd": "What the run cost, in US dollars.",
        "accuracy": "Share of labeled values the run got right (dev split).",
        "hallucination_rate": "Share of values the run gave that are wrong.",
        "accept_above": "The review threshold final used: a value nobody judged is taken"
        " (source model) only when grounded and its confidence is at or above it; 1 means"
        " nothing was accepted unseen. extract run --accept-above sets it.",
        "recommended_threshold": "What extract score measured for this run: the lowest"
        " confidence at which the labelled hallucination rate's 95% upper bound is at most 1%"
        " among the values accepted. Empty after a scoring: no threshold met that bar.",
        "straight_through": "Share of the run's values final would accept unseen at the"
        " recommended threshold: the work that needs no human look.",
        "part_of": "Empty on a run's own row, which holds its totals. A row under a run (one"
        " provider's share of it, or a scoring of the holdout) names that run here: its cost"
        " and tokens are already in the run's row, so keep part_of empty before summing.",
    },
    SCORES.name: {
        "run_id": "The run that was scored.",
        "split": "dev, holdout or all.",
        "field": "The field scored, or (all).",
        "labeled": "How many values have a label to score against.",
        "accuracy": "Share of labeled values the run got right.",
        "hallucination_rate": "Share of given values that are wrong.",
        "omission_rate": "Share of values the document has that the run left empty.",
    },
}
