"""Evidence first: in every cited value the schema sent to the model asks for page and quote
before value, so the model copies what is printed before it says what the value is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fake_anthropic import FakeAnthropic, write_invoices

from extract.backends import BackendOptions
from extract.prompt import INSTRUCTIONS
from extract.run import RunOptions, execute

EVIDENCE = ("page", "quote", "value")


def cited_objects(node: Any) -> list[list[str]]:
    """The property names, in order, of every object schema that has a value and a quote."""
    found: list[list[str]] = []
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and {"value", "quote"} <= set(properties):
            found.append(list(properties))
        for child in node.values():
            found.extend(cited_objects(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(cited_objects(child))
    return found


def test_the_schema_sent_asks_for_page_and_quote_before_value(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    folder = tmp_path / "pdfs"
    write_invoices(folder, 1)
    execute(
        RunOptions(
            folder=folder,
            workbook=tmp_path / "contract.xlsx",
            backend="anthropic",
            backend_options=BackendOptions(timeout_s=5.0, max_retries=0),
        )
    )
    (request,) = fake.messages()
    schema = request.body["output_config"]["format"]["schema"]
    objects = cited_objects(schema)
    assert len(objects) == 5  # one definition per kind: text, code, date, money, number
    for names in objects:
        assert [name for name in names if name in EVIDENCE] == list(EVIDENCE), names
    system = " ".join(block["text"] for block in request.body["system"])
    assert "write `page`, then `quote`, then `value`" in system


def test_the_instructions_say_to_copy_before_normalising() -> None:
    assert INSTRUCTIONS.index("`page` is") < INSTRUCTIONS.index("`quote` is")
    assert INSTRUCTIONS.index("`quote` is") < INSTRUCTIONS.index("`value` is")
