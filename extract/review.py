"""What the review pictures need from the run store: where each document's PDF is now, every
value's box, and for `extract review` the ground_truth rows a tester has still to judge.

A PDF is looked for where the run that last read it found it (that run's folder and the
file's name), then beside the workbook; a file whose content is not the one the run read
is not shown (its boxes would be wrong). Values kept before boxes existed get theirs here,
from the parse cache (or the PDF), so an old run's report shows them too.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from contract.keys import blank, key_of
from contract.merge import judged
from contract.sheets import GROUND_TRUTH, SHEETS, Key
from contract.workbook import load_contract
from evals.pictures import PdfFile
from evals.report import ReportData
from evals.report_pages import pictured_documents
from evals.worklist import WorkItem, Worklist, worklist_order
from extract.boxes import quote_boxes
from extract.documents import Document, file_sha256
from extract.errors import InputError
from extract.ocr import Ocr
from extract.parse import blob_pages, cached_reading
from extract.pdf import ParsedDocument, outcome_of, parsed_document
from extract.store import Store

NOT_LOOKED_FOR = PdfFile(None, "not looked for")  # until the item is one of those shown


def link_to(path: Path, html_folder: Path) -> str:
    """A link from an HTML file in ``html_folder`` to ``path``: relative, so a shared folder
    of both keeps working; absolute where no relative path exists (another drive)."""
    try:
        relative = os.path.relpath(path.resolve(), html_folder.resolve())
    except ValueError:
        return path.resolve().as_uri()
    return quote(Path(relative).as_posix())


class PdfFinder:
    """Finds the PDF of a document the store knows, checking it is the same content."""

    def __init__(self, store: Store, workbook: Path, html_folder: Path) -> None:
        self.sources = store.documents_last_read()
        self.workbook_folder = workbook.resolve().parent
        self.html_folder = html_folder
        self._indexes: dict[Path, dict[str, list[Path]]] = {}

    def source(self, doc_id: str) -> Mapping[str, Any] | None:
        return self.sources.get(doc_id)

    def _candidates(self, folder: str, file: str) -> Iterable[Path]:
        recorded = Path(folder)
        yield recorded / file
        if not recorded.is_absolute():  # runs recorded before folders were kept absolute
            yield self.workbook_folder / recorded / file
        yield self.workbook_folder / recorded.name / file  # the folder moved with the workbook
        yield self.workbook_folder / file
        yield from self._index(recorded).get(file, [])  # in a subfolder (runs read them too)

    def _index(self, folder: Path) -> dict[str, list[Path]]:
        if folder not in self._indexes:
            index: dict[str, list[Path]] = {}
            if folder.is_dir():
                for path in folder.rglob("*"):
                    if path.suffix.lower() == ".pdf":
                        index.setdefault(path.name, []).append(path)
            self._indexes[folder] = index
        return self._indexes[folder]

    def pdf(self, doc_id: str) -> PdfFile:
        source = self.source(doc_id)
        if source is None:
            return PdfFile(None, f"document {doc_id} is not in the run store")
        file, folder = str(source["file"]), str(source["folder"] or "")
        changed = None
        for path in self._candidates(folder, file):
            if not path.is_file():
                continue
            try:
                same = file_sha256(path) == source["sha256"]
            except OSError:
                continue
            if same:
                return PdfFile(path, href=link_to(path, self.html_folder))
            changed = changed or path
        if changed is not None:
            return PdfFile(None, f"{changed} is not the PDF the run read (changed since)")
        return PdfFile(None, f"{file} not found in {folder or 'the run folder'} (moved?)")


def document_pdfs(
    finder: PdfFinder, doc_ids: Iterable[str], store: Store | None = None
) -> dict[str, PdfFile]:
    """Each document's PDF; with the store, how OCR turned each of its scanned pages."""
    pdfs = {doc_id: finder.pdf(doc_id) for doc_id in doc_ids}
    if store is None:
        return pdfs
    for doc_id, pdf in pdfs.items():
        source = finder.source(doc_id)
        turns = {} if pdf.path is None or source is None else ocr_turns(store, source["sha256"])
        if turns:
            pdfs[doc_id] = replace(pdf, turns=turns)
    return pdfs


def ocr_turns(store: Store, sha256: Any) -> dict[int, float]:
    """The pages of a PDF that OCR read, as the run last read it, and how far each was
    turned; empty for a PDF with a text layer on every page."""
    cached = cached_reading(store, str(sha256))
    if cached is None:
        return {}
    return {page.number: page.turn for page in blob_pages(cached[2]) if page.source == Ocr.READ}


def _parsed(finder: PdfFinder, store: Store, doc_id: str, pdf: PdfFile) -> ParsedDocument | None:
    source = finder.source(doc_id)
    if source is None or pdf.path is None:
        return None
    document = Document(pdf.path, str(source["sha256"]))
    cached = cached_reading(store, document.sha256)  # a scan: the pages OCR read
    if cached is not None:
        status, error, blob = cached
        return outcome_of(document, status, error, blob_pages(blob))
    return parsed_document(document, with_tables=False)


