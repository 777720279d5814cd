"""How far testers agree: percent agreement and Cohen's kappa per pair, Krippendorff's alpha.

Labels from people are only as good as their agreement; a kappa near 0 means the testers
agree no more than chance would, and their labels should not be trusted as truth.
Categories are opaque tokens (nominal data): two testers agree when their tokens are equal.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, permutations
from typing import TypeVar

Unit = TypeVar("Unit")


@dataclass(frozen=True)
class PairAgreement:
    """Two testers over the keys both judged."""

    first: str
    second: str
    shared: int
    agreed: int
    kappa: float | None  # None when chance agreement is 1 (both always said the same thing)

    @property
    def percent(self) -> float | None:
        return self.agreed / self.shared if self.shared else None


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """(p_o - p_e) / (1 - p_e) for two raters' categories over the same units."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float | None:
    """Nominal alpha = 1 - D_o / D_e over units with at least two values (any number of coders).

    Built from the coincidence matrix: each unit with m values adds 1/(m-1) for every
    ordered pair of its values. None when no unit is pairable or all values are one category.
    """
    coincidences: dict[tuple[str, str], float] = defaultdict(float)
    for values in units:
        if len(values) < 2:
            continue
        weight = 1 / (len(values) - 1)
        for a, b in permutations(values, 2):
            coincidences[(a, b)] += weight
    totals: dict[str, float] = defaultdict(float)
    for (a, _), count in coincidences.items():
        totals[a] += count
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(count for (a, b), count in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def pair_agreements(opinions: Mapping[Unit, Mapping[str, str]]) -> list[PairAgreement]:
    """Per tester pair: over the units both judged, how often they agree, and kappa.

    ``opinions`` maps a unit (a key) to {tester: category}.
    """
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for by_tester in opinions.values():
        for a, b in combinations(sorted(by_tester), 2):
            shared[(a, b)].append((by_tester[a], by_tester[b]))
    return [
        PairAgreement(
            first=a,
            second=b,
            shared=len(pairs),
            agreed=sum(x == y for x, y in pairs),
            kappa=cohen_kappa(pairs),
        )
        for (a, b), pairs in sorted(shared.items())
    ]
