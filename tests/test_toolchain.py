"""BlackBox's own compiler in the loop: a built copy of ../shared/bbcp, batches compiled in one process."""

from __future__ import annotations

import subprocess
import time

import pytest
from typer.testing import CliRunner

from bbcopilot.blackbox import ToolchainError, build_toolchain, compile_sources
from bbcopilot.blackbox.toolchain import module_path
from bbcopilot.cli import app
from bbcopilot.config import ToolchainSettings
from bbcopilot.workspace import Workspace, tree_hash
from conftest import BBCP

VALID = """MODULE TstValid;
	IMPORT StdLog;

	PROCEDURE Do*;
		VAR i: INTEGER;
	BEGIN
		i := 21; StdLog.Int(i); StdLog.Ln
	END Do;

END TstValid.
"""


def test_valid_module_compiles(build):
    [result] = compile_sources(build, [("valid.cp", VALID)])
    assert result.ok and result.errors == [] and result.name == "valid.cp"


def test_syntax_error_has_compiler_message_and_position(build):
    text = VALID.replace("StdLog.Int(i); StdLog.Ln", "StdLog.Int(i) StdLog.Ln")
    [result] = compile_sources(build, [("syntax.cp", text)])
    assert not result.ok
    # BlackBox marks an error just after the symbol it stopped at: here the space after "Int(i)".
    assert result.errors == [(7, 25, '";" missing')]


def test_undeclared_identifier(build):
    text = VALID.replace("i := 21;", "j := 21;")
    [result] = compile_sources(build, [("undeclared.cp", text)])
    assert result.errors == [(7, 4, "undeclared identifier")]


def test_type_mismatch_and_every_error_is_reported(build):
    # The console compiler prints only the first message; the batch reports each, on its line.
    # (The compiler itself drops an error within 9 characters of the previous one: StdLog.Ln keeps them apart.)
    text = VALID.replace("i := 21;", 'i := "x";\n\t\tStdLog.Ln;\n\t\tj := 1;\n\t\tIF i THEN END;')
    [result] = compile_sources(build, [("types.cp", text)])
    assert result.errors == [
        (7, 11, "incompatible assignment"),
        (9, 4, "undeclared identifier"),
        (10, 7, "type of expression following IF, WHILE, UNTIL or ASSERT is not BOOLEAN"),
    ]


def test_fragment_is_wrapped_and_lines_are_the_fragments(build):
    [result] = compile_sources(build, [("fragment", "PROCEDURE P*;\nBEGIN\n\tx := 1\nEND P;\n")])
    assert result.errors == [(3, 3, "undeclared identifier")]


def test_generated_obxhello0_compiles_in_the_batch_folder_only(build):
    before = tree_hash(build)
    text = "MODULE ObxHello0;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN StdLog.String(\"mine\")\n\tEND Do;\nEND ObxHello0.\n"
    [result] = compile_sources(build, [("obx.cp", text)])
    assert result.ok
    assert tree_hash(build) == before


@pytest.fixture
def processes(monkeypatch) -> list[list[str]]:
    """The commands the toolchain starts (the real subprocess.run, counted)."""
    started: list[list[str]] = []
    real_run = subprocess.run

    def counted(command, *args, **kwargs):
        started.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr("bbcopilot.blackbox.toolchain.subprocess.run", counted)
    return started


def test_a_batch_runs_in_one_process(build, processes):
    sources = [(f"m{i}.cp", VALID.replace("TstValid", f"TstBatch{i}")) for i in range(20)]
    sources[7] = ("bad.cp", VALID.replace("TstValid", "TstBatch7").replace("i := 21", "i := TRUE"))
    results = compile_sources(build, sources)
    assert [r.name for r in results] == [name for name, _ in sources]
    assert [r.ok for r in results] == [i != 7 for i in range(20)]
    assert len(processes) == 1, processes


def test_same_module_twice_compiles_each(build):
    bad = VALID.replace("i := 21", "i := TRUE")
    results = compile_sources(build, [("a.cp", VALID), ("b.cp", bad), ("c.cp", VALID)])
    assert [r.ok for r in results] == [True, False, True]


def test_toolchain_is_built_once(build, processes):
    workspace = Workspace(build.parent.parent)
    assert build_toolchain(workspace, ToolchainSettings(bbcp_dir=BBCP)) == build
    assert processes == []  # found by its content hash, not built again
    assert len(workspace.versions("toolchain")) == 1


def test_missing_tree_is_one_clear_line(tmp_path):
    with pytest.raises(ToolchainError, match=r"no BlackBox tree .*toolchain.bbcp_dir"):
        build_toolchain(Workspace(tmp_path), ToolchainSettings(bbcp_dir=tmp_path / "nothing"))


