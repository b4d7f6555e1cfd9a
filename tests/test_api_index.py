"""The BlackBox API index: exports from module sources and DEFINITION listings; check_api."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lark.exceptions import LarkError

from bbcopilot.api_index import (
    ApiIndex,
    build_api_index,
    check_api,
    index_definition,
    index_module_source,
)

SOURCE = """MODULE PrivStack;
(* a tiny stack, exported the BlackBox way *)
	IMPORT StdLog;
	CONST max* = 100; hidden = 1;
	TYPE
		Stack* = POINTER TO EXTENSIBLE RECORD
			top-: INTEGER;
			items: ARRAY max OF INTEGER
		END;
		Private = RECORD END;
	VAR count-: INTEGER; secret: INTEGER; shared*: Stack;
	PROCEDURE (s: Stack) Push* (x: INTEGER), NEW, EXTENSIBLE;
	BEGIN s.items[s.top] := x; INC(s.top)
	END Push;
	PROCEDURE (s: Stack) Check, NEW;
	END Check;
	PROCEDURE New* (): Stack;
		VAR s: Stack;
	BEGIN NEW(s); RETURN s
	END New;
	PROCEDURE Helper;
	END Helper;
END PrivStack.
"""

DOC = """PrivStack

DEFINITION PrivStack;

	CONST max = 100;

	TYPE
		Stack = POINTER TO EXTENSIBLE RECORD
			top-: INTEGER;
			(s: Stack) Push (x: INTEGER), NEW, EXTENSIBLE
			(s: Stack) Pop (): INTEGER, NEW
		END;

	VAR count-: INTEGER;

	PROCEDURE New (): Stack;
	PROCEDURE Clear (s: Stack; VAR n: INTEGER);

END PrivStack.

Module PrivStack provides ...
"""


def test_index_of_a_source_keeps_only_exported_names():
    api = index_module_source(SOURCE)
    assert api is not None and api.name == "PrivStack"
    assert api.exports() == {"max", "Stack", "count", "shared", "New"}
    assert api.constants["max"] == "100"
    assert api.types["Stack"] == "POINTER TO EXTENSIBLE RECORD END"
    assert api.variables["count"] == "INTEGER (read-only)"
    assert api.procedures["New"] == "PROCEDURE New* (): Stack"
    assert api.methods == {"Stack.Push": "PROCEDURE (s: Stack) Push* (x: INTEGER), NEW, EXTENSIBLE"}
    assert api.fields == {"Stack.top": "INTEGER"}


def test_index_module_source_is_none_for_non_modules():
    assert index_module_source("just some text") is None
    assert index_module_source(DOC) is None


def test_definition_listing_is_indexed_even_with_a_missing_semicolon():
    (api,) = index_definition(DOC)
    assert api.name == "PrivStack"
    assert api.exports() == {"max", "Stack", "count", "New", "Clear"}
    assert set(api.methods) == {"Stack.Push", "Stack.Pop"}
    assert api.procedures["Clear"] == "PROCEDURE Clear (s: Stack; VAR n: INTEGER)"


def test_build_merges_sources_and_docs_and_round_trips_json():
    index = build_api_index([("Priv/Mod/Stack.odc", SOURCE), ("Priv/Docu/Stack.odc", DOC)])
    api = index.modules["PrivStack"]
    assert api.origin == "source+definition"
    assert "Clear" in index.exports("PrivStack") and "Stack.Pop" in api.methods
    again = ApiIndex.from_json(json.loads(json.dumps(index.to_json())))
    assert again.to_json() == index.to_json()
    assert again.exports("PrivStack") == index.exports("PrivStack")


def test_system_is_known():
    index = ApiIndex()
    assert {"ADR", "VAL", "GET", "PUT", "MOVE", "LSH", "ROT", "TYP", "BIT"} <= index.exports("SYSTEM")


# ---- the real BlackBox modules -------------------------------------------------------------

@pytest.fixture(scope="module")
def real_index(blackbox_dir):
    from bbcopilot.convert import convert_file, list_sources

    paths = [p for p in list_sources(blackbox_dir) if p.suffix == ".odc" and p.parent.name in ("Mod", "Docu")]
    return build_api_index((str(p), convert_file(p, blackbox_dir, "plain").text) for p in paths)


def test_text_models_from_its_source(blackbox_dir):
    from bbcopilot.convert import convert_file

    path = blackbox_dir / "Text" / "Mod" / "Models.odc"
    api = index_module_source(convert_file(path, blackbox_dir, "plain").text)
    assert api is not None and api.name == "TextModels"
    exports = api.exports()
    assert {"Model", "Reader", "Writer", "Directory", "Attributes", "dir", "CloneOf", "viewcode"} <= exports
    assert "StdModel" not in exports  # the standard implementation is private
    assert "Model.Append" in api.methods and "Reader.ReadChar" in api.methods
    assert "ABSTRACT" in api.methods["Model.Append"]


def test_real_index_covers_the_library(real_index):
    # (../shared holds a subset of BlackBox: TextMappers, for one, is not among its sources)
    assert {"StdLog", "TextModels", "TextViews", "Views", "Dialog", "Files", "Strings", "Math"} <= set(real_index.modules)
    log = real_index.exports("StdLog")
    assert {"String", "Int", "Ln", "Real", "Char", "Tab", "IntForm"} <= log
    assert "PrintLn" not in log and "WriteString" not in log


def test_check_api_flags_unknown_names_and_accepts_real_ones(real_index):
    code = """MODULE PrivDemo;
	IMPORT StdLog, Log := StdLog, TextModels, SYSTEM, Nonsense;
	PROCEDURE Do*;
		VAR t: TextModels.Model;
	BEGIN
		StdLog.String("x"); StdLog.Ln; Log.Int(1); Log.Ln;
		StdLog.PrintLn("oops"); Log.WriteString("y");
		t := TextModels.dir.New(); t.Append(t); t.Foo := 1;
		SYSTEM.GET(0, t); SYSTEM.Frob(1)
	END Do;
