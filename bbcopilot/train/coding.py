"""The `coding-prompts` dataset: what the training stages ask the model to write, each with a known-good
answer, and how its code is judged.

The prompts are the train split's benchmark tasks (`training_tasks`, the only door to them; their
reference solution is the good answer and their tests judge a sample) and the kept QA `task`
questions of train-split documents (the kept answer, which the QA filters compiled, is the good
one; the compiler judges a sample). No test-split task or document is ever among them. GRPO samples
these prompts and rewards the completions; the preferences dataset pairs the good answers with the
model's own failing samples and with Delphi-ised corruptions.

The manifest names the judge: the BlackBox build (absent: the lark checker judges) and the API
indexes that tell real names from invented ones, so a stage reads the whole context from the one
dataset it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbcopilot.api_index import ApiIndex, build_distribution_artefact, build_index_artefact, load_index, NoDistribution
from bbcopilot.blackbox.bench.tasks import BENCH_DIR, SUITES, task_prompt, training_tasks
from bbcopilot.blackbox.toolchain import toolchain_or_fallback, toolchain_problem, toolchain_version
from bbcopilot.config import ToolchainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.qa.stage import prompt_and_answer
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, code_version, content_hash, tree_hash

CODING_PROMPTS = "datasets/coding-prompts"


def fenced(code: str) -> str:
    """A module as an answer to a coding prompt: one code block, as the prompt asks."""
    return f"```\n{code.strip()}\n```"


def prompt_rows(qa_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The coding prompts of the train split: benchmark tasks with a reference, QA `task` questions."""
    rows = [
        {"id": task.id, "split": "train", "prompt": [{"role": "user", "content": task_prompt(task)}],
         "good": fenced(task.reference), "task_id": task.id}
        for suite in SUITES for task in training_tasks(suite) if task.reference
    ]
    for row in qa_rows:
        if row["origin"] == "generated" and row["kind"] == "task" and row["split"] == "train":
            turns, answer = prompt_and_answer(row["messages"])
            rows.append({"id": row["id"], "split": "train", "prompt": turns, "good": answer, "task_id": ""})
    return rows


def coding_prompts_dir(workspace: Workspace, documents: StageResult, qa: StageResult, toolchain: ToolchainSettings) -> Path:
    version = content_hash(
        documents.version, qa.version, tree_hash(BENCH_DIR, skip=("__pycache__",)),
        toolchain_problem(toolchain.bbcp_dir) or toolchain_version(toolchain), code_version(build_coding_prompts),
    )
    return workspace.version_dir(CODING_PROMPTS, version)


def build_coding_prompts(
    workspace: Workspace, documents: StageResult, qa: StageResult, toolchain: ToolchainSettings
) -> StageResult:
    from datasets import load_from_disk

    final = coding_prompts_dir(workspace, documents, qa, toolchain)
    rows = prompt_rows(load_from_disk(qa.path)["train"].to_list())
    build, notice = toolchain_or_fallback(workspace, toolchain)
    indexes = [build_index_artefact(workspace, documents).path]
    try:
        indexes.insert(0, build_distribution_artefact(workspace, toolchain).path)
    except NoDistribution:
        pass  # the documents' own modules still tell real names from invented ones; the log said why
    save_version(
        workspace, CODING_PROMPTS, final.name, rows,
        card={
            "languages": ["en", "ru"],
            "licences": {"blackbox": "bsd-2-clause"},
            "summary": "Coding prompts of the train split, each with a known-good answer: the benchmark's train-split "
            "tasks (`task_id`; the good answer is the reference solution, the task's tests judge a sample) and the "
            "kept QA `task` questions (the kept answer). GRPO and the preference pairs are made from these.",
        },
        manifest={"documents": documents.version, "qa": qa.version, "build": str(build) if build else "",
                  "api_indexes": indexes, "notice": notice},
    )
    tasks = sum(bool(r["task_id"]) for r in rows)
    figures = {"prompts": len(rows), "benchmark_tasks": tasks, "qa_tasks": len(rows) - tasks,
               "judged_by": "compiler" if build else "checker"}
    return StageResult(CODING_PROMPTS, final.name, str(final), figures)


def judge_of(prompts: StageResult) -> tuple[Path | None, ApiIndex]:
    """The BlackBox build (None: the checker judges) and the API index the prompts' code is judged with."""
    import json

    manifest = json.loads((Path(prompts.path) / "manifest.json").read_text(encoding="utf-8"))
    index = ApiIndex()
    for folder in manifest["api_indexes"]:
        for api in load_index(folder).modules.values():
            index.add(api)
    return (Path(manifest["build"]) if manifest["build"] else None), index
