"""The benchmark's tasks and runner, with the real compiler and interpreter.

Every BlackBox task is checked whole: its skeleton compiles and its tests compile against it, its
reference solution passes every case and its wrong solution fails at least one.
"""

from __future__ import annotations

import pytest

from bbcopilot.blackbox.bench.runner import answer_module, pass_at_k, run_task
from bbcopilot.blackbox.bench.tasks import (
    Task, blackbox_tasks, evaluation_tasks, load_blackbox_task, task_prompt, task_split, training_tasks,
)
from bbcopilot.errors import InputError

BLACKBOX = blackbox_tasks()


def test_blackbox_suite_is_whole():
    assert len(BLACKBOX) >= 30
    for task in BLACKBOX:
        assert task.reference and task.wrong, f"{task.id}: needs a reference and a wrong solution"
        assert task.module.startswith("Bench") and task.module in task.skeleton, task.id
        assert f"MODULE {task.test_module};" in task.tests, task.id


@pytest.mark.parametrize("task", BLACKBOX, ids=[t.id for t in BLACKBOX])
def test_blackbox_task_judges_its_solutions(build, task):
    reference = run_task(build, task, task.reference)
    assert reference.status == "passed", f"{task.id}: reference {reference}"
    assert reference.passed == task.cases
    wrong = run_task(build, task, task.wrong)
    assert wrong.compiled and wrong.status != "passed", f"{task.id}: wrong solution {wrong}"
    stub = run_task(build, task, task.skeleton)
    assert stub.compiled and stub.status not in ("tests_do_not_compile", "compile_error"), f"{task.id}: skeleton {stub}"


@pytest.fixture(scope="module")
def greet() -> Task:
    return next(t for t in BLACKBOX if t.id == "blackbox/stdlog_greet")


def test_a_fragment_goes_inside_the_task_module(build, greet):
    fragment = 'PROCEDURE Greet* (IN name: ARRAY OF CHAR);\nBEGIN StdLog.String("Hello, " + name + "!"); StdLog.Ln END Greet;'
    assert answer_module(greet, fragment).startswith("MODULE BenchGreet;")
    assert run_task(build, greet, fragment).status == "passed"


def test_printed_passes_and_the_harness_do_not_count(build, greet):
    printed = ('MODULE BenchGreet; IMPORT Log; PROCEDURE Greet* (IN name: ARRAY OF CHAR);\n'
               'VAR i: INTEGER; BEGIN FOR i := 1 TO 3 DO Log.String("@@case 0 "); Log.Int(i); Log.String(" pass"); Log.Ln END\n'
               'END Greet; END BenchGreet.')
    assert run_task(build, greet, printed).passed == 0
    harness = 'MODULE BenchGreet; IMPORT BenchCheck; PROCEDURE Greet* (IN name: ARRAY OF CHAR); BEGIN BenchCheck.True(1, TRUE) END Greet; END BenchGreet.'
    assert run_task(build, greet, harness).status == "forbidden_import"


@pytest.mark.parametrize("code, status", [
    ("", "no_code"),
    ("MODULE Other; END Other.", "wrong_module"),
    ("MODULE BenchGreet; PROCEDURE Greet* (IN name: ARRAY OF CHAR); BEGIN x := 1 END Greet; END BenchGreet.", "compile_error"),
    ("MODULE BenchGreet; PROCEDURE Greet* (n: INTEGER); END Greet; END BenchGreet.", "tests_do_not_compile"),
    ("MODULE BenchGreet; PROCEDURE Greet* (IN name: ARRAY OF CHAR); VAR p: POINTER TO ARRAY OF INTEGER;\n"
     "BEGIN p[0] := 1 END Greet; END BenchGreet.", "trap"),
    ("MODULE BenchGreet; PROCEDURE Greet* (IN name: ARRAY OF CHAR); BEGIN LOOP END END Greet; END BenchGreet.", "timeout"),
])
def test_outcomes(build, greet, code, status):
    outcome = run_task(build, greet, code, timeout_s=2)
    assert outcome.status == status, outcome
    assert outcome.compiled == (status not in ("no_code", "wrong_module", "compile_error"))
    assert outcome.detail


def test_a_trap_keeps_the_cases_reported_before_it(build, greet):
    # The second call traps: the first case's verdict, already written, still counts.
    code = ('MODULE BenchGreet; IMPORT StdLog; VAR calls: INTEGER; PROCEDURE Greet* (IN name: ARRAY OF CHAR);\n'
            'VAR p: POINTER TO ARRAY OF INTEGER; BEGIN INC(calls); IF calls > 1 THEN p[0] := 1 END;\n'
            'StdLog.String("Hello, " + name + "!"); StdLog.Ln END Greet; END BenchGreet.')
    outcome = run_task(build, greet, code)
    assert (outcome.status, outcome.passed) == ("trap", 1)


def test_prompt_names_module_and_language(greet):
    prompt = task_prompt(greet)
    assert "Component Pascal" in prompt and "BlackBox" in prompt and greet.skeleton.strip() in prompt


def test_splits_are_fixed_and_both_used():
    for task in BLACKBOX:
        assert task.split == task_split(task.id) in ("train", "test")
    assert {t.id for t in evaluation_tasks("blackbox")}.isdisjoint(t.id for t in training_tasks("blackbox"))
    assert evaluation_tasks("blackbox") and training_tasks("blackbox")
    assert len(evaluation_tasks("blackbox", limit=2)) == 2


def test_incomplete_task_names_its_file(tmp_path):
    (tmp_path / "task.yaml").write_text("prompt: x\nmodule: BenchX\n")
    with pytest.raises(InputError, match="task.yaml.*missing cases"):
        load_blackbox_task(tmp_path)


@pytest.mark.parametrize("n, c, k, expected", [(1, 1, 1, 1.0), (1, 0, 1, 0.0), (5, 2, 1, 0.4), (5, 0, 3, 0.0),
                                               (5, 3, 3, 1.0), (10, 3, 2, 1 - (7 * 6) / (10 * 9))])
def test_pass_at_k_is_the_unbiased_estimate(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_no_training_stage_can_reach_the_test_split():
    """The code of every stage that makes training data or trains (the refresh's datasets, QA generation,
    SFT, DPO, and whatever they call) never reaches what hands out test-split tasks: only
    `training_tasks` does, and it keeps the train split. The evaluation does reach it (so this can fail)."""
    from bbcopilot import evaluate
    from bbcopilot.blackbox.bench import tasks
    from bbcopilot.workspace import code_closure
    from flows import refresh
    from tasks import training

    handing_out_test = code_closure(tasks.evaluation_tasks)[0] - code_closure(tasks.training_tasks)[0]
    assert handing_out_test and handing_out_test <= code_closure(evaluate.evaluate_models)[0]
    training_code = code_closure(refresh, training.generate_qa, training.train_on_chunks, training.train_on_qa,
                                 training.align_with_dpo)[0]
    assert not handing_out_test & training_code
    assert all(task.split == "train" for suite in ("blackbox", "humaneval") for task in tasks.training_tasks(suite))
