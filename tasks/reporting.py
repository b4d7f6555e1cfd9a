"""Running a stage with its timing, and writing the run report (file and Prefect artifact)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from bbcopilot import datasets_build, export
from bbcopilot.config import Settings
from bbcopilot.evaluate import PLOTS
from bbcopilot.progress import figures_table, log_stage
from bbcopilot.qa.stage import QA
from bbcopilot.report import REPORTS, StageResult, render_report, write_report
from bbcopilot.train.stage import CURVES
from bbcopilot.workspace import Workspace, content_hash, point_latest


def run_stage(stage_task, *args: Any, **kwargs: Any) -> StageResult:
    """Run a stage task; note how long it took and whether it came from cache."""
    started = time.perf_counter()
    state = stage_task(*args, return_state=True, **kwargs)
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
