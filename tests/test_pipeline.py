"""End to end: the pipeline flow through a real (ephemeral) Prefect, on real BlackBox documents.

Three runs on one workspace: cold, again with nothing changed (every task
cached), and after one source file changed (only what descends from it reruns).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from datasets import load_from_disk

from conftest import final_task_states
from tests.chat_server import ChatServer
from tests.test_qa_stage import teacher

SUBSET = [
    "Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Text/Mod/Models.odc", "Text/Docu/Models.odc",
    "Std/Mod/Log.odc", "Std/Docu/Log.odc", "System/Mod/Files.odc", "Docu/Tut-1.odc", "Docu/Tut-2.odc",
    "Dev/Mod/Compiler.odc", "Form/Mod/Models.odc", "Host/Mod/Files.odc", "Dev/Rsrc/Errors.odc",
]
SECRETS = {
    "BBCOPILOT_SOURCES__PSEUDONYM_KEY": "pseudonym-key-never-stored",
    "BBCOPILOT_QA__API_KEY": "sk-qa-key-never-stored",
    "BBCOPILOT_EVAL__JUDGE_API_KEY": "sk-judge-key-never-stored",
}
# Small everything: the path is under test, not the model.
TRAIN_OVERRIDES = {
    "datasets.validation_fraction": 0.25,
    "datasets.test_fraction": 0.25,
    "model.tiny_vocab_size": 1024,
    "qa.max_documents": 6,
    "qa.max_new_tokens": 16,
    "train.sft_max_steps": 4,
    "train.qa_max_steps": 3,
    "train.dpo_steps": 2,
    "train.own_samples": 1,
    "train.grpo_steps": 1,
    "train.grpo_generations": 2,
    "train.grpo_max_completion_length": 16,
    "train.eval_steps": 2,
    "train.max_length": 512,
    "eval.max_texts": 2,
    "eval.max_length": 64,
    "eval.bench_tasks": 1,
    "eval.bench_samples": 1,
    "eval.bench_k": [1],
}
STAGES = [
    "corpus", "sources", "datasets/documents", "models/tiny", "datasets/chunks", "datasets/dialogs", "api-index",
    "datasets/qa", "datasets/coding-prompts",
    "models/sft-chunks", "models/sft-qa", "datasets/preferences", "models/dpo", "models/grpo", "evaluations", "exports",
]


@pytest.fixture(scope="module")
def generator():
    """The QA generator: an OpenAI-compatible server that writes grounded pairs (a hosted model's part),
    so that every filter, the DPO pairs and DPO itself are on the path; the demo's untrained tiny model
    writes no valid pair."""
    with ChatServer(teacher) as server:
        yield server.url


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, blackbox_dir, shared_dir, generator) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    source = root / "blackbox"
    for relpath in SUBSET:
        if (blackbox_dir / relpath).is_file():
            (source / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(blackbox_dir / relpath, source / relpath)
    return {"source": source, "workspace": root / "workspace", "telegram": shared_dir / "fixtures/telegram/result.json",
            "generator": generator}


def _overrides(corpus: dict[str, Path]) -> dict:
    return {
        "workspace": str(corpus["workspace"]),
        "sources.blackbox_dir": str(corpus["source"]),
        "sources.telegram_exports": [str(corpus["telegram"])],
        "qa.endpoint": corpus["generator"],
        "qa.endpoint_model": "scripted-teacher",
        **TRAIN_OVERRIDES,
    }


def _run(corpus: dict[str, Path]):
    from flows.parameters import PipelineParameters
    from flows.pipeline import pipeline

    state = pipeline(PipelineParameters(profile="demo", overrides=_overrides(corpus)), return_state=True)
    return state, Path(state.result()), final_task_states(state)


@pytest.fixture(scope="module")
def runs(corpus):
    """Cold; again with nothing changed; one document touched; the document restored."""
    with pytest.MonkeyPatch.context() as env:
        for variable, secret in SECRETS.items():
            env.setenv(variable, secret)
        cold = _run(corpus)
        again = _run(corpus)
        changed_file = corpus["source"] / "Obx/Mod/Hello0.odc"
        original = changed_file.read_bytes()
        data = bytearray(original)
        at = data.index(b"Hello")  # a visible text byte: same structure, different text
        data[at : at + 5] = b"Howdy"
        changed_file.write_bytes(bytes(data))
        touched = _run(corpus)
        changed_file.write_bytes(original)
        restored = _run(corpus)
    return {"cold": cold, "again": again, "touched": touched, "restored": restored}


def test_cold_run_reports_every_stage_with_a_figure(runs):
    _, report, states = runs["cold"]
    text = report.read_text(encoding="utf-8")
    for stage in STAGES:
        row = next(line for line in text.splitlines() if line.startswith(f"| {stage} |"))
        figures = row.split("|")[3]
        assert any(ch.isdigit() for ch in figures), row
    assert "## Datasets" in text and "## Evaluation" in text and "## Training curves" in text and "## Export" in text
    for stage in ("models/sft-chunks", "models/sft-qa", "models/dpo", "models/grpo"):
        image = re.search(rf"!\[{stage}\]\(([^)]+)\)", text).group(1)
        assert (report.parent / image).is_file(), image
    preferences = next(line for line in text.splitlines() if line.startswith("| datasets/preferences |"))
    assert "pairs_ungrounded" in preferences and "pairs_delphi_corruption" in preferences
    assert all(state == "Completed" for state in states.values()), states


def test_datasets_load_with_cards(runs, corpus):
    for name in ("documents", "chunks", "dialogs", "qa"):
        stage = corpus["workspace"] / "datasets" / name
        version = (stage / "LATEST").read_text().strip()
        dataset = load_from_disk(str(stage / version))
        assert set(dataset) == {"train", "validation", "test"}
        card = (stage / version / "README.md").read_text(encoding="utf-8")
        assert card.startswith("---\n") and f"version: {version}" in card and "license:" in card
    dialogs = load_from_disk(str(corpus["workspace"] / "datasets/dialogs" / (corpus["workspace"] / "datasets/dialogs/LATEST").read_text().strip()))
    assert sum(len(dialogs[s]) for s in dialogs) > 0, "the Telegram fixture's reply chains became dialogs"


def test_rerun_with_nothing_changed_is_all_cached(runs):
    _, report, states = runs["again"]
    not_cached = {name: state for name, state in states.items() if state != "Cached" and not name.startswith(("list_source_files", "summarise", "publish"))}
    assert not not_cached, not_cached


def test_changed_source_recomputes_only_its_descendants(runs):
    _, report, states = runs["touched"]
    by_task = {name.rsplit("-", 1)[0]: state for name, state in states.items()}
    assert by_task["convert_corpus"] == "Completed"
    conversion = next(line for line in report.read_text().splitlines() if line.startswith("| corpus |"))
    assert re.search(r"converted_now 1\b", conversion), "only the touched document is converted again"
    assert by_task["build_documents"] == "Completed"
    assert by_task["build_chunks"] == "Completed"
    assert by_task["build_dialogs"] == "Cached"  # community records did not change
    assert by_task["import_telegram"] == "Cached"


def test_exported_model_loads_like_a_hub_model_and_names_its_lineage(runs, corpus):
    import json

    from transformers import AutoModelForCausalLM, AutoTokenizer

    exports = corpus["workspace"] / "exports"
    final = exports / (exports / "LATEST").read_text().strip()
    lineage = json.loads((final / "lineage.json").read_text())
    stages = {entry["stage"] for entry in lineage["made_from"]}
    assert {"datasets/documents", "datasets/chunks", "datasets/qa", "datasets/preferences", "models/dpo", "models/grpo"} <= stages
    assert "bbcopilot-demo-key" not in (final / "lineage.json").read_text(), "secrets never reach artefacts"
    AutoModelForCausalLM.from_pretrained(final)
    assert AutoTokenizer.from_pretrained(final).chat_template


def test_the_train_flow_alone_trains_on_the_latest_datasets(runs, corpus):
    from flows.parameters import TrainParameters
    from flows.train import train

    state = train(TrainParameters(profile="demo", overrides=_overrides(corpus)), return_state=True)
    report = Path(state.result()).read_text(encoding="utf-8")
    for stage in ("datasets/qa", "models/sft-chunks", "models/sft-qa", "datasets/preferences", "models/dpo", "models/grpo",
                  "evaluations", "exports"):
        assert f"| {stage} |" in report
    states = final_task_states(state)
    assert all(s == "Cached" for n, s in states.items() if not n.startswith("publish")), states


def test_restoring_a_document_is_served_from_cache_and_moves_latest_back(runs, corpus):
    _, _, states = runs["restored"]
    assert all(s == "Cached" for n, s in states.items() if not n.startswith(("list_source_files", "summarise", "publish"))), states
    for stage in ("corpus", "datasets/documents", "datasets/chunks", "exports"):
        cold_version = next(line for line in runs["cold"][1].read_text().splitlines() if line.startswith(f"| {stage} |"))
        assert (corpus["workspace"] / stage / "LATEST").read_text().strip() in cold_version, stage


def test_secrets_reach_no_artefact_report_or_flow_parameter(runs, corpus):
    from prefect.client.orchestration import get_client

    secrets = [secret.encode() for secret in SECRETS.values()]
    for path in corpus["workspace"].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret in data for secret in secrets), path
    with get_client(sync_client=True) as client:
        for state, _, _ in runs.values():
            run = client.read_flow_run(state.state_details.flow_run_id)
            assert not any(secret.decode() in repr(run.parameters) for secret in secrets)


def test_cli_evaluate_compares_an_exported_model_with_the_base(runs, corpus):
    import subprocess
    import sys

    exports = corpus["workspace"] / "exports"
    model = exports / (exports / "LATEST").read_text().strip()
    settings = [f"{key}={json.dumps(value)}" for key, value in _overrides(corpus).items()]
    settings += ["eval.max_prompts=2", "eval.max_qa=1", "eval.temperatures=[0.6]"]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bbcopilot"), "evaluate", "--model", str(model),
         *(part for item in settings for part in ("--set", item))],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    folder = Path(result.stdout.strip().splitlines()[-1])
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["temperatures"] == [0.6] and metrics["counts"]["prompts"] == 2
    assert set(metrics["bits_per_byte"]) >= {"base", "tuned"}
    assert (folder / "report.md").read_text() in result.stdout, "the report is printed"
