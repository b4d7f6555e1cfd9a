import subprocess
import sys
from pathlib import Path

BBCOPILOT = str(Path(sys.executable).parent / "bbcopilot")
COMMANDS = ["run", "convert", "crawl", "telegram", "datasets", "qa", "train", "evaluate", "tiny-model", "check-cp"]


def bbcopilot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([BBCOPILOT, *args], capture_output=True, text=True, input=stdin, timeout=120)


def test_help_lists_every_command():
    result = bbcopilot("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_user_errors_are_one_clear_line_without_traceback(tmp_path):
    missing = bbcopilot("run", "--set", f"sources.blackbox_dir={tmp_path / 'nowhere'}")
    assert missing.returncode == 2 and "nowhere: source folder not found" in missing.stderr
    typo = bbcopilot("run", "--set", "train.sft_epocs=2")
    assert typo.returncode == 2 and "override: train.sft_epocs: Extra inputs" in typo.stderr
    untrained = bbcopilot("run", "--flow", "train", "--set", f"workspace={tmp_path / 'empty'}")
    assert untrained.returncode == 2 and "no complete version yet; run `bbcopilot run` or the refresh first" in untrained.stderr
    for result in (missing, typo, untrained):
        assert "Traceback" not in result.stderr + result.stdout


def test_check_cp_reports_file_line_col_and_exit_code(tmp_path):
    good = tmp_path / "good.cp"
    good.write_text("MODULE Good;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN StdLog.String(\"hi\"); StdLog.Ln\n\tEND Do;\nEND Good.\n")
    assert bbcopilot("check-cp", str(good)).returncode == 0
    bad = bbcopilot("check-cp", "-", stdin="MODULE M;\nBEGIN\n  writeln('x')\nEND M.\n")
    assert bad.returncode == 1
    assert bad.stdout.startswith("<stdin>:3:3: ") and "StdLog" in bad.stdout
