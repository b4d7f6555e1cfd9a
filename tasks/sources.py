"""Tasks that bring sources into the workspace: documents, Telegram exports, the forum."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import task
from prefect.cache_policies import INPUTS, NO_CACHE, CacheKeyFnPolicy
from prefect.tasks import exponential_backoff

from bbcopilot import sources
from bbcopilot.config import Settings
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, code_version
from tasks.caching import artefact_task


@task(cache_policy=NO_CACHE)
def list_source_files(settings: Settings) -> list[sources.SourceFile]:
    # Never cached: it is what notices a changed or new document.
    return sources.list_source_files(settings)


@artefact_task(lambda settings, files: sources.corpus_dir(Workspace(settings.workspace), files, settings.convert))
def convert_corpus(settings: Settings, files: list[sources.SourceFile]) -> StageResult:
    return sources.convert_corpus(Workspace(settings.workspace), files, settings.convert)


@artefact_task(
    lambda settings, export: sources.telegram_import_dir(
        Workspace(settings.workspace), Path(export), settings.sources.pseudonym_key.get_secret_value()
    )
)
def import_telegram(settings: Settings, export: str) -> tuple[str | None, list[tuple[str, str]]]:
    return sources.import_telegram_export(
        Workspace(settings.workspace), Path(export), settings.sources.pseudonym_key.get_secret_value()
    )


def _live_cache(locate, stage) -> dict:
    """Options of a task that reads a live source into a growing store through `stage`: served from
    cache for 12 hours (rerunning sooner would only re-ask the server), never once the store is gone
    or the stage's code changed (new code may write the store differently, e.g. fill in a field)."""
    present = CacheKeyFnPolicy(
        cache_key_fn=lambda ctx, inputs: f"{Path(locate(**inputs)).is_file()}:{code_version(stage)}"
    )
    return {"cache_policy": INPUTS + present, "cache_expiration": timedelta(hours=12)}


_NETWORK_RETRIES = {"retries": 3, "retry_delay_seconds": exponential_backoff(backoff_factor=10), "retry_jitter_factor": 0.5}


@task(
    **_live_cache(
        lambda settings, start_url: sources.forum_board(Workspace(settings.workspace), start_url) / "posts.jsonl",
        sources.crawl_forum_into,
    ),
    **_NETWORK_RETRIES,
)
def crawl_forum(settings: Settings, start_url: str) -> tuple[str, list[tuple[str, str]]]:
    return sources.crawl_forum_into(Workspace(settings.workspace), start_url, settings.sources)


@artefact_task(
    lambda settings, mirror_dir: sources.forum_mirror_board(
        Workspace(settings.workspace), Path(mirror_dir), settings.sources.pseudonym_key.get_secret_value()
    ),
    task_run_name="crawl forum mirror",
)
def crawl_forum_mirror(settings: Settings, mirror_dir: str) -> tuple[str, list[tuple[str, str]]]:
    # A saved board is a local folder: serve it, crawl it like the live board, once per content.
    from scrapers.forum.mirror import serve_mirror

    with serve_mirror(Path(mirror_dir)) as start_url:
        return sources.crawl_forum_into(Workspace(settings.workspace), start_url, settings.sources, mirror=Path(mirror_dir))


@task(
    **_live_cache(
        lambda settings, chat: sources.telegram_live_dir(
            Workspace(settings.workspace), chat, settings.sources.pseudonym_key.get_secret_value()
        ) / "messages.jsonl",
        sources.export_telegram_into,
    ),
    **_NETWORK_RETRIES,
    task_run_name="export telegram {chat}",
)
def export_telegram(settings: Settings, chat: str) -> tuple[str, list[tuple[str, str]]]:
    # Incremental: a retry or the next night resumes after the last stored message.
    return sources.export_telegram_into(Workspace(settings.workspace), chat, settings.sources)
