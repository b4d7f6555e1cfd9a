"""Sources into the workspace: converted documents and community records.

Each source document is converted once per (content, path, rendering, reader
code) into `converted/<key>/`: `document.json` when it converted, `failure.json`
with the reason when it did not (a bad document is skipped and reported, and an
unchanged bad document is not retried every night). Community records land in
`sources/`: Telegram Desktop imports under the hash of the export file, the
forum crawl in one incremental store that the spider appends to.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bbcopilot import convert
from bbcopilot.config import ConvertSettings, Settings, SourcesSettings
from bbcopilot.errors import InputError
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash, sha256_file

CONVERTED = "converted"


@dataclass(frozen=True)
class SourceFile:
    path: str
    root: str
    source: str  # "blackbox" for the distribution, "text" for further folders
    sha256: str

    @property
    def relpath(self) -> str:
        return Path(self.path).relative_to(self.root).as_posix() if self.path != self.root else Path(self.path).name


@dataclass(frozen=True)
class ConvertOutcome:
    relpath: str
    document: str | None  # path of document.json
    failure: str | None  # the reason it was skipped


def source_roots(settings: Settings) -> list[tuple[Path, str]]:
    """The configured document folders with their source name; a missing one is a clear error."""
    roots = [(settings.sources.blackbox_dir, "blackbox"), *((d, "text") for d in settings.sources.text_dirs)]
    for root, _ in roots:
        if not root.exists():
            raise InputError(str(root), "source folder not found (is ../shared beside the project?)")
    return roots


def list_source_files(settings: Settings) -> list[SourceFile]:
    """Every document of the configured roots with its content hash (the cache key of its conversion)."""
    files = []
    for root, source in source_roots(settings):
        files += [SourceFile(str(p), str(root), source, sha256_file(p)) for p in convert.list_sources(root)]
    return files


def rendering_for(relpath: str, settings: ConvertSettings) -> str:
    return settings.module_rendering if "/Mod/" in f"/{relpath}" else settings.docu_rendering


def converted_dir(workspace: Workspace, source: SourceFile, rendering: str) -> Path:
    key = content_hash(source.sha256, source.relpath, source.source, rendering, code_version(*convert.CODE_MODULES))
    return workspace.version_dir(CONVERTED, key)


def convert_into(workspace: Workspace, source: SourceFile, settings: ConvertSettings) -> ConvertOutcome:
    rendering = rendering_for(source.relpath, settings)
    final = converted_dir(workspace, source, rendering)
    if not final.is_dir():
        with atomic_dir(final) as building:
            try:
                converted = convert.convert_file(Path(source.path), Path(source.root), rendering)
            except InputError as err:
                atomic_write_json(building / "failure.json", {"relpath": source.relpath, "reason": str(err)})
            else:
                record = {"source": source.source, **asdict(converted)}
                atomic_write_json(building / "document.json", record)
    if (final / "failure.json").is_file():
        failure = json.loads((final / "failure.json").read_text(encoding="utf-8"))
        return ConvertOutcome(source.relpath, None, failure["reason"])
    return ConvertOutcome(source.relpath, str(final / "document.json"), None)


def telegram_import_dir(workspace: Workspace, export: Path, pseudonym_key: str) -> Path:
    # The pseudonyms depend on the key, so the key (hashed, never stored) is part of the version.
    return workspace.version_dir("sources/telegram", content_hash(sha256_file(export), pseudonym_key))


def import_telegram_export(workspace: Workspace, export: Path, pseudonym_key: str) -> tuple[str, list[tuple[str, str]]]:
    """Import a Telegram Desktop export once per content; (messages.jsonl path, skipped records)."""
    from scrapers.telegram import import_export

    final = telegram_import_dir(workspace, export, pseudonym_key)
    if not final.is_dir():
        with atomic_dir(final) as building:
            summary = import_export(export, building, pseudonym_key)
            atomic_write_json(building / "summary.json", asdict(summary))
    summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    return str(final / "messages.jsonl"), [(str(export), f"{k}: {v}") for k, v in summary.get("skipped", {}).items()]


def crawl_forum_into(workspace: Workspace, start_url: str, settings: SourcesSettings) -> tuple[str, list[tuple[str, str]]]:
    """Crawl a phpBB board incrementally into `sources/forum/<board>/posts.jsonl`; (path, errors)."""
    from scrapers.forum.crawl import crawl_forum

    board = workspace.root / "sources" / "forum" / content_hash(start_url)
    summary = crawl_forum(
        start_url,
        board,
        settings.pseudonym_key.get_secret_value(),
        max_pages=settings.forum_max_pages,
        incremental=True,
        jobdir=board / "jobdir",
    )
    return str(summary.output), [(start_url, f"{summary.errors} pages failed")] if summary.errors else []
