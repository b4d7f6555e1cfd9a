"""The workspace: one folder holding every artefact, versioned by content hash.

Layout: `<workspace>/<stage>/<version>/...`, where the version is a hash of the
stage's inputs, the settings that shape it and the code that makes it. A version
folder is built under a temporary name and renamed into place when complete, so
it either exists whole or not at all; a killed run leaves the previous versions
intact. `<stage>/LATEST` names the newest complete version and moves only after
the version is in place.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def tree_hash(root: Path, skip: tuple[str, ...] = ()) -> str:
    """Hash of every file's relative path and content under `root`, leaving out folders named in `skip`."""
    entries = [
        (path.relative_to(root).as_posix(), sha256_file(path))
        for path in sorted(root.rglob("*"))
        if path.is_file() and not set(path.relative_to(root).parts) & set(skip)
    ]
    return content_hash(entries)


# ---------------------------------------------------------------- code versions
#
# A stage's code version hashes the code its output depends on, found by reading
# the code (`ast`), not by a list someone keeps: from the stage function, every
# top-level definition of its module that it names, every project function or
# module those import (imports inside functions too, and `"pkg.module"` strings,
# the way a subprocess or a plugin loader names a module), transitively, and the
# data files that code names (`Path(__file__).parent / "prompts"`, "grammar.lark")
# or that sit in a package it imports. The granularity is the top-level
# statement, so the three stages of one module keep apart: a QA prompt change
# reruns QA SFT but not continued pretraining on chunks. Statements are hashed
# as syntax trees: comments and blank lines do not rerun anything.

PROJECT_PACKAGES = ("bbcopilot", "scrapers", "tasks", "flows")
# Where the project's packages are read from (a test points it at a copy).
CODE_ROOT = Path(__file__).resolve().parent.parent
# Modules whose code shapes no artefact, left out so that editing them does not rerun
# every stage (all of them import these): settings are keyed by their *values*, which
# each stage hashes (a new default or validator shows there); errors only name a
# fault; the report renders after the stages; this module writes files atomically
# and computes the keys themselves (a change to the hashing changes the keys anyway).
NOT_SHAPING = frozenset({"bbcopilot.config", "bbcopilot.errors", "bbcopilot.report", "bbcopilot.workspace"})
WHOLE = "*"  # a target meaning "the whole module"
_DOTTED_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


@dataclass(frozen=True)
class _Statement:
    digest: str  # of its syntax tree, without positions
    binds: frozenset[str]  # top-level names it defines
    names: frozenset[str]  # names it uses
    follows: tuple[tuple[str, str], ...]  # (module, name or WHOLE) it imports, wherever in its body
    literals: frozenset[str]  # string constants: data files, "pkg.module" names


@dataclass(frozen=True)
class _ModuleCode:
    path: Path
    statements: tuple[_Statement, ...]
    defines: dict[str, tuple[int, ...]]  # top-level name -> the statements that bind it
    always: tuple[int, ...]  # statements run on import that bind nothing (side effects)


_analysed: dict[tuple[str, str], _ModuleCode] = {}


def _module_file(name: str) -> Path | None:
    base = CODE_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_project(name: str) -> bool:
    return name.split(".")[0] in PROJECT_PACKAGES


