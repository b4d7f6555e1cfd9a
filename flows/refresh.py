"""The nightly refresh: sources -> converted text -> datasets and the BlackBox API index."""

from __future__ import annotations

from prefect import flow
from prefect.task_runners import TaskRunner

from bbcopilot.config import Settings
from bbcopilot.datasets_build import CommunityFiles
from bbcopilot.report import StageResult
from flows.parameters import RefreshParameters
from tasks.datasets import build_api_index, build_chunks, build_dialogs, build_documents, build_tiny_model
from tasks.reporting import publish_report, run_stage, stage_of, submit_stage, summarise_community, task_runner
from tasks.sources import (
    convert_corpus, crawl_forum, crawl_forum_mirror, export_telegram, import_telegram, list_source_files,
)


def refresh_stages(settings: Settings) -> list[StageResult]:
    """The refresh as a list of stage results; the pipeline flow reuses it. The conversion runs while
    the community sources are read, the chunks, dialogs and API index side by side on a Dask
    cluster when `settings.dask_address` names one (`task_runner`)."""
    with task_runner(settings) as runner:
        return _stages(settings, runner)


def _stages(settings: Settings, runner: TaskRunner) -> list[StageResult]:
    converting = submit_stage(runner, convert_corpus, settings, list_source_files(settings))

    forum = [crawl_forum(settings, settings.sources.forum_start_url)] if settings.sources.forum_start_url else []
    forum += [crawl_forum_mirror(settings, str(settings.sources.forum_mirror_dir))] if settings.sources.forum_mirror_dir else []
    telegram = [import_telegram(settings, str(export)) for export in settings.sources.telegram_exports]
    telegram += [export_telegram(settings, chat) for chat in settings.sources.telegram_chats]
    community = CommunityFiles(forum=tuple(p for p, _ in forum), telegram=tuple(p for p, _ in telegram if p))
    skipped = [item for _, items in forum + telegram for item in items]

    conversion = stage_of(converting)
    sources = run_stage(summarise_community, settings, community, skipped)
    documents = run_stage(build_documents, settings, conversion, community)
    results = [conversion, sources, documents]
    model = settings.model.base_model
    if settings.model.build_tiny:
        tiny = run_stage(build_tiny_model, settings, documents)
        results.append(tiny)
        model = tiny.path
    side_by_side = [submit_stage(runner, build_chunks, settings, documents, model),
                    submit_stage(runner, build_dialogs, settings, community),
                    submit_stage(runner, build_api_index, settings, documents)]
    return results + [stage_of(submitted) for submitted in side_by_side]


@flow(name="refresh")
def refresh(parameters: RefreshParameters = RefreshParameters()) -> str:
    """Convert every source and rebuild the datasets that changed; returns the report's path."""
    settings = parameters.load_settings()
    return publish_report(settings, "Refresh report", refresh_stages(settings))