END PrivDemo.
"""
    found = check_api(code, real_index, "demo.cp")
    text = [str(d) for d in found]
    assert any("'StdLog.PrintLn' is not exported by StdLog" in m and "'Ln'" in m for m in text)
    assert any("'Log.WriteString' is not exported by StdLog" in m and "'String'" in m for m in text)
    assert any("unknown module 'Nonsense'" in m for m in text)
    assert any("'SYSTEM.Frob'" in m for m in text)
    assert len(found) == 4  # StdLog.String, Log.Int, TextModels.dir, t.Append, SYSTEM.GET are fine
    assert found[0].line == 2


def test_check_api_on_the_real_sources_finds_nothing_wrong(real_index, blackbox_dir):
    from bbcopilot.convert import convert_file

    for rel in ("Obx/Mod/Hello0.odc", "Std/Mod/Log.odc", "Text/Mod/Cmds.odc"):
        text = convert_file(blackbox_dir / rel, blackbox_dir, "plain").text
        # modules outside the 50 indexed sources are unknown here; names of known ones must resolve
        wrong = [d for d in check_api(text, real_index, rel) if "not exported" in d.message]
        assert wrong == [], rel


def test_eval_prompts_are_well_formed():
    from importlib import resources

    lines = resources.files("bbcopilot").joinpath("data/eval_prompts.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    langs = [r["language"] for r in rows]
    assert set(langs) == {"ru", "en"} and abs(langs.count("ru") - langs.count("en")) <= len(rows) // 5
    for r in rows:
        assert set(r) == {"id", "language", "task", "prompt", "expect_modules"}
        assert r["task"] in {"procedure", "module", "view", "api"} and r["prompt"].strip()
        assert all(m.isidentifier() and m[0].isupper() for m in r["expect_modules"])


def test_the_index_is_a_versioned_artefact_of_the_documents(tmp_path):
    from bbcopilot.api_index import API_INDEX, build_index_artefact, load_index
    from bbcopilot.hfdata import save_version
    from bbcopilot.report import StageResult
    from bbcopilot.workspace import Workspace

    workspace = Workspace(tmp_path)
    source = "MODULE ObxDemo;\n\tIMPORT StdLog;\n\tCONST limit* = 10;\n\tPROCEDURE Do*;\n\tBEGIN StdLog.Ln\n\tEND Do;\nEND ObxDemo.\n"
    rows = [{"id": "Obx/Mod/Demo.odc", "kind": "Mod", "text": source, "split": "train"},
            {"id": "forum/topic/1", "kind": "forum", "text": "MODULE Fake; PROCEDURE X*; END X; END Fake.", "split": "train"}]
    path = save_version(workspace, "datasets/documents", "v1", rows, card={"languages": ["en"], "licences": {}, "summary": ""}, manifest={})
    result = build_index_artefact(workspace, StageResult("datasets/documents", "v1", str(path)))
    assert workspace.latest(API_INDEX) == result.version and result.figures["modules"] == 1
    index = load_index(result.path)
    assert {"limit", "Do"} <= index.exports("ObxDemo") and not index.knows("Fake")


# ---- the whole BlackBox distribution (../shared/bbcp) --------------------------------------

@pytest.fixture(scope="module")
def whole(distribution):
    from bbcopilot.api_index import load_index

    return load_index(distribution.path)


def test_the_distribution_index_knows_every_module_of_the_tree(whole, distribution):
    print(f"distribution index: {distribution.figures}")
    from bbcopilot.api_index import PLATFORM_SUFFIX, distribution_files
    from bbcopilot.convert import path_meta
    from tests.conftest import BBCP

    sources, _ = distribution_files(BBCP)
    named = {path_meta(p.relative_to(BBCP).as_posix())[2].split(PLATFORM_SUFFIX)[0] for p in sources}
    assert len(named) > 200 and named <= set(whole.modules)
    assert distribution.figures["modules"] == len(whole.modules) and distribution.figures["exports"] > 10000
    assert "Scanner" in whole.exports("TextMappers") and "Scanner.Scan" in whole.modules["TextMappers"].methods
    assert "String" in whole.exports("StdLog") and "MapString" in whole.exports("Dialog")
    assert "IntToString" in whole.exports("Strings")


def test_documentation_listings_add_what_no_source_declares(whole):
    # System/Docu/Unicode.odc documents a module the tree has no source of; Docu/BB-Docu.odc (a
    # manual) shows `DEFINITION Dictionaries` as an example of the notation
    assert whole.modules["Unicode"].origin == "definition" and "IsAlpha" in whole.exports("Unicode")
    assert not whole.knows("Dictionaries")


def test_platform_variants_are_merged_into_their_module(whole):
    # Comm/Mod/TCP__Lin.odc declares CommTCP__Lin; a program imports CommTCP
    assert not [name for name in whole.modules if "__" in name]
    assert {"NewListener", "NewStream"} <= whole.exports("CommTCP")


def test_check_api_accepts_the_real_names_of_subsystems_outside_the_corpus(whole):
    code = """MODULE PrivUse;
	IMPORT StdLog, TextMappers, TextModels, CommTCP, SqlDB, XhtmlWriters, FormViews, ObxRandom, StdTabViews;
	VAR s: TextMappers.Scanner; w: XhtmlWriters.Writer; db: SqlDB.Database; v: FormViews.View;
	PROCEDURE Do*;
	BEGIN
		s.ConnectTo(TextModels.dir.New()); StdLog.Real(ObxRandom.Uniform()); StdLog.Ln;
		CommTCP.NewListener("80", NIL, NIL); StdTabViews.Deposit; TextMappers.Scanr(s)
	END Do;
