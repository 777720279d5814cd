"""Run against run: the same labeled keys scored for both, and what got better or worse.

Only keys both runs can be judged on count, so a run is never compared on easier keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contract.sheets import Key
from evals.metrics import Judgement, Scores


@dataclass
class Comparison:
    """``current`` and ``baseline`` restricted to their common keys, and the keys that moved."""

    current: Scores
    baseline: Scores
    better: list[tuple[Judgement, Judgement]] = field(default_factory=list)  # (current, baseline)
    worse: list[tuple[Judgement, Judgement]] = field(default_factory=list)
    baseline_run: str = ""


def compared(current: Scores, baseline: Scores) -> Comparison:
    mine = {j.key: j for j in current.judgements}
    theirs = {j.key: j for j in baseline.judgements}
    common: set[Key] = set(mine) & set(theirs)
    comparison = Comparison(current.restricted(common), baseline.restricted(common))
    for key in sorted(common, key=lambda k: (k[0], k[1], k[2] or 0)):
        now, before = mine[key], theirs[key]
        if now.correct and not before.correct:
            comparison.better.append((now, before))
        elif before.correct and not now.correct:
            comparison.worse.append((now, before))
    return comparison
