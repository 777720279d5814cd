"""What the rules need of a schema, worked out once: its fields, labels, cues and sums."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from extract.rules.cues import CueIndex
from extract.rules.labels import LabelIndex
from extract.rules.tables import StopLabels
from extract.rules.totals import SumRule
from schemas.base import FieldSpec, field_specs


@dataclass(frozen=True)
class SchemaRules:
    """What the rules need of a schema, worked out once: its fields, labels, cues and sums."""

    scalar: list[FieldSpec]
    lists: dict[str, tuple[list[FieldSpec], LabelIndex]]
    labels: LabelIndex
    cues: CueIndex
    stops: StopLabels
    sum_rules: tuple[SumRule, ...]


def schema_rules(schema: type[BaseModel]) -> SchemaRules:
    specs = field_specs(schema)
    scalar = [spec for spec in specs if spec.list_field is None]
    grouped: dict[str, list[FieldSpec]] = {}
    for spec in specs:
        if spec.list_field is not None:
            grouped.setdefault(spec.list_field, []).append(spec)
    sum_rules = tuple(getattr(schema, "sum_rules", ()))
    return SchemaRules(
        scalar=scalar,
        lists={name: (group, LabelIndex(group)) for name, group in grouped.items()},
        labels=LabelIndex(scalar),
        cues=CueIndex(scalar, sum_rules),
        stops=StopLabels(
            totals={spec.path for spec in scalar if spec.kind == "money"},
            final={spec.path for spec in scalar if spec.extra.get("ends_list")},
        ),
        sum_rules=sum_rules,
    )
