"""Tasks that build the datasets (and, for the demo, the tiny model whose tokenizer chunks them).

Each cache key calls the stage's own version function with the stage's own arguments.
"""

from __future__ import annotations

from bbcopilot import datasets_build as build
from bbcopilot.api_index import build_index_artefact, index_dir
from bbcopilot.config import Settings
from bbcopilot.report import StageResult
from bbcopilot.sources import converted_documents
from bbcopilot.tiny_model import build_tiny_from_documents, tiny_model_dir
from bbcopilot.workspace import Workspace
from tasks.caching import artefact_task


@artefact_task(
    lambda settings, corpus, community: Workspace(settings.workspace).version_dir(
        build.DOCUMENTS, build.documents_version(converted_documents(corpus), community, settings.datasets)
    )
)
def build_documents(settings: Settings, corpus: StageResult, community: build.CommunityFiles) -> StageResult:
    return build.build_documents(Workspace(settings.workspace), converted_documents(corpus), community, settings.datasets)


@artefact_task(lambda settings, documents: tiny_model_dir(Workspace(settings.workspace), documents.version, settings.model))
def build_tiny_model(settings: Settings, documents: StageResult) -> StageResult:
    return build_tiny_from_documents(Workspace(settings.workspace), documents, settings.model)


@artefact_task(
    lambda settings, documents, model: Workspace(settings.workspace).version_dir(
        build.CHUNKS, build.chunks_version(documents, model, settings.datasets, settings.model.revision)
    )
)
def build_chunks(settings: Settings, documents: StageResult, model: str) -> StageResult:
    return build.build_chunks(Workspace(settings.workspace), documents, model, settings.datasets, settings.model.revision)


@artefact_task(
    lambda settings, community: Workspace(settings.workspace).version_dir(
        build.DIALOGS, build.dialogs_version(community, settings.datasets)
    )
)
def build_dialogs(settings: Settings, community: build.CommunityFiles) -> StageResult:
    return build.build_dialogs(Workspace(settings.workspace), community, settings.datasets)


@artefact_task(lambda settings, documents: index_dir(Workspace(settings.workspace), documents))
def build_api_index(settings: Settings, documents: StageResult) -> StageResult:
    return build_index_artefact(Workspace(settings.workspace), documents)
