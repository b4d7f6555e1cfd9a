"""The benchmark's tasks: what a model is asked, the interface it must implement, the tests that judge it.

A task asks for one module (`BenchWordCount`, `BenchHe12`) and gives its skeleton: the exported
procedures with stub bodies, which compiles. Its test module (`<module>Test`) imports it and the
harness `BenchCheck` (cp/Check.cp) and, in its command `Run`, reports each numbered case through
`BenchCheck`; a task is passed when every one of its `cases` passed. Tasks may use `BenchTypes`
(cp/Types.cp: list and string pointers for results a function procedure cannot return).

Two suites:
- `humaneval`: HumanEval's problems translated to Component Pascal (humaneval.py);
- `blackbox`: tasks that need BlackBox's own library, one folder each under `blackbox/`:
  `task.yaml` (prompt, module, cases), `skeleton.cp`, `tests.cp`, `reference.cp`, `wrong.cp`.

Every task's split is fixed by its id (`task_split`), never by settings: the test split is for
evaluation only, and `training_tasks` is the one door through which a training stage gets tasks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bbcopilot.errors import InputError

BENCH_DIR = Path(__file__).resolve().parent
HARNESS_DIR = BENCH_DIR / "cp"
BLACKBOX_DIR = BENCH_DIR / "blackbox"
SUITES = ("humaneval", "blackbox")
TYPES_MODULE = "BenchTypes"
CHECK_MODULE = "BenchCheck"
NONCE = "@NONCE@"
# Half the tasks are held out. The salt is part of the split's definition: changing it would move
# tasks between training and evaluation.
_SPLIT_SALT = "bbcopilot-bench-v1"
TEST_SHARE = 0.5


@dataclass(frozen=True)
class Task:
    """One benchmark task (see the module docstring)."""

    id: str  # "<suite>/<name>"
    suite: str
    prompt: str  # the request in words; `task_prompt` adds the skeleton
    module: str  # the module the answer must be
    skeleton: str
    tests: str  # the test module's source
    cases: int
    reference: str | None = None
    wrong: str | None = None

    @property
    def split(self) -> str:
        return task_split(self.id)

    @property
    def test_module(self) -> str:
        return f"{self.module}Test"

    @property
    def command(self) -> str:
        return f"{self.test_module}.Run"


def task_split(task_id: str) -> str:
    """"test" or "train", fixed by the task's id."""
    digest = hashlib.sha256(f"{_SPLIT_SALT}:{task_id}".encode()).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < TEST_SHARE else "train"


def harness_source(name: str) -> str:
    """BenchTypes' or BenchCheck's source (`name`: "Types" or "Check")."""
    return (HARNESS_DIR / f"{name}.cp").read_text(encoding="utf-8")


def task_prompt(task: Task) -> str:
    """What the model is asked: the request, the skeleton to complete and, when it uses them, BenchTypes."""
    parts = [
        f"{task.prompt.strip()}\n\nWrite the Component Pascal module {task.module} for the BlackBox Component "
        f"Builder: complete this skeleton, keeping its name and exported procedures, and answer with the whole "
        f"module in one code block.\n\n```\n{task.skeleton.strip()}\n```"
    ]
    if TYPES_MODULE in task.skeleton:
        parts.append(f"It may use the module {TYPES_MODULE}:\n\n```\n{harness_source('Types').strip()}\n```")
    return "\n\n".join(parts)


# ---------------------------------------------------------------- loading


def load_blackbox_task(folder: Path) -> Task:
    """The task in `folder`; an InputError naming the file and the reason when it is incomplete."""
    meta_path = folder / "task.yaml"
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(str(meta_path), f"cannot read the task: {err}") from None
    missing = [key for key in ("prompt", "module", "cases") if not (isinstance(meta, dict) and meta.get(key))]
    if missing:
        raise InputError(str(meta_path), f"missing {', '.join(missing)}")
    texts = {}
    for part in ("skeleton", "tests", "reference", "wrong"):
        path = folder / f"{part}.cp"
        if part in ("skeleton", "tests") and not path.is_file():
            raise InputError(str(path), "missing: a task needs its skeleton and its tests")
        texts[part] = path.read_text(encoding="utf-8") if path.is_file() else None
    return Task(id=f"blackbox/{folder.name}", suite="blackbox", prompt=meta["prompt"], module=meta["module"],
                cases=int(meta["cases"]), **texts)


@cache
def blackbox_tasks() -> tuple[Task, ...]:
    return tuple(load_blackbox_task(folder) for folder in sorted(BLACKBOX_DIR.iterdir()) if folder.is_dir())


def suite_tasks(suite: str) -> tuple[Task, ...]:
    """Every task of `suite`, in a fixed order."""
    if suite == "blackbox":
        return blackbox_tasks()
    if suite == "humaneval":
        from bbcopilot.blackbox.bench import humaneval

        return humaneval.translated_tasks()
    raise ValueError(f"{suite!r}: not a benchmark suite (one of {', '.join(SUITES)})")


def evaluation_tasks(suite: str, limit: int = 0) -> list[Task]:
    """The test split of `suite`; `limit` of them spread evenly over it (0: all)."""
    tasks = [task for task in suite_tasks(suite) if task.split == "test"]
    if not limit or limit >= len(tasks):
        return tasks
    return [tasks[i * len(tasks) // limit] for i in range(limit)]


def training_tasks(suite: str) -> list[Task]:
    """The tasks a training stage may see: the train split only."""
    return [task for task in suite_tasks(suite) if task.split == "train"]