END PrivUse.
"""
    (found,) = check_api(code, whole)
    assert found.message.startswith("'TextMappers.Scanr' is not exported by TextMappers; did you mean 'Scanner'")


def test_check_api_on_real_sources_of_other_subsystems_finds_nothing(whole):
    from bbcopilot.api_index import distribution_files
    from bbcopilot.convert import convert_file
    from tests.conftest import BBCP

    sources, _ = distribution_files(BBCP)
    chosen = [p for p in sources if p.relative_to(BBCP).parts[0] in ("Obx", "Comm", "Sql", "Xhtml", "Form")]
    assert len(chosen) > 50
    # notes after `END StdCmds.` name Dialog.Loop, which the compiler never reads and no module exports
    chosen += [BBCP / "Std" / "Mod" / "Cmds.odc", BBCP / "Std" / "Mod" / "Documents.odc"]
    for path in chosen:
        rel = path.relative_to(BBCP).as_posix()
        assert check_api(convert_file(path, BBCP, "plain").text, whole, rel) == [], rel


def test_a_source_the_grammar_cannot_parse_is_known_by_name_and_its_names_are_not_judged(whole, distribution):
    record = json.loads((Path(distribution.path) / "index.json").read_text(encoding="utf-8"))
    assert record["skipped"] == [] or all("known by name only" in s["reason"] for s in record["skipped"])
    for name in (m for m, api in whole.modules.items() if api.origin == "name-only"):
        assert whole.knows(name) and not whole.exports_known(name)
        code = f"MODULE PrivLow;\n\tIMPORT {name};\nBEGIN {name}.anything\nEND PrivLow.\n"
        assert check_api(code, whole) == [], name


def test_leaving_procedure_bodies_out_of_the_parse_changes_no_module_api():
    from bbcopilot.api_index import _api_of_tree, _declarations_only
    from bbcopilot.convert import convert_file
    from bbcopilot.cpcheck.checker import parse_tokens
    from bbcopilot.cpcheck.lexer import scan
    from tests.conftest import BBCP

    if not BBCP.is_dir():
        pytest.skip(f"BlackBox tree not found at {BBCP}")
    # abstract and empty methods, forward declarations, records in records and in variables, nested
    # procedures, a module whose local records export fields (parsed whole)
    parsed = total = 0
    for rel in ("Text/Mod/Models.odc", "System/Mod/Views.odc", "Std/Mod/Dialog.odc", "Obx/Mod/Address0.odc",
                "Dev/Mod/Browser.odc", "System/Mod/Kernel.odc", "Comm/Mod/TCP__Lin.odc"):
        text = convert_file(BBCP / rel, BBCP, "plain").text
        tokens = scan(text).tokens
        declarations = _declarations_only(tokens)
        parsed, total = parsed + len(declarations), total + len(tokens)
        api = index_module_source(text)
        assert api == _api_of_tree(parse_tokens(tokens)), rel
        if rel in ("Text/Mod/Models.odc", "System/Mod/Views.odc", "Std/Mod/Dialog.odc"):
            assert api == _api_of_tree(parse_tokens(declarations)), rel  # the short parse served it
    assert parsed < total / 2


def test_a_short_parse_that_misses_an_exported_name_is_not_used():
    from bbcopilot.api_index import _api_of_tree, _declarations_only
    from bbcopilot.cpcheck.checker import parse_tokens
    from bbcopilot.cpcheck.lexer import scan

    # F's system flag hides that it has no body: the short parse skips to the method's `END F;`
    # and loses G; the module is then indexed as its whole parse says (here: not at all)
    text = """MODULE PrivGuard;
	TYPE T* = POINTER TO RECORD END;
	PROCEDURE [ccall] F*;
	PROCEDURE G*;
	BEGIN
	END G;
	PROCEDURE (t: T) F*, NEW;
	BEGIN
	END F;
