"""Progress a person can follow: the run's console (one line per stage, no bars, no raw dicts, the
report's path once), the log file that keeps the rest, and the progress hook the stages report to."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bbcopilot import progress
from bbcopilot.report import StageResult

BIN = Path(sys.executable).parent
DOCUMENTS = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc"]
BROKEN = "Obx/Mod/Broken.odc"


def test_a_refresh_prints_one_line_per_stage_and_keeps_the_warnings_in_its_log(blackbox_dir, tmp_path):
    source = tmp_path / "blackbox"
    for relpath in DOCUMENTS:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    # A real document cut short: a corrupt file the conversion skips, which its line must name.
    (source / BROKEN).write_bytes((blackbox_dir / DOCUMENTS[0]).read_bytes()[:300])
    workspace = tmp_path / "ws"
    # Prefect at its default level, as `make demo` runs it: its per-task lines must stay off the console.
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_LOGGING_LEVEL"}
    result = subprocess.run(
        [str(BIN / "bbcopilot"), "run", "--flow", "refresh", "--set", f"workspace={workspace}",
         "--set", f"sources.blackbox_dir={source}", "--set", "sources.telegram_exports=[]",
         "--set", "sources.forum_mirror_dir=null", "--set", "model.tiny_vocab_size=600"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    report = Path(result.stdout.strip())
    assert report.is_file()

    assert lines[0].startswith("Log: ") and lines[-1] == f"Report: {report}", result.stderr
    log_file = Path(lines[0].removeprefix("Log: "))
    assert log_file.parent == workspace / "logs"
    stage_table = report.read_text(encoding="utf-8").split("Total stage time")[0]
    stages = re.findall(r"^\| (\S+) \| `", stage_table, re.MULTILINE)
    stage_lines = lines[1:-1]
    # Every stage of the report has its line, in order.
    assert [line.split(":", 1)[0] for line in stage_lines] == stages, result.stderr
    corpus = next(line for line in stage_lines if line.startswith("corpus:"))
    assert "documents 3, failed 1" in corpus and f"skipped 1: {BROKEN} (" in corpus
    assert "%|" not in result.stderr and "{'" not in result.stderr and "Task run" not in result.stderr

    logged = log_file.read_text(encoding="utf-8")
    assert re.search(r"task run build_chunks-\w+: Finished in state Completed", logged)
    assert corpus in logged


def test_a_stage_line_names_its_figures_and_what_it_skipped():
    result = StageResult("corpus", "abc", "/x", {"documents": 116, "failed": 5},
                         skipped=[(f"Docu/{n}.odc", "truncated") for n in range(5)], seconds=2.04)
    line = progress.stage_line(result)
    assert line.startswith("corpus: documents 116, failed 5 (2.0 s, version abc)")
    assert "skipped 5: Docu/0.odc (truncated); Docu/1.odc (truncated); Docu/2.odc (truncated) and 2 more" in line


class Recorder:
    def __init__(self):
        self.calls: list[tuple] = []

    def start(self, total, what):
        self.calls.append(("start", total, what))

    def advance(self, n=1):
        self.calls.append(("advance", n))


def test_the_conversion_loop_reports_each_document_to_the_current_reporter(blackbox_dir, tmp_path):
    from bbcopilot.config import load_settings
    from bbcopilot.sources import convert_corpus, list_source_files
    from bbcopilot.workspace import Workspace

    source = tmp_path / "blackbox"
    for relpath in DOCUMENTS[:2]:
        (source / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, source / relpath)
    settings = load_settings("demo", {"workspace": str(tmp_path / "ws"), "sources.blackbox_dir": str(source)})
    files = list_source_files(settings)
    with progress.reporting_to(Recorder()) as recorder:
        convert_corpus(Workspace(settings.workspace), files, settings.convert)
    assert recorder.calls == [("start", len(files), "documents converted"), *[("advance", 1)] * len(files)]
    assert isinstance(progress.reporter(), progress.Silent)  # gone with the block


QUIET_RUN = """
import sys, logging, prefect
from pathlib import Path
from bbcopilot.console import quiet_console
from bbcopilot.progress import log_stage
from bbcopilot.report import StageResult
log_file = quiet_console(Path(sys.argv[1]))
import datasets, transformers
# What training prints today: datasets' bars, transformers' own warnings, a library's FutureWarning.
datasets.Dataset.from_dict({"text": ["a", "b", "c"]}).map(lambda row: row, desc="Tokenizing train dataset")
transformers.utils.logging.get_logger("transformers.trainer").warning("Trainer is attempting to log None")
model = transformers.AutoModelForCausalLM.from_pretrained(sys.argv[2])
model.is_gradient_checkpointing  # deprecated in transformers 5: a FutureWarning
logging.getLogger("bbcopilot.qa").warning("few replies were valid JSON")
log_stage(StageResult("qa", "v1", "/x", {"pairs_kept": 3}, seconds=1.0))
print(log_file)
"""


def test_library_bars_and_warnings_reach_the_log_file_not_the_console(tiny_model, tmp_path):
    result = subprocess.run([sys.executable, "-c", QUIET_RUN, str(tmp_path), str(tiny_model)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    # Ours only: our warning, then the stage's line.
    assert result.stderr.splitlines() == ["warning: bbcopilot.qa: few replies were valid JSON",
                                          "qa: pairs_kept 3 (1.0 s, version v1)"], result.stderr
    logged = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "FutureWarning: `is_gradient_checkpointing` is deprecated" in logged
    assert "transformers.trainer: Trainer is attempting to log None" in logged


def test_training_steps_go_to_the_reporter_and_no_log_dict_is_printed(tiny_model, tmp_path, capfd):
    import datasets
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    rows = datasets.Dataset.from_dict({"input_ids": [[1, 2, 3, 4]] * 4, "labels": [[1, 2, 3, 4]] * 4})
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=3, logging_steps=1, per_device_train_batch_size=2,
                             disable_tqdm=True, report_to="none", use_cpu=True, save_strategy="no")
    trainer = Trainer(model=AutoModelForCausalLM.from_pretrained(tiny_model), args=args, train_dataset=rows)
    progress.follow_training(trainer)
    with progress.reporting_to(Recorder()) as recorder:
        trainer.train()
    assert recorder.calls == [("start", 3, "training steps"), ("advance", 1), ("advance", 1), ("advance", 1)]
    assert "{'loss'" not in capfd.readouterr().out


def test_an_artefact_tasks_long_loop_shows_as_a_progress_artifact(tmp_path):
    from prefect import flow
    from prefect.client.orchestration import get_client

    from tasks.caching import artefact_task

    @artefact_task(lambda folder: Path(folder))
    def loop_stage(folder: str) -> StageResult:
        for _ in progress.tracked(list(range(5)), "items done"):
            pass
        return StageResult("loop", "v1", folder)

    @flow
    def looping() -> str:
        from prefect.context import get_run_context

        loop_stage(str(tmp_path))
        return str(get_run_context().flow_run.id)

    flow_run_id = looping()
    with get_client(sync_client=True) as client:
        found = [a for a in client.read_artifacts() if a.type == "progress" and str(a.flow_run_id) == flow_run_id]
    assert [(a.data, a.description) for a in found] == [(100.0, "loop_stage: 5 of 5 items done")]
    assert found[0].task_run_id is not None  # on the stage's task run, where the UI shows it
