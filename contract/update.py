"""Writing a run into the workbook: pipeline sheets replaced, people's sheets merged by key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD
from contract.kinds import typed_value
from contract.links import NO_LINKS, PageLinks
from contract.merge import doc_id_of, item_of
from contract.reuse import REWRITTEN, SavedWorkbook, save_reusing, saved_workbook, unchanged_since
from contract.run_merge import RunMerge
from contract.sheets import (
    CORRECTIONS,
    DOCUMENTS,
    EXTRACTIONS,
    FINAL,
    GROUND_TRUTH,
    RUNS,
    SCORES,
    Sheet,
)
from contract.workbook import Contract, Row, load_contract, save_contract
from schemas.base import Kind


def typed_cell(kind: str | None, value: Any) -> Any:
    """Amounts as decimal numbers, dates and codes as text: what Excel and Power BI expect."""
    return typed_value(kind if kind in ("money", "number", "date") else None, value)  # type: ignore[arg-type]


Values = Iterable[Row] | Callable[[], Iterable[Row]]  # a callable: a fresh pass per call


def extraction_rows(
    values: Iterable[Row], links: PageLinks = NO_LINKS, fresh: bool = False
) -> Iterator[Row]:
    """The run's values as the extractions sheet has them. ``fresh``: the values were made
    for this pass alone (as run_values_of makes them), so each is typed in place, not copied."""
    linked = links.prefix is not None
    for value in values:
        row = value if fresh else dict(value)
        row["value"] = typed_cell(value.get("kind"), value.get("value"))
        grounded = value.get("grounded")
        row["grounded"] = None if grounded is None else bool(grounded)
        row["link"] = links(value.get("file"), value.get("page")) if linked else None
        yield row


def _row_key(spec: Sheet, row: Mapping[str, Any]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for column in spec.key:
        value = row.get(column)
        if column == "item":
            parts.append(item_of(value))
        elif column == "doc_id":
            parts.append(doc_id_of(value))
        else:
            parts.append(None if value is None else str(value).strip())
    return tuple(parts)


def replaced_rows(contract: Contract, spec: Sheet, rows: Iterable[Row]) -> Iterator[Row]:
    """A pipeline sheet's new rows; a column a person added keeps its cells, by row key."""
    extra = contract.extra_columns.get(spec.name, [])
    old = contract.rows.get(spec.name, [])
    if not (extra and spec.key and old):
        yield from rows
        return
    kept = {_row_key(spec, row): {c: row[c] for c in extra if c in row} for row in old}
    contract.rows[spec.name] = []  # the old rows are no longer needed
    for row in rows:
        yield {**row, **kept.get(_row_key(spec, row), {})}


def replace_rows(contract: Contract, spec: Sheet, rows: Iterable[Row]) -> None:
    contract.rows[spec.name] = list(replaced_rows(contract, spec, rows))


def typed_final(rows: Iterable[Row], kinds: Mapping[str, Kind]) -> Iterator[Row]:
    for row in rows:
        yield {**row, "value": typed_value(kinds.get(row["field"]), row["value"])}


def _passes(values: Values) -> Callable[[], Iterable[Row]]:
    if callable(values):
        return values
    if iter(values) is values:  # a one-shot iterator: kept, since it is read twice
        held = list(values)
        return lambda: held
    return lambda: values


def write_run(
    path: Path,
    documents: list[Row],
    values: Values,
    runs: list[Row],
    content: str = "",
    previous: SavedWorkbook | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    pdf_folder: Path | None = None,
) -> SavedWorkbook:
    """Replace what the pipeline owns, keep and merge what people typed, save atomically;
    returns the record of the save.

    ``values`` is read twice (a callable is called for each pass), and every sheet is
    written as it is read, so memory grows with what people typed, not with the run. A
    callable may be called in a forked process that writes the extractions sheet while
    this one merges and writes the rest: it must open what it reads, and give rows of
    its own on each call (they are typed in place).
    ``content`` is a digest of ``values``: with the ``previous`` save's record, it lets a
    run that changed nothing copy the unchanged sheets instead (see contract.reuse).
    ``review_threshold``: final accepts a value nobody judged at or above this confidence
    (contract.acceptance), and the confidence colours show it; with ``pdf_folder`` (where
    the run's PDFs are) each value links to its page."""
    links = NO_LINKS if pdf_folder is None else PageLinks.between(path, pdf_folder)
    shown = f"{review_threshold!r}|{links.prefix}"  # the colours and links are in the sheets
    if previous is not None and unchanged_since(path, previous, content, shown):
        return save_reusing(path, previous, documents, runs)
    passes = _passes(values)
    replaced = (DOCUMENTS.name, EXTRACTIONS.name, FINAL.name, RUNS.name)
    with RunMerge() as merge:
        contract = load_contract(path, replaced, spill=merge)
        contract.review_threshold = review_threshold
        # the merge is made by the save, once the extractions sheet (which needs none of
        # it) is being written apart: both passes over the values run at the same time
        fresh = callable(values)  # each pass makes its own rows
        contract.prepare = lambda: merge.add_values(
            extraction_rows(passes(), links, fresh), review_threshold
        )
        corrections = contract.sheet(CORRECTIONS.name)
        contract.streamed[GROUND_TRUTH.name] = merge.ground_truth()
        contract.streamed_offered = merge.offered()
        contract.streamed[DOCUMENTS.name] = replaced_rows(contract, DOCUMENTS, documents)
        contract.streamed[EXTRACTIONS.name] = replaced_rows(
            contract, EXTRACTIONS, extraction_rows(passes(), links, fresh)
        )
        contract.apart.add(FINAL.name)  # read on a connection of its own: may be forked
        if callable(values):  # the pass is unread yet: a forked process may start it
            contract.apart.add(EXTRACTIONS.name)
            contract.early.add(EXTRACTIONS.name)
        final = typed_final(merge.final(corrections), merge.kinds)
        contract.streamed[FINAL.name] = replaced_rows(contract, FINAL, final)
        contract.streamed[RUNS.name] = replaced_rows(contract, RUNS, runs)
        sheets = save_contract(path, contract)
    reusable = not any(contract.extra_columns.get(name) for name in REWRITTEN)
    return saved_workbook(path, sheets, content, reusable, shown)


def write_scores(path: Path, scores: list[Row], runs: list[Row]) -> None:
    """Replace the scores and runs sheets after a scoring; everything else stays as it is."""
    contract = load_contract(path)
    replace_rows(contract, SCORES, scores)
    replace_rows(contract, RUNS, runs)
    save_contract(path, contract)
