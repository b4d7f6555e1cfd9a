"""Tasks of the training flow: QA generation, coding prompts, SFT, preferences, DPO, GRPO, evaluation, export.

Each cache key calls the stage's own version function with the stage's own arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.tasks import exponential_backoff

from bbcopilot import evaluate, export, review
from bbcopilot.blackbox.toolchain import toolchain_version
from bbcopilot.config import Settings
from bbcopilot.qa import stage as qa
from bbcopilot.report import StageResult
from bbcopilot.train import coding, dpo, grpo, launch, preferences, sft
from bbcopilot.train.stage import training_version
from bbcopilot.workspace import Workspace
from tasks.caching import artefact_task


def _training_dir(stage: str, function):
    return lambda settings, data, model_path: Workspace(settings.workspace).version_dir(
        stage, training_version(stage, function, data.version, model_path, settings.train, settings.model)
    )


def _train(function, settings: Settings, data: StageResult, model_path: str) -> StageResult:
    """A training stage in this process, or through `accelerate launch` when the settings name a config."""
    workspace = Workspace(settings.workspace)
    if settings.train.accelerate_config:
        return launch.launched(function, workspace, data, model_path, settings, settings.train.accelerate_config)
    return function(workspace, data, model_path, settings.train, settings.model)


def _qa_dir(settings: Settings, documents: StageResult, dialogs: StageResult | None, model_path: str) -> Path:
    version = qa.qa_version(
        documents.version, dialogs.version if dialogs else None, settings.qa, model_path,
        toolchain_version(settings.toolchain), settings.model.revision,
        review.rejections_fingerprint(Workspace(settings.workspace), review.QA_PAIRS),
    )
    return Workspace(settings.workspace).version_dir(qa.QA, version)


@artefact_task(
    _qa_dir,
    # The generator may be a model server: ride out restarts and overload (the cache keeps what was done).
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    retry_jitter_factor=0.5,
)
def generate_qa(settings: Settings, documents: StageResult, dialogs: StageResult | None, model_path: str) -> StageResult:
    return qa.build_qa(
        Workspace(settings.workspace), documents, dialogs, model_path, settings.qa, settings.model, settings.toolchain,
        settings.model.revision,
    )


@artefact_task(
    lambda settings, documents, qa_pairs: coding.coding_prompts_dir(Workspace(settings.workspace), documents, qa_pairs,
                                                                    settings.toolchain)
)
def build_coding_prompts(settings: Settings, documents: StageResult, qa_pairs: StageResult) -> StageResult:
    return coding.build_coding_prompts(Workspace(settings.workspace), documents, qa_pairs, settings.toolchain)


@artefact_task(_training_dir(sft.SFT_CHUNKS, sft.train_on_chunks))
def train_on_chunks(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return _train(sft.train_on_chunks, settings, data, model_path)


@artefact_task(_training_dir(sft.SFT_QA, sft.train_on_qa))
def train_on_qa(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return _train(sft.train_on_qa, settings, data, model_path)


@artefact_task(
    lambda settings, prompts, qa_pairs, model_path: Workspace(settings.workspace).version_dir(
        preferences.PREFERENCES,
        preferences.preferences_version(prompts, qa_pairs, model_path, settings.train, settings.model,
                                        review.rejections_fingerprint(Workspace(settings.workspace), review.PREFERENCE_PAIRS)),
    )
)
def build_preferences(settings: Settings, prompts: StageResult, qa_pairs: StageResult, model_path: str) -> StageResult:
    return preferences.build_preferences(
        Workspace(settings.workspace), prompts, qa_pairs, model_path, settings.train, settings.model
    )


@artefact_task(_training_dir(dpo.DPO, dpo.align_with_dpo))
def align_with_dpo(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return _train(dpo.align_with_dpo, settings, data, model_path)


@artefact_task(_training_dir(grpo.GRPO, grpo.train_with_grpo))
def train_with_grpo(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return _train(grpo.train_with_grpo, settings, data, model_path)


@artefact_task(
    lambda settings, documents, qa_pairs, base_model, tuned_model: evaluate.evaluation_dir(
        Workspace(settings.workspace), documents, qa_pairs, base_model, tuned_model, settings.eval, settings.toolchain,
        settings.model.revision,
    )
)
def evaluate_models(
    settings: Settings, documents: StageResult, qa_pairs: StageResult, base_model: str, tuned_model: str
) -> StageResult:
    result = evaluate.evaluate_models(
        Workspace(settings.workspace), documents, qa_pairs, base_model, tuned_model, settings.eval, settings.toolchain,
        settings.model.revision,
    )
    # The report and every figure as artifacts. Image artifacts need a URL the UI can fetch, which local
    # PNGs are not: the plots stay in the evaluation folder, named in the report.
    folder = Path(result.path)
    create_markdown_artifact(
        markdown=(folder / "report.md").read_text(encoding="utf-8"),
        key="bbcopilot-evaluation-report",
        description=f"Evaluation {result.version}: base vs tuned ({folder})",
    )
    figures = evaluate.figure_rows(json.loads((folder / "metrics.json").read_text(encoding="utf-8")))
    create_table_artifact(table=figures, key="bbcopilot-evaluation-figures", description=f"Evaluation {result.version}: every figure")
    return result


@artefact_task(lambda settings, model, lineage: export.export_dir(Workspace(settings.workspace), model, lineage))
def export_model(settings: Settings, model: StageResult, lineage: list[StageResult]) -> StageResult:
    return export.export_model(Workspace(settings.workspace), model, lineage, settings.public_dict())
