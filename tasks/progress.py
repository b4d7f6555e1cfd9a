"""Progress of a running task as a Prefect progress artifact: what the plain stages report to
`bbcopilot.progress.reporter()` shows in the UI while they run."""

from __future__ import annotations

import time
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

# An update per percent or per few seconds at most: a training step or a QA reply is too often.
MIN_STEP = 1.0
MIN_SECONDS = 2.0


class ArtifactProgress:
    """A `bbcopilot.progress.Reporter` updating one progress artifact of the current task run; made on
    the first `start`, so a task that reports nothing has none. A later `start` (the next phase of the
    same task) restarts the same artifact at 0 with its own description."""

    def __init__(self, task: str):
        self.task = task
        self.artifact: UUID | None = None
        self.total = self.done = 0
        self.what = ""
        self.shown, self.shown_at = 0.0, 0.0

    def start(self, total: int, what: str) -> None:
        self.total, self.done, self.what = total, 0, what
        self._show(0.0, force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        percent = 100.0 * min(self.done, self.total) / self.total if self.total else 100.0
        finished = self.done >= self.total
        if finished or (percent - self.shown >= MIN_STEP and time.monotonic() - self.shown_at >= MIN_SECONDS):
            self._show(percent, force=finished)

    def _show(self, percent: float, force: bool) -> None:
        description = f"{self.task}: {min(self.done, self.total)} of {self.total} {self.what}"
        if self.artifact is None:
            self.artifact = create_progress_artifact(percent, description=description)
        elif force or percent != self.shown:
            update_progress_artifact(self.artifact, percent, description=description)
        self.shown, self.shown_at = percent, time.monotonic()
