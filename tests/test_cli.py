import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BBCOPILOT = str(Path(sys.executable).parent / "bbcopilot")
COMMANDS = ["run", "convert", "crawl", "telegram", "datasets", "qa", "train", "evaluate", "tiny-model", "serve", "chat", "check-cp"]


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


# ---------------------------------------------------------------- convert: bad input

# Root reads and writes through any mode bits; without these two capabilities it is held
# to them like any user, so a chmod 000 folder is unreadable as it is for one.
AS_A_USER = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def bbcopilot_as_a_user(*args: str) -> subprocess.CompletedProcess:
    if os.geteuid() != 0:
        return bbcopilot(*args)
    if not shutil.which("setpriv"):
        pytest.skip("running as root, and setpriv (util-linux) is not there to drop the capabilities that ignore file modes")
    return subprocess.run([*AS_A_USER, BBCOPILOT, *args], capture_output=True, text=True, timeout=120)


def test_convert_names_an_unreadable_folder_and_converts_the_rest(blackbox_dir, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    for folder in ("Obx/Mod", "Locked/Mod"):
        (src / folder).mkdir(parents=True)
        shutil.copy(blackbox_dir / "Obx/Mod/Hello0.odc", src / folder / "Hello0.odc")
    (src / "Locked").chmod(0)
    try:
        result = bbcopilot_as_a_user("convert", str(src), str(out))
    finally:
        (src / "Locked").chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "failed: Locked: cannot list folder: Permission denied" in result.stderr
    assert "1 converted, 1 failed" in result.stderr
    assert (out / "Obx/Mod/Hello0.txt").read_text(encoding="utf-8").startswith("MODULE ObxHello0;")
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["path"], r["status"]) for r in rows] == [("Obx/Mod/Hello0.odc", "ok"), ("Locked", "failed")]


def test_convert_into_an_unwritable_folder_is_one_line(blackbox_dir, tmp_path):
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    try:
        denied = bbcopilot_as_a_user("convert", str(blackbox_dir / "Obx/Mod/Hello0.odc"), str(readonly / "out"))
    finally:
        readonly.chmod(0o755)
    below_a_file = bbcopilot("convert", str(blackbox_dir / "Obx/Mod/Hello0.odc"), str(a_file / "out"))
    for result, out, reason in ((denied, readonly / "out", "Permission denied"), (below_a_file, a_file / "out", "Not a directory")):
        assert result.returncode == 2
        assert result.stderr.splitlines() == [f"error: {out}: cannot write the output folder: {reason}"]
    assert list(readonly.iterdir()) == []  # no temporary folder left behind


# ---- check-cp on input that is not a module, and the settings from the command line --------

def test_check_cp_names_a_document_and_a_binary_file_in_one_line_each_and_checks_the_rest(blackbox_dir, tmp_path):
    document = blackbox_dir / "Text/Mod/Models.odc"
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    bad = tmp_path / "bad.cp"
    bad.write_text("MODULE Bad;\nBEGIN\n  writeln('x')\nEND Bad.\n")
    result = bbcopilot("check-cp", str(document), str(binary), str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {document}: this is an .odc document: convert it first (bbcopilot convert {document} OUT --format source)",
        f"error: {binary}: not a text file",
        "2 of 3 files not checked",
    ]
    assert result.stdout.startswith(f"{bad}:3:3: ") and len(result.stdout.splitlines()) == 1
    piped = subprocess.run([BBCOPILOT, "check-cp", "-"], input=document.read_bytes(), capture_output=True, timeout=120)
    assert piped.returncode == 2 and piped.stderr.decode().splitlines() == [
        "error: <stdin>: this is an .odc document: convert it first (bbcopilot convert FILE.odc OUT --format source)"]


def test_check_cp_shows_twenty_errors_per_file_and_counts_the_rest(tmp_path):
    from bbcopilot.cpcheck import check_source

    noisy = tmp_path / "noisy.cp"
    noisy.write_text("MODULE Noisy;\n" + "@\n" * 40 + "END Noisy.\n")
    total = len(check_source(noisy.read_text(), str(noisy)))
    assert total > 20
    capped = bbcopilot("check-cp", str(noisy))
    assert capped.returncode == 1
    lines = capped.stdout.splitlines()
    assert len(lines) == 21 and all(line.startswith(f"{noisy}:") for line in lines)
    assert lines[-1] == f"{noisy}: ... and {total - 20} more errors (--max-errors 0 shows all)"
    assert len(bbcopilot("check-cp", "--max-errors", "0", str(noisy)).stdout.splitlines()) == total


def test_a_misspelt_environment_setting_or_unparsable_set_value_is_one_line(tmp_path):
    env = {**os.environ, "BBCOPILOT_TRIAN__SFT_EPOCHS": "2"}
    typo = subprocess.run([BBCOPILOT, "datasets"], env=env, capture_output=True, text=True, timeout=120)
    assert typo.returncode == 2 and typo.stderr.splitlines() == [
        "error: environment BBCOPILOT_TRIAN__SFT_EPOCHS: no settings section 'trian' "
        "(did you mean BBCOPILOT_TRAIN__SFT_EPOCHS?)"]
    unparsable = bbcopilot("datasets", "--set", "eval.temperatures=[0.2, 0.6")
    assert unparsable.returncode == 2 and len(unparsable.stderr.splitlines()) == 1
    assert unparsable.stderr.startswith("error: --set eval.temperatures: the value is not valid YAML")
