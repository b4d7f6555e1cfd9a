"""Lineage: a chain built by hand (converted source files, corpus, dataset manifests, models trained
one from another, evaluation, export) read back as a tree, compared with --diff, published as Prefect
assets and an artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbcopilot import lineage as lineages
from bbcopilot.cli import app
from bbcopilot.config import load_settings
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_write_json, content_hash, write_jsonl

SECRET = "sk-test-never-in-lineage"
SOURCES = {"System/Mod/Files.odc": "a1" * 32, "Docu/CP-Lang.odc": "b2" * 32}
HUB = "Qwen/Qwen2.5-0.5B-Instruct"


def _dataset(workspace: Workspace, stage: str, version: str, manifest: dict) -> StageResult:
    folder = workspace.version_dir(stage, version)
    atomic_write_json(folder / "manifest.json", {"version": version, **manifest})
    return StageResult(stage, version, str(folder))


def _model(workspace: Workspace, stage: str, version: str, data: StageResult, start: str, settings: dict) -> StageResult:
    """A trained model folder with the lineage train_stage writes (its trainer left out)."""
    folder = workspace.version_dir(stage, version)
    lineage = {"base_model": start, "figures": {}, "validation_losses": []} | lineages.model_lineage(
        workspace, stage, version, data, start, None, f"code-{stage}", settings)
    atomic_write_json(folder / lineages.LINEAGE, lineage)
    return StageResult(stage, version, str(folder))


def build_chain(root: Path, sources: dict[str, str] = SOURCES, qa_version: str = "qa1", lora_r: int = 8,
                monkeypatch=None) -> tuple[Path, object]:
    """Source files -> corpus -> documents, dialogs -> QA, coding prompts -> SFT -> preferences -> DPO ->
    GRPO -> evaluation -> export, each artefact where the stages put it; returns the export folder."""
    (root / "blackbox").mkdir(parents=True, exist_ok=True)
    if monkeypatch is not None:  # a secret in the settings, as the environment sets it
        monkeypatch.setenv("BBCOPILOT_QA__API_KEY", SECRET)
    settings = load_settings("demo", {"workspace": str(root / "workspace"), "sources.blackbox_dir": str(root / "blackbox"),
                                      "sources.forum_mirror_dir": None, "train.lora_r": lora_r})
    workspace = Workspace(settings.workspace)
    keys = []
    outcomes = []
    for relpath, sha256 in sources.items():
        key = content_hash(sha256, relpath)
        keys.append(key)
        document = workspace.version_dir("converted", key) / "document.json"
        atomic_write_json(document, {"source": "blackbox", "meta": {"relpath": relpath}, "sha256": sha256, "text": "x"})
        outcomes.append({"relpath": relpath, "document": str(document), "failure": None, "cached": False})
    outcomes.append({"relpath": "Obx/Docu/Broken.odc", "document": None, "failure": "not an .odc document", "cached": False})
    corpus = content_hash(sorted(keys))
    write_jsonl(workspace.version_dir("corpus", corpus) / "manifest.jsonl", outcomes)
    community = [["posts.jsonl", "c3" * 32], ["messages.jsonl", "d4" * 32]]
    documents = _dataset(workspace, "datasets/documents", content_hash(keys), {"inputs": keys, "community": community})
    dialogs = _dataset(workspace, "datasets/dialogs", "dialogs1", {"community": community})
    qa = _dataset(workspace, "datasets/qa", qa_version, {"documents": documents.version, "dialogs": dialogs.version})
    prompts = _dataset(workspace, "datasets/coding-prompts", "prompts-" + qa_version,
                       {"documents": documents.version, "qa": qa.version})
    # The QA section too: it holds a secret (qa.api_key), which must stay masked.
    trained = lineages.section_settings(train=settings.train, model=settings.model, qa=settings.qa)
    sft = _model(workspace, "models/sft-qa", "sft-" + qa_version, qa, HUB, trained)
    pairs = _dataset(workspace, "datasets/preferences", "pairs-" + qa_version,
                     {"coding_prompts": prompts.version, "qa": qa.version, "model": sft.path})
    dpo = _model(workspace, "models/dpo", "dpo-" + qa_version, pairs, sft.path, trained)
    grpo = _model(workspace, "models/grpo", "grpo-" + qa_version, prompts, dpo.path, trained)
    evaluation = StageResult("evaluations", "eval1", str(workspace.version_dir("evaluations", "eval1")))
    made_from = [documents, dialogs, qa, prompts, sft, pairs, dpo, grpo, evaluation]
    export = workspace.version_dir("exports", "export-" + qa_version)
    if monkeypatch is not None:
        assert settings.qa.api_key.get_secret_value() == SECRET
    lineage = lineages.export_lineage(workspace, "exports", export.name, grpo, made_from, settings.public_dict(), "code-x")
    atomic_write_json(export / lineages.LINEAGE, {"model": {"stage": grpo.stage, "version": grpo.version}} | lineage)
    return export, settings


@pytest.fixture
def chain(tmp_path, monkeypatch):
    return build_chain(tmp_path / "a", monkeypatch=monkeypatch)


def test_tree_names_every_stage_and_source_file(chain):
    export, _ = chain
    result = CliRunner().invoke(app, ["lineage", str(export)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "exports export-qa1"
    for stage in ("models/grpo", "models/dpo", "datasets/preferences", "models/sft-qa", "datasets/qa",
                  "datasets/documents", "corpus", "datasets/dialogs", "datasets/coding-prompts", "evaluations"):
        assert any(f"{stage} " in line for line in lines), f"{stage} missing from\n{result.output}"
    assert f"base model {HUB}" in result.output
    for relpath, sha256 in SOURCES.items():
        assert f"{relpath} (blackbox) sha256 {sha256[:12]}" in result.output
    assert "Obx/Docu/Broken.odc: not converted (not an .odc document)" in result.output
    assert "posts.jsonl sha256 c3c3c3c3c3c3" in result.output
    # Drawn in its order: grpo under the export, dpo under grpo, the SFT model and the preferences under dpo.
    depth = {stage: next(len(line) - len(line.lstrip("│├└─ ")) for line in lines if f"{stage} " in line)
             for stage in ("models/grpo", "models/dpo", "datasets/preferences", "models/sft-qa", "datasets/qa")}
    assert depth["models/grpo"] < depth["models/dpo"] < depth["datasets/preferences"] == depth["models/sft-qa"]
    assert depth["models/sft-qa"] < depth["datasets/qa"]


def test_model_lineage_keeps_its_fields_and_names_its_origins(chain):
    export, _ = chain
    sft = json.loads((export.parent.parent / "models/sft-qa/sft-qa1" / lineages.LINEAGE).read_text())
    assert sft["qa" if "qa" in sft else "base_model"] and "validation_losses" in sft and "figures" in sft
    assert sft["datasets"] == {"datasets/dialogs": "dialogs1", "datasets/documents": sft["datasets"]["datasets/documents"],
                               "datasets/qa": "qa1"}
    assert sft["base_model"] == HUB and sft["base_model_fingerprint"] and sft["code_version"] == "code-models/sft-qa"
    assert sft["flow_run_id"] is None  # outside a Prefect run
    assert {f["relpath"] for f in sft["sources"]["files"]} == set(SOURCES)
    exported = json.loads((export / lineages.LINEAGE).read_text())
    assert set(exported["datasets"]) == {"datasets/documents", "datasets/dialogs", "datasets/qa",
                                         "datasets/coding-prompts", "datasets/preferences"}
    assert exported["base_model"] == HUB and exported["base_model_fingerprint"] == sft["base_model_fingerprint"]


def test_a_secret_never_reaches_lineage_json(chain):
    export, _ = chain
    for written in export.parent.parent.rglob(lineages.LINEAGE):
        assert SECRET not in written.read_text(encoding="utf-8"), written


def test_diff_names_changed_dataset_setting_and_source(chain, tmp_path):
    export, _ = chain
    changed = dict(SOURCES) | {"System/Mod/Files.odc": "e5" * 32, "Std/Mod/Log.odc": "f6" * 32}
    del changed["Docu/CP-Lang.odc"]
    other, _ = build_chain(tmp_path / "b", sources=changed, qa_version="qa2", lora_r=16)
    result = CliRunner().invoke(app, ["lineage", "--diff", str(export), str(other)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "datasets/qa: qa1 -> qa2" in lines
    assert "setting train.lora_r: 8 -> 16" in lines
    assert f"source changed: System/Mod/Files.odc sha256 {'a1' * 6} -> {'e5' * 6}" in lines
    assert "source added: Std/Mod/Log.odc" in lines and "source removed: Docu/CP-Lang.odc" in lines
    same = CliRunner().invoke(app, ["lineage", "--diff", str(export), str(export)])
    assert same.output.startswith("same origins")


def test_a_folder_without_lineage_is_one_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["lineage", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path}: no lineage.json" in " ".join(result.output.split())


def test_markdown_artifact_draws_the_chain(chain):
    export, _ = chain
    text = lineages.markdown(lineages.read_lineage(export))
    assert text.startswith("```mermaid\ngraph BT\n")
    lineage = lineages.read_lineage(export)
    ids = {stage: f"n{i}" for i, stage in enumerate(lineage["graph"])}
    assert f"{ids['models/grpo']} --> {ids['exports']}" in text and f"{ids['evaluations']} --> {ids['exports']}" in text
    assert f"{ids['datasets/documents']} --> {ids['datasets/qa']}" in text


def test_a_run_materialises_each_artefact_it_made_with_its_deps(chain, monkeypatch):
    """In a real (ephemeral) flow run: an asset event per artefact the run made, naming what it was made
    from; a cached artefact is referenced, not materialised; a lineage made in the run names it."""
    from prefect import flow
    from prefect.events.clients import AssertingEventsClient
    from prefect.events.worker import EventsWorker

    from tasks.lineage import publish_lineage

    export, settings = chain
    lineage = lineages.read_lineage(export)
    results = [StageResult(stage, e["version"], e["path"], cached=stage == "datasets/documents")
               for stage, e in lineage["graph"].items() if stage not in (lineages.BASE, lineages.COMMUNITY)]
    worker = EventsWorker.instance(AssertingEventsClient)
    monkeypatch.setattr(EventsWorker, "instance", lambda *_: worker)

    @flow
    def train_like() -> str | None:
        publish_lineage(settings, results)
        return lineages.flow_run_id()  # what a stage in this run writes into its lineage

    state = train_like(return_state=True)
    assert state.result() == str(state.state_details.flow_run_id)
    worker.drain()
    events = worker._client.events
    made = {e.resource.id: {r.id for r in e.related if r.role == "asset"}
            for e in events if e.event == "prefect.asset.materialization.succeeded"}
    key = {stage: "file://" + str(Path(e["path"]).resolve()) for stage, e in lineage["graph"].items()}
    assert key["datasets/documents"] not in made, "a cached artefact emits no materialisation"
    assert made[key["exports"]] == {key["models/grpo"], key["evaluations"]}
    assert made[key["models/dpo"]] == {key["models/sft-qa"], key["datasets/preferences"]}
    assert made[key["datasets/qa"]] == {key["datasets/documents"], key["datasets/dialogs"]}
    assert made[key["models/sft-qa"]] == {f"hf://{HUB}", key["datasets/qa"]}
    assert "file://" + str(Path(settings.sources.blackbox_dir).resolve()) in made[key["corpus"]]


def test_a_missing_documents_manifest_is_named_not_fatal(chain):
    """A model is made before its lineage: a documents version gone from the workspace is named in it."""
    export, settings = chain
    workspace = Workspace(settings.workspace)
    documents = next(workspace.version_dir("datasets/documents", v) for v in workspace.versions("datasets/documents"))
    (documents / "manifest.json").unlink()
    qa = StageResult("datasets/qa", "qa1", str(workspace.version_dir("datasets/qa", "qa1")))
    lineage = _model(workspace, "models/sft-qa", "sft-again", qa, HUB, {})
    written = lineages.read_lineage(Path(lineage.path))
    assert written["sources"]["missing"].startswith(f"{documents / 'manifest.json'}: not found")
    result = CliRunner().invoke(app, ["lineage", lineage.path])
    assert result.exit_code == 0 and "the source files are not named" in result.output
