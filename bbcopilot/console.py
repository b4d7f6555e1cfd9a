"""A run's console a person can follow, and its log file that keeps everything else.

The console gets one line per stage (`bbcopilot.progress`), our own warnings and errors,
Prefect's warnings and any error. Progress bars (datasets, transformers, the hub) are off;
third-party warnings (deprecations, library notices) and Prefect's per-task INFO lines
go only to `workspace/logs/run-<UTC time>.log`.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bbcopilot import progress

LOGS = "logs"
OWN = "bbcopilot"
PREFECT = "prefect"
STAGES = progress.STAGES.name


class ForPerson(logging.Filter):
    """What a person at the console needs: our stage lines and warnings, Prefect's warnings, any error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        if record.name == STAGES:
            return True
        ours = any(record.name == name or record.name.startswith(name + ".") for name in (OWN, PREFECT))
        return ours and record.levelno >= logging.WARNING


class ConsoleFormat(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name == STAGES:
            return record.getMessage()
        return f"{record.levelname.lower()}: {super().format(record)}"


def quiet_console(workspace: Path) -> Path:
    """Set up this process's logging for a run; returns the log file's path.

    Call before tqdm is first imported (it reads TQDM_DISABLE then, for every bar made with its
    defaults); Prefect, imported here, configures its logging on import: its console handler is
    replaced by ours, its API handler (the UI's logs) is left as it is.
    """
    os.environ.setdefault("TQDM_DISABLE", "1")
    import datasets
    import huggingface_hub.utils
    import transformers.utils.logging as transformers_logging
    from prefect.logging.formatters import PrefectFormatter
    from prefect.logging.handlers import PrefectConsoleHandler

    datasets.disable_progress_bars()
    huggingface_hub.utils.disable_progress_bars()
    transformers_logging.disable_progress_bar()
    # transformers and datasets print through handlers of their own: send their records to ours.
    transformers_logging.disable_default_handler()
    transformers_logging.enable_propagation()
    datasets.utils.logging.enable_propagation()
    for handler in list(logging.getLogger("datasets").handlers):
        logging.getLogger("datasets").removeHandler(handler)
    logging.captureWarnings(True)  # warnings.warn -> the `py.warnings` logger -> the log file

    path = Path(workspace) / LOGS / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    line = "%(asctime)s %(levelname)s {}: %(message)s"
    to_file.setFormatter(PrefectFormatter(line.format("%(name)s"), task_run_fmt=line.format("task run %(task_run_name)s"),
                                          flow_run_fmt=line.format("flow run %(flow_run_name)s")))
    to_console = logging.StreamHandler(sys.stderr)
    to_console.addFilter(ForPerson())
    to_console.setFormatter(ConsoleFormat("%(name)s: %(message)s"))

    for name in ("", "uvicorn", "fastapi"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, PrefectConsoleHandler):
                logger.removeHandler(handler)
        logger.addHandler(to_file)
    logging.getLogger().addHandler(to_console)
    logging.getLogger(OWN).setLevel(logging.INFO)
    return path
