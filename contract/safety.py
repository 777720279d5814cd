"""Never lose or half-write the workbook: refuse it when unsafe, save atomically, keep backups.

Every refusal happens before a single byte is written, so a refused workbook is left
byte-identical, and the message is one line that says what to do.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

BACKUPS_KEPT = 5
BACKUP_FOLDER = "backups"
SUFFIX = ".xlsx"


class WorkbookRefused(Exception):
    """The workbook is open, corrupt or not ours; it was left untouched."""


def lock_file(path: Path) -> Path:
    """The owner file Excel (and LibreOffice's ~lock) keeps beside a workbook while it is open."""
    return path.with_name(f"~${path.name}")


def libreoffice_lock_file(path: Path) -> Path:
    return path.with_name(f".~lock.{path.name}#")


def refuse_if_open(path: Path) -> None:
    for lock in (lock_file(path), libreoffice_lock_file(path)):
        if lock.exists():
            raise WorkbookRefused(
                f"{path} is open in a spreadsheet ({lock.name} exists): close it and run again"
            )


def refuse_if_unusable(path: Path) -> None:
    """A workbook we may read: an .xlsx, not open elsewhere (a missing file is a new one)."""
    if path.suffix.lower() != SUFFIX:
        raise WorkbookRefused(f"{path} is not an .xlsx file: give a path ending in {SUFFIX}")
    if path.exists() and not path.is_file():
        raise WorkbookRefused(f"{path} is not a file: give the path of an .xlsx workbook")
    refuse_if_open(path)


def backups_of(path: Path) -> list[Path]:
    """The workbook's backups, oldest first (their names sort by time)."""
    pattern = re.compile(rf"{re.escape(path.stem)}\.\d{{8}}-\d{{6}}-\d{{6}}{re.escape(SUFFIX)}")
    folder = path.parent / BACKUP_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))


def back_up(path: Path) -> Path:
    """Copy the current workbook into backups/ under a timestamp; keep the last few."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    backup = folder / f"{path.stem}.{stamp}{SUFFIX}"
    shutil.copy2(path, backup)
    for old in backups_of(path)[:-BACKUPS_KEPT]:
        old.unlink()
    return backup


def _mode_for(path: Path) -> int:
    """Keep the old file's permissions; a new file gets the usual ones (mkstemp's are 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FileStamp = tuple[bool, int, int]  # (exists, mtime in ns, size)


def file_stamp(path: Path) -> FileStamp:
    try:
        status = path.stat()
    except FileNotFoundError:
        return (False, 0, 0)
    return (True, status.st_mtime_ns, status.st_size)


def save_atomically(
    path: Path, write: Callable[[Path], None], loaded: FileStamp | None = None
) -> None:
    """``write`` fills a temp file beside the workbook; only a complete file replaces it.

    With ``loaded`` (the file as it was read), a file that someone saved in the meantime
    is refused, not replaced: their edits would be lost."""
    refuse_if_unusable(path)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f"{SUFFIX}.tmp", dir=path.parent
    )
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(temp, _mode_for(path))
        refuse_if_open(path)  # someone may have opened it while we were writing
        if loaded is not None and file_stamp(path) != loaded:
            raise WorkbookRefused(
                f"{path} was saved by someone else while this run was writing it:"
                " their version is kept; run again"
            )
        if path.exists():
            back_up(path)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
