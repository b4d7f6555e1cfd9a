"""The BlackBox API index: exports from module sources and DEFINITION listings; check_api."""

from __future__ import annotations

import json

import pytest

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
