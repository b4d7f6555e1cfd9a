"""Export: the final model as a teacher installs it, with its lineage.

`exports/<version>/` holds:

- the merged model (safetensors only: a pickle-format checkpoint is refused) and its tokenizer
  with the one chat template, loadable with `AutoModelForCausalLM.from_pretrained`;
- `generation_config.json`: the sampling the evaluation found most stable across temperatures
  (`sampling`);
- `<name>-F16.gguf` and `<name>-Q8_0.gguf` for llama.cpp and Ollama (`gguf_file`), each loaded
  back and compared with the model before the export is complete, and `verification.json`;
- `Modelfile` for Ollama (`ollama`), its TEMPLATE derived from the chat template;
- `README.md`, the model card (`card`); `evaluation/` (the evaluation's report and metrics);
- `lineage.json`: which sources, dataset versions and training stages made it, and the settings
  (secrets masked).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from bbcopilot.errors import BBCopilotError, InputError
from bbcopilot.evaluate import PLOTS
from bbcopilot.export import card, gguf_file, ollama, sampling
from bbcopilot.lineage import export_lineage
from bbcopilot.llm import load_tokenizer, system_prompt
from bbcopilot.model_folder import NOT_WEIGHTS, model_folder
from bbcopilot.report import StageResult
from bbcopilot.workspace import (
    Workspace, atomic_dir, atomic_write_json, atomic_write_text, code_version, content_hash,
)

EXPORTS = "exports"
VERIFICATION = "verification.json"
# Written by the export itself from the model (the tokenizer with the one chat template, the sampling).
REWRITTEN = {"lineage.json", "generation_config.json", "chat_template.jinja", "tokenizer.json", "tokenizer_config.json",
             "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json"}
EVALUATION_FILES = ("report.md", "metrics.json", *PLOTS)


class ExportError(BBCopilotError):
    """The model folder cannot be exported."""


def check_model_folder(folder: Path) -> None:
    """One clear message for a folder that is not a merged safetensors model with its tokenizer
    (`bbcopilot.model_folder`: an adapter is refused, its base named)."""
    try:
        model_folder(folder, adapters=False)
    except InputError as error:
        raise ExportError(str(error)) from None


def export_dir(workspace: Workspace, model: StageResult, lineage: list[StageResult]) -> Path:
    lineage_versions = [(r.stage, r.version) for r in lineage]
    return workspace.version_dir(EXPORTS, content_hash(model.version, lineage_versions, code_version(export_model)))


def export_model(
    workspace: Workspace, model: StageResult, lineage: list[StageResult], settings: dict[str, Any]
) -> StageResult:
    final = export_dir(workspace, model, lineage)
    if not final.is_dir():
        source = Path(model.path)
        check_model_folder(source)
        with atomic_dir(final) as building:
            origins = export_lineage(workspace, EXPORTS, final.name, model, lineage, settings, code_version(export_model))
            build_export(source, building, model, lineage, settings, origins)
    workspace.set_latest(EXPORTS, final.name)
    return StageResult(EXPORTS, final.name, str(final), export_figures(final))


def build_export(source: Path, building: Path, model: StageResult, lineage: list[StageResult],
                 settings: dict[str, Any], origins: dict[str, Any]) -> None:
    for item in source.iterdir():
        # Not dot-files (cache records), what the export writes itself, nor the Trainer's pickled arguments.
        if item.is_file() and item.name not in REWRITTEN | set(NOT_WEIGHTS) and not item.name.startswith("."):
            shutil.copy2(item, building / item.name)
    tokenizer = load_tokenizer(str(source))
    tokenizer.save_pretrained(building)
    chosen = sampling.choose_sampling(source, lineage, settings)
    eos_ids = sampling.end_token_ids(source, tokenizer)
    sampling.write_generation_config(source, building, chosen, eos_ids, tokenizer.pad_token_id)

    evaluation = sampling.evaluation_metrics(lineage)
    if evaluation is not None:
        (building / "evaluation").mkdir()
        for name in EVALUATION_FILES:
            if (Path(evaluation[0].path) / name).is_file():
                shutil.copy2(Path(evaluation[0].path) / name, building / "evaluation" / name)

    files = [gguf_file.write_gguf(building, building / gguf_file.gguf_name(card.MODEL_NAME, q), q, card.MODEL_NAME,
                                  chosen.parameters()) for q in gguf_file.QUANTISATIONS]
    compared = gguf_file.compare_logits(building, files)
    llama_cpp = gguf_file.llama_cpp_check(building, files)
    atomic_write_json(building / VERIFICATION, {"transformers": compared, "llama_cpp": llama_cpp,
                                                "sampling": {**chosen.parameters(), "reason": chosen.reason}})

    stops = [tokenizer.convert_ids_to_tokens(i) for i in eos_ids]
    modelfile = ollama.write_modelfile(building, compared["Q8_0"]["file"], tokenizer, chosen.parameters(), stops,
                                       system_prompt())
    atomic_write_text(building / "README.md", card.render_card(
        lineage=lineage, model=model, settings=settings, sampling=chosen,
        results=evaluation[1] if evaluation else None, evaluation_version=evaluation[0].version if evaluation else None,
        files=compared, llama_cpp=llama_cpp, modelfile=modelfile.name, system_prompt=system_prompt(),
    ))
    atomic_write_json(
        building / "lineage.json",
        {
            "model": {"stage": model.stage, "version": model.version},
            "made_from": [{"stage": r.stage, "version": r.version, "path": r.path} for r in lineage],
            "settings": settings,
        } | origins,  # the chain from the source files on (bbcopilot.lineage)
    )


def export_figures(folder: Path) -> dict[str, Any]:
    """The export's figures from its folder (a cached export reports the same as a fresh one)."""
    verification = json.loads((folder / VERIFICATION).read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    figures: dict[str, Any] = {"megabytes": round(size / 2**20, 2), "temperature": verification["sampling"]["temperature"]}
    for quantisation, checked in verification["transformers"].items():
        figures[f"{quantisation}_MiB"] = checked["megabytes"]
        figures[f"{quantisation}_max_logit_diff"] = checked["max_logit_difference"]
    figures["llama_cpp"] = verification["llama_cpp"]["state"].split(":")[0]  # ran / skipped
    return figures


def report_section(folder: Path, links_from: Path) -> str:
    """The run report's links to what a teacher installs: the card, each GGUF, the Modelfile
    (relative to `links_from`, the report's folder)."""
    verification = json.loads((folder / VERIFICATION).read_text(encoding="utf-8"))

    def link(name: str) -> str:
        return f"[{name}]({Path(os.path.relpath(folder / name, links_from)).as_posix()})"

    lines = [f"- model card: {link('README.md')}", f"- Ollama: {link(ollama.MODELFILE)} (`ollama create bbcopilot -f Modelfile`)"]
    lines += [f"- {quantisation}: {link(checked['file'])}, {checked['megabytes']} MiB, logits within "
              f"{checked['relative_difference']:.3%} of the model's (tolerance {checked['tolerance']:.1%})"
              for quantisation, checked in verification["transformers"].items()]
    lines.append(f"- llama.cpp check: {verification['llama_cpp']['state']}")
    return "\n".join(lines)