def test_failing_build_names_the_tree_and_its_last_lines(tmp_path):
    from bbcopilot.blackbox import toolchain

    if not toolchain.LOADER.exists():
        pytest.skip(f"{toolchain.LOADER} missing (libc6-i386): the loader check comes before the build")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "dev0lin").write_text("")
    (tree / "build-linux").write_text("#!/bin/sh\necho compiling\necho 'Lin/Mod/Kernel.odc not found'\nexit 1\n")
    (tree / "build-linux").chmod(0o555)
    workspace = Workspace(tmp_path / "ws")
    with pytest.raises(ToolchainError, match=r"tree: ./build-linux failed: compiling \| .*Kernel.odc not found"):
        build_toolchain(workspace, ToolchainSettings(bbcp_dir=tree))
    assert list((tmp_path / "ws" / "toolchain").iterdir()) == []  # nothing half-built is left


def test_module_paths_follow_blackbox_naming():
    assert module_path("TstHello") == "Tst/Mod/Hello.cp"
    assert module_path("DevCPM") == "Dev/Mod/CPM.cp"
    assert module_path("Hello") == "System/Mod/Hello.cp"


def test_cli_compile(build, tmp_path):
    good, bad = tmp_path / "good.cp", tmp_path / "bad.cp"
    good.write_text(VALID)
    bad.write_text(VALID.replace("i := 21;", "j := 21;"))
    workspace = f"workspace={build.parent.parent}"
    runner = CliRunner()
    ok = runner.invoke(app, ["compile", "--set", workspace, str(good)])
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(app, ["compile", "--set", workspace, str(good), str(bad)])
    assert failed.exit_code == 1
    assert failed.stdout.strip() == f"{bad}:7:4: undeclared identifier"
    missing = runner.invoke(app, ["compile", "--set", "toolchain.bbcp_dir=/nonexistent", str(good)])
    assert missing.exit_code == 2


def test_cli_compile_reads_an_old_8bit_source_and_says_so(build, tmp_path):
    old = tmp_path / "old.cp"
    old.write_bytes("MODULE TstOld;\n\tIMPORT StdLog;\nBEGIN\n\tStdLog.String(\"Привет\")\nEND TstOld.\n".encode("cp1251"))
    result = CliRunner().invoke(app, ["compile", "--set", f"workspace={build.parent.parent}", str(old)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"note: {old}: not UTF-8, read as windows-1251"


def test_cli_compile_adds_the_checkers_delphi_hints(build, tmp_path):
    delphi = tmp_path / "delphi.cp"
    delphi.write_text("MODULE TstD;\nIMPORT StdLog;\nPROCEDURE Do*;\nbegin\n  writeln(\"x\");\nEND Do;\nEND TstD.\n")
    result = CliRunner().invoke(app, ["compile", "--set", f"workspace={build.parent.parent}", str(delphi)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{delphi}:3:15: CONST, TYPE, VAR, PROCEDURE, BEGIN, or END missing"  # the compiler's
    assert any(line.startswith(f"{delphi}:4:1: hint: 'begin'") for line in lines)
    assert any(line.startswith(f"{delphi}:5:3: hint: 'writeln'") for line in lines)


def test_a_source_the_compiler_traps_on_fails_alone_and_quickly(build):
    # A record's END in lower case: the parser reads on through 10 000 lines of Win/Mod/Api and
    # overflows its stack, growing the process by gigabytes first (seen: 3 GB, 43 s) unless bounded.
    from bbcopilot.convert import convert_file

    api = convert_file(BBCP / "Win/Mod/Api.odc", BBCP, "plain").text.splitlines(keepends=True)
    api[7393] = api[7393].replace("END;", "end;")
    ok = "MODULE TstOk; END TstOk.\n"
    started = time.monotonic()
    results = compile_sources(build, [("before", ok), ("api", "".join(api)), ("after", ok.replace("TstOk", "TstOk2"))])
    assert [(r.name, r.ok) for r in results] == [("before", True), ("api", False), ("after", True)]
    assert results[1].errors == [(0, 0, "the compiler trapped: 137 stack overflow")]
    assert time.monotonic() - started < 30


def test_independent_sources_may_use_several_compilers(build):
    sources = [(f"s{i}", f"MODULE TstPar{i};\n\tVAR x: INTEGER;\nBEGIN\n\tx := {i}\nEND TstPar{i}.\n") for i in range(40)]
    sources[7] = ("s7", sources[7][1].replace("x := 7", "y := 7"))
    results = compile_sources(build, sources, processes=2)
    assert [r.name for r in results] == [name for name, _ in sources]
    assert [r.ok for r in results] == [i != 7 for i in range(40)] and results[7].errors == [(4, 3, "undeclared identifier")]
