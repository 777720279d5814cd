"""The totals chosen together: the parts and the total of a sum rule must add up.

The schema's ``sum_rules`` say which amounts add up to which (subtotal + tax = total; the
line items to the subtotal). Of each money field's candidate values, the combination that
adds up wins, and values that add up are as sure as the rules get. Where a part has no
labelled candidate, an amount printed anywhere outside the line items may stand in for it
(a net amount under an unknown label), which confirms the others but is not written. A set
of values that cannot add up is left less sure; a total smaller than one of its parts is
no total.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import product

from extract.rules.evidence import SUMS_AGREE, Candidate, Choice, pooled

TOLERANCE = Decimal("0.01")
TOP = 4  # values of each field tried together
# a total and one labelled part that add up with an unlabelled amount: any amount printed
# may make up the difference by chance, so not as sure as labelled parts (below 0.9)
HALF_CONFIRMED = 0.88
NO_TAX_ALIKE = 0.88  # a net total equal to the total, and no tax printed at all
LINES_ADD_UP = 0.93  # the line items add up to the value
INCONSISTENT = 0.25  # taken off values that should add up and do not
UNCHECKED = 0.85  # the most a value that takes part in a sum may be when no sum confirms it
PART_OF_MORE = 0.5  # the most a part may be whose sum is a share of a larger printed total

SumRule = tuple[tuple[str, ...], str]


def _value(choice: Choice | None) -> Decimal | None:
    if choice is None:
        return None
    value = choice.candidate.value
    return value if isinstance(value, Decimal) else None


def _near(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE


def _confirmed(choice: Choice, confidence: float) -> Choice:
    return replace(choice, confidence=round(max(choice.confidence, confidence), 3))


def _lowered(choice: Choice, cost: float) -> Choice:
    return replace(choice, confidence=round(max(0.0, choice.confidence - cost), 3))


def resolved_totals(
    candidates: Iterable[Candidate],
    rules: Sequence[SumRule],
    printed: Collection[Decimal],
    line_sums: dict[str, Decimal],
) -> dict[str, Choice]:
    """Each money field's chosen value, the sums checked; ``line_sums``: the list fields'
    column totals by path ("line_items.amount" -> their sum)."""
    by_path: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_path.setdefault(candidate.path, []).append(candidate)
    pools = {path: pooled(found) for path, found in by_path.items()}
    chosen: dict[str, Choice] = {path: pool[0] for path, pool in pools.items() if pool}
    before = dict(chosen)
    for parts, target in rules:
        listed = [part for part in parts if part in line_sums]
        if listed:
            line_sum = sum((line_sums[p] for p in listed), Decimal(0))
            if target not in pools:  # no net total printed: the rows may add up to the total
                target = _whole(rules, target, pools)
            _check_line_sum(chosen, pools, target, line_sum)
            continue
        if len(parts) != 2 or target not in pools:
            continue
        _check_pair(chosen, pools, parts, target, printed)
    summed = {path for rule in rules for path in (*rule[0], rule[1])}
    for path, choice in chosen.items():
        unchanged = before.get(path) is choice
        if path in summed and unchanged and choice.confidence > UNCHECKED:
            chosen[path] = replace(choice, confidence=UNCHECKED)  # no sum says it is right
    return chosen


def _whole(rules: Sequence[SumRule], part: str, pools: dict[str, list[Choice]]) -> str:
    """The field ``part`` adds up to when every other part of that sum is absent."""
    for parts, target in rules:
        if part in parts and not any(p in pools for p in parts if p != part):
            return target
    return part


def _check_line_sum(
    chosen: dict[str, Choice], pools: dict[str, list[Choice]], target: str, total: Decimal
) -> None:
    for choice in pools.get(target, ()):
        value = _value(choice)
        if value is not None and _near(value, total) and choice.candidate.strength >= 0.5:
            current = chosen.get(target)
            if current is None or current.confidence < LINES_ADD_UP or current is choice:
                chosen[target] = _confirmed(choice, LINES_ADD_UP)
            return


def _check_pair(
    chosen: dict[str, Choice],
    pools: dict[str, list[Choice]],
    parts: tuple[str, ...],
    target: str,
    printed: Collection[Decimal],
) -> None:
    first, second = parts
    totals = pools[target][:TOP]
    options_a: list[Choice | None] = [*pools.get(first, [])[:TOP], None]
    options_b: list[Choice | None] = [*pools.get(second, [])[:TOP], None]
    best: tuple[Decimal, float, Choice, Choice | None, Choice | None, float] | None = None
    sums: set[Decimal] = set()  # the totals that add up
    for total, a, b in product(totals, options_a, options_b):
        t, x, y = _value(total), _value(a), _value(b)
        if t is None or (a is None and b is None):
            continue
        sure = _adds_up(t, x, y, printed, second not in pools, first not in pools)
        if sure is None:
            continue
        sums.add(abs(t))
        score = total.confidence + sum(c.confidence for c in (a, b) if c is not None)
        # the largest total that adds up: one VAT rate's row adds up too ("19 % | 100,00 |
        # 19,00 | 119,00" over the "Summe" row)
        if best is None or (abs(t), score) > (abs(best[0]), best[1]):
            best = (t, score, total, a, b, sure)
    if best is not None:
        _, _, total, a, b, sure = best
        # a sum read from a table's row (by its column headers) may be one row of several
        row = total.candidate.why == "column"
        larger = _larger_total(pools[target], total) if row else None
        if larger is not None or (row and len(sums) > 1):
            # a total printed above the sum, or rows of a table that each add up (a VAT
            # breakdown, rate by rate): the sum is a share, and which row is the whole unsure
            whole = larger or total
            chosen[target] = replace(whole, confidence=min(whole.confidence, PART_OF_MORE))
            if larger is not None:
                chosen[target] = replace(larger, confidence=min(larger.confidence, UNCHECKED))
            for path in (first, second):
                if path in chosen:
                    chosen[path] = replace(
                        chosen[path], confidence=min(chosen[path].confidence, PART_OF_MORE)
                    )
            return
        chosen[target] = _confirmed(total, sure)
        for path, choice in ((first, a), (second, b)):
            if choice is not None:
                chosen[path] = _confirmed(choice, sure)
        return
    t, x, y = (_value(chosen.get(path)) for path in (target, first, second))
    if t is not None and ((x is not None and x > t) or (y is not None and y > t)):
        chosen.pop(target)  # a total below its parts is no total
        return
    rates = {v for choice in pools.get(second, ()) if (v := _value(choice)) is not None}
    if t is not None and x is not None and len(rates) >= 2 and _near(x + sum(rates), t):
        # several VAT rates, each printed ("VAT 7% 3.50", "VAT 19% 19.00"): the net and the
        # total add up with all of them; the tax in all is printed nowhere
        chosen[target] = _confirmed(chosen[target], HALF_CONFIRMED)
        chosen[first] = _confirmed(chosen[first], HALF_CONFIRMED)
        chosen.pop(second, None)
        return
    if t is not None and x is not None and y is not None:
        chosen[target] = _lowered(chosen[target], INCONSISTENT)
        for path in (first, second):  # a shipping or rounding line between them, a part of
            # a rate: which printed amount is the net, which the tax, is not sure
            part = chosen[path]
            chosen[path] = replace(part, confidence=min(part.confidence, PART_OF_MORE))


def _larger_total(pool: list[Choice], total: Choice) -> Choice | None:
    """A total labelled as surely as ``total`` (not an amount due, a balance) and larger: the
    document's, of which ``total`` and its parts are a share."""
    value = _value(total)
    assert value is not None
    larger = [
        choice
        for choice in pool
        if choice.candidate.why != "weak"
        and choice.candidate.strength >= total.candidate.strength
        and (other := _value(choice)) is not None
        and abs(other) > abs(value) + TOLERANCE
    ]
    return max(larger, key=lambda choice: abs(_value(choice) or Decimal(0))) if larger else None


def _adds_up(
    t: Decimal,
    x: Decimal | None,
    y: Decimal | None,
    printed: Collection[Decimal],
    no_second: bool,
    no_first: bool,
) -> float | None:
    """How sure a total and its present parts make each other, or None if they do not add up.
    A credit note's amounts are all negative: they add up as their sizes do."""
    if t < 0 and all(v is None or v <= 0 for v in (x, y)):
        t, x, y = -t, None if x is None else -x, None if y is None else -y
    if x is not None and y is not None:
        return SUMS_AGREE if _near(x + y, t) and x <= t and y <= t else None
    part = x if x is not None else y
    assert part is not None
    if part > t:
        return None
    if x is not None and no_second and _near(x, t):
        return NO_TAX_ALIKE  # "Total HT 410,20 ... Total TTC 410,20", no tax line
    if any(_near(part + other, t) for other in printed if 0 < other < t and not _near(other, t)):
        return HALF_CONFIRMED
    return None
