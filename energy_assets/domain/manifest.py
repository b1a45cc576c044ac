"""Folder manifests: every file's size and SHA-256, written last and atomically, checked before use.

A folder the pipeline publishes for the API (a champion bundle, the serving readings) is only
trusted when its ``manifest.json`` lists exactly the files it holds with their sizes and digests.
:func:`write_manifest` is called once every other file of the folder is written (in the staging
folder, before it is renamed into place): a folder without a manifest, or whose files differ from
it, is incomplete or damaged, never half-trusted.

``manifest.json``::

    {"manifest_version": 1, "created_at": "...", "files": {"model/model.txt": {"size": 1234,
     "sha256": "..."}, ...}, <extra keys given by the writer, e.g. rows, data_version>}

Paths are relative to the folder, POSIX-style. Names starting with a dot (temporary files,
editor droppings) are neither listed nor checked. Problems are reported with folder-relative
paths only, so the text can be shown to API clients.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
_CHUNK = 1 << 20


class ManifestError(ValueError):
    """A folder whose content does not match (or lacks) its manifest.

    ``code`` is a short stable token for metrics (``manifest_missing``, ``manifest_unreadable``,
    ``file_missing``, ``size_mismatch``, ``checksum_mismatch``, ``unlisted_file``); the message
    names the file relative to the folder.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str


def file_entry(path: Path) -> FileEntry:
    """Size and SHA-256 of one file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(size=size, sha256=digest.hexdigest())


def _listed(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` except the manifest and dot-names, sorted."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() == MANIFEST_FILE:
            continue
        if path.is_file():
            out.append(path)
    return out


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest(
    folder: str | os.PathLike[str], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """List every file of ``folder`` in ``manifest.json`` and return the manifest.

    Call it LAST, after every other file of the folder is written. The files are flushed to disk
    first; the manifest goes to a temporary name in the same folder and is renamed over
    ``manifest.json`` (atomic), so a reader sees the old manifest or the new one, never part of one.
    ``extra`` adds top-level keys (a writer's own facts: rows, data_version...); it may not
    override ``files``, ``manifest_version`` or ``created_at``.
    """
    root = Path(folder)
    files: dict[str, dict[str, Any]] = {}
    for path in _listed(root):
        _fsync(path)
        entry = file_entry(path)
        files[path.relative_to(root).as_posix()] = {"size": entry.size, "sha256": entry.sha256}
    reserved = {"files", "manifest_version", "created_at"} & set(extra or {})
    if reserved:
        raise ValueError(f"extra may not set the manifest's own keys {sorted(reserved)}")
    manifest = {
        **dict(extra or {}),
        "manifest_version": MANIFEST_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, root / MANIFEST_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync(root)
    return manifest


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed manifest of ``folder``; :class:`ManifestError` when it is absent or malformed."""
    path = Path(folder) / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError("manifest_missing", f"{MANIFEST_FILE} is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(
            "manifest_unreadable", f"{MANIFEST_FILE} cannot be read ({type(exc).__name__})"
        ) from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(
            "manifest_unreadable", f"{MANIFEST_FILE} is not valid JSON (line {exc.lineno})"
        ) from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("size"), int) and isinstance(v.get("sha256"), str)
        for v in files.values()
    ):
        raise ManifestError("manifest_unreadable", f"{MANIFEST_FILE} has no valid 'files' table")
    return manifest


def manifest_digest(folder: str | os.PathLike[str]) -> str:
    """SHA-256 of ``manifest.json``'s bytes: the identity of the folder's whole content."""
    return file_entry(Path(folder) / MANIFEST_FILE).sha256


def verify_manifest(folder: str | os.PathLike[str], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check that ``folder`` holds exactly the files of its manifest, byte for byte; return it.

    ``required`` names files that must be listed (e.g. a forecast bundle's ``history.parquet``).
    Raises :class:`ManifestError` for the first problem found: missing or unreadable manifest, a
    required file not listed, a listed file missing, of another size or another SHA-256, or a
    file present that the manifest does not list.
    """
    root = Path(folder)
    manifest = read_manifest(root)
    files: dict[str, dict[str, Any]] = manifest["files"]
    for name in required:
        if name not in files:
            raise ManifestError("file_missing", f"{name} is required but the manifest does not list it")
    for name, expected in sorted(files.items()):
        path = root / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ManifestError(
                "manifest_unreadable", f"{MANIFEST_FILE} lists a path outside the folder: {name}"
            )
        if not path.is_file():
            raise ManifestError("file_missing", f"{name} is listed in {MANIFEST_FILE} but missing")
        size = path.stat().st_size
        if size != expected["size"]:
            raise ManifestError(
                "size_mismatch", f"{name} has {size} bytes, {MANIFEST_FILE} says {expected['size']}"
            )
        if file_entry(path).sha256 != expected["sha256"]:
            raise ManifestError("checksum_mismatch", f"{name} does not match its SHA-256 in {MANIFEST_FILE}")
    unlisted = [
        p.relative_to(root).as_posix() for p in _listed(root) if p.relative_to(root).as_posix() not in files
    ]
    if unlisted:
        raise ManifestError("unlisted_file", f"{unlisted[0]} is not listed in {MANIFEST_FILE}")
    return manifest


__all__ = [
    "MANIFEST_FILE",
    "FileEntry",
    "ManifestError",
    "file_entry",
    "manifest_digest",
    "read_manifest",
    "verify_manifest",
    "write_manifest",
]
