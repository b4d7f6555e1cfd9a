"""Training: datasets -> QA, coding prompts -> SFT on chunks -> QA and dialog SFT -> preferences, DPO -> GRPO
-> evaluation -> export."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from bbcopilot.config import Settings
from bbcopilot.datasets_build import CHUNKS, DIALOGS, DOCUMENTS, chunks_version
from bbcopilot.errors import BBCopilotError
from bbcopilot.report import StageResult
from bbcopilot.tiny_model import TINY, tiny_model_dir
from bbcopilot.workspace import Workspace
from flows.parameters import TrainParameters
from tasks.lineage import publish_lineage
from tasks.reporting import publish_report, run_stage
from tasks.training import (
    align_with_dpo, build_coding_prompts, build_preferences, evaluate_models, export_model, generate_qa, train_on_chunks,
    train_on_qa, train_with_grpo,
)


def latest(settings: Settings, stage: str) -> StageResult:
    """The newest complete version of a stage, as the last refresh left it."""
    workspace = Workspace(settings.workspace)
    version = workspace.latest(stage)
    if version is None:
        raise BBCopilotError(f"{workspace.root / stage}: no complete version yet; run `bbcopilot run` or the refresh first")
    return StageResult(stage, version, str(workspace.version_dir(stage, version)), cached=True)


def expected(settings: Settings, stage: str, folder: Path) -> StageResult:
    """The version this profile's settings call for, which the refresh must have made."""
    if not folder.is_dir():
        raise BBCopilotError(
            f"{folder}: no {stage} for profile {settings.profile}'s settings; run the refresh with this profile first"
        )
    return StageResult(stage, folder.name, str(folder), cached=True)


def latest_datasets(settings: Settings, documents_version: str | None = None) -> list[StageResult]:
    """The latest documents (or the given version of them) and dialogs, and what this profile derives
    from them (tiny model, chunks with its tokenizer).

    Checked, not assumed: after a refresh with another profile the chunks in
    LATEST may hold another tokenizer's tokens.
    """
    workspace = Workspace(settings.workspace)
    documents = latest(settings, DOCUMENTS) if documents_version is None else StageResult(
        DOCUMENTS, documents_version, str(workspace.version_dir(DOCUMENTS, documents_version)), cached=True)
    found = [documents, latest(settings, DIALOGS)]
    base = settings.model.base_model
    if settings.model.build_tiny:
        tiny = expected(settings, TINY, tiny_model_dir(workspace, documents.version, settings.model))
        found.append(tiny)
        base = tiny.path
    version = chunks_version(documents, base, settings.datasets, settings.model.revision)
    found.append(expected(settings, CHUNKS, workspace.version_dir(CHUNKS, version)))
    return found


def base_model_of(settings: Settings) -> str:
    """The base model: the profile's hub id or path, or the tiny model built from the latest documents."""
    by_stage = {r.stage: r for r in latest_datasets(settings)}
    return by_stage[TINY].path if TINY in by_stage else settings.model.base_model


def train_stages(settings: Settings, datasets: list[StageResult]) -> list[StageResult]:
    """The training stages on the given dataset results (the refresh's, or the latest in the workspace):
    those of `train.stages`, in pipeline order, each starting from the model the one before made."""
    by_stage = {r.stage: r for r in datasets}
    documents, chunks = by_stage[DOCUMENTS], by_stage[CHUNKS]
    base = by_stage[TINY].path if TINY in by_stage else settings.model.base_model
    stages = settings.train.stages

    qa = run_stage(generate_qa, settings, documents, by_stage.get(DIALOGS), base)
    prompts = run_stage(build_coding_prompts, settings, documents, qa)
    results = [qa, prompts]
    model = StageResult(TINY if TINY in by_stage else "base", "", base)
    if "cpt" in stages:
        model = run_stage(train_on_chunks, settings, chunks, model.path)
        results.append(model)
    if "sft" in stages:
        model = run_stage(train_on_qa, settings, qa, model.path)
        results.append(model)
    if "dpo" in stages and settings.train.dpo_steps:
        pairs = run_stage(build_preferences, settings, prompts, qa, model.path)
        results.append(pairs)
        if pairs.figures.get("pairs"):
            model = run_stage(align_with_dpo, settings, pairs, model.path)
            results.append(model)
    if "grpo" in stages and settings.train.grpo_steps and prompts.figures.get("prompts"):
        model = run_stage(train_with_grpo, settings, prompts, model.path)
        results.append(model)
    results.append(run_stage(evaluate_models, settings, documents, qa, base, model.path))
    # Lineage: the datasets the model was trained on (their manifests name the sources) and each stage.
    made_from = [by_stage[stage] for stage in (DOCUMENTS, DIALOGS, CHUNKS, TINY) if stage in by_stage]
    results.append(run_stage(export_model, settings, model, [*made_from, *results]))
    publish_lineage(settings, [*datasets, *results])  # the assets this run made, the lineage artifact
    return results


@flow(name="train")
def train(parameters: TrainParameters = TrainParameters()) -> str:
    """Train on the latest datasets in the workspace (or a chosen documents version); returns the report's path."""
    settings = parameters.load_settings()
    datasets = latest_datasets(settings, parameters.documents_version(settings))
    return publish_report(settings, "Training report", train_stages(settings, datasets))
