"""Generation spans: split by the document's structure, within budget, tiling the text."""

from __future__ import annotations

import shutil

import pytest

from bbcopilot.qa.spans import TokenCounter, approximate_tokens, main, spans_of, units_of

from tests.conftest import BBCP

MODULE = """MODULE DemoStacks;
(* A stack of integers. *)

	IMPORT Log;

	CONST max* = 10;

	TYPE
		Visit* = PROCEDURE (x: INTEGER);
		Stack* = POINTER TO RECORD n: INTEGER; a: ARRAY max OF INTEGER END;

	VAR top: Stack;

	PROCEDURE^ Report (s: Stack);

	PROCEDURE Push* (s: Stack; x: INTEGER);
		PROCEDURE Full (): BOOLEAN;
		BEGIN RETURN s.n = max
		END Full;
	BEGIN
		IF ~Full() THEN s.a[s.n] := x; INC(s.n) END
	END Push;

	PROCEDURE (s: Stack) Each* (visit: Visit), NEW;
		VAR i: INTEGER;
	BEGIN
		FOR i := 0 TO s.n - 1 DO visit(s.a[i]) END
	END Each;

	PROCEDURE Report (s: Stack);
	BEGIN Log.Int(s.n)
	END Report;

BEGIN
	NEW(top)
END DemoStacks.
"""

DOCU = """DemoStacks

DEFINITION DemoStacks;

	TYPE
		Stack = POINTER TO RECORD END;

	PROCEDURE Push (s: Stack; x: INTEGER);

END DemoStacks.

Stacks hold integers: Push adds one on top, and a stack grows up to max entries.

PROCEDURE Push (s: Stack; x: INTEGER)
Pushes x onto s.
"""


def words(text: str) -> int:
    return len(text.split())


def module_doc(text: str = MODULE) -> dict:
    return {"id": "Demo/Mod/Stacks.odc", "text": text, "kind": "Mod", "module": "DemoStacks",
            "subsystem": "Demo", "title": "MODULE DemoStacks;"}


def assert_tiles(spans, text: str) -> None:
    assert spans[0].start == 0 and spans[-1].end == len(text)
    for a, b in zip(spans, spans[1:]):
        assert a.end == b.start
    for span in spans:
        assert span.text == text[span.start:span.end] and span.text


def within(spans, budget: int, count=words) -> None:
    for span in spans:
        assert count(span.context) + count(span.text) <= budget, span


def test_each_procedure_is_a_unit_with_the_header_as_context():
    # A budget that holds the context and one declaration, never two procedures.
    spans = spans_of(module_doc(), 60, words)
    assert_tiles(spans, MODULE)
    within(spans, 60)
    by_name = {name: span for span in spans for name in span.defines}
    push, each, report = by_name["Push"], by_name["Stack.Each"], by_name["Report"]
    assert len({push, each, report}) == 3
    assert push.text.lstrip().startswith("PROCEDURE Push*") and push.text.rstrip().endswith("END Push;")
    # nested procedures stay with their parent
    assert "PROCEDURE Full" in push.text and "END Full;" in push.text and "Full" not in by_name
    for span in (push, each, report):
        assert "MODULE DemoStacks;" in span.context and "IMPORT Log;" in span.context
        assert "Language: Component Pascal" in span.context and "BlackBox Component Builder" in span.context
        assert "Module: DemoStacks" in span.context and "Subsystem: Demo" in span.context
    # the span holding the header shows it as text, not twice
    assert spans[0].text.startswith("MODULE DemoStacks;") and "Module header:" not in spans[0].context


def test_module_units_are_its_top_level_declarations():
    units = units_of(module_doc())
    assert units[0].start == 0 and units[-1].end == len(MODULE)
    assert all(a.end == b.start for a, b in zip(units, units[1:]))
    firsts = [MODULE[u.start:u.end].strip().splitlines()[0] for u in units]
    # no unit at `Visit* = PROCEDURE`, `PROCEDURE^ Report` or the nested `PROCEDURE Full`
    assert firsts == ["MODULE DemoStacks;", "CONST max* = 10;", "TYPE", "VAR top: Stack;",
                      "PROCEDURE Push* (s: Stack; x: INTEGER);", "PROCEDURE (s: Stack) Each* (visit: Visit), NEW;",
                      "PROCEDURE Report (s: Stack);", "BEGIN"]
    assert [u.defines for u in units] == [(), (), ("Visit", "Stack"), (), ("Push",), ("Stack.Each",), ("Report",), ()]
    assert MODULE[units[4].start:units[4].end].rstrip().endswith("END Push;")
    assert MODULE[units[-1].start:].rstrip().endswith("END DemoStacks.")


def test_bodiless_procedures_end_at_their_heading():
    text = ("MODULE DemoViews;\n\tTYPE View* = POINTER TO ABSTRACT RECORD END;\n\n"
            "\tPROCEDURE (v: View) Draw*, NEW, ABSTRACT;\n\tPROCEDURE (v: View) Tidy*, NEW, EMPTY;\n\n"
            "\tPROCEDURE [code] Halt 0CCH;\n\n\tPROCEDURE Do*;\n\tBEGIN\n\tEND Do;\n\nEND DemoViews.\n")
    units = units_of({"text": text, "kind": "Mod"})
    assert [u.defines for u in units] == [(), ("View",), ("View.Draw",), ("View.Tidy",), ("Halt",), ("Do",), ()]
    assert text[units[-1].start:].strip() == "END DemoViews."  # the module end and what follows it