def boxed_values(
    finder: PdfFinder,
    store: Store,
    values: Sequence[Mapping[str, Any]],
    pdfs: Mapping[str, PdfFile],
) -> list[Mapping[str, Any]]:
    """``values`` with a box for every quote of a document in ``pdfs`` that has none yet
    (kept before boxes were, or not found then); the others as they are."""
    missing: dict[str, list[int]] = {}
    for index, value in enumerate(values):
        doc_id = str(value.get("doc_id"))
        if doc_id in pdfs and value.get("box") is None and value.get("quote"):
            missing.setdefault(doc_id, []).append(index)
    result: list[Mapping[str, Any]] = list(values)
    for doc_id, indexes in missing.items():
        parsed = _parsed(finder, store, doc_id, pdfs[doc_id])
        if parsed is None:
            continue
        cited = [(values[i].get("page"), values[i].get("quote")) for i in indexes]
        for index, box in zip(indexes, quote_boxes(parsed, cited), strict=True):
            result[index] = {**values[index], "box": box}
    return result


# the worklist -------------------------------------------------------------------------------


def _tester_of(row: Mapping[str, Any]) -> str:
    return "" if blank(row.get("tester")) else str(row.get("tester")).strip()


@dataclass
class Unjudged:
    """A key still to judge: who owes a verdict, and its row's cells."""

    testers: list[str]
    suggested: Any
    file: Any


def unjudged_keys(rows: Iterable[Mapping[str, Any]], tester: str | None) -> dict[Key, Unjudged]:
    """Keys whose rows (the tester's, or anyone's) have no verdict or expected value yet,
    with who still owes one, in the sheet's order."""
    wanted = None if tester is None else tester.strip().casefold()
    keys: dict[Key, Unjudged] = {}
    for row in rows:
        if judged(row):
            continue
        name = _tester_of(row)
        if wanted is not None and name.casefold() != wanted:
            continue
        key = key_of(row)
        if not key[0] or not key[1]:
            continue
        found = keys.get(key)
        if found is None:
            found = keys[key] = Unjudged([], row.get("suggested"), row.get("file"))
        if name and name not in found.testers:
            found.testers.append(name)
    return keys


def ground_truth_rows(workbook: Path) -> list[dict[str, Any]]:
    """ground_truth alone: the pipeline's sheets (a row per value) are not read."""
    others = [sheet.name for sheet in SHEETS if sheet is not GROUND_TRUTH]
    return load_contract(workbook, replaced=others).sheet(GROUND_TRUTH.name)


def worklist(
    workbook: Path, store: Store, tester: str | None, limit: int, html_folder: Path
) -> Worklist:
    """The ``limit`` least sure keys still to judge (by ``tester``, or by anyone), with their
    PDFs found and their boxes made."""
    rows = ground_truth_rows(workbook)
    if tester is not None:
        testers = sorted({_tester_of(row) for row in rows} - {""}, key=str.casefold)
        if tester.strip().casefold() not in {name.casefold() for name in testers}:
            known = ", ".join(testers) or "none yet: `extract assign --testers a,b` assigns them"
            raise InputError(f"no ground_truth row is assigned to {tester!r} (testers: {known})")
    keys = unjudged_keys(rows, tester)
    del rows
    finder = PdfFinder(store, workbook, html_folder)
    values: dict[Key, dict[str, Any]] = {}
    for doc_id in dict.fromkeys(key[0] for key in keys):
        source = finder.source(doc_id)
        if source is not None and source.get("values_digest"):
            for value in store.kept_values(str(source["values_digest"])):
                values[(doc_id, str(value["field"]), value["item"])] = value
    items = [
        _work_item(key, unjudged, values.get(key, {}), finder) for key, unjudged in keys.items()
    ]
    chosen = heapq.nsmallest(limit, items, key=worklist_order)
    pdfs = document_pdfs(finder, dict.fromkeys(item.doc_id for item in chosen), store)
    cited = [
        {"doc_id": item.doc_id, "page": item.page, "quote": item.quote, "box": item.box}
        for item in chosen
    ]
    boxed = boxed_values(finder, store, cited, pdfs)
    chosen = [
        replace(item, pdf=pdfs[item.doc_id], box=value.get("box"))
        for item, value in zip(chosen, boxed, strict=True)
    ]
    return Worklist(chosen, len(items), tester)


def _work_item(
    key: Key, unjudged: Unjudged, value: Mapping[str, Any], finder: PdfFinder
) -> WorkItem:
    source = finder.source(key[0]) or {}
    grounded = value.get("grounded")
    return WorkItem(
        doc_id=key[0],
        file=str(unjudged.file or source.get("file") or ""),
        field=key[1],
        item=key[2],
        suggested=unjudged.suggested,
        testers=unjudged.testers,
        pdf=NOT_LOOKED_FOR,
        confidence=value.get("confidence"),
        page=value.get("page"),
        quote=value.get("quote"),
        grounded=None if grounded is None else bool(grounded),
        box=value.get("box"),
    )


# the report ---------------------------------------------------------------------------------


def report_pictures(
    data: ReportData, store: Store, workbook: Path, html_folder: Path, limit: int
) -> ReportData:
    """The report's data showing only the ``limit`` documents most worth a look, value by
    value, with their PDFs found (for their pages) and their values boxed."""
    documents = sorted(data.scores.by_document, key=lambda d: data.files.get(d, d))
    chosen = pictured_documents(documents, data.values, data.scores.judgements, limit)
    if not chosen:
        return replace(data, shown=[], values=[])
    finder = PdfFinder(store, workbook, html_folder)
    pdfs = document_pdfs(finder, chosen, store)
    wanted = set(chosen)
    values = [value for value in data.values if value.get("doc_id") in wanted]
    return replace(data, shown=chosen, pdfs=pdfs, values=boxed_values(finder, store, values, pdfs))
