"""A training stage through `accelerate launch`: one GPU, DDP over several, FSDP (configs/accelerate/).

`launched` runs the very function the flow runs in process (`sft.train_on_chunks`, `dpo.align_with_dpo`,
...) in every process that `accelerate launch --config_file FILE` starts. A job file names the function
by its dotted path and carries its arguments as JSON; each process runs the function, the trainer joins
them (TRL's trainers take their processes from the launcher) and saves the model on the main process
only; the main process writes the StageResult beside the job, and the caller reads it back.

Secrets never reach the job file: the settings are dumped masked, and the processes take the real
values from their environment, each under its own variable (`BBCOPILOT_QA__API_KEY`).
The processes' output goes to `workspace/logs/launch/`; a failed launch ends in one BBCopilotError
naming the config file, the failing process's own error (torchrun's summary gives only exit codes)
and the log, with the log's last lines.

Each process runs `python -m bbcopilot.train.launch JOB.json`.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, SecretStr

from bbcopilot.config import ENV_PREFIX, Settings, _variable
from bbcopilot.errors import BBCopilotError, InputError
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_write_json, atomic_write_text

log = logging.getLogger(__name__)
TAIL_LINES = 30
STOP_WAIT_S = 30  # seconds an interrupted launch has to stop before it is killed
Stage = Callable[..., StageResult]


@dataclass
class Job:
    """One stage run: the function, its arguments, and where the main process writes what it returned."""

    function: Stage
    workspace: Workspace
    data: StageResult
    model_path: str
    settings: Settings
    result: Path


def launched(
    function: Stage, workspace: Workspace, data: StageResult, model_path: str, settings: Settings, config_file: Path
) -> StageResult:
    """`function(workspace, data, model_path, settings.train, settings.model)` run in every process of
    `accelerate launch --config_file config_file`; what the main process returned."""
    config_file = Path(config_file)
    config = launch_config(config_file)
    scratch = Path(tempfile.mkdtemp(prefix=f"{function.__name__}-", dir=_folder(workspace.root / "tmp" / "launch")))
    logfile = _folder(workspace.root / "logs" / "launch") / f"{scratch.name}.log"
    job = Job(function, workspace, data, model_path, settings, scratch / "result.json")
    try:
        write_job(job, scratch / "job.json")
        command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config_file)]
        if "main_process_port" not in config:
            # torchrun's default port (29500) is taken by any other launch on this machine.
            command += ["--main_process_port", str(_free_port())]
        command += ["-m", __name__, str(scratch / "job.json")]
        log.info("launching %s through accelerate (%s); output in %s", function.__name__, config_file, logfile)
        with logfile.open("wb") as output:
            returncode = _run_group(command, output, child_environment(settings))
        if returncode or not job.result.is_file():
            what = f"exit {returncode}" if returncode else "exit 0, but the main process wrote no result"
            error = _error_file(job)
            reason = f": {error.read_text(encoding='utf-8')}" if error.is_file() else ""
            raise BBCopilotError(
                f"{config_file}: accelerate launch of {_dotted(function)} failed ({what}){reason}; log {logfile}, "
                "last lines:\n" + _tail(logfile)
            )
        return stage_result(json.loads(job.result.read_text(encoding="utf-8")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def launch_config(path: Path) -> dict:
    """The accelerate config as a mapping; accelerate itself checks its keys when it launches."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(str(path), f"cannot read the accelerate config ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise InputError(str(path), f"the accelerate config is not valid YAML ({getattr(err, 'problem', None) or err})") from None
    if not isinstance(config, dict):
        raise InputError(str(path), "an accelerate config is a mapping of keys (see configs/accelerate/)")
    return config


# ---------------------------------------------------------------- the job file and the processes' environment


def write_job(job: Job, path: Path) -> None:
    if job.function.__qualname__ != job.function.__name__ or job.function.__module__ == "__main__":
        # A lambda, a nested function or a script's own function cannot be imported again by name.
        raise TypeError(f"{_dotted(job.function)}: a launched stage must be a module-level function of a package")
    atomic_write_json(path, {
        "function": _dotted(job.function),
        "workspace": str(job.workspace.root),
        "data": dataclasses.asdict(job.data),
        "model_path": job.model_path,
        "settings": job.settings.model_dump(mode="json"),  # secrets masked; see child_environment
        "result": str(job.result),
    })


def read_job(path: Path) -> Job:
    """A job as `write_job` wrote it, read in a launched process (whose environment holds the secrets)."""
    job = json.loads(path.read_text(encoding="utf-8"))
    return Job(
        stage_function(job["function"]),
        Workspace(Path(job["workspace"])),
        stage_result(job["data"]),
        job["model_path"],
        # The settings read the environment, which child_environment left holding only the secrets:
        # they replace the masks, and nothing else changes what the parent had (its overrides included).
        Settings.model_validate(job["settings"]),
        Path(job["result"]),
    )


def child_environment(settings: Settings) -> dict[str, str]:
    """This process's environment without our settings' variables (the job holds the settings as they
    stand, overrides applied, and a variable would win over them again), plus each secret's real value
    under its own variable."""
    environment = {name: value for name, value in os.environ.items() if not name.upper().startswith(ENV_PREFIX)}
    for section, values in settings:
        if isinstance(values, BaseModel):
            for field, value in values:
                if isinstance(value, SecretStr):
                    environment[_variable((section, field))] = value.get_secret_value()
    return environment


def stage_function(dotted: str) -> Stage:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def stage_result(data: dict) -> StageResult:
    """A StageResult from its JSON form (tuples came back as lists)."""
    return StageResult(**(data | {"skipped": [tuple(entry) for entry in data.get("skipped", [])]}))


def _error_file(job: Job) -> Path:
    return job.result.with_name("error.txt")


def _dotted(function: Stage) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_group(command: list[str], output, environment: dict[str, str]) -> int:
    """Run the launcher in a process group of its own; if this process is interrupted (Ctrl-C, a cancelled
    task), the launcher and every process it started are stopped with it, not left training."""
    process = subprocess.Popen(
        command, stdout=output, stderr=subprocess.STDOUT, env=environment, start_new_session=True
    )
    try:
        return process.wait()
    except BaseException:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        raise


def _tail(logfile: Path) -> str:
    lines = logfile.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-TAIL_LINES:])


# ---------------------------------------------------------------- in each launched process


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    job = read_job(Path(argv[0]))
    try:
        result = job.function(job.workspace, job.data, job.model_path, job.settings.train, job.settings.model)
    except Exception as err:
        # The launcher's own summary names only exit codes: the reason goes where the caller reads it.
        atomic_write_text(_error_file(job), f"{type(err).__name__}: {err}")
        raise
    from accelerate import PartialState

    # The trainer made the processes' state; the main process (rank 0) is the one that saved the model.
    if PartialState().is_main_process:
        atomic_write_json(job.result, dataclasses.asdict(result))


if __name__ == "__main__":
    main(sys.argv[1:])
