"""Lineage in Prefect: every artefact a run made is an asset, and the chain a Markdown artifact.

The stage tasks stay as they are (cached by `artefact_task` on their version folders, whose names
are only known once their inputs are): after the export, one thin `materialize` task per artefact
this run made (a cached one is not made again, and emits nothing) declares it with `asset_deps`
on what it was made from, read from the export's `lineage.json` graph. So the events say
sources -> corpus (converted documents) -> datasets -> QA -> models -> evaluation -> export.

Asset keys are `file://` URIs of the version folders (a hub model's `hf://<id>`); Prefect refuses a
key with a space, `%` and a few other characters, so such a folder is logged and left out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.assets import Asset, AssetProperties, add_asset_metadata, materialize
from prefect.cache_policies import NO_CACHE
from pydantic import ValidationError

from bbcopilot import lineage as lineages
from bbcopilot.config import Settings
from bbcopilot.export import EXPORTS
from bbcopilot.report import StageResult
from bbcopilot.sources import source_roots
from bbcopilot.workspace import Workspace

log = logging.getLogger(__name__)
ARTIFACT = "bbcopilot-lineage"


def asset_of(entry: dict) -> Asset | None:
    """The asset of a lineage graph entry; None (logged) where Prefect refuses its key."""
    path = entry["path"]
    hub = entry["stage"] == lineages.BASE and not Path(path).is_dir()
    key = "hf://" + path if hub else "file://" + Path(path).resolve().as_posix()
    try:
        return Asset(key=key, properties=AssetProperties(name=lineages.label(entry) if "version" in entry else path))
    except ValidationError as err:
        log.warning("lineage: %s left out of the asset graph: not a valid asset key (%s)", key, err.errors()[0]["msg"])
        return None


def graph_assets(lineage: dict, settings: Settings) -> dict[str, Asset]:
    """The asset of each graph entry Prefect accepts a key for; the community entry stands for the
    folder the forum and Telegram record files are in."""
    sources = {"stage": "sources", "path": str(Workspace(settings.workspace).root / "sources")}
    found = {stage: asset_of(sources if stage == lineages.COMMUNITY else entry) for stage, entry in lineage["graph"].items()}
    return {stage: asset for stage, asset in found.items() if asset}


def declare_assets(lineage: dict, made: set[str], settings: Settings) -> list[str]:
    """Materialise the asset of every graph entry whose stage this run made, its deps what it was made
    from (the corpus's: the source roots it converted); returns their keys."""
    graph, assets = lineage["graph"], graph_assets(lineage, settings)
    declared = []
    for stage in (s for s in graph if s in made and s in assets):
        entry = graph[stage]
        deps = [assets[u] for u in entry["from"] if u in assets]
        if stage == lineages.CORPUS:
            deps += [a for a in (asset_of({"stage": "sources", "path": str(root)}) for root, _ in source_roots(settings)) if a]

        def record(stage=stage, entry=entry) -> None:
            add_asset_metadata(assets[stage], {"stage": stage, "version": entry["version"], "path": entry["path"]})

        materialize(assets[stage], asset_deps=deps, name=f"asset {stage}", cache_policy=NO_CACHE)(record)()
        declared.append(assets[stage].key)
    return declared


@task(cache_policy=NO_CACHE)
def publish_lineage_artifact(lineage: dict) -> None:
    create_markdown_artifact(markdown=lineages.markdown(lineage), key=ARTIFACT,
                             description=f"Lineage of {lineage['stage']} {lineage['version']}")


def publish_lineage(settings: Settings, results: list[StageResult]) -> None:
    """After a train run: the assets of what it made and its export's lineage as an artifact."""
    exported = [r for r in results if r.stage == EXPORTS]
    if not exported:
        return
    try:
        lineage = lineages.read_lineage(Path(exported[-1].path))
    except lineages.LineageError as err:  # an export made before lineages named their chain
        log.warning("lineage: no assets or artifact for this run: %s", err)
        return
    made = {r.stage for r in results if not r.cached}
    declare_assets(lineage, made, settings)
    publish_lineage_artifact(lineage)