END PrivGuard.
"""
    tokens = scan(text).tokens
    assert "G" not in _api_of_tree(parse_tokens(_declarations_only(tokens))).exports()
    try:
        whole_parse = _api_of_tree(parse_tokens(tokens))
    except LarkError:
        whole_parse = None
    assert index_module_source(text) == whole_parse


# ---- the artefact, on a small tree --------------------------------------------------------

BROKEN = "MODULE PrivBroken;\n\tPROCEDURE Do* (;\nEND PrivBroken.\n"
VARIANT = "MODULE PrivStack__Lin;\n\tPROCEDURE Flush*;\n\tEND Flush;\nEND PrivStack__Lin.\n"


def _tree(root: Path) -> Path:
    for rel, text in (("Priv/Mod/Stack.cp", SOURCE), ("Priv/Mod/Stack__Lin.cp", VARIANT),
                      ("Priv/Mod/Broken.cp", BROKEN)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_the_distribution_artefact_is_built_once_per_tree_content(tmp_path, monkeypatch, caplog):
    from bbcopilot import api_index
    from bbcopilot.config import ToolchainSettings
    from bbcopilot.workspace import Workspace

    workspace, settings = Workspace(tmp_path / "ws"), ToolchainSettings(bbcp_dir=_tree(tmp_path / "tree"))
    first = api_index.build_distribution_artefact(workspace, settings)
    assert workspace.latest(api_index.DISTRIBUTION_INDEX) == first.version
    assert first.figures["modules"] == 2 and first.figures["name_only"] == 1 and first.figures["skipped"] == 1
    assert any("Priv/Mod/Broken.cp: the checker's grammar does not parse it at 2:" in r.message for r in caplog.records)
    index = api_index.load_index(first.path)
    assert {"New", "Flush"} <= index.exports("PrivStack")  # the Lin variant merged in
    assert index.knows("PrivBroken") and not index.exports_known("PrivBroken")
    code = "MODULE PrivUse;\n\tIMPORT PrivBroken, PrivStack;\nBEGIN PrivBroken.Do; PrivStack.Flush; PrivStack.Pop\nEND PrivUse.\n"
    assert [d.message for d in check_api(code, index)] == ["'PrivStack.Pop' is not exported by PrivStack"]

    def rebuilt(*args):
        raise AssertionError("rebuilt though nothing changed")

    monkeypatch.setattr(api_index, "build_distribution_index", rebuilt)
    assert api_index.build_distribution_artefact(workspace, settings).version == first.version
    (tmp_path / "tree" / "Priv" / "Mod" / "Broken.cp").write_text(SOURCE.replace("PrivStack", "PrivBroken"))
    monkeypatch.undo()
    second = api_index.build_distribution_artefact(workspace, settings)
    assert second.version != first.version and second.figures["name_only"] == 0


def test_distribution_index_without_a_tree(tmp_path, caplog):
    from bbcopilot.api_index import NoDistribution, distribution_index
    from bbcopilot.config import ToolchainSettings
    from bbcopilot.hfdata import save_version
    from bbcopilot.report import StageResult
    from bbcopilot.workspace import Workspace

    workspace, settings = Workspace(tmp_path / "ws"), ToolchainSettings(bbcp_dir=tmp_path / "no-tree")
    with pytest.raises(NoDistribution, match="no-tree: no BlackBox tree"):
        distribution_index(workspace, settings)
    rows = [{"id": "Priv/Mod/Stack.odc", "kind": "Mod", "text": SOURCE, "split": "train"}]
    path = save_version(workspace, "datasets/documents", "v1", rows, card={"languages": ["en"], "licences": {}, "summary": ""}, manifest={})
    index = distribution_index(workspace, settings, StageResult("datasets/documents", "v1", str(path)))
    assert set(index.modules) == {"PrivStack"}
    assert any("no-tree: no BlackBox tree" in r.message and "documents" in r.message for r in caplog.records)


def test_distribution_index_adds_the_documents_modules(tmp_path):
    from bbcopilot.api_index import distribution_index
    from bbcopilot.config import ToolchainSettings
    from bbcopilot.hfdata import save_version
    from bbcopilot.report import StageResult
    from bbcopilot.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    settings = ToolchainSettings(bbcp_dir=_tree(tmp_path / "tree"))
    host = "MODULE HostFiles;\n\tPROCEDURE Open*;\n\tEND Open;\nEND HostFiles.\n"  # Windows-only, not in the tree
    rows = [{"id": "Host/Mod/Files.odc", "kind": "Mod", "text": host, "split": "train"}]
    path = save_version(workspace, "datasets/documents", "v1", rows, card={"languages": ["en"], "licences": {}, "summary": ""}, manifest={})
    index = distribution_index(workspace, settings, StageResult("datasets/documents", "v1", str(path)))
    assert {"PrivStack", "PrivBroken", "HostFiles"} <= set(index.modules) and "Open" in index.exports("HostFiles")


# ---- the compiler's verdict as the hallucination signal -------------------------------------

INVENTED = """MODULE PrivInvented;
	IMPORT StdLog, Log := StdLog, TextMappers;
	VAR s: TextMappers.Scanr;

	PROCEDURE Do*;
	BEGIN
		StdLog.PrintLn("x"); Log.String("ok"); Log.WriteString("y");
		Strings.IntToString(1, s); WriteLn
	END Do;

