"""The run store: one SQLite file beside the workbook, the pipeline's system of record.

It holds the extraction cache, every request sent to a provider, and every run's values,
so that any two runs can be compared. Each document is committed as it finishes, so a
killed run loses at most the documents in flight. Migrations are an ordered list of small
functions; the schema version is SQLite's user_version.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

Migration = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class SentRequest:
    """One request a backend sent to a provider: a row of the requests table, never a key.

    It lives beside the table it fills, so the store depends on no backend.
    """

    doc_id: str
    model: str
    attempt: int
    started: str
    latency_ms: float
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    stop_reason: str = ""
    error: str = ""
    provider: str = ""  # the backend that sent it: anthropic, openai


def _statements(db: sqlite3.Connection, script: str) -> None:
    """Each statement on its own: executescript would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_core(db: sqlite3.Connection) -> None:
    _statements(
        db,
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, backend TEXT, model TEXT,
            schema TEXT, docs INTEGER DEFAULT 0, ok INTEGER DEFAULT 0, failed INTEGER DEFAULT 0,
            cached INTEGER DEFAULT 0, input_tokens INTEGER DEFAULT 0,
            output_tokens INTEGER DEFAULT 0, cost_usd REAL DEFAULT 0,
            accuracy REAL, hallucination_rate REAL, folder TEXT
        );
        CREATE TABLE run_documents (
            run_id TEXT NOT NULL, doc_id TEXT NOT NULL, file TEXT, sha256 TEXT, pages INTEGER,
            status TEXT, error TEXT, cached INTEGER DEFAULT 0, source TEXT,
            PRIMARY KEY (run_id, doc_id)
        );
        CREATE TABLE run_values (
            run_id TEXT NOT NULL, doc_id TEXT NOT NULL, field TEXT NOT NULL, item INTEGER,
            value TEXT, page INTEGER, quote TEXT, grounded INTEGER, kind TEXT, source TEXT
        );
        CREATE INDEX run_values_by_run ON run_values (run_id, doc_id);
        CREATE TABLE extraction_cache (
            key TEXT PRIMARY KEY, doc_id TEXT, backend TEXT, model TEXT, source TEXT,
            result_json TEXT NOT NULL, usage_json TEXT, created TEXT
        );
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, doc_id TEXT, model TEXT,
            attempt INTEGER, started TEXT, latency_ms REAL, input_tokens INTEGER,
            output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER,
            cost_usd REAL, stop_reason TEXT, error TEXT
        );
        """,
    )


def _m002_parse_cache(db: sqlite3.Connection) -> None:
    """Parsed pages by PDF content, so an unchanged PDF is never parsed twice."""
    _statements(
        db,
        """
        CREATE TABLE parse_cache (
            sha256 TEXT NOT NULL, parser TEXT NOT NULL, pages_blob BLOB NOT NULL,
            status TEXT, error TEXT, created TEXT, PRIMARY KEY (sha256, parser)
        )
        """,
    )


def _m003_scorings(db: sqlite3.Connection) -> None:
    """Every scoring of a run, so the team sees how often the holdout was looked at."""
    _statements(
        db,
        """
        CREATE TABLE scorings (
            id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, split TEXT, against TEXT,
            labeled INTEGER, accuracy REAL, hallucination_rate REAL, omission_rate REAL,
            created TEXT
        )
        """,
    )


def _m004_batches(db: sqlite3.Connection) -> None:
    """Provider batches in flight, so a killed run resumes a batch instead of paying twice."""
    _statements(
        db,
        """
        CREATE TABLE batches (
            batch_id TEXT PRIMARY KEY, run_id TEXT, model TEXT, status TEXT,
            requests_json TEXT, created TEXT, finished TEXT
        )
        """,
    )


def _m005_batch_answers(db: sqlite3.Connection) -> None:
    """Every answer a provider batch gave, kept before the batch is marked ended: a run killed
    while using them, or one that wanted only some, never pays for them again."""
    _statements(
        db,
        """
        CREATE TABLE batch_answers (
            custom_id TEXT PRIMARY KEY, batch_id TEXT, doc_id TEXT, model TEXT,
            result_json TEXT, usage_json TEXT, error TEXT, created TEXT
        )
        """,
    )


# a document's values as stored in a value set: one list per value, in this order
VALUE_COLUMNS = (
    "field",
    "item",
    "value",
    "page",
    "quote",
    "grounded",
    "kind",
    "source",
    "confidence",  # in [0, 1]: how sure the checks are of the value (extract.confidence)
    "box",  # [x0, top, x1, bottom] in PDF points of the quote on its page, or None
)
# value sets kept before a column existed read it as None
_PADDING = (None,) * len(VALUE_COLUMNS)
# a run's value as iter_run_values gives it: who made it, its document, its columns, its file
RUN_VALUE_KEYS = ("run_id", "doc_id", *VALUE_COLUMNS, "file")


def value_set(values: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """A document's values as compact JSON and its digest. Values are text, as the store
    always kept them (so a value reads back the same whichever run wrote it)."""
    rows = [
        [
            value.get("field"),
            value.get("item"),
            None if value.get("value") is None else str(value["value"]),
            value.get("page"),
            value.get("quote"),
            value.get("grounded"),
            value.get("kind"),
            value.get("source"),
            value.get("confidence"),
            value.get("box"),
        ]
        for value in values
    ]
    # rows of plain values, never circular: not checked (a tenth of the time)
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32], text


NO_VALUES = value_set([])[0]  # the digest of a document's values when it has none


def _m006_value_sets(db: sqlite3.Connection) -> None:
    """A document's values are kept once per distinct content, not once per run: re-running a
    folder after a prompt change stores only what changed, and a warm run writes 1 row a
    document instead of hundreds. ``made_by`` is the run whose extraction the values are
    (an earlier run's, for an answer from the cache); the cache remembers it too."""
    _statements(
        db,
        """
        CREATE TABLE value_sets (digest TEXT PRIMARY KEY, rows_json TEXT NOT NULL) WITHOUT ROWID;
        ALTER TABLE run_documents ADD COLUMN values_digest TEXT;
        ALTER TABLE run_documents ADD COLUMN made_by TEXT;
        ALTER TABLE extraction_cache ADD COLUMN run_id TEXT;
        CREATE TABLE workbook_saves (path TEXT PRIMARY KEY, saved_json TEXT NOT NULL)
        """,
    )
    documents = db.execute("SELECT run_id, doc_id FROM run_documents").fetchall()
    for run_id, doc_id in documents:
        cursor = db.execute(
            "SELECT * FROM run_values WHERE run_id = ? AND doc_id = ? ORDER BY rowid",
            (run_id, doc_id),
        )
        names = [column[0] for column in cursor.description]
        digest, text = value_set([dict(zip(names, row, strict=True)) for row in cursor])
        db.execute("INSERT OR IGNORE INTO value_sets VALUES (?, ?)", (digest, text))
        db.execute(
            "UPDATE run_documents SET values_digest = ?, made_by = run_id"
            " WHERE run_id = ? AND doc_id = ?",
            (digest, run_id, doc_id),
        )
    db.execute("DROP TABLE run_values")


def _m007_providers(db: sqlite3.Connection) -> None:
    """Which provider sent each request and answered each document, and per finished run
    what each (provider, model) answered and cost: a run with a fallback chain shows them."""
    _statements(
        db,
        """
        ALTER TABLE requests ADD COLUMN provider TEXT;
        ALTER TABLE run_documents ADD COLUMN backend TEXT;
        ALTER TABLE run_documents ADD COLUMN model TEXT;
        CREATE INDEX requests_by_run ON requests (run_id);
        CREATE TABLE run_shares (
            run_id TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
            docs INTEGER, ok INTEGER, cached INTEGER, input_tokens INTEGER,
            output_tokens INTEGER, cost_usd REAL, PRIMARY KEY (run_id, backend, model)
        )
        """,
    )


def _m008_thresholds(db: sqlite3.Connection) -> None:
    """The review threshold a run's final used, and what each scoring measured: the
    threshold it recommends and the straight-through rate at it (see evals.calibration)."""
    _statements(
        db,
        """
        ALTER TABLE runs ADD COLUMN accept_above REAL;
        ALTER TABLE runs ADD COLUMN recommended_threshold REAL;
        ALTER TABLE runs ADD COLUMN straight_through REAL;
        ALTER TABLE scorings ADD COLUMN recommended_threshold REAL;
        ALTER TABLE scorings ADD COLUMN straight_through REAL
        """,
    )


MIGRATIONS: list[Migration] = [
    _m001_core,
    _m002_parse_cache,
    _m003_scorings,
    _m004_batches,
    _m005_batch_answers,
    _m006_value_sets,
    _m007_providers,
    _m008_thresholds,
]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredAnswer:
    """One request of a provider batch as answered: the schema instance's JSON, or an error."""

    custom_id: str
    doc_id: str
    model: str
    result: dict[str, Any] | None
    usage: dict[str, Any]
    error: str = ""


def _value_rows(text: str) -> Iterator[list[Any]]:
    """A value set's rows, one cell per VALUE_COLUMNS; columns added since it was kept read
    as None."""
    width = len(VALUE_COLUMNS)
    for row in json.loads(text):
        yield row if len(row) >= width else [*row, *_PADDING[len(row) :]]


def _value_dicts(text: str) -> Iterator[dict[str, Any]]:
    """A value set's rows by column name."""
    for row in _value_rows(text):
        yield dict(zip(VALUE_COLUMNS, row, strict=True))


def _reads_json(db: sqlite3.Connection) -> bool:
    """SQLite's JSON functions are there (built in since 3.38, often compiled in before)."""
    try:
        db.execute("SELECT json_remove('{}', '$.a')").fetchone()
    except sqlite3.OperationalError:
        return False
    return True


def run_values_of(path: Path, run_id: str) -> Iterator[dict[str, Any]]:
    """Store.iter_run_values on a connection of its own, opened when the first value is
    asked for: safe in a forked process, where the parent's connection must not be used."""
    store = Store(path)
    try:
        yield from store.iter_run_values(run_id)
    finally:
        store.close()


class Store:
    """A thin, typed layer over the SQLite file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._lock = threading.RLock()
        self._json = _reads_json(self.db)
        self._migrate()

    @classmethod
    def beside(cls, workbook: Path) -> Store:
        """The store that belongs to a workbook: contract.xlsx -> contract.db."""
        return cls(workbook.with_suffix(".db"))

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version={number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # runs -----------------------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        backend: str,
        model: str,
        schema: str,
        folder: str,
        accept_above: float | None = None,
    ) -> None:
        """``accept_above``: the review threshold this run's final accepts values at."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, started, backend, model, schema, folder, accept_above)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, now(), backend, model, schema, folder, accept_above),
            )

    def finish_run(self, run_id: str) -> None:
        """Totals come from what was recorded, so they are right even after a resume."""
        with self.transaction() as db:
            db.execute(
                """
                UPDATE runs SET finished = ?,
                  docs = (SELECT COUNT(*) FROM run_documents WHERE run_id = runs.run_id),
                  ok = (SELECT COUNT(*) FROM run_documents
                        WHERE run_id = runs.run_id AND status = 'ok'),
                  failed = (SELECT COUNT(*) FROM run_documents
                            WHERE run_id = runs.run_id AND status != 'ok'),
                  cached = (SELECT COUNT(*) FROM run_documents
                            WHERE run_id = runs.run_id AND cached = 1),
                  input_tokens = (SELECT COALESCE(SUM(input_tokens), 0) FROM requests
                                  WHERE run_id = runs.run_id),
                  output_tokens = (SELECT COALESCE(SUM(output_tokens), 0) FROM requests
                                   WHERE run_id = runs.run_id),
                  cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM requests
                              WHERE run_id = runs.run_id)
                WHERE run_id = ?
                """,
                (now(), run_id),
            )
            self._keep_shares(db, run_id)

    def set_run_scores(
        self,
        run_id: str,
        accuracy: float | None,
        hallucination: float | None,
        recommended_threshold: float | None = None,
        straight_through: float | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET accuracy = ?, hallucination_rate = ?,"
                " recommended_threshold = ?, straight_through = ? WHERE run_id = ?",
                (accuracy, hallucination, recommended_threshold, straight_through, run_id),
            )

    def runs(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db.execute("SELECT * FROM runs ORDER BY started, run_id")]

    def latest_run_id(self) -> str | None:
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE finished IS NOT NULL ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None

    # scorings ---------------------------------------------------------------------------

    def record_scoring(
        self,
        run_id: str,
        split: str,
        against: str | None,
        labeled: int,
        accuracy: float | None,
        hallucination: float | None,
        omission: float | None,
        recommended_threshold: float | None = None,
        straight_through: float | None = None,
    ) -> int:
        """Log one scoring; returns how many times this run's ``split`` has now been scored.
        ``straight_through`` None: the scoring measured no confidence (see review_threshold)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO scorings (run_id, split, against, labeled, accuracy,"
                " hallucination_rate, omission_rate, created, recommended_threshold,"
                " straight_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    split,
                    against,
                    labeled,
                    accuracy,
                    hallucination,
                    omission,
                    now(),
                    recommended_threshold,
                    straight_through,
                ),
            )
            row = db.execute(
                "SELECT COUNT(*) FROM scorings WHERE run_id = ? AND split = ?", (run_id, split)
            ).fetchone()
        return int(row[0])

    def review_threshold(self, backend: str, model: str) -> tuple[float | None, str] | None:
        """What the latest scoring of a run by this backend and model recommends, and that
        run: (None, run) when no threshold met the bar; None when none was measured."""
        row = self.db.execute(
            "SELECT s.recommended_threshold, s.run_id FROM scorings s JOIN runs r"
            " ON r.run_id = s.run_id WHERE r.backend = ? AND r.model = ?"
            " AND s.straight_through IS NOT NULL ORDER BY s.id DESC LIMIT 1",
            (backend, model),
        ).fetchone()
        if row is None:
            return None
        return (None if row[0] is None else float(row[0])), str(row[1])

    def scorings(self, run_id: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM scorings" + (" WHERE run_id = ?" if run_id else "") + " ORDER BY id"
        return [dict(row) for row in self.db.execute(query, (run_id,) if run_id else ())]

    def _keep_shares(self, db: sqlite3.Connection, run_id: str) -> None:
        """What each (provider, model) of a run answered (documents, the cache's too) and the
        tokens and cost of the requests it was sent, kept once the run is finished."""
        shares: dict[tuple[str, str], dict[str, Any]] = {}
        empty = ("docs", "ok", "cached", "input_tokens", "output_tokens", "cost_usd")
        answered = db.execute(
            "SELECT backend, COALESCE(model, ''), COUNT(*), SUM(status = 'ok'), SUM(cached)"
            " FROM run_documents WHERE run_id = ? AND backend IS NOT NULL GROUP BY 1, 2",
            (run_id,),
        )
        for backend, model, docs, ok, cached in answered:
            shares.setdefault((backend, model), dict.fromkeys(empty, 0)).update(
                docs=docs, ok=ok or 0, cached=cached or 0
            )
        sent = db.execute(
            "SELECT COALESCE(r.provider, runs.backend), COALESCE(r.model, ''),"
            " SUM(r.input_tokens), SUM(r.output_tokens), SUM(r.cost_usd) FROM requests r"
            " JOIN runs ON runs.run_id = r.run_id WHERE r.run_id = ? GROUP BY 1, 2",
            (run_id,),
        )
        for backend, model, tokens_in, tokens_out, cost in sent:
            shares.setdefault((backend, model), dict.fromkeys(empty, 0)).update(
                input_tokens=tokens_in or 0, output_tokens=tokens_out or 0, cost_usd=cost or 0.0
            )
        db.execute("DELETE FROM run_shares WHERE run_id = ?", (run_id,))
        db.executemany(
            "INSERT INTO run_shares VALUES (:run_id, :backend, :model, :docs, :ok, :cached,"
            " :input_tokens, :output_tokens, :cost_usd)",
            [
                {"run_id": run_id, "backend": backend, "model": model, **figures}
                for (backend, model), figures in shares.items()
            ],
        )

    def run_shares(self, run_id: str) -> list[dict[str, Any]]:
        """Per (provider, model) of a finished run: documents answered, tokens, cost."""
        rows = self.db.execute(
            "SELECT * FROM run_shares WHERE run_id = ? ORDER BY backend, model", (run_id,)
        )
        return [dict(row) for row in rows]

    def runs_and_scorings(self) -> list[dict[str, Any]]:
        """The runs sheet: every run, under it one row per provider and model when more than
        one answered it (a fallback), then one row per scoring that looked at the holdout."""
        shares: dict[str, list[dict[str, Any]]] = {}
        for share in self.db.execute("SELECT * FROM run_shares ORDER BY backend, model"):
            shares.setdefault(share["run_id"], []).append(dict(share))
        rows = []
        for run in self.runs():
            rows.append(run)
            parts = shares.get(run["run_id"], [])
            if len(parts) > 1:
                rows.extend(
                    {
                        **part,
                        "run_id": f"{run['run_id']}:{part['backend']}:{part['model']}",
                        "started": run["started"],
                        "finished": run["finished"],
                        "schema": run["schema"],
                        "failed": part["docs"] - part["ok"],
                        "part_of": run["run_id"],
                    }
                    for part in parts
                )
        by_run = {row["run_id"]: row for row in rows}
        seen: dict[tuple[str, str], int] = {}
        for scoring in self.scorings():
            if scoring["split"] == "dev":
                continue
            run = by_run.get(scoring["run_id"], {})
            number = seen[(scoring["run_id"], scoring["split"])] = (
                seen.get((scoring["run_id"], scoring["split"]), 0) + 1
            )
            rows.append(
                {
                    "run_id": f"{scoring['run_id']}:{scoring['split']}-{number}",
                    "started": scoring["created"],
                    "finished": scoring["created"],
                    "backend": f"score --split {scoring['split']}",
                    "model": run.get("model"),
                    "schema": run.get("schema"),
                    "accuracy": scoring["accuracy"],
                    "hallucination_rate": scoring["hallucination_rate"],
                    "recommended_threshold": scoring["recommended_threshold"],
                    "straight_through": scoring["straight_through"],
                    "part_of": scoring["run_id"],
                }
            )
        return rows

    # documents and values ----------------------------------------------------------------

    def record_document(
        self,
        run_id: str,
        document: dict[str, Any],
        values: Sequence[dict[str, Any]],
        made_by: str = "",
        values_digest: str = "",
    ) -> None:
        """One document's outcome and values, in one transaction: all or nothing. ``made_by``
        is the run that extracted the values (an earlier one for a cached answer); values
        already kept (see keep_values) are named by ``values_digest`` instead."""
        with self.transaction() as db:
            digest = values_digest or self._keep_values(db, values)
            db.execute(
                "INSERT OR REPLACE INTO run_documents"
                " (run_id, doc_id, file, sha256, pages, status, error, cached, source,"
                " values_digest, made_by, backend, model)"
                " VALUES (:run_id, :doc_id, :file, :sha256, :pages, :status, :error, :cached,"
                " :source, :values_digest, :made_by, :backend, :model)",
                {
                    "backend": None,
                    "model": None,
                    **document,
                    "run_id": run_id,
                    "values_digest": digest,
                    "made_by": made_by or run_id,
                },
            )

    def run_documents(self, run_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM run_documents WHERE run_id = ? ORDER BY file, doc_id", (run_id,)
        )
        return [dict(row) for row in rows]

    def run_values(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.iter_run_values(run_id))

    @staticmethod
    def _keep_values(db: sqlite3.Connection, values: Sequence[dict[str, Any]]) -> str:
        digest, text = value_set(values)
        db.execute("INSERT OR IGNORE INTO value_sets VALUES (?, ?)", (digest, text))
        return digest

    def keep_values(self, values: Sequence[dict[str, Any]]) -> str:
        """Keep a document's values once, whichever runs give them; returns their digest."""
        with self.transaction() as db:
            return self._keep_values(db, values)

    def keep_value_set(self, digest: str, text: str) -> None:
        """keep_values for values already made into their set (by value_set, elsewhere)."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO value_sets VALUES (?, ?)", (digest, text))

    def value_set_rows(self, digest: str) -> list[dict[str, Any]] | None:
        """One kept value set, by its digest (see keep_values); None when it is not kept."""
        row = self.db.execute(
            "SELECT rows_json FROM value_sets WHERE digest = ?", (digest,)
        ).fetchone()
        if row is None:
            return None
        return [
            dict(zip(VALUE_COLUMNS, (*values, *_PADDING[len(values) :]), strict=True))
            for values in json.loads(row[0])
        ]

    def iter_run_values(self, run_id: str) -> Iterator[dict[str, Any]]:
        """The run's values, by file then document, one document's value set at a time.
        ``run_id`` in each is the run that extracted it (see record_document). Each is
        made as one dict (a workbook reads a batch run's values twice)."""
        documents = self.db.execute(
            "SELECT d.doc_id, d.file, d.made_by, s.rows_json FROM run_documents d"
            " JOIN value_sets s ON s.digest = d.values_digest"
            " WHERE d.run_id = ? ORDER BY d.file, d.doc_id",
            (run_id,),
        )
        for doc_id, file, made_by, text in documents:
            for row in _value_rows(text):
                yield dict(zip(RUN_VALUE_KEYS, (made_by, doc_id, *row, file), strict=True))

    def documents_last_read(self) -> dict[str, dict[str, Any]]:
        """Per document, the last run that read it: file name, sha256, values digest, and
        that run's folder (where the review pictures look for the PDF)."""
        rows = self.db.execute(
            "SELECT d.doc_id, d.file, d.sha256, d.values_digest, d.run_id, r.folder"
            " FROM run_documents d JOIN runs r ON r.run_id = d.run_id ORDER BY r.rowid"
        )
        return {row["doc_id"]: dict(row) for row in rows}

    def kept_values(self, digest: str) -> list[dict[str, Any]]:
        """A document's values kept under ``digest`` (see keep_values); [] when unknown."""
        row = self.db.execute(
            "SELECT rows_json FROM value_sets WHERE digest = ?", (digest,)
        ).fetchone()
        return [] if row is None else list(_value_dicts(row[0]))

    def run_content(self, run_id: str) -> str:
        """A digest of everything the run gives the workbook's value sheets: which documents,
        under which names, with which values made by which run, and the review threshold
        final accepts them at. Equal digests, equal sheets."""
        digest = hashlib.sha256()
        row = self.db.execute("SELECT accept_above FROM runs WHERE run_id = ?", (run_id,))
        digest.update(json.dumps(list(row.fetchone() or ())).encode())
        rows = self.db.execute(
            "SELECT doc_id, file, made_by, values_digest FROM run_documents"
            " WHERE run_id = ? ORDER BY file, doc_id",
            (run_id,),
        )
        for doc_id, file, made_by, values_digest in rows:
            # a document without values (one that failed) shows in no value sheet: which run
            # read it last changes nothing there, and must not stop a warm re-run copying them
            maker = "" if values_digest == NO_VALUES else made_by
            digest.update(json.dumps([doc_id, file, maker, values_digest]).encode())
        return digest.hexdigest()

    # workbook saves ----------------------------------------------------------------------

    def workbook_save(self, workbook: Path) -> dict[str, Any] | None:
        """What the last run wrote into this workbook (see contract.reuse), or None."""
        row = self.db.execute(
            "SELECT saved_json FROM workbook_saves WHERE path = ?", (str(workbook.resolve()),)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def record_workbook_save(self, workbook: Path, saved: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO workbook_saves VALUES (?, ?)",
                (str(workbook.resolve()), json.dumps(saved)),
            )

    # cache and request log ---------------------------------------------------------------

    def cached_parse(self, sha256: str, parser: str) -> tuple[str, str, bytes] | None:
        """A PDF's parsed pages by content: (status, error, pages blob), or None."""
        row = self.db.execute(
            "SELECT status, error, pages_blob FROM parse_cache WHERE sha256 = ? AND parser = ?",
            (sha256, parser),
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1] or ""), bytes(row[2]))

    def cache_parse(self, sha256: str, parser: str, blob: bytes, status: str, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO parse_cache"
                " (sha256, parser, pages_blob, status, error, created) VALUES (?, ?, ?, ?, ?, ?)",
                (sha256, parser, blob, status, error, now()),
            )

    def cached_result_field(self, key: str, name: str) -> tuple[bool, Any]:
        """Whether an answer is cached under ``key``, and the number or text its result
        holds under ``name`` (None when none): SQLite reads it out, Python parses nothing."""
        if self._json:
            row = self.db.execute(
                "SELECT json_extract(result_json, ?) FROM extraction_cache WHERE key = ?",
                ("$." + json.dumps(name), key),
            ).fetchone()
            return (False, None) if row is None else (True, row[0])
        row = self.db.execute(
            "SELECT result_json FROM extraction_cache WHERE key = ?", (key,)
        ).fetchone()
        return (False, None) if row is None else (True, json.loads(row[0]).get(name))

    def cached_extraction(self, key: str, for_recheck: bool = True) -> dict[str, Any] | None:
        """A cached answer: its result, usage and where it came from. Without
        ``for_recheck`` the result lacks what only a recheck of its confidences needs (the
        backend's score of every value, see extract.run): SQLite leaves it out unread, so a
        warm run does not parse thousands of numbers a document."""
        if for_recheck or not self._json:
            query = "SELECT * FROM extraction_cache WHERE key = ?"
        else:
            query = (
                "SELECT *, json_remove(result_json, '$.scores') AS result_for_run"
                " FROM extraction_cache WHERE key = ?"
            )
        row = self.db.execute(query, (key,)).fetchone()
        if row is None:
            return None
        entry = dict(row)
        text = entry.pop("result_json")
        entry["result"] = json.loads(entry.pop("result_for_run", text))
        if not for_recheck:
            entry["result"].pop("scores", None)
        entry["usage"] = json.loads(entry.pop("usage_json") or "{}")
        return entry

    def cache_extraction(
        self,
        key: str,
        doc_id: str,
        backend: str,
        model: str,
        source: str,
        result: dict[str, Any],
        usage: dict[str, Any],
        run_id: str = "",
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO extraction_cache (key, doc_id, backend, model, source,"
                " result_json, usage_json, created, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    doc_id,
                    backend,
                    model,
                    source,
                    json.dumps(result),
                    json.dumps(usage),
                    now(),
                    run_id or None,
                ),
            )

    def log_request(self, run_id: str, sent: SentRequest) -> None:
        """One request a backend sent, under the run that sent it: never a key, never text."""
        fields = {"run_id": run_id, **asdict(sent)}
        names = ", ".join(fields)
        marks = ", ".join(f":{name}" for name in fields)
        with self.transaction() as db:
            db.execute(f"INSERT INTO requests ({names}) VALUES ({marks})", fields)

    def requests(self, run_id: str | None = None) -> list[dict[str, Any]]:
        if run_id is None:
            rows = self.db.execute("SELECT * FROM requests ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM requests WHERE run_id = ? ORDER BY id", (run_id,))
        return [dict(row) for row in rows]

    # provider batches --------------------------------------------------------------------

    def add_batch(self, batch_id: str, run_id: str, model: str, doc_ids: dict[str, str]) -> None:
        """Recorded the moment the provider accepts it: a killed run resumes it, never re-pays.

        ``doc_ids`` maps each request's custom_id to its document, so that every answer can be
        kept under its document even by a later run that does not look at that document."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO batches"
                " (batch_id, run_id, model, status, requests_json, created)"
                " VALUES (?, ?, ?, 'in_progress', ?, ?)",
                (batch_id, run_id, model, json.dumps(doc_ids), now()),
            )

    def open_batches(self, model: str) -> list[tuple[str, dict[str, str]]]:
        """Batches of this model whose answers are not all kept: (batch_id, custom_id -> doc_id)."""
        rows = self.db.execute(
            "SELECT batch_id, requests_json FROM batches"
            " WHERE model = ? AND status = 'in_progress' ORDER BY created, rowid",
            (model,),
        )
        found = []
        for batch_id, requests_json in rows:
            requests = json.loads(requests_json)
            if isinstance(requests, list):  # stored before the doc_ids were
                requests = dict.fromkeys(requests, "")
            found.append((str(batch_id), {str(k): str(v) for k, v in requests.items()}))
        return found

    def keep_batch_answers(self, batch_id: str, answers: Sequence[StoredAnswer]) -> None:
        """Answers of a batch, as they are read; keeping one twice (a resumed read) is harmless."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO batch_answers (custom_id, batch_id, doc_id, model,"
                " result_json, usage_json, error, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        answer.custom_id,
                        batch_id,
                        answer.doc_id,
                        answer.model,
                        None if answer.result is None else json.dumps(answer.result),
                        json.dumps(answer.usage),
                        answer.error,
                        now(),
                    )
                    for answer in answers
                ],
            )

    def batch_answer(self, custom_id: str) -> StoredAnswer | None:
        row = self.db.execute(
            "SELECT custom_id, doc_id, model, result_json, usage_json, error FROM batch_answers"
            " WHERE custom_id = ?",
            (custom_id,),
        ).fetchone()
        if row is None:
            return None
        result = None if row[3] is None else json.loads(row[3])
        return StoredAnswer(
            row[0], row[1] or "", row[2] or "", result, json.loads(row[4] or "{}"), row[5] or ""
        )

    def finish_batch(self, batch_id: str, status: str = "ended") -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE batches SET status = ?, finished = ? WHERE batch_id = ?",
                (status, now(), batch_id),
            )
