"""The convert stage: BlackBox documents (.odc) and plain texts (.txt) -> UTF-8 text files.

`convert_file` reads one input and returns its text in one rendering with its
metadata; `convert_tree` does a whole folder: it mirrors relative paths under
the output folder (`.txt` for plain/source, `.md` for markdown), never stops at
a bad input or an unreadable folder (the failure is recorded with its reason),
ends with `manifest.jsonl`, one line per input, and replaces the output folder
whole and atomically (built beside it, synced once, renamed into place).
"""

from __future__ import annotations

import codecs
import logging
import multiprocessing
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bbcopilot.errors import InputError
from bbcopilot.odc import RENDERINGS, OdcError, read_odc, render
from bbcopilot.workspace import sha256_bytes, write_jsonl

__all__ = [
    "RENDERINGS",
    "ConvertReport",
    "ConvertedDocument",
    "DocumentMeta",
    "OdcError",
    "convert_file",
    "convert_tree",
    "list_sources",
    "output_name",
]

SUFFIXES = (".odc", ".txt")
MANIFEST = "manifest.jsonl"
TITLE_CHARS = 200
# Subsystem whose modules carry no prefix: System/Mod/Kernel.odc is module Kernel.
UNPREFIXED_SUBSYSTEMS = ("", "System")
# The folders of a subsystem that hold its module sources, documentation and resources.
SUBSYSTEM_FOLDERS = ("Mod", "Docu", "Rsrc")


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentMeta:
    relpath: str  # posix path relative to the source root, e.g. "Text/Mod/Models.odc"
    subsystem: str  # "Text"; "" for top-level folders such as Docu/
    kind: str  # the folder: Mod, Docu, Rsrc, Samples, Spec, ...
    module: str | None  # "TextModels" for Mod files, else None
    title: str  # first non-empty line of the text
    source_format: str  # "odc" or "txt"
    encoding: str | None  # for txt: "utf-8" / "windows-1251" / "latin-1"
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ConvertedDocument:
    meta: DocumentMeta
    sha256: str  # of the input bytes
    rendering: str
    text: str


@dataclass
class ConvertReport:
    converted: int
    failures: list[tuple[str, str]]  # (relpath, reason)
    manifest: Path


# ---------------------------------------------------------------- inputs


