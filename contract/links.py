"""From a value in the workbook to its page in the PDF, one click away.

The link is a path relative to the workbook's folder (``../pdfs/x.pdf#page=3``), so a
folder shared with the workbook and its PDFs keeps working wherever it is copied; the
cell shows only ``p. 3`` and keeps ``page`` a plain number beside it for Power BI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.cells import Link


@dataclass(frozen=True)
class PageLinks:
    """Links to the pages of the PDFs in one folder, or none (``prefix`` None)."""

    prefix: str | None = None  # the PDFs' folder seen from the workbook's, ending in "/"
    made: dict[tuple[Any, int], Link] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def between(cls, workbook: Path, folder: Path) -> PageLinks:
        try:
            base = Path(os.path.relpath(folder.resolve(), workbook.resolve().parent)).as_posix()
        except ValueError:  # another drive (Windows): there is no relative path
            base = folder.resolve().as_posix()
        return cls("" if base == "." else base.rstrip("/") + "/")

    def __call__(self, file: Any, page: Any) -> Link | None:
        """The link to ``page`` of ``file``; None without a file, a page or links."""
        if self.prefix is None or not file or type(page) is not int or page < 1:
            return None
        link = self.made.get((file, page))
        if link is None:  # a document's values share a few pages: one Link each
            link = self.made[file, page] = Link(f"{self.prefix}{file}#page={page}", f"p. {page}")
        return link


NO_LINKS = PageLinks()
