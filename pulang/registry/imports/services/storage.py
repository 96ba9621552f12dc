"""Where uploads live while a batch runs: ``<import dir>/<token>/upload.<csv|xlsx>`` and the
checked rows beside it (``prepared.bin``). Files, not the database: they stream in
constant memory, COPY reads them directly, and deleting them really deletes them (a blob
in the database would live on in WAL archives and backups). Workers on other hosts need
the directory on shared storage (docs/imports.md)."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File

UPLOAD_NAME = "upload"


def import_root() -> Path:
    configured = getattr(settings, "PULANG_IMPORT_DIR", "")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "imports"


@dataclass
class Stored:
    relative: str
    sha256: str
    size: int
    head: bytes


def store_upload(upload: File[bytes], *, extension: str, max_bytes: int) -> Stored:
    """Write the upload under a fresh directory, hashing it on the way."""
    token = secrets.token_hex(16)
    folder = import_root() / token
    folder.mkdir(parents=True, mode=0o700)
    target = folder / f"{UPLOAD_NAME}.{extension}"
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        for data in upload.chunks():
            if not head:
                head = data[:8]
            size += len(data)
            if size > max_bytes:
                break
            digest.update(data)
            out.write(data)
    return Stored(f"{token}/{target.name}", digest.hexdigest(), size, head)


def path_of(relative: str) -> Path:
    path = (import_root() / relative).resolve()
    if import_root().resolve() not in path.parents:
        raise ValueError("outside the import directory")
    return path


def folder_of(relative: str) -> Path:
    """The batch's own directory: the upload and the checked rows (``prepared.*``)."""
    return path_of(relative).parent


def delete_files(relative: str) -> None:
    """Remove the upload and everything derived from it."""
    if not relative:
        return
    shutil.rmtree(folder_of(relative), ignore_errors=True)
