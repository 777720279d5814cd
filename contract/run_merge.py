"""A run merged into the workbook with memory bounded by what people typed, not by rows.

A batch run has hundreds of thousands of values and the ground_truth sheet as many rows;
holding them as dicts takes gigabytes. Here the rows nobody touched, the run's values
(one per key) and the offered keys live in a temporary SQLite file, joined by key, and
only the rows a person touched stay in memory. The result is row for row what
contract.merge.merged_ground_truth and final_rows give for the same inputs.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from contract.acceptance import DEFAULT_REVIEW_THRESHOLD, model_source
from contract.keys import key_of
from contract.labels import agreed_values
from contract.looks import LOOK
from contract.merge import _final, _refreshed, testers_by_doc
from contract.sheets import Key
from schemas.base import KINDS, Kind
from schemas.vocabulary import Source

Row = dict[str, Any]
NO_ITEM = -(2**62)  # a key's item None, in SQLite (where NULL never equals NULL)
# what the pipeline writes in a ground_truth row, and a person's formatting of it
UNTOUCHED = frozenset(("doc_id", "file", "field", "item", "suggested", "confidence", "link", LOOK))
BATCH = 5000

SCHEMA = """
CREATE TABLE old (pos INTEGER PRIMARY KEY, doc_id TEXT, field TEXT, item INTEGER,
                  suggested, file, confidence, link, look);
CREATE TABLE new (doc_id TEXT, field TEXT, item INTEGER, seq INTEGER, value, file,
                  confidence, link, last_value, last_file, last_source TEXT,
                  PRIMARY KEY (doc_id, field, item)) WITHOUT ROWID;
CREATE TABLE offered (doc_id TEXT, field TEXT, item INTEGER,
                      PRIMARY KEY (doc_id, field, item)) WITHOUT ROWID;
