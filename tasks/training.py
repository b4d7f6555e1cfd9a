"""Tasks of the training flow: QA generation, SFT, DPO, evaluation, export.

Each cache key calls the stage's own version function with the stage's own arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.tasks import exponential_backoff

from bbcopilot import evaluate, export, train
from bbcopilot.blackbox.toolchain import toolchain_version
from bbcopilot.qa import stage as qa
from bbcopilot.config import Settings
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace
from tasks.caching import artefact_task


def _training_dir(stage: str):
    return lambda settings, data, model_path: Workspace(settings.workspace).version_dir(
        stage, train.training_version(stage, data.version, model_path, settings.train, settings.model)
    )


def _qa_dir(settings: Settings, documents: StageResult, dialogs: StageResult | None, model_path: str) -> Path:
    version = qa.qa_version(
        documents.version, dialogs.version if dialogs else None, settings.qa, model_path,
        toolchain_version(settings.toolchain), settings.model.revision,
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


@artefact_task(_training_dir(train.SFT_CHUNKS))
def train_on_chunks(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return train.train_on_chunks(Workspace(settings.workspace), data, model_path, settings.train, settings.model)


@artefact_task(_training_dir(train.SFT_QA))
def train_on_qa(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return train.train_on_qa(Workspace(settings.workspace), data, model_path, settings.train, settings.model)


@artefact_task(_training_dir(train.DPO))
def align_with_dpo(settings: Settings, data: StageResult, model_path: str) -> StageResult:
    return train.align_with_dpo(Workspace(settings.workspace), data, model_path, settings.train, settings.model)


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
