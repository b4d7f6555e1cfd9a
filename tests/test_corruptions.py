"""Delphi-ised corruptions (bbcopilot.train.corruptions) on the benchmark's train-split references and
BlackBox's own Obx samples: every kind applies, only code tokens are rewritten, invented names are
not in the API index, and a kept corruption is one the real compiler rejects while its original compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbcopilot.api_index import build_api_index
from bbcopilot.blackbox.bench.tasks import TYPES_MODULE, harness_source, training_tasks
from bbcopilot.blackbox.mutants import imports
from bbcopilot.blackbox.toolchain import module_path
from bbcopilot.blackbox.verdict import CHECKER, COMPILER, judge_answers
from bbcopilot.cpcheck.lexer import scan
from bbcopilot.metrics import extract_code
from bbcopilot.train.corruptions import (
    KINDS,
    corruption_edits,
    corruptions,
    failing_corruptions,
    invented_name,
)
from tests.conftest import BBCP

# Small Obx samples: Hello0 writes to the Log, Pi imports under an alias, Random and Views2 declare constants.
OBX_SAMPLES = ("Hello0", "Pi", "Random", "Views2")
SUPPORT = [(TYPES_MODULE, harness_source("Types"))]


def _bbcp_source(module: str) -> str:
    from bbcopilot.convert import convert_file

    return convert_file(BBCP / Path(module_path(module)).with_suffix(".odc"), BBCP, "plain").text


@pytest.fixture(scope="module")
def samples(shared_dir) -> list[str]:
    """Every blackbox-suite reference of the train split, a few HumanEval ones, and the Obx samples."""
    references = [t.reference for t in training_tasks("blackbox") if t.reference]
    references += [t.reference for t in training_tasks("humaneval") if t.reference][:8]
    return references + [_bbcp_source(f"Obx{name}") for name in OBX_SAMPLES]


@pytest.fixture(scope="module")
def index(samples):
    """The API index of the BlackBox modules the samples import (their sources in ../shared/bbcp)."""
    modules = {m for text in samples for m in imports(scan(text).tokens).values()} - {TYPES_MODULE}
    return build_api_index((module_path(m), _bbcp_source(m)) for m in sorted(modules))


def test_every_kind_applies_and_the_same_code_gives_the_same_corruptions(samples, index):
    found = {kind for text in samples for kind, _ in corruptions(text, index)}
    assert found == set(KINDS)
    for text in samples:
        made = corruptions(text, index)
        assert made == corruptions(text, index)
        assert all(corrupted != text for _, corrupted in made)


GREETER = '''MODULE ObxGreeter;
	(* BEGIN writes StdLog.String; CONST n = 1; ARRAY 8 OF CHAR *)
	IMPORT Log := StdLog;

	CONST max = 3; name* = "BEGIN";

	VAR buffer: ARRAY 16 OF CHAR;

	PROCEDURE Greet* (IN who: ARRAY OF CHAR);
		VAR i: INTEGER;
	BEGIN
		FOR i := 1 TO max DO
			Log.String("StdLog.String(x); StdLog.Ln END"); Log.Ln;
			Log.Int(i); Log.String(who); (* END *) Log.Ln
		END
	END Greet;

END ObxGreeter.
(* after the module: BEGIN Log.Ln *)
'''


def test_each_kind_rewrites_code_tokens_only(index):
    made = dict(corruptions(GREETER, index))
    assert set(made) == set(KINDS)
    comments_and_strings = ["(* BEGIN writes StdLog.String; CONST n = 1; ARRAY 8 OF CHAR *)", '"BEGIN"',
                            '"StdLog.String(x); StdLog.Ln END"', "(* END *)", "(* after the module: BEGIN Log.Ln *)"]
    for kind, corrupted in made.items():
        for kept in comments_and_strings:
            assert corrupted.count(kept) == 1, (kind, kept)
    assert made["writeln"].split("\n")[12:14] == [
        '\t\t\twriteln("StdLog.String(x); StdLog.Ln END");',  # String(x); Ln merged
        "\t\t\twrite(i); write(who); (* END *) writeln",  # a comment between: not merged
    ]
    assert "\tbegin\n\t\tfor i := 1 to max do\n" in made["lowercase_keywords"]
    assert "\t\tend\n\tend Greet;\n\nend ObxGreeter." in made["lowercase_keywords"]
    assert "VAR buffer: string;" in made["string_type"] and "(IN who: string)" in made["string_type"]
    assert 'CONST max := 3; name* := "BEGIN";' in made["const_assign"]
    # the first real name with an invented counterpart, at every use (Log is StdLog's alias)
    assert made["invented_api"].count("Log.WriteString(") == 2
    assert made["invented_api"].count("Log.String(") == 1  # the one inside the string


def test_invented_names_are_absent_from_the_index(samples, index):
    renamed = 0
    for text in samples:
        toks = scan(text).tokens
        aliases, at = imports(toks), {t.start_pos: k for k, t in enumerate(toks)}
        for kind, edits in corruption_edits(text, index):
            if kind != "invented_api":
                continue
            for start, _, new in edits:
                k = at[start]  # the name after `alias.`
                module, real = aliases[toks[k - 2].value], toks[k].value
                assert real in index.exports(module) and new not in index.exports(module), (module, real, new)
                renamed += 1
    assert renamed >= 10


def test_an_invented_name_the_index_knows_is_never_used():
    log = ("MODULE StdLog;\n\tPROCEDURE String* (IN s: ARRAY OF CHAR); END String;\n"
           "\tPROCEDURE WriteString* (IN s: ARRAY OF CHAR); END WriteString;\nEND StdLog.\n")
    index = build_api_index([("Std/Mod/Log.odc", log)])
    assert invented_name(index, "StdLog", ["String"]) == (1, "Print")  # WriteString is real here
    both = log.replace("END StdLog.", "\tPROCEDURE Print*; END Print;\nEND StdLog.")
    assert invented_name(build_api_index([("Std/Mod/Log.odc", both)]), "StdLog", ["String"]) is None
    assert invented_name(index, "StdLog", ["Unknown"]) is None  # not a real name: nothing to rename


def _answer(code: str) -> str:
    return (f"Here is the module.\n\n```\n(* usage: see below *)\n```\n\n```pascal\n{code.strip()}\n```\n\n"
            "Compile it with Ctrl+K.")


def test_kept_corruptions_fail_the_compiler_while_their_originals_compile(samples, index, build):
    answers = [_answer(text) for text in samples]
    run = failing_corruptions(answers, build, index, SUPPORT)
    assert run.judged_by == COMPILER and run.skipped == []
    assert {c.kind for c in run.kept} == set(KINDS)
    assert run.rejected == run.tried  # every Delphi-ised corruption of these is a compile error
    for c in run.kept:
        assert c.judged_by == COMPILER and c.error.split(":")[0].isdigit()
        assert extract_code(c.answer) == c.code != extract_code(answers[c.source])
        assert c.answer.startswith("Here is the module.\n\n```\n(* usage: see below *)\n```\n\n```pascal\n")
        assert c.answer.endswith("```\n\nCompile it with Ctrl+K.")
    # the project's own verdict agrees, answer by answer (those that need no BenchTypes)
    plain = [c for c in run.kept if TYPES_MODULE not in c.code]
    originals = sorted({c.source for c in plain})
    verdicts = judge_answers([answers[a] for a in originals] + [c.answer for c in plain], index, build)
    assert all(v.compiles for v in verdicts[:len(originals)])
    assert not any(v.compiles for v in verdicts[len(originals):])


def test_a_corruption_the_compiler_accepts_is_not_kept(index, build):
    # `writeln` and `string` declared by the module itself: those corruptions still compile (and
    # BenchTypes, compiled first, is there for each of them)
    code = ('MODULE ObxWrite;\n\tIMPORT StdLog, BenchTypes;\n\tTYPE string = BenchTypes.IntList;\n'
            '\tPROCEDURE writeln (x: INTEGER); END writeln;\n'
            '\tPROCEDURE Do*;\n\t\tVAR s: ARRAY 8 OF CHAR;\n\tBEGIN\n\t\tStdLog.Int(1); StdLog.Ln\n\tEND Do;\nEND ObxWrite.\n')
    run = failing_corruptions([_answer(code), "No code here."], build, index, SUPPORT)
    assert run.tried["writeln"] == run.tried["string_type"] == 1
    assert run.tried["const_assign"] == 0  # no CONST section: nothing to rewrite, none is added
    assert run.rejected["writeln"] == run.rejected["string_type"] == 0
    assert {c.kind for c in run.kept} == {"lowercase_keywords", "invented_api"}
    assert run.skipped == [(1, "no code in the answer")]


def test_without_a_toolchain_the_checker_judges(samples, index):
    run = failing_corruptions([_answer(text) for text in samples[-4:]], None, index, SUPPORT)
    assert run.judged_by == CHECKER and run.skipped == []
    assert {c.kind for c in run.kept} == {"writeln", "lowercase_keywords", "const_assign", "string_type", "invented_api"}
    assert all(c.judged_by == CHECKER and c.error for c in run.kept)
