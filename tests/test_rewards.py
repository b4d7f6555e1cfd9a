"""GRPO's rewards: each tells a valid answer from an invalid one, a batch is judged once, no test-split task gets in."""

from __future__ import annotations

import logging

import pytest

from bbcopilot.api_index import build_api_index
from bbcopilot.blackbox import toolchain, verdict
from bbcopilot.blackbox.bench import runner
from bbcopilot.blackbox.bench.tasks import evaluation_tasks, training_tasks
from bbcopilot.config import REWARDS
from bbcopilot.convert import convert_file
from bbcopilot.train.rewards import Rewards, TestSplitLeak, length_reward

TASK_ID = "blackbox/stdlog_greet"  # train split; module BenchGreet, three cases
BUDGET = 64  # completion tokens


def _task():
    return next(t for t in training_tasks("blackbox") if t.id == TASK_ID)


def _fenced(code: str) -> str:
    return f"Here is the module:\n\n```\n{code}```\n"


def _answers() -> dict[str, str]:
    task = _task()
    return {
        "reference": _fenced(task.reference),
        "wrong": _fenced(task.wrong),
        "delphi": _fenced(task.reference.replace("BEGIN", "begin").replace(
            'StdLog.String("!"); StdLog.Ln', "writeln('!')")),
        "invented": _fenced(task.reference.replace("StdLog.Ln", "StdLog.WriteString")),
        "prose": "Call StdLog.String for each part, then StdLog.Ln; unlike Pascal there is no writeln.",
    }


@pytest.fixture(scope="module")
def index(shared_dir):
    """The API of StdLog, read from the real BlackBox tree."""
    tree = shared_dir / "bbcp"
    return build_api_index([("Std/Mod/Log.odc", convert_file(tree / "Std" / "Mod" / "Log.odc", tree, "plain").text)])


def _scores(rewards: Rewards, answers: dict[str, str], task_id: str | None, tokens: int = 10) -> dict[str, dict]:
    """Every reward function on the batch of `answers` (conversational completions), by answer and reward."""
    completions = [[{"role": "assistant", "content": text}] for text in answers.values()]
    columns = {"task_id": [task_id] * len(answers), "completion_ids": [[0] * tokens] * len(answers)}
    prompts = [[{"role": "user", "content": "Write BenchGreet."}]] * len(answers)
    by_reward = {f.__name__: f(prompts, completions, **columns) for f in rewards.functions()}
    return {name: {reward: values[i] for reward, values in by_reward.items()} for i, name in enumerate(answers)}


def test_the_functions_are_named_as_the_configured_rewards():
    assert tuple(f.__name__ for f in Rewards(None, build_api_index([]), BUDGET).functions()) == REWARDS


def test_each_reward_tells_a_valid_answer_from_an_invalid_one(build, index):
    scores = _scores(Rewards(build, index, BUDGET), _answers(), TASK_ID)
    assert scores["reference"] == {"compiles": 1.0, "passes_tests": 1.0, "real_api": 1.0, "no_delphi": 1.0,
                                   "length": 0.0}
    assert scores["wrong"]["compiles"] == 1.0 and scores["wrong"]["passes_tests"] < 1.0
    assert scores["delphi"]["compiles"] == 0.0 and scores["delphi"]["no_delphi"] == 0.0
    assert scores["delphi"]["passes_tests"] == 0.0
    assert scores["invented"]["real_api"] == 0.0 and scores["invented"]["compiles"] == 0.0
    assert scores["invented"]["no_delphi"] == 1.0  # an invented name is not a Delphi habit
    # No code: nothing compiles, and neither the API nor the habits of prose are judged.
    assert scores["prose"] == {"compiles": 0.0, "passes_tests": 0.0, "real_api": None, "no_delphi": None, "length": 0.0}


def test_a_prompt_without_a_task_gets_no_test_reward(build, index):
    scores = _scores(Rewards(build, index, BUDGET), _answers(), task_id="")
    assert all(s["passes_tests"] is None for s in scores.values())
    # Judged as a module of its own, the code gets the same verdicts.
    assert scores["reference"]["compiles"] == 1.0 and scores["invented"]["real_api"] == 0.0
    assert scores["delphi"]["compiles"] == 0.0 and scores["delphi"]["no_delphi"] == 0.0


