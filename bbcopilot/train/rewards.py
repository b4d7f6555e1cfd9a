"""GRPO's rewards: what the compiler, the interpreter and the checker say about each sampled completion.

    rewards = Rewards(build, index, length_budget=384)
    GRPOTrainer(..., reward_funcs=rewards.functions(),
                reward_weights=[settings.reward_weights[f.__name__] for f in rewards.functions()])

Five functions, named as `config.REWARDS` (TRL logs each as `rewards/<name>/mean`), each returning
one value per completion, None where it does not apply (TRL leaves a None out of the sums):

- `compiles`: 1.0 when BlackBox's compiler accepts the completion's code (`metrics.extract_code`),
  0.0 when it rejects it or there is none. A benchmark task's answer is compiled as the task's
  module, by `runner.run_task` with the harness it imports; without a toolchain the lark checker
  judges (`verdict.judge_answers`).
- `passes_tests`: the share of the task's cases that passed in the interpreter, for a completion
  whose dataset row names a benchmark task in its `task_id` column; None for the others and for
  every completion without a toolchain (logged once).
- `real_api`: 0.0 when the code uses a name BlackBox does not have (the compiler's "undeclared
  identifier" / missing symbol file, `api_index.compiler_hallucinations`; the checker's `check_api`
  when the compiler did not judge), else 1.0; None without code.
- `no_delphi`: 0.0 when the code shows a Pascal/Delphi habit (`verdict.delphi_hints`: writeln,
  lower-case begin/end, string, ...), else 1.0; None without code: prose is not scanned, since
  "begin", "end" and "string" are English words and naming `writeln` to explain what to use
  instead is a good answer.
- `length`: 0.0 up to `length_budget` completion tokens (`completion_ids`, which TRL passes), then
  -(excess / budget), at least -1.0.

TRL calls the functions one after the other on the same batch. The first that needs a verdict
judges the whole batch at once and keeps the verdicts, by completion text and task, until a batch
with others comes: answers without a task are compiled in one `compile_sources` batch over every
core (each under a module name of its own, or copies of one module would compile one per round),
task answers run through `runner.run_samples`, as many at a time as there are cores. Model output
is untrusted: it is only ever compiled by BlackBox's compiler and run in `sandbox.run_command`.

Tasks come only through `tasks.training_tasks`: a row whose task_id is of the test split raises
`TestSplitLeak`, since a test-split task must never reach training.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bbcopilot.api_index import ApiIndex, build_api_index, check_api, compiler_hallucinations
from bbcopilot.blackbox.bench import runner
from bbcopilot.blackbox.bench.tasks import SUITES, TYPES_MODULE, Task, harness_source, task_split, training_tasks
from bbcopilot.blackbox.toolchain import MODULE_NAME, CompileResult
from bbcopilot.blackbox.verdict import delphi_hints, judge_answers
from bbcopilot.errors import BBCopilotError
from bbcopilot.metrics import as_module, extract_code

log = logging.getLogger(__name__)

TASK_COLUMN = "task_id"
# Appended to the module name of the k-th answer compiled in a batch (`TstHello` -> `TstHelloGrpo3`).
_BATCH_TAG = "Grpo"
# Outcomes of run_task for code the compiler never saw: the checker tells invented names.
_NOT_COMPILED = ("wrong_module", "forbidden_import")


class TestSplitLeak(BBCopilotError):
    """A test-split benchmark task reached training."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class Judged:
    """What the judges said about one completion."""

    has_code: bool
    compiles: bool
    hallucinated: bool
    delphi: bool
    passed: int | None = None  # cases passed, for a task's answer run in the interpreter
    cases: int | None = None


