"""Running a stage with its timing, and writing the run report (file and Prefect artifact)."""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from bbcopilot import datasets_build, export
from bbcopilot.config import Settings
from bbcopilot.evaluate import PLOTS
from bbcopilot.progress import figures_table, log_stage
from bbcopilot.qa.stage import QA
from bbcopilot.report import REPORTS, StageResult, render_report, write_report
from bbcopilot.train.stage import CURVES
from bbcopilot.workspace import Workspace, content_hash, point_latest


def task_runner(settings: Settings) -> TaskRunner:
    """Where `submit_stage` runs stages: the Dask cluster at `settings.dask_address` (prefect-dask), or
    one thread of this process beside the flow's own (stages that fork, like the API index, and
    tokenizers' threads are kept apart on one machine)."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=1)


@dataclass
class Submitted:
    future: PrefectFuture
    started: float


def submit_stage(runner: TaskRunner, stage_task, *args: Any, **kwargs: Any) -> Submitted:
    """Start a stage task on `runner` (entered) while the flow goes on; `stage_of` waits for it."""
    parameters = inspect.signature(stage_task.fn).bind(*args, **kwargs).arguments
    return Submitted(runner.submit(stage_task, dict(parameters)), time.perf_counter())


def stage_of(submitted: Submitted) -> StageResult:
    """The submitted stage's result; its time runs from the submission to its end as seen here."""
    submitted.future.wait()
    return _finished(submitted.future.state, submitted.started)


def run_stage(stage_task, *args: Any, **kwargs: Any) -> StageResult:
    """Run a stage task; note how long it took and whether it came from cache."""
    started = time.perf_counter()
    return _finished(stage_task(*args, return_state=True, **kwargs), started)


def _finished(state: State, started: float) -> StageResult:
    result: StageResult = state.result()
    result.seconds = time.perf_counter() - started
    result.cached = state.is_completed() and state.name == "Cached"
    if result.cached:
        # A cache hit skips the stage's own code, LATEST move included; the run still chose this version.
        point_latest(Path(result.path))
    log_stage(result)
    return result


@task(cache_policy=NO_CACHE)
def summarise_community(settings: Settings, community: datasets_build.CommunityFiles, skipped: list[tuple[str, str]]) -> StageResult:
    def records(files: tuple[str, ...]) -> int:
        count = 0
        for name in files:
            with open(name, "rb") as handle:
                count += sum(1 for line in handle if line.strip())
        return count

    return StageResult(
        stage="sources",
        version=content_hash(community.fingerprint()),
        path=str(Workspace(settings.workspace).root / "sources"),
        figures={"forum_posts": records(community.forum), "telegram_messages": records(community.telegram)},
        skipped=skipped,
    )


@task(cache_policy=NO_CACHE)
def publish_report(settings: Settings, title: str, results: list[StageResult]) -> str:
    """Render the report, write it to the workspace and publish it as a Prefect artifact."""
    tables: dict[str, str] = {}
    dataset_results = [r for r in results if r.table]
    if dataset_results:
        tables["Datasets"] = datasets_build.statistics_table(dataset_results).to_markdown(index=False)
    for result in results:
        own_report = Path(result.path) / "report.md"
        if result.stage == QA and own_report.is_file():
            tables["QA generation"] = own_report.read_text(encoding="utf-8")
        if result.stage == "evaluations" and own_report.is_file():
            # Its plots are linked by bare name: point them at the evaluation folder from reports/.
            folder = Path("..") / Path(result.path).relative_to(settings.workspace)
            text = own_report.read_text(encoding="utf-8")
            for plot in PLOTS:
                text = text.replace(f"]({plot})", f"]({(folder / plot).as_posix()})")
            tables["Evaluation"] = text
    curves = [r for r in results if (Path(r.path) / CURVES).is_file()]
    if curves:
        # Each stage's losses (the kept checkpoint marked) and GRPO's rewards; TensorBoard has the same logs.
        tables["Training curves"] = "\n\n".join(
            f"### {r.stage}\n\n![{r.stage}]({(Path('..') / Path(r.path).relative_to(settings.workspace) / CURVES).as_posix()})"
            for r in curves
        ) + f"\n\nTensorBoard: `tensorboard --logdir {Path(settings.workspace) / 'models'}`"
    exported = [r for r in results if r.stage == export.EXPORTS and (Path(r.path) / export.VERIFICATION).is_file()]
    if exported:
        tables["Export"] = export.report_section(Path(exported[-1].path), Path(settings.workspace) / REPORTS)
    markdown = render_report(title, results, settings.public_dict(), tables)
    path = write_report(settings.workspace, markdown, title.split()[0].lower())
    create_markdown_artifact(markdown=markdown, key=f"bbcopilot-{title.split()[0].lower()}-report", description=title)
    create_table_artifact(figures_table(results), key=f"bbcopilot-{title.split()[0].lower()}-figures",
                          description=f"{title}: each stage's key figures")
    return str(path)
