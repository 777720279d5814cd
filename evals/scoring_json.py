"""A scoring as JSON-ready data, for machines (`extract score --json`).

The same figures the terminal tables show, with keys and labels spelled out.
"""

from __future__ import annotations

from typing import Any

from evals.regression import Comparison
from evals.scoring import Scoring


def scoring_json(result: Scoring) -> dict[str, Any]:
    """The scoring as JSON-ready data, for machines (--json)."""
    files = result.files
    splits = {d["doc_id"]: d["split"] for d in result.documents}
    data: dict[str, Any] = {
        "run": {k: result.run.get(k) for k in ("run_id", "backend", "model", "schema")},
        "split": result.split,
        "split_looks": result.looks,
        "documents_scored": len(result.documents),
        "labels": {"source": result.label_source, "undecided": result.scores.undecided},
        "overall": result.scores.overall.as_dict(),
        "fields": {
            name: result.scores.by_field[name].as_dict()
            for name in result.fields
            if name in result.scores.by_field
        },
        "documents": {
            doc_id: {"file": files.get(doc_id), "split": splits.get(doc_id), **t.as_dict()}
            for doc_id, t in result.scores.by_document.items()
        },
        "calibration": result.calibration.as_dict(),
    }
    if result.people is not None:
        data["labels"].update(
            {
                "corrections": result.people.corrections,
                "alpha": result.people.alpha,
                "pairs": [
                    {
                        "testers": [p.first, p.second],
                        "shared": p.shared,
                        "agreed": p.agreed,
                        "percent": p.percent,
                        "kappa": p.kappa,
                    }
                    for p in result.people.pairs
                ],
                "disagreements": [
                    {
                        "key": list(d.key),
                        "opinions": {o.tester: o.label.describe() for o in d.opinions},
                    }
                    for d in result.people.disagreements
                ],
                "unreadable_verdicts": [
                    {"key": list(key), "verdict": v} for key, v in result.people.unreadable
                ],
            }
        )
    if result.comparison is not None:
        data["against"] = comparison_dict(result.comparison, result.fields)
    return data


def comparison_dict(comparison: Comparison, fields: list[str]) -> dict[str, Any]:
    """The comparison with a baseline run (--against): figures before and now, keys that moved."""

    def moved(pairs: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "key": list(now.key),
                "before": before.predicted,
                "now": now.predicted,
                "label": now.label.describe(),
            }
            for now, before in pairs
        ]

    return {
        "run_id": comparison.baseline_run,
        "keys": comparison.current.overall.labeled,
        "overall": {
            "before": comparison.baseline.overall.as_dict(),
            "now": comparison.current.overall.as_dict(),
        },
        "fields": {
            name: {
                "before": comparison.baseline.by_field[name].as_dict(),
                "now": comparison.current.by_field[name].as_dict(),
            }
            for name in fields
            if name in comparison.current.by_field and name in comparison.baseline.by_field
        },
        "worse": moved(comparison.worse),
        "better": moved(comparison.better),
    }