def test_procedure_types_and_forward_declarations_are_not_split_points():
    spans = spans_of(module_doc(), 60, words)
    types = next(span for span in spans if "Stack" in span.defines)
    assert "Visit* = PROCEDURE (x: INTEGER);" in types.text and "Visit" in types.defines
    assert not any(span.text.lstrip().startswith("PROCEDURE (x") for span in spans)
    forward = next(span for span in spans if "PROCEDURE^ Report" in span.text)
    assert not forward.text.lstrip().startswith("PROCEDURE^") and "Report" not in forward.defines


def test_a_large_budget_keeps_the_whole_module_in_one_span():
    spans = spans_of(module_doc(), 10_000, words)
    assert len(spans) == 1 and spans[0].text == MODULE
    assert spans[0].defines == ("Visit", "Stack", "Push", "Stack.Each", "Report")


def test_an_over_budget_procedure_is_split_at_lines():
    body = "".join(f"\t\tx := x + {i};\n" for i in range(40))
    text = MODULE.replace("\tPROCEDURE Report (s: Stack);\n\tBEGIN Log.Int(s.n)\n",
                          "\tPROCEDURE Report (s: Stack);\n\t\tVAR x: INTEGER;\n\tBEGIN\n" + body)
    spans = spans_of(module_doc(text), 80, words)
    assert_tiles(spans, text)
    within(spans, 80)
    report = [span for span in spans if "Report" in span.defines]
    assert len(report) >= 3
    for span in report:
        assert span.start == 0 or text[span.start - 1] == "\n"
        assert span.text.endswith("\n")


def test_a_line_over_budget_is_split_at_whitespace():
    line = " ".join(f"word{i}" for i in range(200)) + "\n"
    doc = {"id": "Docu/Long.odc", "text": line, "kind": "Docu", "module": None, "subsystem": "", "title": "Long"}
    spans = spans_of(doc, 50, words)
    assert_tiles(spans, line)
    within(spans, 50)
    assert len(spans) > 1
    for span in spans[:-1]:
        assert span.text[-1].isspace() and not text_starts_mid_word(line, span.end)


def text_starts_mid_word(text: str, offset: int) -> bool:
    return offset < len(text) and not text[offset - 1].isspace() and not text[offset].isspace()


def test_definition_blocks_are_kept_whole_when_they_fit():
    doc = {"id": "Demo/Docu/Stacks.odc", "text": DOCU, "kind": "Docu", "module": None, "subsystem": "Demo",
           "title": "DemoStacks"}
    # Room for the context and the DEFINITION block, not for the prose too.
    spans = spans_of(doc, 40, words)
    assert_tiles(spans, DOCU)
    within(spans, 40)
    definition = next(span for span in spans if "DEFINITION DemoStacks;" in span.text)
    assert "END DemoStacks." in definition.text and definition.text.startswith("DemoStacks\n")
    assert definition.defines == ("Stack", "Push")
    assert "Stacks hold integers" not in definition.text
    assert "Document kind: documentation" in definition.context


def test_spans_of_real_sources_tile_and_fit(shared_dir):
    from bbcopilot.convert import convert_file

    if not (BBCP / "Text" / "Mod" / "Models.odc").is_file():
        pytest.skip(f"BlackBox tree not found at {BBCP}")
    expected = {"Text/Mod/Models.odc": {"StdModel", "Model.NewReader", "StdReader.Read", "NewColor"},
                "System/Mod/Kernel.odc": {"Module", "Type", "NewRec", "Collect"},
                "Text/Docu/Models.odc": {"Model", "Attributes", "ReadAttr"}}
    for relpath, names in expected.items():
        converted = convert_file(BBCP / relpath, BBCP, "plain")
        meta = converted.meta
        doc = {"id": relpath, "text": converted.text, "kind": meta.kind, "module": meta.module,
               "subsystem": meta.subsystem, "title": meta.title}
        spans = spans_of(doc, 1536, approximate_tokens)
        assert_tiles(spans, converted.text)
        within(spans, 1536, approximate_tokens)
        assert len(spans) > 3
        assert names <= {name for span in spans for name in span.defines}
        if meta.kind == "Mod":
            for span in spans[1:]:
                assert f"MODULE {meta.module}" in span.context
            # a procedure's first span starts with its heading (or the comment before it)
            starts = [s.text.lstrip() for s in spans[1:]]
            assert sum(t.startswith(("PROCEDURE", "(*", "TYPE", "VAR", "CONST", "BEGIN")) for t in starts) \
                >= len(starts) * 0.6


def test_figure_printer_counts_a_tree(shared_dir, tmp_path, capsys):
    if not (BBCP / "Text" / "Mod").is_dir():
        pytest.skip(f"BlackBox tree not found at {BBCP}")
    tree = tmp_path / "bbcp"
    (tree / "Text" / "Mod").mkdir(parents=True)
    shutil.copy(BBCP / "Text" / "Mod" / "Models.odc", tree / "Text" / "Mod" / "Models.odc")
    assert main([str(tree)]) == 0
    out = capsys.readouterr().out
    assert "1 documents" in out and "spans at 1536 tokens" in out and "Mod: 1 documents" in out


def test_a_header_whose_comments_fill_the_budget_is_shown_without_them():
    comment = "(* " + " ".join(f"note{i}" for i in range(100)) + " *)\n"
    text = MODULE.replace("(* A stack of integers. *)\n", comment)
    spans = spans_of(module_doc(text), 120, words)
    assert_tiles(spans, text)
    within(spans, 120)
    push = next(span for span in spans if "Push" in span.defines)
    assert "MODULE DemoStacks ; IMPORT Log ;" in push.context and "note5" not in push.context


def test_spans_fit_a_real_tokenizer(tiny_model):
    count = TokenCounter(str(tiny_model)).text
    spans = spans_of(module_doc(), 300, count)
    assert_tiles(spans, MODULE)
    within(spans, 300, count)
    assert len(spans) > 1
