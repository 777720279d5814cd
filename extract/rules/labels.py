"""Finding the schema's printed labels in a line: "Rechnungsnr.", "F actuurnummer:", "DATE DUE".

All labels of a group of fields are compiled into one pattern, longest first, so that at
each place the longest label wins ("invoice date" over "invoice") and a line is scanned once.
Letters may be split by one stray space ("F actuurnummer", "Factuur datum"), which PDFs
with kerned capitals or split compounds print.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from extract.rules.lines import Line
from schemas.base import FieldSpec

_WORD_CHAR = re.compile(r"\w")
_SPACE_CHAR = re.compile(r"\s")
SEPARATORS = re.compile(
    r"^[\s:#.\-–=|/)(*]*(?:(?:n[°ºo]|nr|no|num|nummer|number|#)(?![^\W\d_])[\s:.#]*)?"
)


@dataclass(frozen=True)
class LabelHit:
    """One label printed in a line: which fields it names and where it sits."""

    fields: tuple[str, ...]
    rank: int  # the label's position in its field's list: lower is more specific
    start: int  # character offsets in the line's text
    end: int
    label: str  # the label's key: casefolded, spaces and dots removed


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """Case- and accent-free: "Numéro" and "NUMERO" are one word (cached: phrases repeat)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _key(text: str) -> str:
    return re.sub(r"[\s.\-]+", "", folded(unicodedata.normalize("NFKC", text)))


def field_labels(spec: FieldSpec) -> list[str]:
    """A field's labels, specific first: ``labels``, then its ``weak_labels`` (generic words
    that name it only when nothing better does)."""
    weak = spec.extra.get("weak_labels") or []
    return [*spec.labels, *(str(label) for label in weak)]


def _variants(label: str) -> list[str]:
    """The label as written and without its accents ("numero de facture" is printed too)."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", label) if not unicodedata.combining(ch)
    )
    plain = unicodedata.normalize("NFC", plain)
    return [label] if plain == label else [label, plain]


def _atoms(label: str) -> list[str]:
    """A label as regex atoms: separators optional, a stray space after a word's first letter,
    dots between the letters of a short word ("H.T.", "T.T.C.", "V.A.T.")."""
    atoms: list[str] = []
    for number, word in enumerate(label.casefold().split()):
        if number:
            atoms.append(r"[\s.\-]*")
        short = len(word) <= 3 and word.isalpha()
        for position, ch in enumerate(word):
            atoms.append(r"[\s.\-]?" if ch in ".-" else re.escape(ch))
            if position == 0 and len(word) >= 5:
                atoms.append(" ?")
            if short and position < len(word) - 1:
                atoms.append(r"\.?")
    return atoms


def _trie_pattern(node: dict[str, Any]) -> str:
    """One regex for many labels, shared prefixes factored out: fast, and longest wins."""
    branches = [atom + _trie_pattern(child) for atom, child in node.items() if atom]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


class LabelIndex:
    r"""The labels of some fields, compiled once per schema.

    A case-insensitive regex runs about twice as slow as the same regex on a lower-cased
    text, so a line is matched lower-cased wherever that gives exactly the same matches: its
    characters lower-case one to one, keep what ``\w`` and ``\s`` say of them, and equal a
    label's character lower-cased just when IGNORECASE matches them (``_lowers_exactly``).
    """

    def __init__(self, specs: Iterable[FieldSpec]) -> None:
        self.fields_by_key: dict[str, list[str]] = {}
        self.ranks: dict[tuple[str, str], int] = {}
        trie: dict[str, Any] = {}
        label_chars: set[str] = set()
        self.strong: dict[str, int] = {}  # path -> how many labels it has before weak ones
        self.specific: dict[tuple[str, str], bool] = {}  # long or several words: not "Total"
        self.kinds: dict[str, str] = {}  # path -> its kind (date, money, ...)
        for spec in specs:
            self.kinds[spec.path] = spec.kind
            self.strong[spec.path] = len(spec.labels)
            for rank, written in enumerate(field_labels(spec)):
                for label in _variants(written):
                    key = _key(label)
                    if not key:
                        continue
                    label_chars.update(label.casefold())
                    if spec.path not in self.fields_by_key.get(key, []):
                        self.fields_by_key.setdefault(key, []).append(spec.path)
                    self.ranks.setdefault((spec.path, key), rank)
                    self.specific.setdefault(
                        (spec.path, key), len(key) >= 8 or len(label.split()) >= 2
                    )
                    node = trie
                    for atom in _atoms(label):
                        node = node.setdefault(atom, {})
                    node[""] = {}
        self.pattern: re.Pattern[str] | None = None
        self._lowered: re.Pattern[str] | None = None  # the same, case-sensitive
        if trie:
            # a digit may follow at once ("Due date16.09.2026"), a letter may not
            body = rf"(?<!\w){_trie_pattern(trie)}(?![^\W\d])"
            self.pattern = re.compile(body, re.IGNORECASE)
            self._lowered = re.compile(body)
        label_chars.update(" .-")  # the pattern's own: "F ?actuur", "[\s.\-]*" between words
        self._label_chars = [
            (char, re.compile(re.escape(char), re.IGNORECASE)) for char in sorted(label_chars)
        ]
        self._exact: dict[str, bool] = {}  # character -> _lowers_exactly
        self._ascii_exact = all(self._lowers_exactly(chr(code)) for code in range(128))
        self._known: dict[str, tuple[tuple[str, ...], int, str] | None] = {}  # printed label

    def _lowers_exactly(self, char: str) -> bool:
        """Whether matching ``char`` lower-cased, case-sensitively, is what IGNORECASE does."""
        exact = self._exact.get(char)
        if exact is None:
            lower = char.lower()
            exact = (
                len(lower) == 1
                and char != "\u03a3"  # Σ lower-cases to σ or ς, as the next character says
                and bool(_WORD_CHAR.match(char)) == bool(_WORD_CHAR.match(lower))
                and bool(_SPACE_CHAR.match(char)) == bool(_SPACE_CHAR.match(lower))
                and all(
                    bool(pattern.match(char)) == (lower == label_char)
                    for label_char, pattern in self._label_chars
                )
            )
            self._exact[char] = exact
        return exact

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        if self.pattern is None or self._lowered is None:
            return iter(())
        if self._ascii_exact and (
            text.isascii()
            or all(self._lowers_exactly(char) for char in set(text) if not char.isascii())
        ):
            return self._lowered.finditer(text.lower())
        return self.pattern.finditer(text)

    def hits(self, line: Line) -> list[LabelHit]:
        """Every label in the line, left to right, none overlapping."""
        text = line.text
        found: list[LabelHit] = []
        for match in self._matches(text):
            start, end = match.span()
            printed = text[start:end]
            if printed in self._known:
                known = self._known[printed]
            else:
                known = self._known[printed] = self._label(printed)
            if known is not None:
                fields, rank, key = known
                found.append(LabelHit(fields, rank, start, end, key))
        return found

    def _label(self, printed: str) -> tuple[tuple[str, ...], int, str] | None:
        """The fields a printed label names, its best rank and its key; None if no label's."""
        key = _key(printed)
        fields = self.fields_by_key.get(key)
        if not fields:
            return None
        return tuple(fields), min(self.ranks[(path, key)] for path in fields), key

    def rank(self, path: str, hit: LabelHit) -> int:
        return self.ranks.get((path, hit.label), hit.rank)

    def is_specific(self, path: str, hit: LabelHit) -> bool:
        """A label of several words or a long one ("Rechnungsdatum"), not a bare "Total"."""
        return self.specific.get((path, hit.label), False)

    def weak(self, path: str, hit: LabelHit) -> bool:
        """The hit is one of the field's generic ``weak_labels``."""
        return self.rank(path, hit) >= self.strong.get(path, 0)


