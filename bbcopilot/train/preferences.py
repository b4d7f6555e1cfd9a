"""The `preferences` dataset: DPO's pairs of a preferred and a rejected answer, from real failures.

Each pair is (prompt, chosen, rejected, origin), the origin saying where the rejected side came from:

- `ungrounded`: a kept QA question answered without its span (QA generation asked it again);
- `own_compile_failure`, `own_test_failure`: the SFT model's own samples for a coding prompt that
  BlackBox's compiler rejects, or that compile and fail the task's tests in the interpreter;
- `delphi_corruption`: a good answer Delphi-ised (`writeln`, lower-case `begin`/`end`, `string`,
  `:=` in a CONST, an invented API name), kept only where the compiler rejects it.

The chosen side is a kept, grounded QA answer or the good answer of a coding prompt (coding.py:
a benchmark task's reference solution, a kept QA `task` answer). Only train-split rows and tasks
reach this dataset.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from bbcopilot import review
from bbcopilot.blackbox.bench import runner
from bbcopilot.blackbox.bench.tasks import SUITES, TYPES_MODULE, Task, harness_source, training_tasks
from bbcopilot.blackbox.verdict import judge_answers
from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.llm import LocalGenerator, conversation
from bbcopilot.metrics import extract_code
from bbcopilot.qa.stage import prompt_and_answer
from bbcopilot.report import StageResult
from bbcopilot.train.coding import judge_of
from bbcopilot.train.corruptions import failing_corruptions
from bbcopilot.workspace import Workspace, code_version, content_hash, model_fingerprint

log = logging.getLogger(__name__)
PREFERENCES = "datasets/preferences"
ORIGINS = ("ungrounded", "own_compile_failure", "own_test_failure", "delphi_corruption")


def preference_row(origin: str, turns: list[dict[str, str]], chosen: str, rejected: str, source: str,
                   task_id: str = "", detail: str = "") -> dict[str, Any]:
    return {
        "id": content_hash(origin, turns, chosen, rejected)[:16], "origin": origin, "split": "train",
        "prompt": turns, "chosen": chosen, "rejected": rejected, "source": source, "task_id": task_id, "detail": detail,
    }


def ungrounded_pairs(qa_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kept train-split QA pairs whose question was also answered without its span."""
    pairs = []
    for row in qa_rows:
        if row["split"] == "train" and row["rejected"]:
            turns, answer = prompt_and_answer(row["messages"])
            pairs.append(preference_row("ungrounded", turns, answer, row["rejected"], row["id"]))
    return pairs


def sample_answers(prompts: list[dict[str, Any]], model_path: str, settings: TrainSettings, model: ModelSettings) -> list[list[str]]:
    """`settings.own_samples` answers of the model per prompt, sampled as GRPO samples them."""
    from transformers import set_seed

    if not settings.own_samples or not prompts:
        return [[] for _ in prompts]
    set_seed(settings.seed)
    generator = LocalGenerator(model_path, revision=model.revision, device=model.device)
    asked = [conversation(p["prompt"]) for p in prompts for _ in range(settings.own_samples)]
    answers = generator(asked, settings.grpo_max_completion_length, settings.grpo_temperature)
    n = settings.own_samples
    return [answers[i * n:(i + 1) * n] for i in range(len(prompts))]


def own_failures(prompts: list[dict[str, Any]], samples: list[list[str]], build, index) -> list[dict[str, Any]]:
    """Pairs whose rejected side is one of the model's own samples that fails: a benchmark task's
    sample judged by its tests in the interpreter, any other prompt's by the compiler (without a
    toolchain, by the checker; benchmark samples then go unjudged)."""
    tasks: dict[str, Task] = {task.id: task for suite in SUITES for task in training_tasks(suite)}
    pairs = []
    bench = [(p, s) for p, per_prompt in zip(prompts, samples) if p["task_id"] for s in per_prompt]
    if build is not None and bench:
        jobs = [(tasks[p["task_id"]], extract_code(sample)) for p, sample in bench]
        for (prompt, sample), outcome in zip(bench, runner.run_samples(build, jobs, timeout_s=10, memory_mb=256)):
            if outcome.status != "passed":
                origin = "own_test_failure" if outcome.compiled else "own_compile_failure"
                pairs.append(preference_row(origin, prompt["prompt"], prompt["good"], sample, prompt["id"],
                                            prompt["task_id"], f"{outcome.status}: {outcome.detail}"))
    free = [(p, s) for p, per_prompt in zip(prompts, samples) if not p["task_id"] for s in per_prompt]
    for (prompt, sample), verdict in zip(free, judge_answers([s for _, s in free], index, build)):
        if not verdict.compiles:
            why = verdict.errors[0] if verdict.errors else "no code"
            pairs.append(preference_row("own_compile_failure", prompt["prompt"], prompt["good"], sample, prompt["id"],
                                        detail=f"{verdict.judged_by}: {why}"))
    return pairs


