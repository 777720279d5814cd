"""Copying a member from one zip file into another as it is: compressed bytes, CRC and all.

zipfile can only copy a member by inflating and deflating it again, which for a sheet of
a million cells costs most of a second. The format makes a raw copy simple: a member is
a local header, then its compressed bytes; the central directory (written by zipfile on
close) holds the same facts again. This relies on four attributes of ZipFile (fp,
filelist, NameToInfo, start_dir) that CPython has kept since Python 2.
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO

LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own structFileHeader
LOCAL_SIGNATURE = b"PK\x03\x04"
DATA_DESCRIPTOR = 0x08  # sizes after the data: a copy writes them in its header instead
CHUNK = 1 << 20


class ZipCopyError(Exception):
    """The source member is not where its central directory says."""


def _stream(archive: zipfile.ZipFile) -> IO[bytes]:
    if archive.fp is None:
        raise ZipCopyError("the zip file is closed")
    return archive.fp


def copy_member(source: zipfile.ZipFile, target: zipfile.ZipFile, name: str) -> None:
    """Append ``name`` from ``source`` (open for reading) to ``target`` (open for writing)."""
    info = source.getinfo(name)
    reader, writer = _stream(source), _stream(target)
    reader.seek(info.header_offset)
    header = reader.read(LOCAL_HEADER.size)
    fields = LOCAL_HEADER.unpack(header) if len(header) == LOCAL_HEADER.size else ()
    if not fields or fields[0] != LOCAL_SIGNATURE:
        raise ZipCopyError(f"{name}: no local header at offset {info.header_offset}")
    name_length, extra_length = fields[-2], fields[-1]
    reader.seek(info.header_offset + LOCAL_HEADER.size + name_length + extra_length)

    copied = zipfile.ZipInfo(info.filename, info.date_time)
    copied.compress_type = info.compress_type
    copied.flag_bits = info.flag_bits & ~DATA_DESCRIPTOR
    copied.external_attr = info.external_attr
    copied.CRC, copied.file_size, copied.compress_size = (
        info.CRC,
        info.file_size,
        info.compress_size,
    )
    copied.header_offset = writer.tell()
    zip64 = max(info.file_size, info.compress_size) > zipfile.ZIP64_LIMIT
    writer.write(copied.FileHeader(zip64))
    left = info.compress_size
    while left:
        chunk = reader.read(min(CHUNK, left))
        if not chunk:
            raise ZipCopyError(f"{name}: the file ends inside the member")
        writer.write(chunk)
        left -= len(chunk)
    target.filelist.append(copied)
    target.NameToInfo[copied.filename] = copied
    target.start_dir = writer.tell()  # where zipfile writes the next member or the directory
