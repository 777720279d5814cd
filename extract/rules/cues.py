"""Cue words around a label: what turns "Total" into the net total, or rules a field out.

A field's metadata may list ``cues`` (words that, printed with a label, make the phrase
name this field: "netto" makes "Rechnungssumme netto" the subtotal) and ``not_cues`` (words
that mean another value: "Rabatt", "prepaid", "Pcs.", "Lieferdatum"'s "Liefer"). Both are
matched as whole words, case and accents aside, spaces and dots optional inside a cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from extract.rules.labels import folded
from schemas.base import FieldSpec

_EDGE_BEFORE = r"(?<![^\W\d_])"  # no letter before: "19%MwSt" still holds "mwst"
_EDGE_AFTER = r"(?![^\W\d_])"


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    bodies = sorted({folded(word).strip() for word in words if word.strip()}, key=len)[::-1]
    if not bodies:
        return None
    alternatives = "|".join(
        r"[\s.\-]*".join(re.escape(part) for part in re.split(r"[\s.\-]+", body) if part)
        for body in bodies
    )
    return re.compile(f"{_EDGE_BEFORE}(?:{alternatives}){_EDGE_AFTER}")


class CueIndex:
    """Per field, its cue and not-cue words compiled once per schema."""

    def __init__(
        self, specs: Iterable[FieldSpec], sums: Iterable[tuple[tuple[str, ...], str]] = ()
    ) -> None:
        self.cues: dict[str, re.Pattern[str]] = {}
        self.not_cues: dict[str, re.Pattern[str]] = {}
        # a sum's parts by its total: a part's label turned by a cue never names the total
        # ("incl. VAT 20% 2.67" is the VAT a gross amount includes, not the gross amount)
        self.parts: dict[str, frozenset[str]] = {}
        for parts, whole in sums:
            self.parts[whole] = self.parts.get(whole, frozenset()) | frozenset(parts)
        for spec in specs:
            for name, target in (("cues", self.cues), ("not_cues", self.not_cues)):
                pattern = _pattern(str(word) for word in spec.extra.get(name) or [])
                if pattern is not None:
                    target[spec.path] = pattern
        self.of = lru_cache(maxsize=4096)(self._of)

    def _of(self, phrase: str) -> tuple[frozenset[str], frozenset[str]]:
        """(fields a cue of which the phrase prints, fields ruled out by a not-cue)."""
        text = folded(phrase)
        if not any(ch.isalpha() for ch in text):
            return frozenset(), frozenset()
        cued = frozenset(path for path, pattern in self.cues.items() if pattern.search(text))
        ruled_out = frozenset(
            path for path, pattern in self.not_cues.items() if pattern.search(text)
        )
        return cued, ruled_out
