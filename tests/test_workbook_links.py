"""From a row of the workbook to the page of the PDF: a short "p. 3" cell whose link is a
path relative to the workbook, so a shared folder of workbook and PDFs keeps working."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from libreoffice import converted, needs_libreoffice
from openpyxl import load_workbook

from contract.cells import Link, link_of
from contract.links import PageLinks
from contract.sheets import EXTRACTIONS, GROUND_TRUTH
from contract.workbook import load_contract
from contract.xlsx_read import XlsxReader
from contract.xlsx_write import SheetOut, write_xlsx
from extract.run import RunOptions, execute

HYPERLINK = re.compile(r'=HYPERLINK\("([^"]*)","(p\. \d+)"\)')


def run(folder: Path, workbook: Path) -> None:
    execute(RunOptions(folder=folder, workbook=workbook, backend="rules"))


def link_cells(workbook: Path, sheet: str) -> list[dict[str, object]]:
    """Each row by column name, the link as (target, text) as openpyxl reads the formula,
    and the text a reader of values (pandas, Power BI) gets."""
    formulas = load_workbook(workbook)[sheet].iter_rows(values_only=True)
    shown = load_workbook(workbook, data_only=True)[sheet].iter_rows(values_only=True)
    header = next(formulas)
    next(shown)
    rows = []
    for cells, values in zip(formulas, shown, strict=True):
        row = dict(zip(header, cells, strict=True))
        found = HYPERLINK.fullmatch(str(row["link"])) if row["link"] else None
        row["link"] = (found.group(1), found.group(2)) if found else None
        row["shown"] = values[header.index("link")]
        rows.append(row)
    return rows


def test_each_row_links_to_its_page_relative_to_the_workbook(
    samples_copy: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "shared" / "contract.xlsx"
    run(samples_copy, workbook)
    extractions = link_cells(workbook, EXTRACTIONS.name)
    assert extractions
    for row in extractions:
        if row["page"] is None:
            assert row["link"] is None
            continue
        assert type(row["page"]) is int  # page stays a number, for Power BI
        assert row["link"] == (f"../pdfs/{row['file']}#page={row['page']}", f"p. {row['page']}")
        assert row["shown"] == f"p. {row['page']}"
    truth = link_cells(workbook, GROUND_TRUTH.name)
    pages = {(r["doc_id"], r["field"], r["item"]): r["link"] for r in extractions}
    assert all(row["link"] == pages[row["doc_id"], row["field"], row["item"]] for row in truth)
    target = next(str(row["link"][0]) for row in truth if row["link"])  # type: ignore[index]
    assert (workbook.parent / target.split("#")[0]).resolve().is_file()  # the right file


def test_a_workbook_beside_its_pdfs_links_by_file_name(samples_copy: Path) -> None:
    workbook = samples_copy / "contract.xlsx"
    run(samples_copy, workbook)
    rows = [r for r in link_cells(workbook, EXTRACTIONS.name) if r["link"]]
    assert rows and all(
        r["link"] == (f"{r['file']}#page={r['page']}", f"p. {r['page']}") for r in rows
    )
    assert {r["page"] for r in rows} == {1, 2}  # the two-page sample cites its second page


def test_rows_of_documents_another_run_left_out_keep_their_links(
    samples_copy: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "book" / "contract.xlsx"
    run(samples_copy, workbook)
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    shutil.copy(samples_copy / "invoice-01-left-labels.pdf", fewer)
    run(fewer, workbook)
    links = {str(r["file"]): r["link"] for r in link_cells(workbook, GROUND_TRUTH.name)}
    assert links["invoice-01-left-labels.pdf"] == (
        "../fewer/invoice-01-left-labels.pdf#page=1",
        "p. 1",
    )
    assert links["invoice-02-left-labels-usd.pdf"] == (
        "../pdfs/invoice-02-left-labels-usd.pdf#page=1",
        "p. 1",
    )


def test_a_file_name_with_quotes_stays_one_string_of_the_formula(tmp_path: Path) -> None:
    link = PageLinks.between(tmp_path / "book" / "contract.xlsx", tmp_path / "in")(
        'a "quoted", (odd) & <name>.pdf', 4
    )
    assert link == Link('../in/a "quoted", (odd) & <name>.pdf#page=4', "p. 4")
    path = tmp_path / "links.xlsx"
    write_xlsx(path, [SheetOut(name="s", rows=[[link, 1]], header=["link", "n"])])
    (value, number) = list(XlsxReader(path).rows("s"))[1]
    assert link_of(value) == link and number == 1
    assert load_workbook(path, data_only=True)["s"]["A2"].value == "p. 4"
    long = PageLinks("../" + "deep/" * 60)("invoice.pdf", 2)  # Excel: 255 characters a text
    assert long is not None and len(long.target) > 300
    write_xlsx(path, [SheetOut(name="s", rows=[[long]], header=["link"])])
    formula = load_workbook(path)["s"]["A2"].value
    assert '"&"' in formula and max(map(len, formula.split('"&"'))) <= 255 + len('=HYPERLINK("')
    assert link_of(next(iter(list(XlsxReader(path).rows("s"))[1]))) == long
    assert PageLinks()("x.pdf", 1) is None  # no folder, no link
    assert PageLinks("")("x.pdf", None) is None  # no page, no link


def test_links_read_back_as_links(samples_copy: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "contract.xlsx"
    run(samples_copy, workbook)
    rows = load_contract(workbook).sheet(GROUND_TRUTH.name)
    assert rows and all(isinstance(row["link"], Link) for row in rows if "link" in row)


@needs_libreoffice
def test_libreoffice_opens_the_workbook_and_keeps_the_page_links(
    samples_copy: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "shared" / "contract.xlsx"
    run(samples_copy, workbook)
    pdf = converted(workbook, "pdf", tmp_path / "pdf").read_bytes()
    targets = set(re.findall(rb"/URI\(([^)]*)\)", pdf))
    assert b"../pdfs/invoice-01-left-labels.pdf#page=1" in targets
    assert all(t.startswith(b"../pdfs/") and re.search(rb"#page=\d+$", t) for t in targets)
