"""Mutants of a Component Pascal module: deterministic, one kind each, never inside a comment or a string."""

from __future__ import annotations

import random

import pytest

from bbcopilot.blackbox.mutants import DELPHI_MUTATORS, KINDS, MUTATORS, delphi_corruptions, mutants
from bbcopilot.cpcheck import check_source

# Every kind has a site here; the comment and the string hold keywords and API names that must stay untouched.
SOURCE = """MODULE ObxWords;
(* Counts words: BEGIN END PROCEDURE VAR StdLog.String ARRAY 8 OF CHAR {set} *)
	IMPORT StdLog, Strings;

	CONST max = 32; sep* = " ";

	VAR name: ARRAY max OF CHAR;

	PROCEDURE Count (IN s: ARRAY OF CHAR; VAR n: INTEGER);
		VAR i: INTEGER;
	BEGIN
		n := 0; i := 0;
		WHILE s[i] # 0X DO
			IF s[i] = sep THEN INC(n) END;  (* a separator *)
			INC(i)
		END
	END Count;

	PROCEDURE Words* (): INTEGER;
		VAR n: INTEGER;
	BEGIN
		Count(name, n); RETURN n
	END Words;

	PROCEDURE Do*;
		VAR s: ARRAY 16 OF CHAR;
	BEGIN
		Strings.IntToString(Words(), s);
		StdLog.String("BEGIN END PROCEDURE VAR StdLog.Ln (* not a comment *)"); StdLog.String(s); StdLog.Ln
	END Do;

BEGIN
	name := "a b c"
END ObxWords.
"""
COMMENT = "(* Counts words: BEGIN END PROCEDURE VAR StdLog.String ARRAY 8 OF CHAR {set} *)"
STRING = '"BEGIN END PROCEDURE VAR StdLog.Ln (* not a comment *)"'


def test_the_sample_is_valid():
    assert check_source(SOURCE) == []


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_changes_code_only(kind):
    for seed in range(20):
        mutant = MUTATORS[kind](SOURCE, random.Random(seed))
        assert mutant is not None and mutant.kind == kind and mutant.description
        assert mutant.text != SOURCE
        assert COMMENT in mutant.text, (seed, mutant.description)
        # the string is one token: intact, or deleted whole
        assert STRING in mutant.text or mutant.description.startswith(f"deleted {STRING!r}"), (seed, mutant.description)


def test_mutants_are_deterministic_distinct_and_of_mixed_kinds():
    first = mutants(SOURCE, random.Random(7), 6)
    assert first == mutants(SOURCE, random.Random(7), 6)
    assert first != mutants(SOURCE, random.Random(8), 6)
    assert len({m.text for m in first}) == 6 and len({m.kind for m in first}) == 6


def test_a_text_without_sites_gets_fewer_mutants():
    bare = "MODULE M;\nEND M.\n"
    found = mutants(bare, random.Random(0), 5)
    assert found and {m.kind for m in found} <= {"delete-token", "duplicate-token", "swap-tokens", "replace-operator",
                                                "swap-keyword", "delphi-brace-comment", "delphi-lowercase-keyword"}
    assert mutants("", random.Random(0), 3) == []


def test_delphi_corruptions_one_per_kind():
    found = delphi_corruptions(SOURCE, random.Random(1))
    assert [m.kind for m in found] == list(DELPHI_MUTATORS)
    assert [m.kind for m in delphi_corruptions(SOURCE, random.Random(1), ["delphi-writeln"])] == ["delphi-writeln"]


@pytest.mark.parametrize(("kind", "expected"), [
    ("delphi-writeln", "writeln"),
    ("delphi-lowercase-keyword", ("begin", "end")),
    ("delphi-string-type", ": string"),
    ("delphi-const-assign", ":="),
    ("delphi-brace-comment", "{ a separator }"),
    ("delphi-function", ("function", "procedure")),
    ("delphi-var-param", "; var n: INTEGER"),
    ("invented-api", ("StdLog.PrintLn", "StdLog.WriteLn", "StdLog.Print", "StdLog.WriteString",
                      "Strings.Length", "Strings.Copy", "Strings.Pos", "Strings.Trim", "Strings.UpperCase")),
])
def test_delphi_kinds_write_the_habit(kind, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    for seed in range(10):
        text = DELPHI_MUTATORS[kind](SOURCE, random.Random(seed)).text
        assert any(e in text for e in expected), (seed, text)


def test_checker_rejects_the_syntax_mutants():
    # the compiler's verdict on mutants is in test_checker_agreement; the checker names these habits
    for kind in ("delphi-lowercase-keyword", "delphi-const-assign", "delphi-brace-comment", "delphi-function",
                 "delphi-var-param", "delphi-string-type", "delphi-writeln"):
        assert check_source(MUTATORS[kind](SOURCE, random.Random(3)).text), kind
