"""The workspace: one folder holding every artefact, versioned by content hash.

Layout: `<workspace>/<stage>/<version>/...`, where the version is a hash of the
stage's inputs, the settings that shape it and the code that makes it. A version
folder is built under a temporary name and renamed into place when complete, so
it either exists whole or not at all; a killed run leaves the previous versions
intact. `<stage>/LATEST` names the newest complete version and moves only after
the version is in place.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

HASH_CHARS = 16
LATEST = "LATEST"


# ---------------------------------------------------------------- hashing


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(*parts: Any) -> str:
    """A short, stable hash of JSON-able parts (dict key order does not matter)."""
    canonical = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_CHARS]


def code_version(*modules: ModuleType) -> str:
    """Hash of the code that makes an artefact: new code, new version.

    A package counts with every file in it (a grammar or a prompt file shapes
    the result as much as the Python does).
    """
    parts = []
    for module in modules:
        if hasattr(module, "__path__"):
            folder = Path(module.__path__[0])
            parts.append(tree_hash(folder, skip=("__pycache__",)))
        else:
            parts.append(inspect.getsource(module))
    return content_hash(*parts)


def tree_hash(root: Path, skip: tuple[str, ...] = ()) -> str:
    """Hash of every file's relative path and content under `root`, leaving out folders named in `skip`."""
    entries = [
        (path.relative_to(root).as_posix(), sha256_file(path))
        for path in sorted(root.rglob("*"))
        if path.is_file() and not set(path.relative_to(root).parts) & set(skip)
    ]
    return content_hash(entries)


# ---------------------------------------------------------------- atomic writes


def _temporary_sibling(final: Path) -> Path:
    return final.parent / f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_sibling(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder; rename it to `final` only if the block succeeds.

    If `final` appeared meanwhile (a concurrent run built the same version), the
    finished one is kept: a version's content is fixed by its hash.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_sibling(final)
    temporary.mkdir()
    try:
        yield temporary
        try:
            os.rename(temporary, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


# ---------------------------------------------------------------- versioned stages


def point_latest(version_dir: Path) -> None:
    """Make a complete version its stage's LATEST (`<stage>/LATEST` names it)."""
    if not version_dir.is_dir():
        raise FileNotFoundError(f"{version_dir}: no such complete version")
    atomic_write_text(version_dir.parent / LATEST, version_dir.name + "\n")


class Workspace:
    """Stage folders under one root, each holding complete versions and a LATEST pointer."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def version_dir(self, stage: str, version: str) -> Path:
        return self.root / stage / version

    def has(self, stage: str, version: str) -> bool:
        return self.version_dir(stage, version).is_dir()

    def set_latest(self, stage: str, version: str) -> None:
        point_latest(self.version_dir(stage, version))

    def latest(self, stage: str) -> str | None:
        pointer = self.root / stage / LATEST
        if not pointer.is_file():
            return None
        version = pointer.read_text(encoding="utf-8").strip()
        return version if self.has(stage, version) else None

    def versions(self, stage: str) -> list[str]:
        """Complete versions of a stage, oldest first."""
        folder = self.root / stage
        if not folder.is_dir():
            return []
        found = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime)]

    def prune(self, stage: str, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions (LATEST is always kept); return what went."""
        latest = self.latest(stage)
        versions = self.versions(stage)
        doomed = [v for v in versions[: max(len(versions) - keep, 0)] if v != latest]
        for version in doomed:
            shutil.rmtree(self.version_dir(stage, version))
        return doomed
