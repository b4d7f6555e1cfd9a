"""A training stage through `accelerate launch` (bbcopilot.train.launch) and `bbcopilot train`'s launch options."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbcopilot import cli
from bbcopilot.config import PROJECT_ROOT, ModelSettings, Settings, TrainSettings, load_settings
from bbcopilot.errors import BBCopilotError
from bbcopilot.hfdata import save_version
from bbcopilot.report import StageResult
from bbcopilot.train import sft
from bbcopilot.train.launch import Job, child_environment, launched, read_job, write_job
from bbcopilot.train.stage import training_version
from bbcopilot.workspace import Workspace

CPU_2 = PROJECT_ROOT / "configs" / "accelerate" / "cpu-2.yaml"
CARD = {"languages": ["en"], "licences": {"blackbox": "bsd-2-clause"}, "summary": "rows made by hand for a test"}
CODE = "MODULE ObxHello0;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n\tEND Do;\nEND ObxHello0.\n"
WINDOW = 32  # tokens per chunk, and the stage's max_length: packing puts exactly one chunk in each sequence


def _chunks(workspace: Workspace, tokenizer, rows_per_split: dict[str, int]) -> StageResult:
    """Chunk rows of exactly WINDOW tokens, saved as the chunks stage saves them."""
    ids = tokenizer(CODE * 4, add_special_tokens=False)["input_ids"][:WINDOW]
    assert len(ids) == WINDOW
    rows = [{"id": f"{split}{i}", "split": split, "text": tokenizer.decode(ids), "input_ids": ids}
            for split, count in rows_per_split.items() for i in range(count)]
    path = save_version(workspace, "datasets/chunks", "v0", rows, card=CARD, manifest={})
    return StageResult("datasets/chunks", "v0", str(path))


def _settings(workspace: Workspace, **train) -> Settings:
    return Settings(workspace=workspace.root, train=TrainSettings(**train), model=ModelSettings(device="cpu", dtype="float32"))


@pytest.mark.slow  # three Pythons that import torch and TRL: ~35 s on 2 cores, 0.4 s of it training
def test_a_stage_launched_on_two_cpu_processes_trains_them_together_and_saves_one_model(tmp_path, tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    workspace = Workspace(tmp_path / "ws")
    chunks = _chunks(workspace, AutoTokenizer.from_pretrained(tiny_model), {"train": 8, "validation": 2, "test": 1})
    settings = _settings(workspace, max_length=WINDOW, batch_size=2, sft_epochs=1, eval_steps=2, report_to=[], lora_r=4)

    result = launched(sft.train_on_chunks, workspace, chunks, str(tiny_model), settings, CPU_2)

    # 8 sequences, 2 per process and step: 2 steps when both processes share each batch (4 if each trained alone).
    assert result.figures["steps"] == 2, result.figures
    assert result.figures["evaluations"] == 1 and "best_eval_loss" in result.figures
    # The stage the processes ran is the one this process would run: same settings, same version.
    assert result.stage == sft.SFT_CHUNKS
    assert result.version == training_version(
        sft.SFT_CHUNKS, sft.train_on_chunks, chunks.version, str(tiny_model), settings.train, settings.model
    )
    # One model, saved once, where the result says, LATEST on it; the job's scratch folder is gone.
    assert workspace.versions(sft.SFT_CHUNKS) == [result.version] and workspace.latest(sft.SFT_CHUNKS) == result.version
    assert Path(result.path) == workspace.version_dir(sft.SFT_CHUNKS, result.version)
    AutoModelForCausalLM.from_pretrained(result.path)
    assert not any((workspace.root / "tmp" / "launch").iterdir())
    assert len(list((workspace.root / "logs" / "launch").glob("*.log"))) == 1


def test_a_broken_launch_config_ends_in_one_error_naming_it_with_the_log_tail(tmp_path):
    workspace = Workspace(tmp_path / "ws")
    broken = tmp_path / "broken.yaml"
    broken.write_text(CPU_2.read_text(encoding="utf-8") + "num_gpus: 2\n", encoding="utf-8")  # not an accelerate key
    chunks = StageResult("datasets/chunks", "v0", str(tmp_path / "no-chunks"))

    with pytest.raises(BBCopilotError) as failure:
        launched(sft.train_on_chunks, workspace, chunks, "never-loaded", _settings(workspace), broken)

    message = str(failure.value)
    assert message.startswith(f"{broken}: accelerate launch of bbcopilot.train.sft.train_on_chunks failed (exit 1)")
    assert "unknown keys (['num_gpus'])" in message  # accelerate's own reason, from the tail of the log
    log = next((workspace.root / "logs" / "launch").glob("*.log"))
    assert f"log {log}" in message
    assert not workspace.versions(sft.SFT_CHUNKS)


@pytest.mark.slow  # the launcher and two Pythons that import torch: ~9 s on 2 cores
def test_a_stage_failing_in_its_processes_is_one_error_with_the_stages_own_reason(tmp_path, tiny_model):
    from transformers import AutoTokenizer

    workspace = Workspace(tmp_path / "ws")
    chunks = _chunks(workspace, AutoTokenizer.from_pretrained(tiny_model), {"train": 4, "test": 1})  # no validation

    with pytest.raises(BBCopilotError) as failure:
        launched(sft.train_on_chunks, workspace, chunks, str(tiny_model), _settings(workspace, report_to=[]), CPU_2)

    # torchrun's summary at the log's end names only exit codes: the reason is the stage's InputError.
    first_line = str(failure.value).splitlines()[0]
    assert first_line.startswith(f"{CPU_2}: accelerate launch of bbcopilot.train.sft.train_on_chunks failed (exit 1): "
                                 f"InputError: {chunks.path}: chunk training needs train and validation rows; log "), first_line
    assert not workspace.versions(sft.SFT_CHUNKS)


def test_the_job_file_holds_no_secret_and_the_processes_get_the_settings_as_they_stand(tmp_path, monkeypatch):
    # A secret from the environment, and a setting the environment gives but an override changes.
    monkeypatch.setenv("BBCOPILOT_QA__API_KEY", "sk-launch-test-secret")
    monkeypatch.setenv("BBCOPILOT_TRAIN__SFT_EPOCHS", "7")
    settings = load_settings("demo", {"train.sft_epochs": 2, "workspace": str(tmp_path / "ws")})
    data = StageResult("datasets/chunks", "v0", "/x", {"rows": 3}, skipped=[("a.odc", "unreadable")])
    job = Job(sft.train_on_chunks, Workspace(settings.workspace), data, "/models/base", settings, tmp_path / "result.json")

    write_job(job, tmp_path / "job.json")
    text = (tmp_path / "job.json").read_text(encoding="utf-8")
    assert "sk-launch-test-secret" not in text and settings.sources.pseudonym_key.get_secret_value() not in text

    launched_environment = child_environment(settings)  # what a launched process sees
    for name in [name for name in os.environ if name not in launched_environment]:
        monkeypatch.delenv(name)
    for name, value in launched_environment.items():
        monkeypatch.setenv(name, value)
    read = read_job(tmp_path / "job.json")
    assert read.settings.train.sft_epochs == 2 and read.settings.qa.api_key.get_secret_value() == "sk-launch-test-secret"
    assert read.workspace.root == job.workspace.root
    # Every setting (secrets included), the function, the data with its skipped tuples, the result's path.
    assert dataclasses.replace(read, workspace=job.workspace) == job


def test_train_command_turns_its_launch_options_into_validated_settings(monkeypatch):
    given = {}
    monkeypatch.setattr(cli, "run", lambda profile, overrides, flow: given.update(overrides=overrides))
    monkeypatch.chdir(PROJECT_ROOT)  # the config file is named relative to where the command runs
    answer = CliRunner().invoke(cli.app, ["train", "--accelerate-config", str(CPU_2.relative_to(PROJECT_ROOT)),
                                          "--stages", "cpt, sft", "--set", "train.sft_epochs=2"])
    assert answer.exit_code == 0, answer.output
    settings, _ = cli._settings("demo", given["overrides"])
    assert settings.train.accelerate_config == CPU_2 and settings.train.stages == ["cpt", "sft"], given
    assert settings.train.sft_epochs == 2

    # The real command: a stage that does not exist is the settings' one-line error, before anything starts.
    bad = subprocess.run([str(Path(sys.executable).parent / "bbcopilot"), "train", "--stages", "cpt,ppo"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.splitlines() == [
        "error: override: train.stages.1: Input should be 'cpt', 'sft', 'dpo' or 'grpo' (got 'ppo')"
    ]
