"""Tasks that bring sources into the workspace: documents, Telegram exports, the forum."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import task
from prefect.cache_policies import INPUTS, NO_CACHE
from prefect.tasks import exponential_backoff

from bbcopilot import sources
from bbcopilot.config import Settings
from bbcopilot.workspace import Workspace
from tasks.caching import artefact_cache


@task(cache_policy=NO_CACHE)
def list_source_files(settings: Settings) -> list[sources.SourceFile]:
    # Never cached: it is what notices a changed or new document.
    return sources.list_source_files(settings)


@task(
    **artefact_cache(
        lambda settings, source: sources.converted_dir(
            Workspace(settings.workspace), source, sources.rendering_for(source.relpath, settings.convert)
        )
    ),
    task_run_name="convert {source.relpath}",
)
def convert_document(settings: Settings, source: sources.SourceFile) -> sources.ConvertOutcome:
    return sources.convert_into(Workspace(settings.workspace), source, settings.convert)


@task(
    **artefact_cache(
        lambda settings, export: sources.telegram_import_dir(
            Workspace(settings.workspace), Path(export), settings.sources.pseudonym_key.get_secret_value()
        )
    )
)
def import_telegram(settings: Settings, export: str) -> tuple[str, list[tuple[str, str]]]:
    return sources.import_telegram_export(
        Workspace(settings.workspace), Path(export), settings.sources.pseudonym_key.get_secret_value()
    )


@task(
    # A crawl is polite and incremental; rerunning it within hours would only re-ask the server.
    cache_policy=INPUTS,
    cache_expiration=timedelta(hours=12),
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_jitter_factor=0.5,
)
def crawl_forum(settings: Settings, start_url: str) -> tuple[str, list[tuple[str, str]]]:
    return sources.crawl_forum_into(Workspace(settings.workspace), start_url, settings.sources)
