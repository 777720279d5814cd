"""`extract score`: a run scored against people's labels, per field, per document, overall.

The command only reads its options and shows the result: evals.scoring gathers and scores,
evals.scoring_json and evals.report give the JSON and the HTML, score_tables (beside this
module) prints the tables. The holdout is scored only when asked for by name, and every
such look is recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from contract.update import write_scores
from contract.workbook import refuse_if_open
from evals.report import html_report
from evals.report_pages import PICTURED_DOCUMENTS, SHOWN_VALUES
from evals.scoring import scores_sheet, scoring
from evals.scoring_json import scoring_json
from extract.cli import workbook_option
from extract.commands.score_tables import print_scores, wide_console
from extract.errors import ExtractError, InputError
from extract.review import report_pictures
from extract.store import Store
from schemas.vocabulary import Split


class BelowThreshold(ExtractError):
    """--fail-under: the run's accuracy is below the bar, so CI fails."""


@click.command("score")
@workbook_option
@click.option("--run", "run_id", default=None, help="The run to score (default: the latest).")
@click.option(
    "--split",
    type=click.Choice([Split.DEV, Split.HOLDOUT, Split.ALL]),
    default=Split.DEV,
    show_default=True,
    help="Documents to score; every look at the holdout is recorded in runs.",
)
@click.option("--against", default=None, help="A baseline run: same keys, side by side.")
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Take ground_truth and corrections from this workbook instead of --workbook's.",
)
@click.option(
    "--truth",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Take labels from a folder of <pdf stem>.json truth files instead.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write an HTML report (bar chart per field, values beside quotes).",
)
@click.option(
    "--documents",
    "detailed",
    type=click.IntRange(0),
    default=PICTURED_DOCUMENTS,
    show_default=True,
    help="With --html: documents shown value by value, with their pages and each value's"
    f" box (wrong, ungrounded and least sure first; fewer when their values pass"
    f" {SHOWN_VALUES:,}).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 1),
    default=None,
    help="Exit 1 when overall accuracy is below X (0 to 1), so CI can gate a change.",
)
def command(
    workbook: Path,
    run_id: str | None,
    split: str,
    against: str | None,
    labels: Path | None,
    truth: Path | None,
    as_json: bool,
    html: Path | None,
    detailed: int,
    fail_under: float | None,
) -> None:
    """Score a run against the labels: accuracy, hallucination, omission, ungrounded rates."""
    if labels is not None and truth is not None:
        raise InputError("give either --labels or --truth, not both")
    store_path = workbook.with_suffix(".db")
    if not store_path.exists():
        raise InputError(f"no run store {store_path}: run `extract run FOLDER` first")
    if workbook.exists():
        refuse_if_open(workbook)
    store = Store(store_path)
    try:
        result = scoring(store, workbook, run_id, split, against, labels, truth)
        if workbook.exists():
            write_scores(workbook, scores_sheet(result), store.runs_and_scorings())
        if html is not None:
            html.parent.mkdir(parents=True, exist_ok=True)
            data = report_pictures(result.report(), store, workbook, html.parent, detailed)
            html.write_text(html_report(data), encoding="utf-8")
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(scoring_json(result), indent=2, default=str))
    else:
        print_scores(wide_console(), result)
    if html is not None and not as_json:
        click.echo(f"report: {html.resolve()}")
    accuracy = result.scores.overall.accuracy.value
    if fail_under is not None and (accuracy is None or accuracy < fail_under):
        shown = "no labeled keys" if accuracy is None else f"accuracy {accuracy:.4f}"
        raise BelowThreshold(f"{shown} is below --fail-under {fail_under}")
