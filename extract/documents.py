"""Finding the PDFs of a folder and naming them by content: doc_id survives renames."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from extract.errors import InputError

HOLDOUT_SHARE = 0.20


@dataclass(frozen=True)
class Document:
    path: Path
    sha256: str

    @property
    def doc_id(self) -> str:
        return self.sha256[:12]

    @property
    def file(self) -> str:
        return self.path.name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_documents(folder: Path, limit: int | None = None) -> list[Document]:
    """The folder's PDFs (any case of .pdf, recursively), sorted by path for a stable order."""
    if not folder.exists():
        raise InputError(f"folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give the folder that holds the PDFs")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    if limit is not None:
        paths = paths[:limit]
    return [Document(path=p, sha256=readable_sha256(p)) for p in paths]


def readable_sha256(path: Path) -> str:
    """The content's hash; for a file that cannot be read, a hash of its path, so it still
    gets a documents row (its status says it is unreadable) and the run goes on."""
    try:
        return file_sha256(path)
    except OSError:
        return hashlib.sha256(f"unreadable:{path.resolve()}".encode()).hexdigest()


def unique_documents(
    documents: list[Document],
) -> tuple[list[Document], list[tuple[Document, Document]]]:
    """Each content once: a copy of a PDF has the same doc_id, so it is extracted once and
    reported as (copy, original)."""
    first: dict[str, Document] = {}
    copies: list[tuple[Document, Document]] = []
    for document in documents:
        original = first.setdefault(document.sha256, document)
        if original is not document:
            copies.append((document, original))
    return list(first.values()), copies


def split_of(doc_id: str) -> str:
    """'holdout' for a fixed 20% of documents, chosen by a hash nobody can tune against."""
    bucket = int(hashlib.sha256(f"holdout:{doc_id}".encode()).hexdigest()[:8], 16) % 100
    return "holdout" if bucket < HOLDOUT_SHARE * 100 else "dev"