def completion_text(completion: str | list[dict[str, Any]]) -> str:
    """A completion's text: a plain completion as is; a conversational one, its assistant messages' content."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content") or "" for message in completion if message.get("role") == "assistant")


def length_reward(tokens: int, budget: int) -> float:
    """0 up to `budget` tokens, then minus the excess as a share of the budget, at least -1."""
    return -min(1.0, (tokens - budget) / budget) if tokens > budget else 0.0


def _batch_renamed(unit: str, k: int) -> str:
    """`unit` (a module) under a name of its own in the batch: the MODULE line and the closing `END Name.`."""
    found = MODULE_NAME.match(unit)
    if not found:
        return unit  # the compiler names the fault
    name, new = found.group(1), f"{found.group(1)}{_BATCH_TAG}{k}"
    renamed = unit[: found.start(1)] + new + unit[found.end(1):]
    return re.sub(rf"\bEND(\s+){name}(\s*\.)", lambda m: f"END{m.group(1)}{new}{m.group(2)}", renamed)


class Rewards:
    """The reward functions over one toolchain and API index; see the module docstring.

    `build`: the BlackBox toolchain (None: the checker judges, passes_tests is None); `index`: the
    API index for invented names; `length_budget`: completion tokens before the length penalty;
    `suites`: the benchmark suites whose train-split tasks rows may name; `timeout_s`, `memory_mb`:
    the bounds of one test run.
    """

    def __init__(self, build: Path | None, index: ApiIndex, length_budget: int, suites: Sequence[str] = SUITES,
                 timeout_s: float = 10.0, memory_mb: int = 256):
        if length_budget < 1:
            raise ValueError(f"length_budget must be at least 1 token, not {length_budget}")
        self.build, self.length_budget = build, length_budget
        # A task's answer may import the harness's BenchTypes: a name of it is not invented.
        self.index = ApiIndex({**index.modules, **build_api_index([(TYPES_MODULE, harness_source("Types"))]).modules})
        self.timeout_s, self.memory_mb = timeout_s, memory_mb
        self.tasks: dict[str, Task] = {task.id: task for suite in suites for task in training_tasks(suite)}
        self._verdicts: dict[tuple[str, str], Judged] = {}
        self._unknown_ids: set[str] = set()
        if build is None:
            log.warning("no BlackBox toolchain: GRPO's passes_tests reward is None for every completion, "
                        "and compiles and real_api are judged by the lark checker")

    def functions(self) -> list[Callable[..., list[float | None]]]:
        """The five reward functions, in `config.REWARDS` order, each named as its reward."""

        def compiles(prompts, completions, **columns):
            return [float(v.compiles) for v in self.judged(completions, columns.get(TASK_COLUMN))]

        def passes_tests(prompts, completions, **columns):
            return [v.passed / v.cases if v.cases else None for v in self.judged(completions, columns.get(TASK_COLUMN))]

        def real_api(prompts, completions, **columns):
            return [float(not v.hallucinated) if v.has_code else None
                    for v in self.judged(completions, columns.get(TASK_COLUMN))]

        def no_delphi(prompts, completions, **columns):
            return [float(not v.delphi) if v.has_code else None
                    for v in self.judged(completions, columns.get(TASK_COLUMN))]

        def length(prompts, completions, completion_ids=None, **columns):
            if completion_ids is None:
                raise ValueError("the length reward counts tokens: call it with completion_ids, as TRL does")
            return [length_reward(len(ids), self.length_budget) for ids in completion_ids]

        return [compiles, passes_tests, real_api, no_delphi, length]

    # ------------------------------------------------------------ judging a batch

    def task_of(self, task_id: str | None) -> Task | None:
        """The train-split task a row names (None for none, or an unknown one, warned about once);
        TestSplitLeak for a test-split task."""
        if not task_id:
            return None
        if task_split(task_id) == "test":
            raise TestSplitLeak(f"task_id {task_id!r}: a test-split benchmark task reached GRPO's rewards; "
                                "training prompts must come from tasks.training_tasks")
        task = self.tasks.get(task_id)
        if task is None and task_id not in self._unknown_ids:
            self._unknown_ids.add(task_id)
            log.warning("task_id %r: not a train-split task of the suites %s; its completions get no passes_tests",
                        task_id, ", ".join(sorted({t.suite for t in self.tasks.values()})))
        return task

    def judged(self, completions: Sequence[str | list[dict[str, Any]]],
               task_ids: Sequence[str | None] | None = None) -> list[Judged]:
        """The verdict on each completion (row i names task `task_ids[i]`); the batch judged at once."""
        task_ids = list(task_ids) if task_ids is not None else [None] * len(completions)
        if len(task_ids) != len(completions):
            raise ValueError(f"{len(completions)} completions but {len(task_ids)} task ids")
        keys = [(completion_text(c), task_id or "") for c, task_id in zip(completions, task_ids)]
        missing = list(dict.fromkeys(key for key in keys if key not in self._verdicts))
        fresh = dict(zip(missing, self._judge([(text, self.task_of(task_id)) for text, task_id in missing]))) \
            if missing else {}
        # Kept for this batch's other reward functions only: a bounded cache, never a stale one.
        self._verdicts = {key: self._verdicts.get(key) or fresh[key] for key in keys}
        return [self._verdicts[key] for key in keys]

    def _judge(self, items: list[tuple[str, Task | None]]) -> list[Judged]:
        """Task answers run against their tests (with a toolchain); the others compiled in one batch."""
        codes = [extract_code(text) for text, _ in items]
        # A task's answer is compiled by run_task, beside the harness it may import (BenchTypes): compiling
        # it in the batch too would cost a compile for nothing.
        run = [i for i, (_, task) in enumerate(items) if task is not None and self.build is not None]
        compile_only = sorted(set(range(len(items))) - set(run))
        judged: dict[int, Judged] = {}
        if run:
            jobs = [(items[i][1], codes[i]) for i in run]
            outcomes = runner.run_samples(self.build, jobs, self.timeout_s, self.memory_mb)
            judged |= {i: self._from_outcome(task, code, outcome) for i, (task, code), outcome in zip(run, jobs, outcomes)}
        if compile_only:
            units = [self._unit(codes[i], items[i][1], k) for k, i in enumerate(compile_only)]
            for i, verdict in zip(compile_only, judge_answers(units, self.index, self.build)):
                judged[i] = Judged(verdict.has_code, verdict.compiles, verdict.hallucinated, verdict.delphi_confused)
        return [judged[i] for i in range(len(items))]

    @staticmethod
    def _unit(code: str, task: Task | None, k: int) -> str:
        """The k-th answer of a compile batch, as judge_answers takes it: its module, fenced, under a name of its own."""
        if not code.strip():
            return ""
        unit = runner.answer_module(task, code) if task else as_module(code)
        return f"```\n{_batch_renamed(unit, k)}\n```"

    def _from_outcome(self, task: Task, code: str, outcome: runner.TaskOutcome) -> Judged:
        if not code.strip():
            return Judged(False, False, False, False, passed=0, cases=outcome.cases)
        source = runner.answer_module(task, code)
        if outcome.status == "compile_error":
            invented = compiler_hallucinations(source, CompileResult(task.module, False, outcome.errors), self.index)
        elif outcome.status in _NOT_COMPILED:
            invented = [d.message for d in check_api(source, self.index, f"{task.id}.cp")]
        else:
            invented = []
        delphi = delphi_hints(source, rejected=not outcome.compiled)
        return Judged(True, outcome.compiled, bool(invented), bool(delphi), passed=outcome.passed, cases=outcome.cases)
