"""Giving documents to testers: each to ``per_doc`` of them, loads balanced, pairs spread.

Two testers who judge the same documents measure agreement, so every document gets
several testers; spreading the pairs (no two testers share many more documents than
any other two) keeps one pair's habits from deciding the labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations
from math import comb
from pathlib import Path

from contract.merge import blank, judged, key_of, testers_by_doc
from contract.sheets import DOCUMENTS, GROUND_TRUTH
from contract.workbook import Row, load_contract, save_contract

COMBINATIONS_TRIED = 1_000  # above this, testers are chosen one at a time
# the pipeline's cells of a ground_truth row: what a further tester's copy of a key starts with
TEMPLATE_COLUMNS = ("doc_id", "file", "field", "item", "suggested", "latest", "confidence", "link")

Pair = tuple[str, str]


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def assignment(
    documents: Sequence[str],
    testers: Sequence[str],
    per_doc: int,
    current: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """Per document, the testers it gets (those it already has first).

    Greedy over documents in order: among testers at most one document above the least
    loaded, those whose pairs share the fewest documents so far. Existing assignments
    count towards both. Loads end within 2 of each other, pair counts near even."""
    if not testers or len(set(testers)) != len(testers):
        raise ValueError("give each tester once")
    if not 1 <= per_doc <= len(testers):
        raise ValueError(f"per_doc must be between 1 and the number of testers ({len(testers)})")
    current = current or {}
    load: Counter[str] = Counter()
    shared: Counter[Pair] = Counter()
    for names in current.values():
        load.update(names)
        shared.update(_pair(a, b) for a, b in combinations(names, 2))
    plan: dict[str, list[str]] = {}
    for doc in documents:
        chosen = list(current.get(doc, []))
        need = per_doc - len(chosen)
        if need > 0:
            free = [t for t in testers if t not in chosen]
            floor = min(load[t] for t in testers)
            if comb(len(free), need) <= COMBINATIONS_TRIED:
                added = min(
                    combinations(free, need),
                    key=lambda group: _cost(group, chosen, load, shared, floor),
                )
            else:
                added = ()
                for _ in range(need):
                    best = min(
                        (t for t in free if t not in added),
                        key=lambda t: _cost((*added, t), chosen, load, shared, floor),
                    )
                    added = (*added, best)
            load.update(added)
            everyone = [*chosen, *added]
            shared.update(_pair(a, b) for a, b in combinations(everyone, 2) if b in added)
            chosen = everyone
        plan[doc] = chosen
    return plan


def _cost(
    group: Sequence[str],
    chosen: Sequence[str],
    load: Counter[str],
    shared: Counter[Pair],
    floor: int,
) -> tuple[int, int, int, int, int, tuple[str, ...]]:
    """Smaller is better: nobody more than one document above the least loaded tester,
    then the pair that shares most shares least, then the lighter loads."""
    pairs = [shared[_pair(a, b)] for a, b in combinations(group, 2)]
    pairs += [shared[_pair(a, c)] for a in group for c in chosen]
    loads = [load[t] for t in group]
    overload = max(0, max(loads) - floor - 1)
    return (overload, max(pairs, default=0), max(loads), sum(pairs), sum(loads), tuple(group))


def assigned_rows(rows: list[Row], plan: Mapping[str, Sequence[str]]) -> list[Row]:
    """ground_truth with the plan applied: an unjudged row without a tester gets one, and
    each further tester gets a copy of the key's row (its pipeline cells only)."""
    by_key: dict[tuple[object, ...], list[Row]] = {}
    for row in rows:
        by_key.setdefault(key_of(row), []).append(row)
    result: list[Row] = []
    done: set[tuple[object, ...]] = set()
    for row in rows:
        key = key_of(row)
        if key in done:
            continue
        if key[0] not in plan:
            result.append(row)
            continue
        done.add(key)
        group = [dict(r) for r in by_key[key]]
        have = {str(r["tester"]).strip() for r in group if not blank(r.get("tester"))}
        missing = [t for t in plan[key[0]] if t not in have]
        for member in group:
            if missing and blank(member.get("tester")) and not judged(member):
                member["tester"] = missing.pop(0)
        group += [{**new_copy(group[0]), "tester": tester} for tester in missing]
        result.extend(group)
    return result


def new_copy(row: Row) -> Row:
    """A further tester's row of a key: the pipeline's cells, suggesting the model's value as
    it is now (a judged row's frozen suggestion is that tester's, its ``latest`` is newer)."""
    copy = {c: row.get(c) for c in TEMPLATE_COLUMNS if c in row}
    if not blank(copy.get("latest")):
        copy["suggested"], copy["latest"] = copy["latest"], None
    return copy


def assign_testers(path: Path, testers: Sequence[str], per_doc: int) -> dict[str, int]:
    """Assign the workbook's documents and save it; returns each tester's document count."""
    contract = load_contract(path)
    rows = contract.sheet(GROUND_TRUTH.name)
    in_truth = list(dict.fromkeys(key_of(row)[0] for row in rows if key_of(row)[0]))
    current_docs = {key_of(row)[0] for row in contract.sheet(DOCUMENTS.name)}
    documents = sorted(d for d in in_truth if not current_docs or d in current_docs)
    current = testers_by_doc(rows)
    plan = assignment(documents, testers, per_doc, {d: current.get(d, []) for d in documents})
    contract.rows[GROUND_TRUTH.name] = assigned_rows(rows, plan)
    save_contract(path, contract)
    return dict(Counter(t for names in plan.values() for t in names))
