"""A user's own schema from a file: loaded by --schema path.py:Model and filled by the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_pdfs import pdf_of

from extract.backends.rules import RulesBackend
from extract.grounding import grounded_values
from schemas import SchemaNotFound, resolved_schema_spec, schema_named
from schemas.base import field_specs, field_values

PURCHASE_ORDER = '''
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import CitedCode, CitedDate, CitedMoney, CitedNumber, CitedText, cited


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article: CitedText = cited("Article ordered.", ["article", "part"])
    pieces: CitedNumber = cited("How many.", ["pieces", "qty"])
    price_each: CitedMoney = cited("Price of one.", ["price each"])
    line_value: CitedMoney = cited("Line value.", ["line value"])


class PurchaseOrder(BaseModel):
    """A purchase order: what a buyer orders from a supplier."""

    model_config = ConfigDict(extra="forbid")
    po_number: CitedCode = cited("The order's number.", ["po number", "order no"])
    order_date: CitedDate = cited("When it was ordered.", ["order date"])
    delivery_date: CitedDate = cited("When it must arrive.", ["deliver by"])
    supplier: CitedText = cited("Who supplies.", ["supplier"], role="party")
    order_value: CitedMoney = cited("Total order value.", ["order value"], ends_list=True)
    lines: list[OrderLine] = Field(default_factory=list)
'''


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_schema.py"
    path.write_text(PURCHASE_ORDER, encoding="utf-8")
    return path


def test_a_schema_file_loads_by_path_and_model_name(schema_file: Path) -> None:
    model = schema_named(f"{schema_file}:PurchaseOrder")
    assert model.__name__ == "PurchaseOrder"
    paths = [spec.path for spec in field_specs(model)]
    assert paths[:3] == ["po_number", "order_date", "delivery_date"]
    assert "lines.price_each" in paths


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nowhere.py:Model", "not found"),
        ("{file}:Missing", "is not a pydantic model"),
        ("purchase_order", "unknown schema"),
    ],
)
def test_bad_schema_specs_say_what_is_wrong(schema_file: Path, spec: str, message: str) -> None:
    with pytest.raises(SchemaNotFound, match=message):
        schema_named(spec.format(file=schema_file))


def test_the_rules_backend_fills_a_schema_it_has_never_seen(
    schema_file: Path, tmp_path: Path
) -> None:
    model = schema_named(f"{schema_file}:PurchaseOrder")
    page = [
        (60, 50, "Harbour Foods Ltd"),
        (320, 50, "PURCHASE ORDER"),
        (320, 70, "PO Number: PO-88123"),
        (320, 84, "Order date: 12/03/2018"),
        (320, 98, "Deliver by: 30/03/2018"),
        (60, 130, "Supplier: Kestrel Packaging GmbH"),
        (60, 180, "Article"), (300, 180, "Pieces"), (380, 180, "Price each"),
        (480, 180, "Line value"),
        (60, 196, "Carton 40x30"), (300, 196, "500"), (380, 196, "0.80"), (480, 196, "400.00"),
        (60, 210, "Pallet wrap"), (300, 210, "10"), (380, 210, "12.50"), (480, 210, "125.00"),
        (380, 240, "Order value"), (480, 240, "GBP 525.00"),
    ]  # fmt: skip
    document = pdf_of(tmp_path / "po.pdf", [page])
    result = RulesBackend().extract(document, model).result
    checked = grounded_values(document, field_values(result))
    assert all(v.grounded for v in checked if v.grounded is not None)
    values = {(v.value.field, v.value.item): v.value.value for v in checked}
    assert values[("po_number", None)] == "PO-88123"
    assert values[("order_date", None)] == "2018-03-12"
    assert values[("delivery_date", None)] == "2018-03-30"
    assert values[("supplier", None)] == "Kestrel Packaging GmbH"
    assert values[("order_value", None)] == "525.00"
    assert values[("lines.article", 2)] == "Pallet wrap"
    assert values[("lines.pieces", 1)] == "500"
    assert values[("lines.price_each", 1)] == "0.80"
    assert values[("lines.line_value", 2)] == "125.00"
    assert ("lines.article", 3) not in values


def test_extract_run_takes_a_schema_file(schema_file: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from extract.cli import cli

    folder = tmp_path / "pdfs"
    folder.mkdir()
    pdf_of(folder / "po.pdf", [[(60, 50, "Harbour Foods Ltd"), (320, 70, "PO Number: PO-1")]])
    workbook = tmp_path / "contract.xlsx"
    args = ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    result = CliRunner().invoke(cli, [*args, "--schema", f"{schema_file}:PurchaseOrder"])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(workbook)["extractions"].iter_rows(values_only=True))
    assert ("po_number", "PO-1") in {(row[2], row[4]) for row in rows}
    bad = CliRunner().invoke(cli, [*args, "--schema", f"{schema_file}:Nope"])
    assert bad.exit_code != 0 and "Nope" in bad.output


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("from pydantic import BaseModel\nclass M(BaseModel):\n    x: int = \n", "SyntaxError"),
        ("import not_a_module_anywhere\n", "ModuleNotFoundError"),
        ("raise RuntimeError('bad\\nthing')\n", "RuntimeError: bad thing"),
    ],
)
def test_a_broken_schema_file_is_one_line_from_the_cli(
    tmp_path: Path, source: str, error: str
) -> None:
    from click.testing import CliRunner

    from extract.cli import cli

    bad = tmp_path / "bad.py"
    bad.write_text(source, encoding="utf-8")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    pdf_of(folder / "po.pdf", [[(60, 50, "PO Number: PO-1")]])
    args = ["run", str(folder), "--workbook", str(tmp_path / "c.xlsx"), "--backend", "rules"]
    result = CliRunner().invoke(cli, [*args, "--schema", f"{bad}:M"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert str(bad) in lines[0] and error in lines[0]


def test_a_relative_schema_path_resolves_for_storing(
    schema_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = f"{schema_file.name}:PurchaseOrder"  # as the user typed it, in its folder
    assert schema_named(spec).__name__ == "PurchaseOrder"
    stored = resolved_schema_spec(spec)
    assert stored == f"{schema_file.resolve()}:PurchaseOrder"
    assert resolved_schema_spec("invoice") == "invoice"
    monkeypatch.chdir(tmp_path.parent)  # scoring later, from another folder
    assert schema_named(stored).__name__ == "PurchaseOrder"
    with pytest.raises(SchemaNotFound, match="not found"):
        resolved_schema_spec("nowhere.py:PurchaseOrder")
