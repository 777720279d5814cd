"""Building blocks of SGR schemas: cited values, field metadata, and the flat view of a result.

A schema is a pydantic model whose field order is the order of reasoning. Every extracted
value is a ``Cited*`` model (value, page, quote) so that it can be checked against the PDF.
Field metadata (``json_schema_extra``) carries what an offline backend needs: labels and kind.
This module imports nothing else of the project, so every stage can depend on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

Kind = Literal["text", "date", "money", "number", "code"]
KINDS: tuple[Kind, ...] = get_args(Kind)


class Cited(BaseModel):
    """A value with the page and verbatim quote it was read from.

    Evidence first: ``page`` and ``quote`` come before ``value`` (subclasses that narrow
    ``value`` keep its place), so a model writes down what is printed before it decides what
    the value is, the order of schema-guided reasoning.
    """

    model_config = ConfigDict(extra="forbid")
    kind: ClassVar[Kind] = "text"

    page: int | None = Field(
        default=None, ge=1, description="1-based page number the value is printed on."
    )
    quote: str | None = Field(
        default=None,
        description="Verbatim text copied from that page that shows the value as printed.",
    )
    value: Any = None


class CitedText(Cited):
    kind: ClassVar[Kind] = "text"
    value: str | None = Field(default=None, description="The text as printed, or null if absent.")


class CitedCode(Cited):
    kind: ClassVar[Kind] = "code"
    value: str | None = Field(
        default=None, description="The identifier or code as printed, or null if absent."
    )


class CitedDate(Cited):
    kind: ClassVar[Kind] = "date"
    value: date | None = Field(default=None, description="The date in ISO form YYYY-MM-DD.")


class CitedMoney(Cited):
    kind: ClassVar[Kind] = "money"
    value: Decimal | None = Field(
        default=None, description="The amount as a plain decimal number, e.g. 1234.50."
    )


class CitedNumber(Cited):
    kind: ClassVar[Kind] = "number"
    value: Decimal | None = Field(default=None, description="The number as a plain decimal.")


CITED_BY_KIND: dict[Kind, type[Cited]] = {
    "text": CitedText,
    "code": CitedCode,
    "date": CitedDate,
    "money": CitedMoney,
    "number": CitedNumber,
}


def cited(
    description: str, labels: list[str] | None = None, **extra: Any
) -> Any:  # returns a pydantic FieldInfo; typed Any so it fits any annotation
    """A field whose metadata lists the printed labels that announce the value."""
    meta: dict[str, Any] = {"labels": labels or [], **extra}
    return Field(
        default_factory=dict, validate_default=True, description=description, json_schema_extra=meta
    )


@dataclass(frozen=True)
class FieldSpec:
    """One leaf value field of a schema, as the backends, workbook and evals see it."""

    path: str  # dotted: "total", "line_items.amount"
    kind: Kind
    labels: tuple[str, ...]
    description: str
    list_field: str | None = None  # "line_items" for a field of a list item
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FieldValue:
    """One value of a result, flattened: the unit the workbook, grounding and evals share."""

    field: str
    item: int | None
    value: str | None  # canonical text: ISO date, plain decimal, or the text itself
    page: int | None
    quote: str | None
    kind: Kind

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.field, self.item)


def _cited_type(annotation: Any) -> type[Cited] | None:
    if isinstance(annotation, type) and issubclass(annotation, Cited):
        return annotation
    return None


def _list_item_model(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is list:
        (inner,) = get_args(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return None


def _spec(path: str, kind: Kind, info: FieldInfo, list_field: str | None) -> FieldSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    labels = extra.get("labels", [])
    return FieldSpec(
        path=path,
        kind=kind,
        labels=tuple(str(label) for label in labels) if isinstance(labels, list) else (),
        description=info.description or "",
        list_field=list_field,
        extra={k: v for k, v in extra.items() if k != "labels"},
    )


def field_specs(schema: type[BaseModel]) -> list[FieldSpec]:
    """The schema's value fields in reasoning order; list items' fields as ``list.field``."""
    specs: list[FieldSpec] = []
    for name, info in schema.model_fields.items():
        cited_type = _cited_type(info.annotation)
        if cited_type is not None:
            specs.append(_spec(name, cited_type.kind, info, None))
            continue
        item_model = _list_item_model(info.annotation)
        if item_model is None:
            continue
        for sub_name, sub_info in item_model.model_fields.items():
            sub_type = _cited_type(sub_info.annotation)
            if sub_type is not None:
                specs.append(_spec(f"{name}.{sub_name}", sub_type.kind, sub_info, name))
    return specs


def canonical(value: Any, kind: Kind = "text") -> str | None:
    """The text form a value takes in the workbook and store: ISO dates, plain decimals.

    Money shows at least two decimals and every printed one ("1234.50", "0.125"); other
    numbers lose trailing zeros ("2", "1.5"). No digit is ever rounded away.
    """
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return _canonical_decimal(value, kind == "money")
    text = str(value).strip()
    return text or None


@lru_cache(maxsize=1024)
def _canonical_decimal(value: Decimal, money: bool) -> str:
    """Cached (prices and quantities repeat): equal Decimals ("1.5", "1.50") give one text."""
    text = format(abs(value) if value == 0 else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    if money:
        decimals = len(text.partition(".")[2])
        text = f"{Decimal(text):.{max(decimals, 2)}f}"
    return text


def _flat(cited_value: Cited, path: str, item: int | None) -> FieldValue:
    kind = cited_value.kind
    # positional: a frozen dataclass is built markedly faster so, and a result has many rows
    return FieldValue(
        path,
        item,
        canonical(cited_value.value, kind),
        cited_value.page,
        cited_value.quote,
        kind,
    )


def field_values(result: BaseModel) -> list[FieldValue]:
    """Every cited value of a result, flattened to (field, item) rows in schema order."""
    rows: list[FieldValue] = []
    for name in type(result).model_fields:
        attr = getattr(result, name)
        if isinstance(attr, Cited):
            rows.append(_flat(attr, name, None))
        elif isinstance(attr, list):
            paths: dict[type[BaseModel], list[tuple[str, str]]] = {}  # item type -> its fields
            for index, entry in enumerate(attr, start=1):
                if not isinstance(entry, BaseModel):
                    continue
                fields = paths.get(type(entry))
                if fields is None:
                    fields = paths[type(entry)] = [
                        (sub_name, f"{name}.{sub_name}") for sub_name in type(entry).model_fields
                    ]
                for sub_name, path in fields:
                    sub = getattr(entry, sub_name)
                    if isinstance(sub, Cited):
                        rows.append(_flat(sub, path, index))
    return rows


def schema_hash(schema: type[BaseModel]) -> str:
    """Changes whenever the JSON schema (fields, descriptions, metadata) changes: a cache key."""
    text = json.dumps(schema.model_json_schema(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
