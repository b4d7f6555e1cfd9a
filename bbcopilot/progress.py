"""Progress a person can follow: one console line per finished stage, and a hook long loops report to.

The stages stay plain: a long loop (conversion, QA requests, training steps) calls
`reporter().start(total, what)` once and `reporter().advance(n)` as it goes. Outside
Prefect nothing listens (the default reporter does nothing); inside a task,
`tasks.progress` installs one that updates a progress artifact in the UI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from bbcopilot.report import StageResult, figures_text

# The console shows this logger's lines (see `bbcopilot.console`); the run's log file has them too.
STAGES = logging.getLogger("bbcopilot.stages")
T = TypeVar("T")
SKIPPED_NAMED = 3  # skipped inputs named on a stage's line; the report lists them all


class Reporter(Protocol):
    def start(self, total: int, what: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class Silent:
    """No one is watching: progress goes nowhere."""

    def start(self, total: int, what: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


_current: ContextVar[Reporter] = ContextVar("bbcopilot_progress", default=Silent())


def reporter() -> Reporter:
    """The reporter of the task running now (a `Silent` one outside any)."""
    return _current.get()


@contextmanager
def reporting_to(target: Reporter) -> Iterator[Reporter]:
    """Send the progress of the code run inside to `target`."""
    token = _current.set(target)
    try:
        yield target
    finally:
        _current.reset(token)


def tracked(items: Sequence[T], what: str) -> Iterator[T]:
    """`items`, one by one, each counted done as the next is asked for (and the last at the end)."""
    progress = reporter()
    progress.start(len(items), what)
    for item in items:
        yield item
        progress.advance(1)


def stage_line(result: StageResult) -> str:
    """A stage's one console line: name, version, figures, what it skipped, time."""
    time = "cached" if result.cached else f"{result.seconds:.1f} s"
    line = f"{result.stage}: {figures_text(result.figures)} ({time}, version {result.version or '-'})"
    if result.skipped:
        named = "; ".join(f"{source} ({reason})" for source, reason in result.skipped[:SKIPPED_NAMED])
        more = len(result.skipped) - SKIPPED_NAMED
        line += f"; skipped {len(result.skipped)}: {named}" + (f" and {more} more (see the report)" if more > 0 else "")
    return line


def figures_table(results: list[StageResult]) -> list[dict[str, Any]]:
    """Each stage's key figures as rows of one table (the UI's table artifact of a run)."""
    return [
        {"stage": r.stage, "version": r.version, "figures": figures_text(r.figures), "skipped": len(r.skipped),
         "time": "cached" if r.cached else f"{r.seconds:.1f} s"}
        for r in results
    ]


def log_stage(result: StageResult) -> None:
    STAGES.info("%s", stage_line(result))


def follow_training(trainer: Any) -> None:
    """Training steps go to the reporter, not the console: transformers prints every log dict
    (`PrinterCallback`, its stand-in for the progress bar when tqdm is off) — the stage's line and
    its curves already hold those losses."""
    from transformers import PrinterCallback, TrainerCallback

    class StepProgress(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            reporter().start(state.max_steps, "training steps")

        def on_step_end(self, args, state, control, **kwargs):
            reporter().advance(1)

    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(StepProgress())
