"""Sources into the workspace: converted documents and community records.

Each source document is converted once per (content, path, rendering, reader
code) into `converted/<key>/`: `document.json` when it converted, `failure.json`
with the reason when it did not (a bad document is skipped and reported, and an
unchanged bad document is not retried every night). Community records land in
`sources/`:
- `telegram/<key>/`: a Telegram Desktop import, once per export file content;
- `telegram-live/<chat>/`: a live Telethon export that every refresh extends;
- `forum/<board>/`: a live board's incremental store that every crawl appends to,
  or a saved board (a mirror) crawled whole once per content.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from bbcopilot import convert
from bbcopilot.config import ConvertSettings, Settings, SourcesSettings
from bbcopilot.errors import ConfigError, InputError
from bbcopilot.progress import tracked
from bbcopilot.report import StageResult
from bbcopilot.workspace import (
    Workspace, atomic_dir, atomic_write_json, code_version, content_hash, read_jsonl, sha256_file, write_jsonl,
)

CONVERTED = "converted"
CORPUS = "corpus"


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
    cached: bool = False  # converted by an earlier run


def source_roots(settings: Settings) -> list[tuple[Path, str]]:
    """The configured document folders with their source name; a missing one is a clear error."""
    roots = [(settings.sources.blackbox_dir, "blackbox"), *((d, "text") for d in settings.sources.text_dirs)]
    mirror = [settings.sources.forum_mirror_dir] if settings.sources.forum_mirror_dir else []
    for folder in [root for root, _ in roots] + mirror:
        if not folder.exists():
            raise InputError(str(folder), "source folder not found (is ../shared beside the project?)")
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
    # The code version follows the stage into the converter and the .odc reader.
    key = content_hash(source.sha256, source.relpath, source.source, rendering, code_version(convert_into))
    return workspace.version_dir(CONVERTED, key)


def convert_into(workspace: Workspace, source: SourceFile, settings: ConvertSettings) -> ConvertOutcome:
    """Convert one document into `converted/<key>/`, unless that content was converted before."""
    rendering = rendering_for(source.relpath, settings)
    final = converted_dir(workspace, source, rendering)
    cached = final.is_dir()
    if not cached:
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
        return ConvertOutcome(source.relpath, None, failure["reason"], cached)
    return ConvertOutcome(source.relpath, str(final / "document.json"), None, cached)


def corpus_dir(workspace: Workspace, files: list[SourceFile], settings: ConvertSettings) -> Path:
    """`corpus/<version>`: the set of converted documents, named by the keys of its members."""
    members = [converted_dir(workspace, f, rendering_for(f.relpath, settings)) for f in files]
    final = workspace.version_dir(CORPUS, content_hash(sorted(m.name for m in members), code_version(convert_corpus)))
    if final.is_dir() and not all(m.is_dir() for m in members):
        # Its converted documents were deleted: the corpus (and the cache record inside it)
        # would hand back paths to nothing, so it goes and is rebuilt.
        shutil.rmtree(final)
    return final


def convert_corpus(workspace: Workspace, files: list[SourceFile], settings: ConvertSettings) -> StageResult:
    """Convert every document (each once per content, see `convert_into`) and record the set.

    One stage for the whole set, so an unchanged corpus costs one cache lookup;
    a changed file is the only one converted again.
    """
    final = corpus_dir(workspace, files, settings)
    outcomes = [convert_into(workspace, f, settings) for f in tracked(files, "documents converted")]
    if not final.is_dir():
        with atomic_dir(final) as building:
            write_jsonl(building / "manifest.jsonl", [asdict(o) for o in outcomes])
    workspace.set_latest(CORPUS, final.name)
    skipped = [(o.relpath, o.failure) for o in outcomes if o.failure]
    figures = {
        "documents": sum(o.document is not None for o in outcomes),
        "failed": len(skipped),
        "converted_now": sum(not o.cached for o in outcomes),
    }
    return StageResult(CORPUS, final.name, str(final), figures, skipped=skipped)


def converted_documents(corpus: StageResult) -> list[str]:
    """The converted-document files of a corpus version."""
    return [o["document"] for o in read_jsonl(Path(corpus.path) / "manifest.jsonl") if o["document"]]


def telegram_import_dir(workspace: Workspace, export: Path, pseudonym_key: str) -> Path:
    # The pseudonyms depend on the key, so the key (hashed, never stored) is part of the version;
    # so is the importer and scrubber code: a scrubbing fix must re-import, not keep what leaked.
    code = code_version(import_telegram_export)  # it follows the stage into scrapers.telegram and the scrubber
    # A missing export is keyed by its path: the import then fails and is reported like a bad file.
    content = sha256_file(export) if export.is_file() else f"missing {export}"
    return workspace.version_dir("sources/telegram", content_hash(content, pseudonym_key, code))


def import_telegram_export(
    workspace: Workspace, export: Path, pseudonym_key: str
) -> tuple[str | None, list[tuple[str, str]]]:
    """Import a Telegram Desktop export once per content; (messages.jsonl path, skipped records).

    An export that cannot be imported (not JSON, cut short, not a Telegram export) is
    skipped: its version holds only `failure.json` with the reason, like a document that
    does not convert, so an unchanged bad file is not read again every night; the path
    is then None and the reason is the one skipped item.
    """
    from scrapers.telegram import import_export

    final = telegram_import_dir(workspace, export, pseudonym_key)
    if not final.is_dir():
        try:
            with atomic_dir(final) as building:  # what a failed import wrote goes with its folder
                summary = import_export(export, building, pseudonym_key)
                atomic_write_json(building / "summary.json", asdict(summary))
        except InputError as err:
            with atomic_dir(final) as building:
                atomic_write_json(building / "failure.json", {"export": str(export), "reason": err.reason})
    if (final / "failure.json").is_file():
        failure = json.loads((final / "failure.json").read_text(encoding="utf-8"))
        return None, [(str(export), failure["reason"])]
    summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    return str(final / "messages.jsonl"), [(str(export), f"{k}: {v}") for k, v in summary.get("skipped", {}).items()]


FORUM_SOURCES = "sources/forum"
TELEGRAM_LIVE = "sources/telegram-live"


def forum_code_version() -> str:
    """Hash of the crawler and the scrubber: a changed parser or scrubbing rule recrawls a saved board.

    The whole Scrapy project counts (Scrapy loads its spiders and pipelines by name, in a
    subprocess), and whatever the stage itself uses.
    """
    import scrapers.forum

    return code_version(scrapers.forum, crawl_forum_into)


def forum_board(workspace: Workspace, start_url: str) -> Path:
    """The incremental store of a live board."""
    return workspace.root / FORUM_SOURCES / content_hash(start_url)


def forum_mirror_board(workspace: Workspace, mirror: Path, pseudonym_key: str) -> Path:
    """The posts of a saved board: a version per (its pages, the pseudonym key, the crawler code)."""
    from scrapers.forum.mirror import mirror_fingerprint

    return workspace.version_dir(FORUM_SOURCES, content_hash(mirror_fingerprint(mirror), pseudonym_key, forum_code_version()))


def crawl_forum_into(
    workspace: Workspace, start_url: str, settings: SourcesSettings, *, mirror: Path | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Crawl a phpBB board into `sources/forum/<board>/posts.jsonl`; (path, errors).

    A live board is one incremental store per start URL that every crawl appends to.
    With `mirror` (the saved folder that `start_url` serves, see scrapers.forum.mirror)
    the board is a version like any artefact: crawled whole, once per content, without
    politeness delays, and renamed into place when complete.
    """
    from scrapers.forum.crawl import crawl_forum
    from scrapers.forum.mirror import CRAWL_SETTINGS

    key = settings.pseudonym_key.get_secret_value()
    if mirror is None:
        board = forum_board(workspace, start_url)
        summary = crawl_forum(start_url, board, key, max_pages=settings.forum_max_pages, incremental=True, jobdir=board / "jobdir")
        return str(summary.output), _crawl_skipped(start_url, board)
    final = forum_mirror_board(workspace, mirror, key)
    if not final.is_dir():
        with atomic_dir(final) as building:
            crawl_forum(start_url, building, key, incremental=False, extra_settings=CRAWL_SETTINGS)
            _stable_mirror_posts(building / "posts.jsonl", start_url, mirror)
    return str(final / "posts.jsonl"), _crawl_skipped(str(mirror), final)


