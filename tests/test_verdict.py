"""The verdict on generated code: BlackBox's compiler with the checker's hints, or the checker alone."""

from __future__ import annotations

import pytest

from bbcopilot.api_index import build_api_index
from bbcopilot.blackbox.verdict import CHECKER, COMPILER, judge_answers

STDLOG = "MODULE StdLog;\nPROCEDURE String* (s: ARRAY OF CHAR); END String;\nPROCEDURE Ln*; END Ln;\nEND StdLog.\n"
HELLO = "MODULE TstHello;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hi\"); StdLog.Ln\n\tEND Do;\nEND TstHello.\n"
ANSWERS = {
    "good": f"```\n{HELLO}```",
    "invented": f"```\n{HELLO.replace('StdLog.Ln', 'StdLog.WriteLn')}```",
    "unknown_module": f"```\n{HELLO.replace('IMPORT StdLog', 'IMPORT StdLog, Forms')}```",
    # Parses, so the checker passes it; the compiler knows an INTEGER is not a string.
    "type_error": "```\nMODULE TstType;\n\tVAR i: INTEGER;\nBEGIN\n\ti := \"text\"\nEND TstType.\n```",
    "delphi": "```delphi\nprogram Hello;\nbegin\n  writeln('Hi');\nend.\n```",
    "fragment": "```\nPROCEDURE Gcd* (a, b: INTEGER): INTEGER;\nBEGIN\n\tRETURN a\nEND Gcd;\n```",
    "prose": "Euclid's algorithm divides until the remainder is zero.",
}


@pytest.fixture(scope="module")
def index():
    return build_api_index([("Std/Mod/Log.odc", STDLOG)])


def _judged(index, build):
    return dict(zip(ANSWERS, judge_answers(list(ANSWERS.values()), index, build)))


def test_the_compiler_judges_and_the_checker_adds_its_hints(index, build):
    v = _judged(index, build)
    assert all(verdict.judged_by == COMPILER for verdict in v.values())
    assert v["good"].compiles and not v["good"].hallucinated and not v["good"].errors
    assert not v["invented"].compiles and v["invented"].syntax_valid
    assert "WriteLn" in v["invented"].hallucinations[0] and "did you mean" in v["invented"].hallucinations[0]
    assert not v["unknown_module"].compiles and "Forms" in v["unknown_module"].hallucinations[0]
    assert v["type_error"].syntax_valid and not v["type_error"].compiles and not v["type_error"].hallucinated
    assert v["type_error"].errors == ["4:13: incompatible assignment"]
    # The compiler only says a Pascal program is wrong; the checker says what habit made it so.
    assert not v["delphi"].compiles and v["delphi"].delphi_confused
    assert v["fragment"].compiles  # a procedure on its own is compiled inside a module
    assert not v["prose"].has_code and not v["prose"].compiles and not v["prose"].hallucinated


def test_without_a_toolchain_the_checker_judges(index):
    v = _judged(index, None)
    assert all(verdict.judged_by == CHECKER for verdict in v.values())
    assert v["good"].compiles and v["fragment"].compiles
    # What only a compiler sees passes the checker: the reason the compiler is the judge.
    assert v["type_error"].compiles
    assert v["invented"].compiles and "WriteLn" in v["invented"].hallucinations[0]
    assert not v["delphi"].compiles and v["delphi"].delphi_confused
    assert not v["prose"].has_code
