"""`extract export`: the tables Power BI loads, with real dates and decimal numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from contract.merge import key_of
from extract.cli import cli


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("export")
    folder = root / "pdfs"
    shutil.copytree(Path(__file__).parent.parent / "samples" / "pdfs", folder)
    path = root / "contract.xlsx"
    args = ["run", str(folder), "--workbook", str(path), "--backend", "rules"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    book = load_workbook(path)
    first = next(book["extractions"].iter_rows(min_row=2, values_only=True))
    book["corrections"].append([first[0], "total", None, "1.234,50", "client", None])
    book.save(path)
    return path


def export(workbook: Path, out: Path, format: str) -> None:
    args = ["export", "--workbook", str(workbook), "--out", str(out), "--format", format]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


def check(documents: pd.DataFrame, items: pd.DataFrame, values: pd.DataFrame) -> None:
    assert len(documents) == 25 and documents["doc_id"].is_unique
    for column in ("subtotal", "tax", "total"):
        assert pd.api.types.is_float_dtype(documents[column]), column
    for column in ("amount", "quantity", "unit_price"):
        assert pd.api.types.is_float_dtype(items[column]), column
    assert len(items) > 50 and set(items["doc_id"]) <= set(documents["doc_id"])
    assert {"model", "client"} <= set(values["source"])
    corrected = values[(values["source"] == "client")].iloc[0]
    assert corrected["value_number"] == 1234.5 and bool(corrected["is_final"])
    row = documents[documents["doc_id"] == corrected["doc_id"]].iloc[0]
    assert row["total"] == 1234.5


def test_csv_loads_with_dates_and_numbers(workbook: Path, tmp_path: Path) -> None:
    export(workbook, tmp_path, "csv")
    documents = pd.read_csv(tmp_path / "documents.csv", parse_dates=["issue_date", "due_date"])
    items = pd.read_csv(tmp_path / "line_items.csv")
    values = pd.read_csv(tmp_path / "values.csv", parse_dates=["value_date"])
    assert pd.api.types.is_datetime64_any_dtype(documents["issue_date"])
    assert documents["issue_date"].notna().sum() >= 12
    check(documents, items, values)


def test_parquet_has_date_and_double_types(workbook: Path, tmp_path: Path) -> None:
    export(workbook, tmp_path, "parquet")
    tables = [
        pd.read_parquet(tmp_path / f"{name}.parquet", dtype_backend="pyarrow")
        for name in ("documents", "line_items", "values")
    ]
    assert str(tables[0]["issue_date"].dtype) == "date32[day][pyarrow]"
    assert str(tables[2]["value_date"].dtype) == "date32[day][pyarrow]"
    check(
        *(
            table.astype({c: "float64" for c in table.columns if "double" in str(table[c].dtype)})
            for table in tables
        )
    )


def test_xlsx_is_one_workbook_of_named_tables(workbook: Path, tmp_path: Path) -> None:
    export(workbook, tmp_path, "xlsx")
    path = tmp_path / "export.xlsx"
    book = load_workbook(path)
    assert {name: list(book[name].tables) for name in book.sheetnames} == {
        "documents": ["documents"],
        "line_items": ["line_items"],
        "values": ["values"],
    }
    sheets = pd.read_excel(path, sheet_name=None)
    assert pd.api.types.is_datetime64_any_dtype(sheets["documents"]["issue_date"])
    check(sheets["documents"], sheets["line_items"], sheets["values"])


def test_parquet_without_pyarrow_says_how_to_get_it(workbook: Path, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None;"
        "from extract.cli import main; sys.argv = ['extract'] + sys.argv[1:]; main()"
    )
    args = ["export", "--workbook", str(workbook), "--out", str(tmp_path), "--format", "parquet"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'pdf-extract[parquet]'" in lines[0], done.stderr
    assert not list(tmp_path.glob("*.parquet"))


def test_keys_match_the_workbook(workbook: Path, tmp_path: Path) -> None:
    from contract.workbook import load_contract

    export(workbook, tmp_path, "csv")
    values = pd.read_csv(tmp_path / "values.csv", dtype={"doc_id": str})
    model = values[values["source"].isin(["model", "embedded_xml", "needs review"])]
    extractions = load_contract(workbook).sheet("extractions")
    assert len(model) == len(extractions)
    assert set(model["doc_id"]) == {key_of(row)[0] for row in extractions}