END PrivInvented.
"""
NO_MODULE = "MODULE PrivNoModule;\n\tIMPORT StdLog, Foo, TextMapperz;\n\tPROCEDURE Do*;\n\tBEGIN Foo.Bar\n\tEND Do;\nEND PrivNoModule.\n"
VALID = """MODULE PrivValid;
	IMPORT StdLog, TextMappers, TextModels, Strings, Dialog;
	VAR s: TextMappers.Scanner;

	PROCEDURE Do*;
		VAR str: ARRAY 32 OF CHAR;
	BEGIN
		s.ConnectTo(TextModels.dir.New()); Strings.IntToString(42, str);
		Dialog.MapString(str, str); StdLog.String(str); StdLog.Ln
	END Do;

END PrivValid.
"""
OTHER_PLATFORM = "MODULE PrivWindows;\n\tIMPORT WinApi;\nEND PrivWindows.\n"
FRAGMENT = "PROCEDURE Do*;\nBEGIN\n\tStdLog.Ln\nEND Do;\n"  # wrapped in a module, without IMPORT


def test_compiler_errors_become_hallucinations_with_hints(build, whole):
    from bbcopilot.api_index import compiler_hallucinations
    from bbcopilot.blackbox import compile_sources

    texts = [INVENTED, NO_MODULE, VALID, OTHER_PLATFORM, FRAGMENT]
    results = compile_sources(build, [(f"t{i}", text) for i, text in enumerate(texts)])
    said = [compiler_hallucinations(text, result, whole) for text, result in zip(texts, results)]
    assert said[0] == [
        "3:26: undeclared identifier 'TextMappers.Scanr': TextMappers exports no Scanr; did you mean "
        "'TextMappers.Scanner' or 'TextMappers.char'?",
        "7:17: undeclared identifier 'StdLog.PrintLn': StdLog exports no PrintLn; did you mean 'StdLog.Ln'?",
        "7:57: undeclared identifier 'Log.WriteString': StdLog exports no WriteString; did you mean 'Log.String'?",
        "8:10: undeclared identifier 'Strings': module Strings is not imported (add it to IMPORT)",
        "8:37: undeclared identifier 'WriteLn'; did you mean 'StdLog.Ln' or 'Log.Ln'?",
    ]  # and not 8:22, the compiler's "identifier does not denote a record type" that follows from 8:10
    assert said[1] == ["2:20: unknown module 'Foo': BlackBox has no such module",
                       "2:33: unknown module 'TextMapperz': BlackBox has no such module; did you mean 'TextMappers'?"]
    assert results[2].ok and said[2] == []
    # WinApi is real (Win/Mod/Api.odc) but not in the Linux build: the compiler fails, nothing is invented
    assert not results[3].ok and said[3] == []
    assert said[4] == ["3:8: undeclared identifier 'StdLog': module StdLog is not imported (add it to IMPORT)"]
