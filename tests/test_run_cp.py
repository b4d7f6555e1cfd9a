"""Running untrusted Component Pascal in BlackBox's own interpreter: output, traps, limits, its folder."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbcopilot.blackbox.sandbox import network_namespace_works, run_command
from bbcopilot.cli import app
from bbcopilot.workspace import tree_hash

PROGRAM = """MODULE TstRun;
	IMPORT StdLog, Files;

	TYPE Node = POINTER TO RECORD data: ARRAY 100000 OF INTEGER; next: Node END;

	PROCEDURE Hello*;
	BEGIN
		StdLog.String("Hello"); StdLog.Int(21); StdLog.Ln
	END Hello;

	PROCEDURE Index*;
		VAR a: ARRAY 3 OF INTEGER; i: INTEGER;
	BEGIN
		StdLog.String("before"); StdLog.Ln;
		i := 5; a[i] := 1
	END Index;

	PROCEDURE Forever*;
		VAR i: INTEGER;
	BEGIN
		i := 0; LOOP INC(i) END
	END Forever;

	PROCEDURE Grow*;
		VAR p, q: Node;
	BEGIN
		q := NIL; LOOP NEW(p); p.next := q; q := p END
	END Grow;

	PROCEDURE Deeper (n: INTEGER): INTEGER;
	BEGIN
		RETURN Deeper(n + 1) + 1
	END Deeper;

	PROCEDURE Recurse*;
	BEGIN
		StdLog.Int(Deeper(0))
	END Recurse;

	PROCEDURE Chatter*;
	BEGIN
		LOOP StdLog.String("chatter chatter chatter"); StdLog.Ln END
	END Chatter;

	PROCEDURE Write*;
		VAR f: Files.File; w: Files.Writer; res: INTEGER;
	BEGIN
		f := Files.dir.New(Files.dir.This(""), Files.dontAsk);
		w := f.NewWriter(NIL); w.WriteByte(65);
		f.Register("bbcopilot-written", "txt", Files.dontAsk, res);
		StdLog.Int(res); StdLog.Ln
	END Write;

END TstRun.
"""


@pytest.fixture
def run_folders() -> set[str]:
    """The run folders that exist in the temporary directory before the test."""
    return set(Path(tempfile.gettempdir()).glob("bbcopilot-run-*"))


def test_hello_prints_its_log(build):
    result = run_command(build, PROGRAM, "TstRun.Hello")
    assert result.status == "ok", result
    assert result.log == "Hello 21\n"  # StdLog.Int writes a leading space
    assert result.network_isolated == network_namespace_works()


def test_index_out_of_range_is_a_trap_with_its_message(build):
    result = run_command(build, PROGRAM, "TstRun.Index")
    assert result.status == "trap"
    assert result.trap == "135 index out of range"
    # Seen here: the interpreter prints a command's StdLog text when the command returns, so what
    # "before" wrote is lost with the trap; the report itself is not part of the log.
    assert result.log == ""


def test_endless_loop_ends_as_timeout_within_the_limit(build):
    started = time.monotonic()
    result = run_command(build, PROGRAM, "TstRun.Forever", timeout_s=2)
    assert result.status == "timeout"
    assert 2 <= result.seconds < 3 and time.monotonic() - started < 4


def test_unbounded_allocation_ends_as_memory(build):
    # Under RLIMIT_AS NEW fails, the program dereferences the NIL it got and traps (illegal memory
    # read); with the heap at the limit that trap is counted as memory, not as the program's bug.
    result = run_command(build, PROGRAM, "TstRun.Grow", memory_mb=128, timeout_s=10)
    assert result.status == "memory", result
    assert result.trap and result.trap.startswith("203 illegal memory read")
    assert result.seconds < 5


def test_endless_recursion_is_a_stack_overflow_trap(build):
    # It grows the process towards the limit too, but BlackBox names it: the program's bug, not the limit.
    result = run_command(build, PROGRAM, "TstRun.Recurse", memory_mb=256, timeout_s=10)
    assert (result.status, result.trap) == ("trap", "137 stack overflow"), result


def test_compile_error(build):
    result = run_command(build, PROGRAM.replace('StdLog.String("Hello")', "StdLog.Strin(1)"), "TstRun.Hello")
    assert result.status == "compile_error"
    assert result.errors[0][:2] == (8, 15) and "undeclared" in result.errors[0][2]


def test_unknown_command_is_reported(build):
    result = run_command(build, PROGRAM, "TstRun.Nothing")
    assert result.status == "trap" and "Nothing" in result.trap


def test_folder_is_gone_and_build_untouched(build, run_folders):
    before = tree_hash(build)
    assert run_command(build, PROGRAM, "TstRun.Hello").status == "ok"
    assert run_command(build, PROGRAM, "TstRun.Index").status == "trap"
    assert tree_hash(build) == before
    assert set(Path(tempfile.gettempdir()).glob("bbcopilot-run-*")) == run_folders


def test_written_file_stays_in_its_folder(build, run_folders, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = tree_hash(build)
    result = run_command(build, PROGRAM, "TstRun.Write")
    assert result.status == "ok" and result.log == " 0\n"  # res = 0: Register succeeded, in the run's folder
    assert list(tmp_path.iterdir()) == []
    assert tree_hash(build) == before
    assert not list(build.rglob("bbcopilot-written*"))
    assert not list(Path(tempfile.gettempdir()).glob("bbcopilot-written*"))
    assert set(Path(tempfile.gettempdir()).glob("bbcopilot-run-*")) == run_folders


def test_cli_run_cp(build, tmp_path):
    source = tmp_path / "run.cp"
    source.write_text(PROGRAM)
    workspace = ["--set", f"workspace={build.parent.parent}"]
    runner = CliRunner()
    ok = runner.invoke(app, ["run-cp", str(source), "--command", "TstRun.Hello", *workspace])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "Hello 21\n"
    trap = runner.invoke(app, ["run-cp", str(source), "--command", "TstRun.Index", *workspace])
    assert trap.exit_code == 1
    assert trap.stderr.strip() == f"error: {source}: trap: 135 index out of range"
    loop = runner.invoke(app, ["run-cp", str(source), "--command", "TstRun.Forever", "--timeout", "1", *workspace])
    assert loop.exit_code == 1 and loop.stderr.startswith(f"error: {source}: timeout") and len(loop.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad.cp"
    bad.write_text(PROGRAM.replace('StdLog.String("Hello")', "StdLog.Strin(1)"))
    failed = runner.invoke(app, ["run-cp", str(bad), "--command", "TstRun.Hello", *workspace])
    assert failed.exit_code == 1
    assert failed.stderr.strip() == f"error: {bad}:8:15: compile error: undeclared identifier"
    missing = runner.invoke(app, ["run-cp", str(source), "--command", "TstRun.Hello", "--set", "toolchain.bbcp_dir=/nonexistent"])
    assert missing.exit_code == 2


def test_endless_output_is_cut_at_the_file_size_limit(build, monkeypatch):
    monkeypatch.setattr("bbcopilot.blackbox.sandbox.LOG_LIMIT_BYTES", 64 * 1024)
    result = run_command(build, PROGRAM, "TstRun.Chatter", timeout_s=5)
    # The write past RLIMIT_FSIZE fails and the interpreter traps on it, long before the timeout.
    assert result.status == "trap" and result.trap.startswith("203 "), result
    assert result.seconds < 2