QUALIFIERS = frozenset(
    [
        "order",
        "delivery",
        "ship",
        "shipping",
        "payment",
        "service",
        "start",
        "end",
        "expiry",
        "birth",
        "booking",
        "check",
        "print",
        "bestell",
        "liefer",
        "leistungs",
        "commande",
        "livraison",
        "pedido",
        "entrega",
        "ordine",
        "consegna",
        "levering",
        "bestel",
        "klant",
        "kunden",
        "customer",
        "account",
        "tax",
        "vat",
    ]
)


def is_announcing(line: Line, hit: LabelHit) -> bool:
    """A label that really announces a value, not the same word inside a sentence.

    It opens a cell of the line, or is followed by a colon or number sign, or is long and
    specific enough ("Rechnungsnummer") to mean the field wherever it stands. A one-word
    label after a qualifier ("Order Date", "Delivery date") names another value.
    """
    first_word = line.word_index(hit.start)
    if line.starts[first_word] == hit.start and first_word in line.cell_starts:
        return True
    before = line.text[: hit.start].split()
    one_word = " " not in line.text[hit.start : hit.end]
    if before and one_word and before[-1].strip(":.,-").casefold() in QUALIFIERS:
        return False
    following = line.text[hit.end : hit.end + 3].lstrip()
    if following.startswith((":", "#", "n°", "nº", "No", "no.", "Nr")):
        return True
    if line.text[hit.end : hit.end + 1].isdigit():
        return True  # "Due date16.09.2026": the value glued to its label
    return len(hit.label) >= 10


def after_separators(text: str) -> int:
    """How many leading characters of ``text`` are separators like ": ", " # ", " n° "."""
    match = SEPARATORS.match(text)
    return match.end() if match else 0
