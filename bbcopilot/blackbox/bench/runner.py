"""Judge an answer to a benchmark task: compile it with BlackBox's compiler, run the task's tests.

`run_task` takes the answer's code (a whole module, or procedures it wraps in the task's module),
compiles it after BenchTypes and BenchCheck and before the task's test module, all in one sandboxed
folder (sandbox.run_command), runs `<module>Test.Run` and counts the cases BenchCheck reported with
this run's nonce. An answer may not import BenchCheck (it would report its own passes) nor be
another module than the one asked for.
"""

from __future__ import annotations

import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from math import comb
from pathlib import Path

from bbcopilot.api_index import imports_of
from bbcopilot.blackbox.bench.tasks import CHECK_MODULE, NONCE, Task, harness_source
from bbcopilot.blackbox.sandbox import run_command
from bbcopilot.blackbox.toolchain import MODULE_NAME
from bbcopilot.cpcheck.lexer import scan

OUTCOMES = ("passed", "failed", "no_code", "wrong_module", "forbidden_import", "compile_error",
            "tests_do_not_compile", "trap", "timeout", "memory")
_CASE = re.compile(r"^@@case (\S+) (\d+) (pass|fail)\b ?(.*)$", re.M)


@dataclass
class TaskOutcome:
    """What an answer did on its task: `status` one of OUTCOMES; `compiled` whether the answer compiled."""

    task_id: str
    status: str
    compiled: bool = False
    passed: int = 0
    cases: int = 0
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # the answer's compile errors
    detail: str = ""  # one line: the first failure, the trap, the reason


def answer_module(task: Task, code: str) -> str:
    """The code as the task's module: procedures without a MODULE line go inside the skeleton's header."""
    if MODULE_NAME.match(code):
        return code
    header = task.skeleton[: task.skeleton.find(";") + 1]
    modules = [module.value for _, module in imports_of(scan(task.skeleton).tokens)]
    imports = f"IMPORT {', '.join(modules)};" if modules else ""
    return f"{header}\n\t{imports}\n{code}\nEND {task.module}.\n"


def run_task(build: Path, task: Task, code: str, timeout_s: float = 10, memory_mb: int = 256) -> TaskOutcome:
    """Compile `code` (an answer's code, not its prose) as `task.module` and run the task's tests on it."""
    if not code.strip():
        return TaskOutcome(task.id, "no_code", cases=task.cases, detail="the answer has no code")
    source = answer_module(task, code)
    declared = MODULE_NAME.match(source)
    if declared.group(1) != task.module:
        return TaskOutcome(task.id, "wrong_module", cases=task.cases,
                           detail=f"MODULE {declared.group(1)}, but the task asks for {task.module}")
    if any(module.value == CHECK_MODULE for _, module in imports_of(scan(source).tokens)):
        return TaskOutcome(task.id, "forbidden_import", cases=task.cases, detail=f"imports the test harness {CHECK_MODULE}")
    nonce = secrets.token_hex(8)
    harness = [("BenchTypes", harness_source("Types")), ("BenchCheck", harness_source("Check").replace(NONCE, nonce))]
    result = run_command(build, source, task.command, timeout_s=timeout_s, memory_mb=memory_mb, name="answer",
                         before=harness, after=[("tests", task.tests)])
    if result.status == "compile_error":
        if result.failed_source == "answer":
            return TaskOutcome(task.id, "compile_error", cases=task.cases, errors=result.errors,
                               detail=result.summary())
        if result.failed_source == "tests":
            return TaskOutcome(task.id, "tests_do_not_compile", compiled=True, cases=task.cases,
                               detail=f"the tests do not compile against the answer: {result.summary()}")
        raise RuntimeError(f"{task.id}: the harness module {result.failed_source} does not compile: {result.summary()}")
    verdicts: dict[int, tuple[bool, str]] = {}
    for found in _CASE.finditer(result.log):
        if found.group(1) == nonce:
            verdicts.setdefault(int(found.group(2)), (found.group(3) == "pass", found.group(4)))
    passed = sum(ok for case, (ok, _) in verdicts.items() if 1 <= case <= task.cases)
    outcome = TaskOutcome(task.id, "passed" if passed == task.cases else "failed", compiled=True, passed=passed,
                          cases=task.cases)
    if result.status != "ok":
        outcome.status, outcome.detail = result.status, result.summary()
    elif passed < task.cases:
        failing = sorted(case for case in range(1, task.cases + 1) if not verdicts.get(case, (False, ""))[0])
        why = verdicts.get(failing[0], (False, "not reported"))[1] or "failed"
        outcome.detail = f"{len(failing)} of {task.cases} cases fail; case {failing[0]}: {why}"
    return outcome


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k from n samples of which c passed (Chen et al. 2021)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, not {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def run_samples(build: Path, jobs: list[tuple[Task, str]], timeout_s: float, memory_mb: int) -> list[TaskOutcome]:
    """run_task on every (task, code), a few at a time: each run is two processes of its own."""
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda job: run_task(build, job[0], job[1], timeout_s, memory_mb), jobs))


def suite_figures(tasks: list[Task], outcomes: list[list[TaskOutcome]], ks: list[int],
                  hallucinated: list[list[bool]]) -> dict[str, float]:
    """A suite's figures from each task's n outcomes: compile rate and hallucination rate over all samples,
    pass@k (unbiased, mean over tasks) for each k."""
    samples = [o for per_task in outcomes for o in per_task]
    flags = [h for per_task in hallucinated for h in per_task]
    n_samples = max(len(samples), 1)
    return {
        "compile_rate": sum(o.compiled for o in samples) / n_samples,
        **{f"pass@{k}": sum(pass_at_k(len(per_task), sum(o.status == "passed" for o in per_task), k)
                            for per_task in outcomes) / max(len(tasks), 1) for k in ks},
        "hallucination_rate": sum(flags) / n_samples,
    }
