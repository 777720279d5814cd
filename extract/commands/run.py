"""`extract run FOLDER`: the batch job, with a progress bar and a short summary."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from extract.backends import BackendOptions, known_providers
from extract.backends import chosen_backend_name as backend_choice
from extract.backends.chain import fallback_entries
from extract.batch import BatchProgress
from extract.cli import workbook_option
from extract.documents import folder_documents
from extract.ocr import Ocr
from extract.parse import DEFAULT_TIMEOUT_S
from extract.run import DocumentOutcome, RunOptions, RunSummary, execute
from schemas import schema_named


@click.command("run")
@click.argument("folder", type=click.Path(path_type=Path))
@workbook_option
@click.option("--schema", default="invoice", show_default=True, help="Name or FILE.py:Model.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "anthropic", "openai", "rules"]),
    default="auto",
    show_default=True,
    help="auto: anthropic when ANTHROPIC_API_KEY is set, else rules. `extract providers`"
    " lists each backend and the environment variables it reads.",
)
@click.option("--model", default=None, help="Model name for the chosen backend.")
@click.option(
    "--fallback-model",
    default=None,
    help="Retry a failed document once on this model of the same provider.",
)
@click.option(
    "--fallback",
    default=None,
    metavar="PROVIDER:MODEL[,...]",
    help="When the provider cannot answer a document (overloaded, rate limited, server"
    " errors, timeouts, after its retries), the next of these answers it.",
)
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--force", is_flag=True, help="Ignore the cache: extract every document again.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N PDFs.")
@click.option("--user", default=None, help="Operator name, hashed into request metadata.")
@click.option(
    "--batch", is_flag=True, help="Send the documents as one Message Batch (half price, slower)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=BackendOptions.timeout_s,
    show_default=True,
    help="Seconds one request may take before it is retried.",
)
@click.option(
    "--parse-timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Seconds one PDF may take to parse (one page to OCR: 5 times as long); a slower"
    " one is stopped and marked timeout.",
)
@click.option(
    "--ocr",
    type=click.Choice(Ocr.MODES),
    default=Ocr.AUTO,
    show_default=True,
    help="Which pages OCR reads: auto, those without a text layer (scans); force, every"
    " page (a garbage text layer); off, none (a scan stays no_text).",
)
@click.option(
    "--accept-above",
    type=click.FloatRange(0, 1),
    default=None,
    help="final takes a value nobody judged only when it is grounded and its confidence is at"
    " or above X; the rest is marked 'needs review'. Default: the threshold `extract score`"
    " last recommended for this backend and model, else 1 (nothing accepted unseen).",
)
def command(
    folder: Path,
    workbook: Path,
    schema: str,
    backend: str,
    model: str | None,
    fallback_model: str | None,
    fallback: str | None,
    concurrency: int,
    force: bool,
    limit: int | None,
    user: str | None,
    batch: bool,
    timeout: float,
    parse_timeout: float,
    ocr: str,
    accept_above: float | None,
) -> None:
    """Extract every PDF in FOLDER into the workbook; bad PDFs get a status, the run goes on."""
    console = Console(stderr=True, soft_wrap=True)
    total = len(folder_documents(folder, limit))  # bad folder or schema: fail before any output
    schema_named(schema)
    fallbacks = tuple(fallback_entries(fallback, known_providers())) if fallback else ()
    if fallbacks and batch:
        raise click.UsageError("--batch sends one batch to one provider: drop --fallback")
    name, why = backend_choice(backend)
    if why:
        console.print(why)
    options = RunOptions(
        folder=folder,
        workbook=workbook,
        schema=schema,
        backend=name,
        backend_options=BackendOptions(
            model=model,
            fallback_model=fallback_model,
            user=user,  # None: the backend hashes the OS user (or the uid without one)
            timeout_s=timeout,
        ),
        fallback=fallbacks,
        concurrency=concurrency,
        force=force,
        limit=limit,
        batch=batch,
        parse_timeout=parse_timeout,
        ocr=ocr,
        accept_above=accept_above,
    )
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("extracting", total=total)

        def advance(outcome: DocumentOutcome) -> None:
            progress.update(task, advance=1, description=outcome.file[:40])

        def waiting(batch: BatchProgress) -> None:
            progress.update(
                task, description=f"batch {batch.batch_id[-12:]}: {batch.done}/{batch.total} done"
            )

        summary = execute(options, advance, waiting)
    print_summary(console, summary)


def print_summary(console: Console, summary: RunSummary) -> None:
    failed = summary.failed
    console.print(
        f"run {summary.run_id} ({summary.backend}): {len(summary.outcomes)} documents,"
        f" {summary.ok} ok, {len(failed)} failed, {summary.cached} from cache;"
        f" {summary.fields_found} fields found"
    )
    for note in summary.notes:
        console.print(f"  {note}", highlight=False)
    if len(summary.shares) > 1:
        for share in summary.shares:
            console.print(
                f"  {share['backend']} {share['model']}: {share['docs']} documents answered"
                f" ({share['cached']} from cache), ${share['cost_usd']:.4f}",
                highlight=False,
            )
    for outcome in failed:
        console.print(
            f"  [red]{outcome.status}[/] {outcome.file}: {outcome.error}", highlight=False
        )
    for copy, original in summary.copies:
        console.print(
            f"  duplicate {copy.path}: same content as {original.path}, extracted once",
            highlight=False,
        )
    console.print(
        f"final accepts values at confidence >= {summary.accept_above:g}"
        f" ({summary.accept_reason}); the rest is marked 'needs review'",
        highlight=False,
    )
    console.print(f"workbook: {summary.workbook.resolve()}")