def _import_targets(node: ast.Import | ast.ImportFrom, package: str) -> list[tuple[str, tuple[str, str]]]:
    """(bound name, (module, name or WHOLE)) for each project import of one import statement."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if _is_project(alias.name):
                found.append(((alias.asname or alias.name).split(".")[0], (alias.name, WHOLE)))
        return found
    base = node.module or ""
    if node.level:  # relative: from . import x / from .m import x
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
    if not _is_project(base):
        return found
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        target = (submodule, WHOLE) if _module_file(submodule) else (base, WHOLE if alias.name == "*" else alias.name)
        found.append((alias.asname or alias.name, target))
    return found


def _statement(node: ast.AST, package: str, binds: set[str]) -> _Statement:
    names, follows, literals = set(), [], set()
    # A dict's key names a field ({"data": [...]}), not a file beside the module.
    keys = {id(key) for inner in ast.walk(node) if isinstance(inner, ast.Dict) for key in inner.keys if key is not None}
    for inner in ast.walk(node):
        if id(inner) in keys:
            continue
        if isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, (ast.Import, ast.ImportFrom)):
            follows += [target for _, target in _import_targets(inner, package)]
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str) and len(inner.value) < 256:
            literals.add(inner.value)
    digest = sha256_bytes(ast.dump(node, include_attributes=False).encode("utf-8"))
    return _Statement(digest, frozenset(binds), frozenset(names), tuple(follows), frozenset(literals))


def _bound_names(node: ast.stmt) -> set[str] | None:
    """Names a top-level statement defines, or None for one that only has effects."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
    names = {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    if targets and all(isinstance(t, (ast.Name, ast.Tuple, ast.List)) for t in targets):
        return names
    return None


def _analyse(name: str, path: Path, source: bytes) -> _ModuleCode:
    key = (str(path), sha256_bytes(source))
    if key not in _analysed:
        tree = ast.parse(source, filename=str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        statements, always = [], []
        for index, node in enumerate(tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                # One statement per imported name: naming one of them follows only that one.
                for bound, target in _import_targets(node, package):
                    statements.append(_Statement(content_hash(bound, target), frozenset({bound}), frozenset(), (target,), frozenset()))
                continue
            if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the docstring
            binds = _bound_names(node)
            if binds is None:
                always.append(len(statements))
            statements.append(_statement(node, package, binds or set()))
        defines: dict[str, tuple[int, ...]] = {}
        for index, statement in enumerate(statements):
            for bound in statement.binds:
                defines[bound] = (*defines.get(bound, ()), index)
        _analysed[key] = _ModuleCode(path, tuple(statements), defines, tuple(always))
    return _analysed[key]


def _data_files(module: _ModuleCode, literals: frozenset[str], listings: dict[Path, set[str]]) -> list[Path]:
    """Files beside the module that its code names by a string: a prompt folder, a grammar."""
    folder, found = module.path.parent, []
    if folder not in listings:  # one directory listing per folder and lookup, not a stat per string
        listings[folder] = {entry for entry in os.listdir(folder) if not entry.endswith((".py", ".pyc")) and entry != "__pycache__"}
    for literal in literals:
        if literal.split("/")[0] not in listings[folder] or ".." in literal.split("/"):
            continue
        candidate = folder / literal
        if candidate.is_file():
            found.append(candidate)
        elif candidate.is_dir() and not (candidate / "__init__.py").is_file():
            found += [p for p in candidate.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return found


def _module_named(literal: str) -> tuple[str, str] | None:
    """The project module (and name in it) a dotted string names: "scrapers.forum.run",
    "scrapers.forum.pipelines.ScrubPipeline" (how Scrapy settings and `python -m` name code)."""
    if not (_DOTTED_MODULE.fullmatch(literal) and _is_project(literal)):
        return None
    if _module_file(literal):
        return literal, WHOLE
    module, _, name = literal.rpartition(".")
    return (module, name) if _module_file(module) else None


def _package_contents(package: str) -> tuple[list[tuple[str, str]], list[Path]]:
    """Every module (whole) and data file of a package, read under CODE_ROOT."""
    folder = CODE_ROOT.joinpath(*package.split("."))
    modules, data = [], []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py":
            parts = path.relative_to(folder).with_suffix("").parts
            modules.append((".".join([package, *(parts[:-1] if parts[-1] == "__init__" else parts)]), WHOLE))
        elif path.suffix != ".pyc":
            data.append(path)
    return modules, data


def code_closure(*roots: ModuleType | Callable[..., Any]) -> tuple[set[tuple[str, str]], set[Path]]:
    """The project code the roots depend on: (module, statement digest) pairs, and the data files.

    A root is a function or class (the statements it uses, transitively), a module
    (all of it) or a package (every module and file in it: for code loaded by name,
    like a Scrapy project run in a subprocess).
    """
    pending: list[tuple[str, str]] = []
    data: set[Path] = set()
    for root in roots:
        if isinstance(root, ModuleType) and hasattr(root, "__path__"):
            modules, files = _package_contents(root.__name__)
            pending += modules
            data.update(files)
        elif isinstance(root, ModuleType):
            pending.append((root.__name__, WHOLE))
        else:
            pending.append((root.__module__, root.__qualname__.split(".")[0]))

    statements: set[tuple[str, str]] = set()
    modules_seen: dict[str, _ModuleCode | None] = {}
    chosen: dict[str, set[int]] = {}
    done: set[tuple[str, str]] = set()
    listings: dict[Path, set[str]] = {}
    while pending:
        name, target = pending.pop()
        if (name, target) in done or name in NOT_SHAPING:
            continue
        done.add((name, target))
        if name not in modules_seen:
            path = _module_file(name)
            modules_seen[name] = _analyse(name, path, path.read_bytes()) if path else None
            if path is None:  # named but absent: it fails at import, and the key says so
                statements.add((name, "absent"))
            elif path.name == "__init__.py":  # files beside a package's code are its data
                data.update(p for p in path.parent.iterdir() if p.is_file() and p.suffix not in (".py", ".pyc"))
            parent = name.rpartition(".")[0]
            if parent:  # importing a module runs its packages' __init__ first
                pending.append((parent, WHOLE))
        module = modules_seen[name]
        if module is None:
            continue
        if target != WHOLE and target in module.defines:
            wanted = set(module.defines[target]) | set(module.always)
        else:  # the whole module, or a name it does not define at top level (set at run time)
            wanted = set(range(len(module.statements)))
        taken = chosen.setdefault(name, set())
        for index in sorted(wanted - taken):
            taken.add(index)
            statement = module.statements[index]
            statements.add((name, statement.digest))
            pending += statement.follows
            pending += [(name, used) for used in statement.names if used in module.defines]
            pending += [named for named in map(_module_named, statement.literals) if named]
            data.update(_data_files(module, statement.literals, listings))
    return statements, data


def _file_state(name: str) -> Any:
    """A file's (inode, size, mtime), None if gone; for the name of a module that was absent,
    whether it still is."""
    if "/" not in name:
        return None if _module_file(name) is None else "appeared"
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


# roots -> (the files their code was read from, those files' states, the version)
_code_versions: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[Any, ...], str]] = {}


def code_version(*roots: ModuleType | Callable[..., Any]) -> str:
    """Hash of the code (and data files) that make an artefact: new code, new version. See `code_closure`.

    Remembered per process while none of the files it was read from changes (a refresh
    asks for the converter's version once per document).
    """
    key = (str(CODE_ROOT), roots)
    known = _code_versions.get(key)
    if known is not None and tuple(map(_file_state, known[0])) == known[1]:
        return known[2]
    statements, data = code_closure(*roots)
    files = sorted((p.relative_to(CODE_ROOT).as_posix(), sha256_file(p)) for p in data)
    version = content_hash(sorted(statements), files)
    read_from = tuple(sorted({str(_module_file(name) or name) for name, _ in statements} | {str(p) for p in data}))
    _code_versions[key] = (read_from, tuple(map(_file_state, read_from)), version)
    return version


# ---------------------------------------------------------------- model fingerprints

_file_digests: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """A file's SHA-256, hashed once per process while its inode, size and time stay the same
    (model weights are gigabytes; every cache lookup asks again)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _file_digests:
        _file_digests[key] = sha256_file(path)
    return _file_digests[key]


def hub_commit(repo_id: str, revision: str | None = None) -> str | None:
    """The commit a hub model's name (and revision: branch, tag or commit) resolves to in the local
    hub cache (HF_HUB_CACHE), offline; None when it is not cached there."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        cached = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except HFValidationError:  # not a hub id either (a local path that is not there)
        return None
    return Path(cached).parent.name if isinstance(cached, str) else None


def model_fingerprint(model: str, revision: str | None = None, files: Callable[[str], bool] | None = None) -> str:
    """A model's identity for cache keys.

    A local folder by the content of its files (or of those `files` accepts), not by its
    name or file times: an identical model rebuilt elsewhere keeps its fingerprint.
    Dot-files (Prefect's cache record) do not count. A hub id by the commit its revision
    resolves to in the local hub cache, so a new upload of `main` is a new model; by its
    name and revision when it is not cached yet.
    """
    folder = Path(model)
    if folder.is_dir():
        found = sorted(
            p for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
            and (files is None or files(p.name))
        )
        return content_hash([(p.relative_to(folder).as_posix(), file_digest(p)) for p in found])
    commit = hub_commit(model, revision)
    return content_hash("hub", model, commit or revision or "main")


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
