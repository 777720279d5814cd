"""Run values are kept once per distinct content, and a store from before that is migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from extract.store import MIGRATIONS, Store

DOCUMENT = {
    "doc_id": "abc123abc123",
    "file": "a.pdf",
    "sha256": "ab" * 32,
    "pages": 1,
    "status": "ok",
    "error": "",
    "cached": 0,
    "source": "model",
}
VALUES: list[dict[str, Any]] = [
    {
        "doc_id": "abc123abc123",
        "field": "total",
        "item": None,
        "value": "12.50",
        "page": 1,
        "quote": "Total 12,50",
        "grounded": 1,
        "kind": "money",
        "source": "model",
        "confidence": 0.97,
        "box": [72.0, 700.5, 140.25, 712.0],
    },
    {
        "doc_id": "abc123abc123",
        "field": "line_items.amount",
        "item": 2,
        "value": None,
        "page": None,
        "quote": None,
        "grounded": None,
        "kind": "money",
        "source": "model",
        "confidence": None,
        "box": None,
    },
]


def expected(run_id: str) -> list[dict[str, Any]]:
    return [{**value, "run_id": run_id, "file": "a.pdf"} for value in VALUES]


def test_runs_with_the_same_values_share_one_copy(tmp_path: Path) -> None:
    store = Store(tmp_path / "contract.db")
    store.record_document("run-1", DOCUMENT, VALUES)
    digest = store.keep_values(VALUES)
    store.record_document("run-2", {**DOCUMENT, "cached": 1}, [], "run-1", digest)
    assert store.run_values("run-1") == expected("run-1")
    assert store.run_values("run-2") == expected("run-1")  # made by run-1, from the cache
    assert store.db.execute("SELECT COUNT(*) FROM value_sets").fetchone()[0] == 1
    assert store.run_content("run-1") == store.run_content("run-2")
    store.record_document("run-3", DOCUMENT, VALUES[:1])
    assert store.run_content("run-3") != store.run_content("run-1")
    store.close()


def test_a_store_from_before_value_sets_keeps_every_value(tmp_path: Path) -> None:
    path = tmp_path / "contract.db"
    db = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:5], start=1):
        migration(db)
        db.execute(f"PRAGMA user_version={number}")
    db.execute(
        "INSERT INTO run_documents (run_id, doc_id, file, sha256, pages, status, error, cached,"
        " source) VALUES ('old', :doc_id, :file, :sha256, :pages, :status, :error, :cached,"
        " :source)",
        DOCUMENT,
    )
    db.executemany(
        "INSERT INTO run_values (run_id, doc_id, field, item, value, page, quote, grounded,"
        " kind, source) VALUES ('old', :doc_id, :field, :item, :value, :page, :quote,"
        " :grounded, :kind, :source)",
        VALUES,
    )
    db.close()
    store = Store(path)
    older = [{**value, "confidence": None, "box": None} for value in expected("old")]
    assert store.run_values("old") == older  # kept before confidence and box existed
    assert "run_values" not in {
        row[0] for row in store.db.execute("SELECT name FROM sqlite_master")
    }
    store.close()