def corruption_pairs(prompts: list[dict[str, Any]], build, index) -> list[dict[str, Any]]:
    """Each good answer Delphi-ised in every way that the compiler then rejects."""
    # Benchmark answers may import BenchTypes: it is compiled before them.
    run = failing_corruptions([p["good"] for p in prompts], build, index, support=[(TYPES_MODULE, harness_source("Types"))])
    return [
        preference_row("delphi_corruption", prompts[c.source]["prompt"], prompts[c.source]["good"], c.answer,
                       prompts[c.source]["id"], prompts[c.source]["task_id"], f"{c.kind}: {c.error}")
        for c in run.kept
    ]


def preferences_version(prompts: StageResult, qa: StageResult, model_path: str, settings: TrainSettings,
                        model: ModelSettings, rejected: str | None = None) -> str:
    """`rejected`: `review.rejections_fingerprint` of the preference pairs (None: none rejected)."""
    return content_hash(
        *([rejected] if rejected else []),
        prompts.version, qa.version, model_fingerprint(model_path, model.revision),
        settings.model_dump(include={"own_samples", "grpo_max_completion_length", "grpo_temperature", "seed"}),
        model.device, code_version(build_preferences),
    )


def build_preferences(
    workspace: Workspace, prompts: StageResult, qa: StageResult, model_path: str, settings: TrainSettings,
    model: ModelSettings,
) -> StageResult:
    """Sample the model (`model_path`, the SFT model) on the coding prompts, judge every sample and
    corruption, save the pairs with the ungrounded ones."""
    from datasets import load_from_disk

    rejected = review.rejections(workspace, review.PREFERENCE_PAIRS)
    version = preferences_version(prompts, qa, model_path, settings, model,
                                  review.rejections_fingerprint(workspace, review.PREFERENCE_PAIRS))
    coding = load_from_disk(prompts.path)["train"].to_list()
    build, index = judge_of(prompts)
    samples = sample_answers(coding, model_path, settings, model)
    pairs = [*ungrounded_pairs(load_from_disk(qa.path)["train"].to_list()), *own_failures(coding, samples, build, index),
             *corruption_pairs(coding, build, index)]
    pairs, dropped = review.without_rejected(pairs, rejected)
    counts = Counter(p["origin"] for p in pairs)
    figures = {"pairs": len(pairs), **{f"pairs_{origin}": counts.get(origin, 0) for origin in ORIGINS},
               "rejected_in_review": len(dropped)}
    table = "\n".join(f"| {origin} | {counts.get(origin, 0)} |" for origin in ORIGINS)
    path = save_version(
        workspace, PREFERENCES, version, pairs,
        card={
            "languages": ["en", "ru"],
            "licences": {"blackbox": "bsd-2-clause"},
            "summary": "DPO preference pairs from real failures: `prompt` (user turns), `chosen`, `rejected`, "
            "`origin` (where the rejected answer came from), `source` (the task or QA row), `detail` (why it "
            "was rejected).\n\n| origin | pairs |\n|---|---|\n" + table + "\n",
        },
        manifest={"coding_prompts": prompts.version, "qa": qa.version, "model": model_path,
                  "judged_by": "compiler" if build else "checker"},
    )
    return StageResult(PREFERENCES, version, str(path), figures, skipped=dropped)
