"""The convert stage: BlackBox documents (.odc) and plain texts (.txt) -> UTF-8 text files.

`convert_file` reads one input and returns its text in one rendering with its
metadata; `convert_tree` does a whole folder: it mirrors relative paths under
the output folder (`.txt` for plain/source, `.md` for markdown), writes every
file atomically, never stops at a bad input (the failure is recorded with its
reason) and ends with `manifest.jsonl`, one line per input.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bbcopilot import odc
from bbcopilot.errors import InputError
from bbcopilot.odc import RENDERINGS, OdcError, read_odc, render
from bbcopilot.workspace import atomic_write_text, sha256_bytes, write_jsonl

__all__ = [
    "CODE_MODULES",
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


# The code that shapes a converted text: hash these for a cache key
# (`workspace.code_version(*CODE_MODULES)`), not this module alone; odc is a
# package, so every file of the reader counts.
CODE_MODULES = (sys.modules[__name__], odc)


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


def list_sources(root: Path) -> list[Path]:
    """Every .odc/.txt file (any case) under `root`, sorted; `[root]` if it is a file."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


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


def convert_file(path: Path, root: Path, rendering: str) -> ConvertedDocument:
    """Convert one input; raises InputError (OdcError for a broken .odc) naming the file."""
    path, root = Path(path), Path(root)
    if rendering not in RENDERINGS:
        raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")
    relpath = _relpath(path, root)
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


def convert_tree(src: Path, out: Path, rendering: str, progress: bool = True) -> ConvertReport:
    """Convert a file or a folder tree into `out`; bad inputs are reported, never fatal."""
    src, out = Path(src), Path(out)
    if rendering not in RENDERINGS:
        raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")
    if not src.exists():
        raise InputError(str(src), "no such file or folder")
    root = src if src.is_dir() else src.parent
    # An output folder inside the source folder must not feed its own outputs back in.
    outside = out.resolve()
    sources = [p for p in list_sources(src) if not p.resolve().is_relative_to(outside)]

    rows: list[dict] = []
    failures: list[tuple[str, str]] = []
    written: dict[str, str] = {}
    columns = (TextColumn("convert {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task(rendering, total=len(sources))
        for path in sources:
            relpath = _relpath(path, root)
            target = output_name(relpath, rendering)
            try:
                if target in written:
                    raise InputError(relpath, f"output {target} is already written for {written[target]}")
                document = convert_file(path, root, rendering)
                atomic_write_text(out / target, document.text)
            except InputError as error:
                failures.append((relpath, error.reason))
                rows.append({"path": relpath, "sha256": _file_sha(path), "status": "failed", "reason": error.reason})
            except OSError as error:  # the output could not be written
                reason = f"cannot write {target}: {error.strerror or error}"
                failures.append((relpath, reason))
                rows.append({"path": relpath, "sha256": _file_sha(path), "status": "failed", "reason": reason})
            else:
                written[target] = relpath
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
            bar.advance(task)
    manifest = out / MANIFEST
    write_jsonl(manifest, rows)
    return ConvertReport(len(sources) - len(failures), failures, manifest)