def _walk_sources(
    root: Path, unreadable: list[tuple[Path, str]], prune: Callable[[Path], bool] = lambda folder: False
) -> list[Path]:
    """Every .odc/.txt file (any case) under `root`, sorted; what cannot be listed or resolved goes
    to `unreadable` as (path, reason). Folder links are not followed (as `rglob` does not): no loops."""
    found: list[Path] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as error:
            unreadable.append((folder, f"cannot list folder: {error.strerror or error}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not prune(path):
                        folders.append(path)
                elif path.suffix.lower() in SUFFIXES and not entry.is_file():
                    if entry.is_symlink():  # a dangling link to a document
                        unreadable.append((path, "cannot read: broken symbolic link"))
                elif path.suffix.lower() in SUFFIXES:
                    found.append(path)
            except OSError as error:  # a link loop, or a link into a folder we may not search
                unreadable.append((path, f"cannot read: {error.strerror or error}"))
    return sorted(found)


def list_sources(root: Path) -> list[Path]:
    """Every .odc/.txt file (any case) under `root`, sorted; `[root]` if it is a file.

    A folder that cannot be listed is logged as a warning naming it; `convert_tree`
    reports it as a failure instead.
    """
    root = Path(root)
    if root.is_file():
        return [root]
    unreadable: list[tuple[Path, str]] = []
    found = _walk_sources(root, unreadable)
    for path, reason in unreadable:
        log.warning("%s: %s (skipped)", path, reason)
    return found


def output_name(relpath: str, rendering: str) -> str:
    """"Text/Mod/Models.odc" -> "Text/Mod/Models.txt" (plain, source) or ".md" (markdown)."""
    if rendering not in RENDERINGS:
        raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")
    suffix = ".md" if rendering == "markdown" else ".txt"
    return PurePosixPath(relpath).with_suffix(suffix).as_posix()


def module_name(subsystem: str, stem: str) -> str:
    """The module BlackBox names by `<subsystem>/Mod/<stem>`: Text + Models = TextModels, System + Kernel = Kernel."""
    return stem if subsystem in UNPREFIXED_SUBSYSTEMS else subsystem + stem


def path_meta(relpath: str) -> tuple[str, str, str | None]:
    """(subsystem, kind, module) from a path like Text/Mod/Models.odc or Docu/Tut-1.odc."""
    path = PurePosixPath(relpath)
    folders = path.parent.parts
    if len(folders) >= 2 and folders[-1] in SUBSYSTEM_FOLDERS:
        # The folder holding Mod/Docu/Rsrc is the subsystem, however deep: bbcp keeps
        # subsystems in Check/Extra/Test/Mod/ (module TestLibrarianTest) and packaging/Deb/Mod/.
        subsystem, kind = folders[-2], folders[-1]
    elif len(folders) >= 2:
        subsystem, kind = folders[0], folders[1]  # Dev/Rsrc/New/Cmds0.odc, Obx/Samples/MMTmpl.odc
    elif folders:
        subsystem, kind = "", folders[0]
    else:
        subsystem, kind = "", ""
    return subsystem, kind, module_name(subsystem, path.stem) if kind == "Mod" else None


def title_of(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:TITLE_CHARS]
    return ""


# ---------------------------------------------------------------- plain text inputs


def _looks_cyrillic(data: bytes) -> bool:
    """Windows-1251 text has most high bytes in 0xC0-0xFF and in runs (whole words);
    Latin-1 text has isolated accented letters between ASCII ones."""
    high = sum(1 for b in data if b >= 0x80)
    if not high:
        return False
    letters = sum(1 for b in data if b >= 0xC0)
    paired = sum(1 for a, b in zip(data, data[1:]) if a >= 0x80 and b >= 0x80)
    return letters >= 0.6 * high and paired >= 0.3 * high


def decode_txt(data: bytes) -> tuple[str, str]:
    """Text and encoding of a .txt: UTF-8 (BOM or not), else Windows-1251 or Latin-1; LF line ends."""
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "windows-1251" if _looks_cyrillic(data) else "latin-1"
            text = data.decode(encoding, "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


# ---------------------------------------------------------------- one file


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or path.name
    except ValueError:
        return path.name


def convert_file(path: Path, root: Path, rendering: str, relpath: str | None = None) -> ConvertedDocument:
    """Convert one input; raises InputError (OdcError for a broken .odc) naming the file.

    `relpath` is the path relative to `root` when the caller knows it already (a tree walk).
    """
    path, root = Path(path), Path(root)
    if rendering not in RENDERINGS:
        raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")
    relpath = relpath or _relpath(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(relpath, f"not a .odc or .txt file (suffix {path.suffix!r})")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(relpath, f"cannot read: {error.strerror or error}") from error
    subsystem, kind, module = path_meta(relpath)
    if suffix == ".odc":
        document = read_odc(data, relpath)
        text = render(document, rendering)
        plain = text if rendering == "plain" else render(document, "plain")
        meta = DocumentMeta(relpath, subsystem, kind, module, title_of(plain), "odc", None, document.counts)
    else:
        text, encoding = decode_txt(data)
        counts = {"chars": len(text), "lines": text.count("\n") + (not text.endswith("\n") and bool(text))}
        meta = DocumentMeta(relpath, subsystem, kind, module, title_of(text), "txt", encoding, counts)
    return ConvertedDocument(meta, sha256_bytes(data), rendering, text)


# ---------------------------------------------------------------- a tree


def _file_sha(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def _prepare_output(out: Path, src: Path) -> Path:
    """Check that `out` may be replaced and return the empty folder to build it in, beside it."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "output is not a folder")
    if src.resolve().is_relative_to(out.resolve()):
        raise InputError(str(out), "output folder holds the sources; choose another one")
    if out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise InputError(
            str(out), f"output folder is not empty and holds no {MANIFEST} of an earlier convert; "
            "it would be replaced whole: choose a new or empty folder"
        )
    building = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        building.mkdir(parents=True)
    except OSError as error:
        raise InputError(str(out), f"cannot write the output folder: {error.strerror or error}") from error
    return building


def _replace_folder(building: Path, out: Path) -> None:
    """Put `building` where `out` is: the old `out` stays whole until the new one is complete."""
    if out.is_dir():
        old = out.parent / f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(out, old)
        try:
            os.rename(building, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old)
    else:
        os.rename(building, out)
    descriptor = os.open(out.parent, os.O_RDONLY)  # the renames themselves
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def convert_tree(src: Path, out: Path, rendering: str, progress: bool = True) -> ConvertReport:
    """Convert a file or a folder tree into `out`; bad inputs are reported, never fatal.

    `out` is replaced whole, atomically: the tree is written beside it in a temporary
    folder, synced once and renamed into place, so a killed run leaves the previous
    `out` as it was. An existing `out` must be empty or an earlier convert's output
    (it holds `manifest.jsonl`); raises InputError naming `out` otherwise, or when it
    cannot be written. A folder that cannot be listed is a failure like a broken file.
    """
    src, out = Path(src), Path(out)
    if rendering not in RENDERINGS:
        raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")
    if not src.exists():
        raise InputError(str(src), "no such file or folder")
    root = src if src.is_dir() else src.parent
    out = out.resolve() if out.is_symlink() else out  # replace the folder a link names, not the link
    # An output folder inside the source folder must not feed its own outputs back in,
    # nor must a temporary one a killed run left beside it.
    out_parent, temporary = out.parent.resolve(), f".{out.name}."
    unreadable: list[tuple[Path, str]] = []
    if src.is_dir():
        sources = _walk_sources(
            src, unreadable,
            prune=lambda folder: (folder.name == out.name or folder.name.startswith(temporary))
            and folder.parent.resolve() == out_parent,
        )
    else:
        sources = [src]
    building = _prepare_output(out, src)
    try:
        rows = _convert_into(building, sources, root, rendering, progress)
        # Named as walked (below the root, or the root itself): a link loop has no resolved name.
        rows += [
            {"path": path.relative_to(root).as_posix() if path != root else str(root), "sha256": None,
             "status": "failed", "reason": reason}
            for path, reason in unreadable
        ]
        try:
            write_jsonl(building / MANIFEST, rows)
            # One sync for the whole tree before it is renamed into place. An fsync of every file
            # and folder is the same guarantee, scoped to this tree, but took 2.5-5 s for the 871
            # files of ../shared/bbcp while other work wrote to the disk, where this took 0.03 s.
            os.sync()
            _replace_folder(building, out)
        except OSError as error:
            raise InputError(str(out), f"cannot write the output folder: {error.strerror or error}") from error
    finally:
        shutil.rmtree(building, ignore_errors=True)
    failures = [(row["path"], row["reason"]) for row in rows if row["status"] == "failed"]
    return ConvertReport(len(sources) - (len(failures) - len(unreadable)), failures, out / MANIFEST)


# Files per worker task; a tree of at least two batches is converted by a process per CPU.
BATCH = 32


def _convert_into(building: Path, sources: list[Path], root: Path, rendering: str, progress: bool) -> list[dict]:
    """Convert each source into `building`; one manifest row per source, in order."""
    # The walk follows no folder links, so a path below the root is its relative path, unless
    # the file itself is a link (then it is named as its target, as convert_file does).
    lexical = all(path.is_relative_to(root) for path in sources)
    planned: list[tuple[Path, str, str]] = []  # (path, relpath, output); first claim on an output wins
    rows: dict[str, dict] = {}  # by relpath: outputs claimed twice, then the converted ones
    claimed: dict[str, str] = {}
    order = []
    for path in sources:
        relpath = path.relative_to(root).as_posix() if lexical and not path.is_symlink() else _relpath(path, root)
        order.append(relpath)
        target = output_name(relpath, rendering)
        if target in claimed:
            reason = f"output {target} is already written for {claimed[target]}"
            rows[relpath] = {"path": relpath, "sha256": _file_sha(path), "status": "failed", "reason": reason}
        else:
            claimed[target] = relpath
            planned.append((path, relpath, target))
    batches = [planned[i : i + BATCH] for i in range(0, len(planned), BATCH)]
    workers = min(len(os.sched_getaffinity(0)), len(batches))
    columns = (TextColumn("convert {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with ExitStack() as stack:
        arguments = ([building] * len(batches), batches, [root] * len(batches), [rendering] * len(batches))
        if workers > 1:
            # Forked workers start at once with the reader already imported; all are started
            # here, before the progress bar's thread exists.
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")))
            results = pool.map(_convert_batch, *arguments)
        else:
            results = map(_convert_batch, *arguments)
        bar = stack.enter_context(Progress(*columns, disable=not progress, transient=False))
        task = bar.add_task(rendering, total=len(sources))
        bar.advance(task, len(rows))
        for batch_rows in results:
            rows.update((row["path"], row) for row in batch_rows)
            bar.advance(task, len(batch_rows))
    return [rows[relpath] for relpath in order]


def _convert_batch(building: Path, batch: list[tuple[Path, str, str]], root: Path, rendering: str) -> list[dict]:
    """Convert and write a batch of sources (plain writes: the whole tree is synced once); their manifest rows."""
    rows = []
    for path, relpath, target in batch:
        try:
            document = convert_file(path, root, rendering, relpath)
            destination = building / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(document.text, encoding="utf-8", newline="")
        except InputError as error:
            rows.append({"path": relpath, "sha256": _file_sha(path), "status": "failed", "reason": error.reason})
        except OSError as error:  # the output could not be written
            reason = f"cannot write {target}: {error.strerror or error}"
            rows.append({"path": relpath, "sha256": _file_sha(path), "status": "failed", "reason": reason})
        else:
            rows.append(
                {
                    "path": relpath,
                    "sha256": document.sha256,
                    "status": "ok",
                    "reason": None,
                    "output": target,
                    "rendering": rendering,
                    "meta": asdict(document.meta),
                }
            )
    return rows
