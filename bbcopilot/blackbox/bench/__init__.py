"""A Component Pascal coding benchmark that executes: tasks, their tests, and the runner that judges answers.

    suite_tasks("humaneval" | "blackbox") -> tasks          # tasks.py; humaneval.py translates HumanEval
    evaluation_tasks(suite, limit) / training_tasks(suite)  # the fixed test / train splits
    run_task(build, task, code) -> TaskOutcome              # runner.py: compiled, cases passed
    pass_at_k(n, c, k)
"""