def test_the_length_reward_penalises_only_the_excess():
    rewards = Rewards(None, build_api_index([]), BUDGET)
    length = rewards.functions()[REWARDS.index("length")]
    ids = [[0] * (BUDGET // 2), [0] * BUDGET, [0] * (BUDGET + BUDGET // 2), [0] * (5 * BUDGET)]
    assert length(["p"] * 4, ["a", "b", "c", "d"], completion_ids=ids) == [0.0, 0.0, -0.5, -1.0]
    assert length_reward(BUDGET + 1, BUDGET) < 0.0


def test_a_batch_is_judged_once_in_one_compile_batch(build, index, monkeypatch):
    """GRPO's group: copies of one module (one name) and task answers. All five functions on the batch
    compile the task-less answers in one batch and one compiler round, run the task answers once each
    in one run_samples call, and score each answer as it would alone."""
    calls = {"compile_sources": 0, "round": 0, "run_samples": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(verdict, "compile_sources", counted("compile_sources", verdict.compile_sources))
    monkeypatch.setattr(toolchain, "_compile_round", counted("round", toolchain._compile_round))
    monkeypatch.setattr(runner, "run_samples", counted("run_samples", runner.run_samples))
    task = _task()
    group = [task.reference.replace('"Hello, "', f'"Hello{"!" * k}, "') for k in range(8)]  # one name, 8 texts
    answers = {f"copy{k}": _fenced(code) for k, code in enumerate(group)} | _answers()
    rewards = Rewards(build, index, BUDGET)
    batch = _scores(rewards, answers, task_id="")
    assert calls == {"compile_sources": 1, "round": 1, "run_samples": 0}
    assert all(batch[f"copy{k}"]["compiles"] == 1.0 for k in range(8))
    alone = {name: _scores(Rewards(build, index, BUDGET), {name: text}, task_id="")[name]
             for name, text in _answers().items()}
    assert {name: batch[name] for name in alone} == alone

    calls.update(compile_sources=0, round=0, run_samples=0)
    _scores(rewards, answers, TASK_ID)
    assert calls["run_samples"] == 1 and calls["compile_sources"] == 0


def test_a_test_split_task_never_reaches_the_rewards(caplog):
    """A row naming a test-split task raises; one naming no known task gets no test reward, said once."""
    from bbcopilot.blackbox.bench import tasks
    from bbcopilot.train import rewards as module
    from bbcopilot.workspace import code_closure

    rewards = Rewards(None, build_api_index([]), BUDGET)
    compiles = rewards.functions()[0]
    held_out = evaluation_tasks("blackbox")[0]
    with pytest.raises(TestSplitLeak, match=held_out.id):
        compiles(["p", "p"], ["a", "b"], task_id=[TASK_ID, held_out.id])
    unknown = next(f"blackbox/no_such_task_{k}" for k in range(100)
                   if tasks.task_split(f"blackbox/no_such_task_{k}") == "train")
    passes_tests = rewards.functions()[1]
    with caplog.at_level(logging.WARNING):
        assert passes_tests(["p"] * 2, ["a", "b"], task_id=[unknown, unknown]) == [None, None]
    assert sum(unknown in record.getMessage() for record in caplog.records) == 1
    # The module's code never reaches what hands out test-split tasks.
    handing_out_test = code_closure(tasks.evaluation_tasks)[0] - code_closure(tasks.training_tasks)[0]
    assert handing_out_test and not handing_out_test & code_closure(module)[0]


def test_without_a_toolchain_the_checker_judges_and_no_tests_run(index, caplog):
    with caplog.at_level(logging.WARNING):
        rewards = Rewards(None, index, BUDGET)
    assert "passes_tests" in caplog.text
    scores = _scores(rewards, _answers(), TASK_ID, tokens=2 * BUDGET)
    assert all(s["passes_tests"] is None for s in scores.values())
    assert scores["reference"] == {"compiles": 1.0, "passes_tests": None, "real_api": 1.0, "no_delphi": 1.0,
                                   "length": -1.0}
    assert scores["delphi"]["compiles"] == 0.0 and scores["delphi"]["no_delphi"] == 0.0
    assert scores["invented"]["real_api"] == 0.0
    # A task's answer may use the harness's BenchTypes: the checker does not call it invented.
    uses_types = next(t for t in training_tasks("humaneval") if t.reference and "IMPORT BenchTypes;" in t.reference)
    assert _scores(rewards, {"reference": _fenced(uses_types.reference)}, uses_types.id)["reference"]["real_api"] == 1.0