def _stable_mirror_posts(posts: Path, served_at: str, mirror: Path) -> None:
    """Order posts by id and name the mirror instead of its random local port.

    The same saved board then gives the same file, hence the same dataset
    versions, on every machine and in every run.
    """
    records = sorted(read_jsonl(posts), key=lambda r: r["post_id"]) if posts.is_file() else []
    base = served_at.rstrip("/")
    for record in records:
        if isinstance(record.get("url"), str) and record["url"].startswith(base):
            record["url"] = f"mirror://{mirror.name}" + record["url"][len(base):]
    write_jsonl(posts, records)


def _crawl_skipped(source: str, board: Path) -> list[tuple[str, str]]:
    """The last crawl's failed pages and dropped posts, counted by reason (from its Scrapy stats)."""
    from scrapers.forum.crawl import STATS_FILE

    stats = json.loads((board / STATS_FILE).read_text(encoding="utf-8"))
    kinds = {"forum/errors/": "pages", "spider_exceptions/": "pages", "forum/dropped/": "posts"}
    return [
        (source, f"{kind} {name.removeprefix(prefix)}: {count}")
        for name, count in sorted(stats.items())
        for prefix, kind in kinds.items()
        if name.startswith(prefix) and count and name != "forum/dropped/already_stored"  # stored by an earlier crawl
    ]


def telegram_live_dir(workspace: Workspace, chat: str, pseudonym_key: str) -> Path:
    # One incremental store per chat; a new pseudonym key starts a new one (its pseudonyms differ).
    return workspace.root / TELEGRAM_LIVE / content_hash(chat, pseudonym_key)


def export_telegram_chat(chat: str, out: Path, settings: SourcesSettings):
    """Export a chat live with Telethon into `out/messages.jsonl`, from the last stored message on."""
    import asyncio

    from scrapers.telegram import export_chat, make_client

    if not (settings.telegram_api_id and settings.telegram_api_hash and settings.telegram_session):
        raise ConfigError("sources.telegram_chats: needs telegram_api_id, telegram_api_hash and telegram_session")
    client = make_client(
        settings.telegram_api_id, settings.telegram_api_hash.get_secret_value(), settings.telegram_session.get_secret_value()
    )

    async def export():
        async with client:
            return await export_chat(client, chat, out, settings.pseudonym_key.get_secret_value())

    summary = asyncio.run(export())
    summary.output.touch()  # a chat with nothing to keep yet is an empty file, not a missing one
    return summary


def export_telegram_into(workspace: Workspace, chat: str, settings: SourcesSettings) -> tuple[str, list[tuple[str, str]]]:
    """Export a chat into `sources/telegram-live/<chat>/messages.jsonl`; (path, skipped records)."""
    out = telegram_live_dir(workspace, chat, settings.pseudonym_key.get_secret_value())
    summary = export_telegram_chat(chat, out, settings)
    return str(summary.output), [(chat, f"{k}: {v}") for k, v in summary.skipped.items() if k != "already_stored"]
