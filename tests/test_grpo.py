"""The coding prompts and the GRPO stage: only train-split tasks reach training, and GRPO trains on
BlackBox's rewards, each logged and drawn on its own."""

from __future__ import annotations

import json
from pathlib import Path

from bbcopilot.blackbox.bench.tasks import SUITES, evaluation_tasks, task_prompt, task_split, training_tasks
from bbcopilot.config import REWARDS, ModelSettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.qa.stage import pair_row
from bbcopilot.report import StageResult
from bbcopilot.train import coding, grpo
from bbcopilot.train.curves import reward_keys
from bbcopilot.workspace import Workspace

CPU = ModelSettings(device="cpu", dtype="float32")
CARD = {"languages": ["en"], "licences": {}, "summary": "made by hand for a test"}


def _qa_rows() -> list[dict]:
    """QA `task` pairs of every split: only the train split's may become coding prompts."""
    return [
        pair_row(f"{split}-task", "task", f"Write a module that logs with StdLog ({split}).", "```\nMODULE M; END M.\n```",
                 {"id": f"Std/Mod/Log-{split}", "module": "StdLog", "subsystem": "Std", "split": split})
        for split in ("train", "validation", "test")
    ]


def _prompts(workspace: Workspace, build: Path | None, index_folders: list[str]) -> StageResult:
    """The coding prompts as their stage saves them, with the judge its manifest names."""
    path = save_version(workspace, coding.CODING_PROMPTS, "v0", coding.prompt_rows(_qa_rows()), card=CARD,
                        manifest={"build": str(build) if build else "", "api_indexes": index_folders})
    return StageResult(coding.CODING_PROMPTS, "v0", str(path))


def test_no_test_split_task_or_document_reaches_the_coding_prompts_or_grpo(tmp_path, tiny_model, distribution):
    workspace = Workspace(tmp_path / "ws")
    prompts = _prompts(workspace, None, [distribution.path])
    settings = TrainSettings(max_length=256, grpo_generations=2, grpo_max_completion_length=16, report_to=[])
    trainer = grpo.grpo_trainer(prompts, str(tiny_model), settings, CPU, tmp_path / "grpo")

    task_ids = [task_id for task_id in trainer.train_dataset["task_id"] if task_id]
    with_reference = {task.id for suite in SUITES for task in training_tasks(suite) if task.reference}
    assert set(task_ids) == with_reference and all(task_split(task_id) == "train" for task_id in task_ids)
    asked = "\n".join(turn["content"] for prompt in trainer.train_dataset["prompt"] for turn in prompt)
    held_out = [task for suite in SUITES for task in evaluation_tasks(suite)]
    assert held_out and not [task.id for task in held_out if task_prompt(task) in asked]
    assert "(train)" in asked and "(validation)" not in asked and "(test)" not in asked


def test_grpo_trains_on_the_compiler_and_tests_and_logs_each_reward(tmp_path, tiny_model, build, distribution):
    workspace = Workspace(tmp_path / "ws")
    prompts = _prompts(workspace, build, [distribution.path])
    settings = TrainSettings(max_length=256, grpo_steps=2, grpo_generations=2, grpo_max_completion_length=16,
                             eval_steps=1, report_to=["tensorboard"])
    result = grpo.train_with_grpo(workspace, prompts, str(tiny_model), settings, CPU)

    folder = Path(result.path)
    lineage = json.loads((folder / "lineage.json").read_text())
    assert lineage["coding_prompts"] == "v0" and result.figures["steps"] == 2
    history_keys = set()
    for event in (folder / "tensorboard").rglob("events.out.tfevents.*"):
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        history_keys |= set(EventAccumulator(str(event)).Reload().Tags()["scalars"])
    # Every reward the tiny model's junk can be judged by is logged under its own name, in TensorBoard too.
    logged = {key.split("/")[2] for key in history_keys if key.startswith("train/rewards/")}
    assert {"compiles", "passes_tests", "length"} <= logged <= set(REWARDS), history_keys
    assert {f"reward_{name}" for name in ("compiles", "passes_tests", "length")} <= result.figures.keys()
    assert (folder / "curves.png").stat().st_size > 1000
    assert reward_keys([{"rewards/compiles/mean": 0.5, "step": 1}]) == ["rewards/compiles/mean"]
