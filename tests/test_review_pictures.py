"""Review with pictures: the report shows each document's pages with every value's box, and
`extract review` writes a tester's worklist with a band of the page around each value.

Headless Chromium takes screenshots of both; the tests find the page picture on the
screenshot and check that a box of the expected colour surrounds the known value's words.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from screenshots import (
    CHROMIUM,
    dark_share,
    edge_share,
    frames,
    highlighted_share,
    rgb,
    screenshot,
)

from evals.pictures import CROP_MARGIN_PT, Colour, PdfFile, confidence_colour
from evals.report_pages import Shown, document_pictures
from extract.cli import cli
from extract.store import VALUE_COLUMNS, Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
# the screenshot tests map points to the screen as on a text page (the page's own width); a
# scan is pictured as OCR turned it, which the last test of this file checks on its own
TEXT_PAGES_ONLY = shutil.ignore_patterns("scan-*")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples run and scored against the labeled fixture, with an HTML report."""
    folder = tmp_path_factory.mktemp("pictures")
    shutil.copytree(SAMPLES / "pdfs", folder / "pdfs", ignore=TEXT_PAGES_ONLY)
    workbook = folder / "contract.xlsx"
    shutil.copy(SAMPLES / "labeled" / "labels.xlsx", workbook)
    invoke("run", str(folder / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    invoke("score", "--workbook", str(workbook), "--html", str(folder / "report.html"))
    return folder


def _values(workbook: Path) -> dict[tuple[str, str, Any], dict[str, Any]]:
    store = Store.beside(workbook)
    try:
        values = store.run_values(str(store.latest_run_id()))
    finally:
        store.close()
    return {(v["doc_id"], v["field"], v["item"]): v for v in values}


def _page_width(pdf: Path, number: int) -> float:
    document = pdfium.PdfDocument(pdf)
    try:
        return float(document[number - 1].get_width())
    finally:
        document.close()


def _on_screen(
    frame: Any, box: list[float], width_pt: float, dy_pt: float = 0.0
) -> tuple[float, ...]:
    x0, y0 = frame.at(box[0], box[1] - dy_pt, width_pt)
    x1, y1 = frame.at(box[2], box[3] - dy_pt, width_pt)
    return x0, y0, x1, y1


@needs_chromium
def test_the_report_shows_the_page_with_a_box_of_the_verdicts_colour_on_the_value(
    reported: Path, tmp_path: Path
) -> None:
    html = (reported / "report.html").read_text(encoding="utf-8")
    first = re.search(r'<section id="d-([0-9a-f]{12})">', html)
    assert first is not None
    doc_id = first.group(1)
    values = _values(reported / "contract.xlsx")
    value = values[(doc_id, "invoice_number", None)]
    row = re.search(
        r'<tr class="(\w+)" id="r-(' + doc_id + r'-\d+)"[^>]*><td>invoice_number<', html
    )
    assert row is not None
    verdict, key = row.groups()
    colour = {"right": Colour.RIGHT, "wrong": Colour.WRONG, "unlabeled": Colour.UNLABELED}[verdict]
    pdf = reported / "pdfs" / value["file"]

    image = screenshot((reported / "report.html").as_uri(), tmp_path / "report.png", (1400, 5200))
    shown = frames(image)
    assert shown, "no page picture on the screenshot"
    frame = shown[0]  # the first document's first page
    assert dark_share(image, (frame.left, frame.top, frame.right, frame.bottom)) > 0.005
    box = _on_screen(frame, value["box"], _page_width(pdf, value["page"]))
    assert edge_share(image, box, rgb(colour)) > 0.95  # a box of that colour around it
    assert dark_share(image, box) > 0.05  # over the value's printed words
    lower = (box[0], box[1] + 6, box[2], box[3] + 6)
    assert edge_share(image, lower, rgb(colour)) < 0.6  # there, not a few pixels off

    # the same value named in the address is picked: its box fills with the highlight
    lit = screenshot(
        (reported / "report.html").as_uri() + f"#r-{key}", tmp_path / "lit.png", (1400, 5200)
    )
    frame = frames(lit)[0]
    box = _on_screen(frame, value["box"], _page_width(pdf, value["page"]))
    assert highlighted_share(lit, box) > 0.3
    assert highlighted_share(image, box) < 0.01  # not before it was picked


def test_the_report_stays_offline_and_links_rows_to_boxes(reported: Path) -> None:
    html = (reported / "report.html").read_text(encoding="utf-8")
    assert html.count('<image href="data:image/') >= 12  # every sample page with values
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    rows = set(re.findall(r'<tr class="\w+" id="r-([0-9a-f]{12}-\d+)" data-v="\1"', html))
    marks = re.findall(r'<rect class="box" data-v="([0-9a-f -]+)"', html)
    boxed = {key for keys in marks for key in keys.split()}
    assert boxed and boxed <= rows  # every box has its rows, so hovering one lights the other
    assert len(marks) < len(boxed)  # a table row's values share one box
    assert 'href="pdfs/invoice-01-left-labels.pdf"' in html  # relative: the folder can move


def test_values_kept_before_boxes_existed_get_them_in_the_report(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "pdfs", tmp_path / "pdfs", ignore=TEXT_PAGES_ONLY)
    workbook = tmp_path / "contract.xlsx"
    invoke("run", str(tmp_path / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    db = sqlite3.connect(workbook.with_suffix(".db"))  # the value sets as an older run kept them
    for digest, text in db.execute("SELECT digest, rows_json FROM value_sets").fetchall():
        older = re.sub(r",\[[-0-9.,]+\]\]", ",null]", text)  # drop every box
        db.execute("UPDATE value_sets SET rows_json = ? WHERE digest = ?", (older, digest))
    db.commit()
    db.close()
    assert all(v["box"] is None for v in _values(workbook).values())
    invoke("score", "--workbook", str(workbook), "--html", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    boxed = re.findall(r'<rect class="box" data-v="([0-9a-f -]+)"', html)
    assert sum(len(keys.split()) for keys in boxed) > 400
    assert "not found on p." not in html
    assert VALUE_COLUMNS[-1] == "box"


def test_a_moved_pdf_is_said_in_the_report_not_a_crash(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "pdfs", tmp_path / "pdfs", ignore=TEXT_PAGES_ONLY)
    workbook = tmp_path / "contract.xlsx"
    invoke("run", str(tmp_path / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    (tmp_path / "pdfs" / "invoice-01-left-labels.pdf").unlink()
    changed = tmp_path / "pdfs" / "invoice-02-left-labels-usd.pdf"
    changed.write_bytes(changed.read_bytes() + b"\n% edited since\n")
    invoke("score", "--workbook", str(workbook), "--html", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No page pictures: invoice-01-left-labels.pdf not found in" in html
    assert "invoice-02-left-labels-usd.pdf is not the PDF the run read" in html
    assert html.count("<image ") >= 10  # the other documents still show their pages


def test_a_quote_not_on_its_page_has_no_box_and_the_report_says_so(tmp_path: Path) -> None:
    pdf = SAMPLES / "pdfs" / "invoice-01-left-labels.pdf"
    found = {"doc_id": "d", "field": "total", "item": None, "value": "1", "page": 1,
             "quote": "Total 1", "box": [72.0, 100.0, 140.0, 112.0], "confidence": 0.4}  # fmt: skip
    lost = {**found, "field": "tax", "quote": "Tax 9", "box": None}
    html = document_pictures(
        [Shown("d-0", found, None), Shown("d-1", lost, None)], PdfFile(pdf, href="x.pdf"), "d"
    )
    assert "1 value(s) have no box: their quote is not on the page they cite." in html
    assert html.count('<rect class="box"') == 1
    assert f'stroke="{confidence_colour(0.4)}"' in html  # no labels: coloured by confidence


# the worklist --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples run into a fresh workbook, shared out between two testers."""
    folder = tmp_path_factory.mktemp("worklist")
    shutil.copytree(SAMPLES / "pdfs", folder / "pdfs", ignore=TEXT_PAGES_ONLY)
    workbook = folder / "contract.xlsx"
    invoke("run", str(folder / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    invoke("assign", "--workbook", str(workbook), "--testers", "ana,ben", "--per-doc", "1")
    return folder


def _cards(html: str) -> list[tuple[str, str, str]]:
    """(doc_id, field, item) of each card, in order."""
    return re.findall(
        r"<tr><td><code>([0-9a-f]{12})</code></td><td>([\w.]+)</td><td>(\d*)</td>", html
    )


@needs_chromium
def test_the_worklist_shows_a_band_of_the_page_boxed_around_the_first_value(
    assigned: Path, tmp_path: Path
) -> None:
    out = assigned / "ana.html"
    invoke("review", "--workbook", str(assigned / "contract.xlsx"), "--tester", "ana",
           "--out", str(out), "--limit", "5")  # fmt: skip
    html = out.read_text(encoding="utf-8")
    doc_id, name, item = _cards(html)[0]
    value = _values(assigned / "contract.xlsx")[(doc_id, name, int(item) if item else None)]
    image = screenshot(out.as_uri(), tmp_path / "worklist.png", (1200, 1400))
    frame = frames(image, min_height=60)[0]  # the first card's band
    assert dark_share(image, (frame.left, frame.top, frame.right, frame.bottom)) > 0.005
    band_top = max(0.0, value["box"][1] - CROP_MARGIN_PT)
    box = _on_screen(
        frame, value["box"], _page_width(assigned / "pdfs" / value["file"], 1), band_top
    )
    colour = rgb(confidence_colour(value["confidence"]))
    assert edge_share(image, box, colour) > 0.95
    assert dark_share(image, box) > 0.05


def test_the_worklist_holds_the_testers_unjudged_rows_least_sure_first(assigned: Path) -> None:
    workbook = assigned / "contract.xlsx"
    out = assigned / "all.html"
    output = invoke("review", "--workbook", str(workbook), "--out", str(out), "--limit", "1000")
    html = out.read_text(encoding="utf-8")
    cards = _cards(html)
    values = _values(workbook)
    assert len(cards) == len(set(cards)) == len(values)  # every key once, none judged yet
    assert f"{len(cards)} of {len(cards)} rows to judge" in output
    sure = [values[(d, f, int(i) if i else None)]["confidence"] for d, f, i in cards]
    known = [s for s in sure if s is not None]
    assert known == sorted(known) and sure[: len(known)] == known  # no confidence: last

    mine = assigned / "ana.html"
    invoke("review", "--workbook", str(workbook), "--tester", " ANA ", "--out", str(mine),
           "--limit", "1000")  # fmt: skip
    ana = _cards(mine.read_text(encoding="utf-8"))
    assert 0 < len(ana) < len(cards) and set(ana) <= set(cards)
    assert "ana</td>" in mine.read_text(encoding="utf-8")


def test_a_judged_row_leaves_the_worklist_and_a_missing_pdf_is_said(tmp_path: Path) -> None:
    from contract.sheets import GROUND_TRUTH
    from contract.workbook import load_contract, save_contract

    shutil.copytree(SAMPLES / "pdfs", tmp_path / "pdfs", ignore=TEXT_PAGES_ONLY)
    workbook = tmp_path / "contract.xlsx"
    invoke("run", str(tmp_path / "pdfs"), "--workbook", str(workbook), "--backend", "rules")
    contract = load_contract(workbook)
    rows = contract.sheet(GROUND_TRUTH.name)
    judged = rows[0]
    judged["verdict"] = "correct"
    save_contract(workbook, contract)
    shutil.move(tmp_path / "pdfs", tmp_path / "elsewhere")
    out = tmp_path / "w.html"
    output = invoke("review", "--workbook", str(workbook), "--out", str(out), "--limit", "3")
    html = out.read_text(encoding="utf-8")
    assert f"3 of {len(rows) - 1} rows to judge (3 without a PDF to show)" in output
    assert html.count("No picture: ") == 3 and "not found in" in html
    key = (judged["doc_id"], judged["field"], str(judged.get("item") or ""))
    assert key not in _cards(html)


def test_review_refuses_bad_input_with_one_line(assigned: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    workbook = str(assigned / "contract.xlsx")
    result = runner.invoke(cli, ["review", "--workbook", workbook, "--tester", "zoe"])
    assert result.exit_code == 1
    assert "no ground_truth row is assigned to 'zoe' (testers: ana, ben)" in result.output
    result = runner.invoke(cli, ["review", "--workbook", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 1 and "does not exist" in result.output


@pytest.mark.parametrize(
    ("crop", "rotation"),
    [(None, 0), ((60, 40, 380, 280), 0), (None, 90), ((60, 40, 380, 280), 90)],
    ids=["plain", "crop-box", "rotated", "crop-box-rotated"],
)
def test_a_box_lands_on_its_words_on_cropped_and_rotated_pages(
    tmp_path: Path, crop: tuple[int, int, int, int] | None, rotation: int
) -> None:
    """The picture places the reader's box with pdfium's own page-to-device transform: the
    printed words (dark pixels of the rendered page) fill the box, whatever the page's crop
    box and rotation."""
    import base64
    import io

    import numpy as np
    from PIL import Image
    from reportlab.pdfgen import canvas

    from evals.pictures import page_pictures
    from extract.boxes import quote_boxes
    from extract.documents import Document, file_sha256
    from extract.pdf import parsed_document

    path = tmp_path / "page.pdf"
    drawing = canvas.Canvas(str(path), pagesize=(400, 300))
    if crop:
        drawing.setCropBox(crop)
    if rotation:
        drawing.setPageRotation(rotation)
    drawing.setFont("Helvetica", 20)
    drawing.drawString(120, 180, "HELLO WORLD")
    drawing.save()
    parsed = parsed_document(Document(path, file_sha256(path)))
    (box,) = quote_boxes(parsed, [(1, "HELLO WORLD")])
    assert box is not None
    (picture,) = page_pictures(path, [1], 800)
    pixels = Image.open(io.BytesIO(base64.b64decode(picture.uri.split(",", 1)[1])))
    ys, xs = np.nonzero(np.asarray(pixels.convert("L")) < 128)
    x, y, width, height = picture.rect(box)
    assert x - 2 <= xs.min() and xs.max() <= x + width + 2  # the ink is inside the box
    assert y - 2 <= ys.min() and ys.max() <= y + height + 2
    long_side = max(width, height)
    assert max(xs.max() - xs.min(), ys.max() - ys.min()) > 0.9 * long_side  # and fills it


def test_the_documents_shown_are_the_most_worth_a_look_within_a_budget_of_values() -> None:
    from evals.labels import Label
    from evals.metrics import Judgement
    from evals.report_pages import SHOWN_VALUES, pictured_documents

    def value(doc_id: str, grounded: int = 1, confidence: float = 1.0) -> dict[str, Any]:
        return {"doc_id": doc_id, "value": "x", "grounded": grounded, "confidence": confidence}

    wrong = Judgement(("c", "total", None), "money", Label.truth("1"), "2", False, True, False)
    values = [value("a"), value("b", confidence=0.3), value("c"), value("d", grounded=0)]
    ranked = pictured_documents(["a", "b", "c", "d"], values, [wrong], limit=10)
    assert ranked == ["c", "d", "b", "a"]  # wrong, ungrounded, least sure, the rest
    assert pictured_documents(["a", "b"], values, [], limit=1) == ["b"]
    assert pictured_documents(["a", "b"], values, [], limit=0) == []
    long = [value("long")] * (SHOWN_VALUES + 1) + [value("short", confidence=0.5)]
    assert pictured_documents(["long", "short"], long, [], limit=10) == ["short"]
    assert pictured_documents(["long"], long, [], limit=10) == ["long"]  # one, however long


def _picture_image(uri: str) -> Any:
    import base64
    import io

    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")


def _dark_inside(image: Any, rect: tuple[float, float, float, float]) -> float:
    x, y, width, height = rect
    crop = image.crop((int(x), int(y), int(x + width) + 1, int(y + height) + 1))
    histogram = crop.histogram()
    return sum(histogram[:128]) / max(sum(histogram), 1)


def test_a_scanned_page_is_pictured_as_ocr_turned_it_so_boxes_lie_on_its_words(
    tmp_path: Path,
) -> None:
    """scan-09 was fed sideways and every scan is skewed: its words' boxes are points on the
    page as OCR turned it upright, and so is its picture."""
    from evals.pictures import page_pictures
    from extract.review import ocr_turns

    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("scan-09-boxed-totals-usd.pdf", "scan-07-de-rechnung.pdf"):
        shutil.copy(SAMPLES / "pdfs" / name, folder / name)
    workbook = tmp_path / "contract.xlsx"
    invoke("run", str(folder), "--workbook", str(workbook), "--backend", "rules")
    store = Store.beside(workbook)
    try:
        run_id = str(store.latest_run_id())
        values = store.run_values(run_id)
        sha256 = {row["doc_id"]: row["sha256"] for row in store.run_documents(run_id)}
        turns = {doc_id: ocr_turns(store, sha) for doc_id, sha in sha256.items()}
    finally:
        store.close()
    boxed = [v for v in values if v.get("box") and v["field"] in ("invoice_number", "total")]
    assert len(boxed) == 4
    quarter_turned = 0
    for value in boxed:
        page_turns = turns[value["doc_id"]]
        assert value["page"] in page_turns  # the page was OCR'd
        quarter_turned += round(page_turns[value["page"]] / 90) % 4 != 0
        (picture,) = page_pictures(folder / value["file"], [value["page"]], turns=page_turns)
        image = _picture_image(picture.uri)
        assert _dark_inside(image, picture.rect(value["box"])) > 0.08  # ink under the box
        (unturned,) = page_pictures(folder / value["file"], [value["page"]])
        if round(page_turns[value["page"]] / 90) % 4:  # fed sideways, pictured upright
            assert unturned.width > unturned.height and picture.height > picture.width
    assert quarter_turned == 2  # scan-09's two values: a page turned a quarter
