"""The preferences dataset: DPO's pairs from real failures, every rejected answer one the judge rejects."""

from __future__ import annotations

import json
from pathlib import Path

from datasets import load_from_disk

from bbcopilot.blackbox.bench import runner
from bbcopilot.blackbox.bench.tasks import SUITES, training_tasks
from bbcopilot.blackbox.verdict import judge_answers
from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.metrics import extract_code
from bbcopilot.qa.stage import pair_row
from bbcopilot.report import StageResult
from bbcopilot.train import coding, preferences
from bbcopilot.workspace import Workspace

CPU = ModelSettings(device="cpu", dtype="float32")
CARD = {"languages": ["en"], "licences": {}, "summary": "made by hand for a test"}
GOOD = ("```\nMODULE ObxGreet;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n"
        "\tEND Do;\nEND ObxGreet.\n```")


def _qa(workspace: Workspace) -> tuple[StageResult, list[dict]]:
    document = {"module": "StdLog", "subsystem": "Std"}
    rows = [
        pair_row(f"{split}-api", "api", f"What does StdLog.Ln do ({split})?", "StdLog.Ln ends the line in the log.",
                 {**document, "id": f"Std/Docu/Log-{split}", "split": split}, rejected=f"It calls writeln ({split}).")
        for split in ("train", "validation", "test")
    ] + [pair_row("train-task", "task", "Write a module ObxGreet whose command Do logs Hello.", GOOD,
                  {**document, "id": "Std/Mod/Log", "split": "train"})]
    path = save_version(workspace, "datasets/qa", "q0", rows, card=CARD, manifest={})
    return StageResult("datasets/qa", "q0", str(path)), rows


def test_every_rejected_answer_fails_its_judge_and_every_chosen_one_passes(tmp_path, tiny_model, build, distribution):
    workspace = Workspace(tmp_path / "ws")
    qa, rows = _qa(workspace)
    prompt_rows = coding.prompt_rows(rows)
    kept = [row for row in prompt_rows if row["task_id"]][:4] + [row for row in prompt_rows if not row["task_id"]]
    prompts = StageResult(coding.CODING_PROMPTS, "c0", str(save_version(
        workspace, coding.CODING_PROMPTS, "c0", kept, card=CARD,
        manifest={"build": str(build), "api_indexes": [distribution.path]})))
    settings = TrainSettings(own_samples=1, grpo_max_completion_length=16)

    result = preferences.build_preferences(workspace, prompts, qa, str(tiny_model), settings, CPU)

    pairs = load_from_disk(result.path)["train"].to_list()
    assert result.figures["pairs"] == len(pairs)
    assert result.figures["pairs_ungrounded"] == 1  # the train split's pair; validation and test give none
    # The untrained model's samples fail: a task's in the interpreter (no code, no module), a QA task's in the compiler.
    own = [p for p in pairs if p["origin"] == "own_compile_failure"]
    assert any(p["task_id"] for p in own) and any(not p["task_id"] for p in own)
    assert result.figures["pairs_delphi_corruption"] >= len(kept)  # at least lower-case keywords in every answer
    card = (Path(result.path) / "README.md").read_text(encoding="utf-8")
    assert "| delphi_corruption |" in card
    assert json.loads((Path(result.path) / "manifest.json").read_text())["judged_by"] == "compiler"

    tasks = {task.id: task for suite in SUITES for task in training_tasks(suite)}
    judged = [p for p in pairs if p["origin"] != "ungrounded"]
    on_tasks = [p for p in judged if p["task_id"]]
    outcomes = runner.run_samples(build, [(tasks[p["task_id"]], extract_code(p[side])) for p in on_tasks
                                          for side in ("chosen", "rejected")], timeout_s=10, memory_mb=256)
    assert [o.status for o in outcomes[0::2]] == ["passed"] * len(on_tasks)
    assert all(o.status != "passed" for o in outcomes[1::2])
    assert any(o.status == "compile_error" for o in outcomes[1::2])
    free = [p for p in judged if not p["task_id"]]
    assert free, "the QA task answer is corrupted and sampled too"
    verdicts = judge_answers([p[side] for p in free for side in ("chosen", "rejected")], coding.judge_of(prompts)[1], build)
    assert all(v.compiles for v in verdicts[0::2]) and not any(v.compiles for v in verdicts[1::2])