"""


def _plain(value: Any) -> bool:
    """A cell SQLite gives back as it was: text, a 64-bit int, a float, nothing."""
    kind = type(value)
    if kind is float:
        return bool(value == value)  # NaN would come back as NULL
    return value is None or kind is str or (kind is int and -(2**63) < value < 2**63)


def _stored(value: Any) -> Any:
    """A cell as SQLite keeps it: plain ones as they are, others tagged bytes."""
    if _plain(value):
        return value
    if type(value) is Decimal:  # amounts, the most common: faster than pickle
        return b"D" + str(value).encode()
    return b"P" + pickle.dumps(value)


def _loaded(value: Any) -> Any:
    if not isinstance(value, bytes):
        return value
    return Decimal(value[1:].decode()) if value[:1] == b"D" else pickle.loads(value[1:])


def _item(key: Key) -> int:
    return NO_ITEM if key[2] is None else key[2]


def untouched(row: Row) -> bool:
    """A ground_truth row with nothing typed: only its key (as the pipeline writes it), the
    pipeline's cells (file, suggestion, confidence, link) and a person's formatting, so it
    can be written again from those alone."""
    if not UNTOUCHED.issuperset(row) or not (
        _plain(row.get("suggested")) and _plain(row.get("file"))
    ):
        return False
    doc_id, name, item = key_of(row)
    return (
        bool(doc_id and name)
        and row.get("doc_id") == doc_id
        and row.get("field") == name
        and row.get("item") == item
        and (item is None or type(row.get("item")) is int)
    )


class RunMerge:
    """The Spill of a run's load_contract, then the run's ground_truth, final and offered keys
    as streams. Use as a context manager: the temporary database goes on exit."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="pdf-extract-merge-")
        self._path = Path(self._folder.name) / "merge.db"
        self.db = sqlite3.connect(self._path)
        self.db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -4096;"
            + SCHEMA
        )
        self.touched: dict[int, Row] = {}  # by position in the sheet
        self.kinds: dict[str, Kind] = {}
        self.files: dict[str, Any] = {}  # doc_id as the values give it -> its last file
        self._rows = 0
        self._spilled: list[tuple[Any, ...]] = []
        # links kept by number: a document's rows share a few pages, so the distinct links
        # are few (one per page of the run) and held here, not stored once a row
        self._link_numbers: dict[Any, int] = {}
        self._links: list[Any] = []

    def _link_number(self, link: Any) -> int:
        number = self._link_numbers.get(link)
        if number is None:
            number = self._link_numbers[link] = len(self._links)
            self._links.append(link)
        return number

    def __enter__(self) -> RunMerge:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.db.close()
        self._folder.cleanup()

    # the Spill of load_contract ----------------------------------------------------------

    def kept(self, row: Row) -> bool:
        position, key = self._rows, key_of(row)
        self._rows += 1
        if untouched(row):
            confidence, link, look = row.get("confidence"), row.get("link"), row.get(LOOK)
            spilled = (
                row.get("suggested"),
                row.get("file"),
                confidence if type(confidence) is float else _stored(confidence),
                None if link is None else self._link_number(link),
                None if look is None else _stored(look),
            )
        else:
            self.touched[position] = row
            spilled = (None, None, None, None, None)
        self._spilled.append((position, key[0], key[1], _item(key), *spilled))
        if len(self._spilled) >= BATCH:
            self._flush()
        return position in self.touched

    def offer(self, keys: Iterable[Key]) -> None:
        rows = ((doc_id, name, NO_ITEM if item is None else item) for doc_id, name, item in keys)
        self.db.executemany("INSERT OR IGNORE INTO offered VALUES (?, ?, ?)", rows)

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO old VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._spilled)
        self._spilled.clear()

    # the run ----------------------------------------------------------------------------

    def add_values(
        self, extractions: Iterable[Row], review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    ) -> None:
        """One pass over the run's values, typed as the extractions sheet has them: the first
        per key for ground_truth, the last for final (accepted at ``review_threshold``, see
        contract.acceptance), each field's kind, each document's file. Call once, after
        load_contract."""
        self._flush()
        if self.db.execute("SELECT 1 FROM offered LIMIT 1").fetchone() is None:
            # a workbook from before the offered sheet (or none yet): what ground_truth shows
            self.db.execute("INSERT OR IGNORE INTO offered SELECT doc_id, field, item FROM old")
        self.db.execute("CREATE INDEX old_by_key ON old (doc_id, field, item)")
        self.db.executemany(
            "INSERT INTO new VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " last_value = excluded.last_value, last_file = excluded.last_file,"
            " last_source = excluded.last_source",
            self._value_rows(extractions, review_threshold),
        )
        self.db.commit()  # seen by final()'s own connection

    def _value_rows(
        self, values: Iterable[Row], review_threshold: float
    ) -> Iterator[tuple[Any, ...]]:
        for seq, row in enumerate(values):
            key = key_of(row)
            name, kind = row.get("field"), row.get("kind")
            if name and kind in KINDS:  # as contract.kinds.kinds_of
                self.kinds.setdefault(str(name), kind)
            value, file = _stored(row.get("value")), _stored(row.get("file"))
            source = model_source(row, review_threshold)
            self.files[str(row["doc_id"])] = row.get("file")
            confidence, link = row.get("confidence"), row.get("link")
            if confidence is not None and type(confidence) is not float:
                confidence = _stored(confidence)
            link_number = None if link is None else self._link_number(link)
            yield (
                key[0],
                key[1],
                _item(key),
                seq,
                value,
                file,
                confidence,
                link_number,
                value,
                file,
                source,
            )

    def ground_truth(self) -> Iterator[Row]:
        """The merged sheet: people's rows in their order (untouched ones following the run),
        then one row per new key and assigned tester, each document's lowest confidence
        first; keys once offered are not re-added."""
        links = self._links
        cursor = self.db.execute(
            "SELECT o.pos, o.doc_id, o.field, o.item, o.suggested, o.file, o.confidence,"
            " o.link, o.look, n.doc_id IS NOT NULL, n.value, n.file, n.confidence, n.link"
            " FROM old o LEFT JOIN new n"
            " ON n.doc_id = o.doc_id AND n.field = o.field AND n.item = o.item ORDER BY o.pos"
        )
        for (
            pos, doc_id, name, item, suggested, file, confidence, link, look,
            found, value, new_file, new_confidence, new_link,
        ) in cursor:  # fmt: skip
            new = (
                {
                    "value": _loaded(value),
                    "file": _loaded(new_file),
                    "confidence": new_confidence
                    if type(new_confidence) is not bytes
                    else _loaded(new_confidence),
                    "link": None if new_link is None else links[new_link],
                }
                if found
                else None
            )
            row = self.touched.get(pos)
            if row is None:
                row = {
                    "doc_id": doc_id,
                    "file": file,
                    "field": name,
                    "suggested": suggested,
                    "confidence": _loaded(confidence),
                    "link": None if link is None else links[link],
                    LOOK: None if look is None else _loaded(look),
                }
                if item != NO_ITEM:
                    row["item"] = item
                row = {k: v for k, v in row.items() if v is not None}
            yield row if new is None else _refreshed(row, new)
        testers = testers_by_doc(self.touched.values())
        # each document where the run first gives it (a join: half the time of a window)
        cursor = self.db.execute(
            "SELECT n.doc_id, n.field, n.item, n.value, n.file, n.confidence, n.link FROM new n"
            " JOIN (SELECT doc_id, MIN(seq) AS doc_seq FROM new GROUP BY doc_id) d"
            " ON d.doc_id = n.doc_id"
            " WHERE NOT EXISTS"
            " (SELECT 1 FROM old o WHERE o.doc_id = n.doc_id AND o.field = n.field"
            " AND o.item = n.item) AND NOT EXISTS (SELECT 1 FROM offered f WHERE"
            " f.doc_id = n.doc_id AND f.field = n.field AND f.item = n.item)"
            " ORDER BY d.doc_seq, n.confidence IS NULL, n.confidence, n.seq"
        )
        for doc_id, name, item, value, file, confidence, link in cursor:
            assigned: list[str | None] = list(testers.get(doc_id, [])) or [None]
            for tester in assigned:
                yield {
                    "doc_id": doc_id,
                    "file": _loaded(file),
                    "field": name,
                    "item": None if item == NO_ITEM else item,
                    "suggested": _loaded(value),
                    "confidence": confidence
                    if type(confidence) is not bytes
                    else _loaded(confidence),
                    "link": None if link is None else links[link],
                    "tester": tester,
                }

    def final(self, corrections: Iterable[Row]) -> Iterator[Row]:
        """Per key: the client's correction, else the testers' agreed truth, else the model's
        value; keys of the run first, in its order, then the others."""
        judged = [self.touched[pos] for pos in sorted(self.touched)]
        overrides: dict[Key, Row] = {}
        for key, value in agreed_values(judged, self.kinds).items():
            overrides[key] = _final(key, None, value, Source.TESTER)
        for row in corrections:
            key = key_of(row)
            if key[0] and key[1]:
                overrides[key] = _final(key, None, row.get("value"), Source.CLIENT)
        db = sqlite3.connect(self._path)  # its own: this may run in a forked process
        try:
            cursor = db.execute(
                "SELECT doc_id, field, item, last_value, last_file, last_source FROM new"
                " ORDER BY seq"
            )
            for doc_id, name, item, value, file, source in cursor:
                key = (doc_id, name, None if item == NO_ITEM else item)
                override = overrides.pop(key, None)
                row = override or _final(key, _loaded(file), _loaded(value), source)
                yield self._filed(row)
        finally:
            db.close()
        for row in overrides.values():
            yield self._filed(row)

    def _filed(self, row: Row) -> Row:
        row["file"] = self.files.get(row["doc_id"], row.get("file"))
        return row

    def offered(self) -> Iterator[Key]:
        """The keys ever offered, this run's included, sorted as the offered sheet wants."""
        cursor = self.db.execute(
            "SELECT doc_id, field, item FROM (SELECT doc_id, field, item FROM offered UNION"
            " SELECT doc_id, field, item FROM new)"
            " ORDER BY doc_id, field, CASE item WHEN ? THEN 0 ELSE item END",
            (NO_ITEM,),
        )
        for doc_id, name, item in cursor:
            yield doc_id, name, None if item == NO_ITEM else item
