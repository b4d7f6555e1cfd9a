"""Export: the final model with its lineage, ready to load or serve.

`exports/<version>/` holds the merged model and tokenizer (loadable with
`AutoModelForCausalLM.from_pretrained`) and `lineage.json`: which sources,
dataset versions and training stages made it, and the settings (secrets masked).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash

EXPORTS = "exports"


def export_dir(workspace: Workspace, model: StageResult, lineage: list[StageResult]) -> Path:
    lineage_versions = [(r.stage, r.version) for r in lineage]
    return workspace.version_dir(EXPORTS, content_hash(model.version, lineage_versions, code_version(export_model)))


def export_model(
    workspace: Workspace, model: StageResult, lineage: list[StageResult], settings: dict[str, Any]
) -> StageResult:
    final = export_dir(workspace, model, lineage)
    if not final.is_dir():
        with atomic_dir(final) as building:
            for item in Path(model.path).iterdir():
                # Not the model's own lineage (the export writes a fuller one) nor dot-files (cache records).
                if item.is_file() and item.name != "lineage.json" and not item.name.startswith("."):
                    shutil.copy2(item, building / item.name)
            atomic_write_json(
                building / "lineage.json",
                {
                    "model": {"stage": model.stage, "version": model.version},
                    "made_from": [{"stage": r.stage, "version": r.version, "path": r.path} for r in lineage],
                    "settings": settings,
                },
            )
    workspace.set_latest(EXPORTS, final.name)
    size = sum(p.stat().st_size for p in final.iterdir() if p.is_file())
    return StageResult(EXPORTS, final.name, str(final), {"megabytes": round(size / 2**20, 2)})
