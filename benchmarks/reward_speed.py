"""Completions scored per second by GRPO's compile and test rewards: a batch at once against one at a time.

    .venv/bin/python -m benchmarks.reward_speed [--count 24] [--runs 3] [--profile demo]

The completions are answers to train-split benchmark tasks (both suites, those with a reference and
a wrong solution): for each task its reference, its wrong solution and a Delphi-ised corruption of
the reference (`mutants.delphi_corruptions`), fenced as a model writes them, --count in all. In one
run, with a fresh `train.rewards.Rewards` for each timed run (no verdict carried over), it measures
(a) with each row's task: the `compiles` and `passes_tests` rewards on the whole batch (what
GRPOTrainer does: the batch's answers run against their tests, as many at a time as there are
cores) against the same two rewards called with one completion at a time; (b) without a task (a
coding prompt): the `compiles` reward on the whole batch (one compile batch) against one at a time.
It prints completions/s (median of --runs), the ratio, and checks that both ways score alike. The
compiler and the interpreter are CPU-bound: on a shared machine the figures move with its load (shown).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

from bbcopilot.api_index import distribution_index
from bbcopilot.blackbox import build_toolchain
from bbcopilot.blackbox.bench.tasks import training_tasks
from bbcopilot.blackbox.mutants import delphi_corruptions
from bbcopilot.config import load_settings
from bbcopilot.train.rewards import Rewards
from bbcopilot.workspace import Workspace

SCORED = ("compiles", "passes_tests")


def completions(count: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(kind, task id, completion text): reference, wrong and Delphi-ised answers of train-split tasks, in turn."""
    rng = random.Random(seed)
    found = []
    for task in [t for suite in ("blackbox", "humaneval") for t in training_tasks(suite) if t.reference and t.wrong]:
        delphi = delphi_corruptions(task.reference, rng)
        for kind, code in (("reference", task.reference), ("wrong", task.wrong),
                           ("delphi", rng.choice(delphi).text if delphi else None)):
            if code is not None:
                found.append((kind, task.id, f"Here is the module:\n\n```\n{code.strip()}\n```\n"))
    if len(found) < count:
        raise SystemExit(f"only {len(found)} completions of train-split tasks, not {count}")
    return found[:count]


def scores(rewards: Rewards, names: tuple[str, ...], texts: list[str], task_ids: list[str]) -> list[tuple]:
    """The rewards `names` of each completion, called on the batch as GRPOTrainer calls them."""
    functions = [f for f in rewards.functions() if f.__name__ in names]
    prompts = ["Write the module."] * len(texts)
    by_reward = [f(prompts, texts, task_id=task_ids, completion_ids=[[0]] * len(texts)) for f in functions]
    return list(zip(*by_reward))


def _timed(fn: Callable[[], list], runs: int) -> tuple[float, list]:
    times, result = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=24, help="completions in the batch")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", default="demo", help="settings profile naming the toolchain")
    args = ap.parse_args()
    settings = load_settings(args.profile)
    workspace = Workspace(settings.workspace)
    build = build_toolchain(workspace, settings.toolchain)
    index = distribution_index(workspace, settings.toolchain)
    batch = completions(args.count)
    texts = [text for _, _, text in batch]
    kinds = {kind: sum(k == kind for k, _, _ in batch) for kind in ("reference", "wrong", "delphi")}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.count} completions of "
          f"{len({task for _, task, _ in batch})} train-split tasks ({', '.join(f'{n} {k}' for k, n in kinds.items())})")

    def fresh() -> Rewards:
        return Rewards(build, index, length_budget=settings.train.grpo_max_completion_length)

    for label, names, task_ids in (("with tests (task_id set)", SCORED, [task for _, task, _ in batch]),
                                   ("compile only (no task_id)", SCORED[:1], [""] * len(batch))):
        batched_s, batched = _timed(lambda: scores(fresh(), names, texts, task_ids), args.runs)

        def one_at_a_time() -> list[tuple]:
            rewards = fresh()  # its verdicts are kept for the last batch only: each completion is judged anew
            return [s for text, task in zip(texts, task_ids) for s in scores(rewards, names, [text], [task])]

        single_s, single = _timed(one_at_a_time, args.runs)
        if batched != single:
            raise SystemExit(f"{label}: the batch scored otherwise than one at a time")
        mean = {name: statistics.mean(v for v in values if v is not None)
                for name, values in zip(names, zip(*batched))}
        print(f"\n{label}: rewards {', '.join(names)} (mean {', '.join(f'{n} {v:.2f}' for n, v in mean.items())})")
        print(f"  one at a time: {args.count / single_s:7.1f} completions/s (baseline)")
        print(f"  batched:       {args.count / batched_s:7.1f} completions/s (median of {args.runs} runs)")
        print(f"  batched/one at a time: {single_s / batched_s:.1f}x")


if __name__ == "__main__":
    main()
