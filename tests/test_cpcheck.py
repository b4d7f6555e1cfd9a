"""The Component Pascal checker: the real BlackBox sources pass, Pascal/Delphi habits are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bbcopilot.cpcheck import Diagnostic, check_source

CP = Path(__file__).resolve().parent / "cp"


def module(body: str, imports: str = "StdLog") -> str:
    return f"MODULE M;\nIMPORT {imports};\n{body}\nEND M.\n"


def messages(text: str) -> list[str]:
    return [d.message for d in check_source(text)]


# ---- the real thing ----------------------------------------------------------------------

def test_every_blackbox_module_source_is_accepted(blackbox_dir):
    from bbcopilot.convert import convert_file, list_sources

    mods = [p for p in list_sources(blackbox_dir) if p.parent.name == "Mod" and p.suffix == ".odc"]
    assert len(mods) >= 40
    failures = {}
    for path in mods:
        diags = check_source(convert_file(path, blackbox_dir, "plain").text, str(path))
        if diags:
            failures[str(path.relative_to(blackbox_dir))] = [str(d) for d in diags[:3]]
    assert failures == {}


@pytest.mark.parametrize("name", ["hello.cp", "words.cp", "box.cp"])
def test_hand_written_blackbox_style_modules_pass(name):
    assert check_source((CP / name).read_text(), name) == []


def test_diagnostic_format():
    d = check_source("MODULE M;\nEND N.\n", "x.cp")
    assert len(d) == 1 and isinstance(d[0], Diagnostic)
    assert str(d[0]) == "x.cp:2:5: module 'M' must end with 'END M.', not 'END N.'"


# ---- lexical corners the compiler accepts ------------------------------------------------

@pytest.mark.parametrize(
    "decl",
    [
        "CONST a = 0FFH; b = 0FFFFFFFFL; c = 0DX; d = 0FFX; e = 416X; f = 1.0E-3; g = 1.; h = 4.567E8;",
        "CONST s = {}; t = {0, 2 .. 5}; u = 'single'; v = \"double\"; w = -5 DIV 3; x = ~(1 > 2);",
        "(* (* nested *) comment *) CONST a = 1;",
        "VAR a: ARRAY 10, 20 OF CHAR; p: POINTER TO ARRAY OF INTEGER; q: PROCEDURE (x: INTEGER): BOOLEAN;",
        "TYPE R* = LIMITED RECORD a-, b*: INTEGER; END; E* = RECORD END; X = ABSTRACT RECORD (R) END;",
    ],
)
def test_declarations_are_accepted(decl):
    assert messages(module(decl)) == []


def test_number_followed_by_keyword_is_two_tokens():
    # BlackBox's scanner reads "16THEN" as 16 THEN (seen in the Obx sources)
    body = "PROCEDURE P*(i: INTEGER);\nBEGIN IF i < 16THEN StdLog.Int(i) END\nEND P;"
    assert messages(module(body)) == []


def test_statements_are_accepted():
    body = """PROCEDURE P* (VAR s: ARRAY OF CHAR; IN t: ARRAY OF CHAR; OUT n: INTEGER): INTEGER;
    VAR i: INTEGER; p: POINTER TO RECORD next: ANYPTR END; set: SET;
BEGIN
    n := 0; s := t$; s := t + "x"; set := {1, 3 .. 5};
    FOR i := 0 TO LEN(s) - 1 BY 2 DO INC(n) END;
    CASE n OF | 0: ; | 1, 2: n := 3 | 4 .. 6: ELSE END;
    LOOP IF n > 10 THEN EXIT END; INC(n) END;
    REPEAT DEC(n) UNTIL (n <= 0) OR (3 IN set);
    WHILE n < 5 DO INC(n) ELSIF n > 100 DO DEC(n) END;
    IF p = NIL THEN NEW(p) ELSIF p.next IS ANYPTR THEN ; ELSE END;;
    WITH p: ANYPTR DO | ELSE END;
    RETURN ASH(n, -1)
END P;"""
    found = messages(module(body))
    # WHILE ... ELSIF ... DO is Oberon-07, not Component Pascal
    assert len(found) == 1 and "syntax error" in found[0]
    assert messages(module(body.replace("WHILE n < 5 DO INC(n) ELSIF n > 100 DO DEC(n) END;", ""))) == []


def test_low_level_forms_need_import_system():
    low = """TYPE P = POINTER [untagged] TO ARRAY [untagged] 100 OF BYTE;
    R = RECORD [union] a: INTEGER END;
PROCEDURE [code] Nop 90H;
PROCEDURE [code] Ret (x: INTEGER): INTEGER 0C3H, 0;
PROCEDURE [ccall] Cb (VAR [nil] x: INTEGER): INTEGER;
BEGIN SYSTEM.GET(SYSTEM.ADR(x), x); RETURN SYSTEM.VAL(INTEGER, {})
END Cb;"""
    assert messages(module(low, "SYSTEM")) == []
    found = messages(module(low.replace("SYSTEM.GET(SYSTEM.ADR(x), x); ", "").replace("SYSTEM.VAL(INTEGER, {})", "0")))
    assert found and all("low-level" in m or "SYSTEM" in m for m in found)


# ---- forms the compiler accepts and the checker once rejected (found by benchmarks/checker_agreement.py) ----

INTERFACE_MODULE = """MODULE LinDl ["libdl.so.2"];
	IMPORT SYSTEM;
	CONST lazy* = 1;
	TYPE PtrSTR* = POINTER TO ARRAY [untagged] OF SHORTCHAR;
	PROCEDURE [ccall] dlopen* (file: PtrSTR; mode: INTEGER): INTEGER;
	PROCEDURE [ccall] dlerror* (): PtrSTR;
	PROCEDURE [ccall] close* ["dlclose"] (h: INTEGER): INTEGER;
	PROCEDURE IsTextUnicode* ["ADVAPI32.dll", ""] (VAR [nil] lpi: SET): INTEGER;
END LinDl.
"""


def test_an_interface_module_declares_procedures_without_bodies():
    # MODULE M ["lib"] is the compiler's noCode mode (Lin/Mod/Libc.odc, Win/Mod/Api.odc)
    assert messages(INTERFACE_MODULE) == []
    with_body = INTERFACE_MODULE.replace("(): PtrSTR;", "(): PtrSTR;\n\tBEGIN RETURN NIL\n\tEND dlerror;")
    assert any("syntax error" in m for m in messages(with_body))
    # a library named with '=' keeps the bodies
    assert messages('MODULE M [= "libm.so"];\nPROCEDURE P*;\nBEGIN\nEND P;\nEND M.\n') == []
    assert any("syntax error" in m for m in messages('MODULE M [= "libm.so"];\nPROCEDURE [ccall] P*;\nEND M.\n'))


@pytest.mark.parametrize("flag", ['["ADVAPI32.dll", ""]', "[untagged union]", "[untagged, union]", "[]", "[union, 4]"])
def test_system_flags_are_lists_of_names_numbers_and_strings(flag):
    assert messages(module(f"TYPE R = RECORD {flag} a: INTEGER END;", "SYSTEM")) == []


@pytest.mark.parametrize("flags", [("[-1]", ""), ("[]", ""), ("", "[ccall]")])
def test_procedure_flags_the_compiler_refuses(flags):
    # no sign, not empty after PROCEDURE, none on a forward declaration (DevCPP.ProcedureDeclaration)
    flag, forward_flag = flags
    code = f"PROCEDURE ^ {forward_flag} P;\nPROCEDURE {flag} P;\nBEGIN\nEND P;"
    assert any("syntax error" in m for m in messages(module(code, "SYSTEM")))
    assert messages(module(code.replace(flag or forward_flag, "[ccall]" if flag else ""), "SYSTEM")) == []


def test_code_procedures_by_number_and_with_string_bytes():
    code = 'PROCEDURE [1] FINIT 0DBH, 0E3H;\nPROCEDURE [code] Two "ab", 1;\nPROCEDURE [code] Nop;'
    assert messages(module(code, "SYSTEM")) == []
    assert any("syntax error" in m for m in messages(module("PROCEDURE [1] FINIT 0DBH 0E3H;", "SYSTEM")))


def test_oberon_procedure_mark_is_read():
    assert messages(module("PROCEDURE * P;\nBEGIN\nEND P;")) == []  # the compiler's parser reads it


@pytest.mark.parametrize("decl", ["TYPE A = POINTER TO RECORD END;\nPROCEDURE F (): A. NEW;\nBEGIN RETURN NIL\nEND F;",
                                  "TYPE R = RECORD END;\nVAR x: R.T;",
                                  "PROCEDURE F (): BOOLEAN. NEW;\nBEGIN RETURN TRUE\nEND F;",
                                  "PROCEDURE P (StdLog: INTEGER);\nVAR v: StdLog.T;\nBEGIN\nEND P;"])
def test_a_qualified_type_name_starts_with_a_module(decl):
    # the compiler reads the '.' only after a module's name: 'A. NEW' (for ', NEW') is a syntax error there
    found = messages(module(decl))
    assert any("is not a module: a qualified name is Module.Name" in m for m in found), found
    assert messages(module("VAR v: Views.View;", "Views")) == []


def test_a_parameter_flag_follows_var_in_or_out():
    assert messages(module("PROCEDURE P (VAR [nil] x: INTEGER);\nBEGIN\nEND P;", "SYSTEM")) == []
    assert any("syntax error" in m for m in messages(module("PROCEDURE P ([nil] x: INTEGER);\nBEGIN\nEND P;", "SYSTEM")))


@pytest.mark.parametrize("call", ["S.VAL(INTEGER, x)(x - 1)", "LEN(a)(1)", "LEN(a)[0]"])
def test_nothing_follows_a_call_of_a_predeclared_procedure(call):
    # the compiler's StandProcCall ends the designator: "S.VAL(...)(...)" is ';' missing
    body = "VAR x: INTEGER; a: ARRAY 3 OF INTEGER;\nBEGIN\n\tx := {}\n"
    found = messages(module(body.format(call), "S := SYSTEM"))
    assert any("nothing can follow the call of the predeclared procedure" in m for m in found), found
    fine = messages(module(body.format("S.VAL(INTEGER, x) + LEN(a) + ABS(x)"), "S := SYSTEM"))
    assert fine == []


def test_an_external_name_is_a_list_of_strings():
    # DevCPP.CheckMark: P* ["entry"] or ["library", "entry", modifiers...]
    assert messages('MODULE M ["lib"];\nPROCEDURE P* ["a", "b", "c"];\nPROCEDURE Q* [41X];\nEND M.\n') == []
    assert any("syntax error" in m for m in messages('MODULE M ["lib"];\nPROCEDURE P* ["a" "b"];\nEND M.\n'))
    assert any("syntax error" in m for m in messages('MODULE M ["lib"];\nPROCEDURE P* [ccall];\nEND M.\n'))


def test_a_type_test_names_a_type():
    assert messages(module("VAR b: BOOLEAN; p: ANYPTR;\nBEGIN b := p IS ANYPTR")) == []
    assert any("identifier expected" in m for m in messages(module("VAR b: BOOLEAN; x: INTEGER;\nBEGIN b := x IS 60")))


def test_names_that_look_like_keywords_are_fine_where_declared():
    assert messages("MODULE In;\nPROCEDURE Do*;\nEND Do;\nEND In.\n") == []  # System/Mod/In.odc
    assert messages("MODULE M;\nIMPORT COM;\nVAR p: COM.IUnknown;\nBEGIN ASSERT(VALID(p))\nEND M.\n") == []


def test_trailing_text_after_the_module_is_ignored():
    # like the compiler reading a document: "END M." ends the source
    assert messages("MODULE M;\nEND M.\n\n ! M.Do 'it''s' { notes }\n") == []


# ---- Pascal / Delphi habits: each rejected with the Component Pascal way ------------------

HABITS = [
    ("program Hello;\nuses StdLog;\nbegin\n  writeln('Hi');\nend.\n", ["MODULE", "IMPORT", "BEGIN", "StdLog.String"]),
    (module("PROCEDURE P*(a, b: INTEGER);\nBEGIN IF a <> b THEN StdLog.Ln END\nEND P;"), ["'<>' is Pascal; Component Pascal writes '#'"]),
    (module("PROCEDURE P*(a, b: INTEGER);\nBEGIN IF a != b THEN StdLog.Ln END\nEND P;"), ["writes '#'"]),
    (module("function Sq(x: integer): integer;\nbegin\n  Result := x * x\nend;"), ["PROCEDURE F", "INTEGER", "RETURN expr"]),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN\n  FOR i := 10 downto 1 DO StdLog.Int(i) END\nEND P;"), ["BY -1"]),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN\n  FOR i := 10 DOWNTO 1 DO StdLog.Int(i) END\nEND P;"), ["BY -1"]),
    (module("VAR s: string;"), ["ARRAY n OF CHAR"]),
    (module("CONST max: INTEGER = 10;"), ["typed constants", "CONST max = 10"]),
    (module("CONST n := 10;"), ["CONST n = 10"]),
    (module("VAR i: INTEGER = 0;"), ["cannot be initialised"]),
    (module("VAR i: INTEGER := 0;"), ["cannot be initialised"]),
    (module("{ a comment }\nPROCEDURE P*;\nBEGIN StdLog.Ln\nEND P;"), ["'{ }' comments are Pascal", "(* ... *)"]),
    (module("{$APPTYPE CONSOLE}"), ["directives"]),
    (module("PROCEDURE P*; // a note\nBEGIN StdLog.Ln\nEND P;"), ["'//' comments"]),
    (module("PROCEDURE P*;\nBEGIN inherited Draw\nEND P;"), ["v.Draw^"]),
    (module("PROCEDURE P*(c: BOOLEAN);\nBEGIN\n  IF c THEN BEGIN StdLog.Ln END\nEND P;"), ["begin..end"]),
    (module("PROCEDURE P*(a: INTEGER);\nBEGIN\n  IF a = 1 THEN StdLog.Ln\n  ELSE IF a = 2 THEN StdLog.Ln\n  END\nEND P;"), ["ELSIF"]),
    (module("PROCEDURE P*(n: INTEGER);\nBEGIN\n  CASE n OF\n    1: StdLog.Ln;\n    2: StdLog.Ln;\n  END\nEND P;"), ["'|'"]),
    (module("VAR a: ARRAY [1..10] OF INTEGER;"), ["ARRAY n OF T"]),
    (module("TYPE Color = (Red, Green);"), ["enumeration"]),
    (module("CONST a = $FF;"), ["0FFH"]),
    (module("CONST b = 0xFF;"), ["0FFH"]),
    (module("CONST c = 0ffh;"), ["0FFH"]),
    (module("CONST cr = #13;"), ["0DX"]),
    (module("CONST r = 1E6;"), ["1.0E6"]),
    (module("PROCEDURE P*;\nBEGIN StdLog.String('It''s')\nEND P;"), ["\"It's\""]),
    (module("TYPE TStack = class\n  top: INTEGER;\nend;"), ["POINTER TO EXTENSIBLE RECORD"]),
    (module("TYPE S = POINTER TO RECORD top: INTEGER END;\nPROCEDURE S.Push(x: INTEGER);\nBEGIN self.top := x\nEND Push;"),
     ["receiver", "self"]),
    (module("PROCEDURE Answer*: INTEGER;\nBEGIN RETURN 42\nEND Answer;"), ["PROCEDURE F* (): INTEGER"]),
    (module("PROCEDURE P*(a: INTEGER; done: BOOLEAN);\nBEGIN IF (a > 0) and not done THEN StdLog.Ln END\nEND P;"), ["'&'", "'~'"]),
    (module("PROCEDURE P*;\nVAR x: INTEGER;\nBEGIN x += 1; x++\nEND P;"), ["INC(x, n)", "INC(x)"]),
    (module("PROCEDURE P*; forward;"), ["PROCEDURE ^"]),
    (module("PROCEDURE P*; override;\nBEGIN END P;"), ["NEW"]),
    (module("PROCEDURE P*;\nBEGIN try StdLog.Ln except StdLog.Ln end\nEND P;"), ["ASSERT"]),
    (module("TYPE R = RECORD a: INTEGER END;\nVAR rec: R;\nPROCEDURE P*;\nBEGIN WITH rec DO a := 1 END\nEND P;"), ["type test"]),
    (module("TYPE P = ^Node;"), ["POINTER TO Node"]),
    (module("VAR x: LONGREAL;"), ["REAL"]),
    (module("PROCEDURE P*(VAR a, b: ARRAY OF CHAR);\nBEGIN COPY(a, b)\nEND P;"), ["src$"]),
    (module("VAR i: integer; p: POINTER TO RECORD END;\nPROCEDURE P*;\nBEGIN p := nil; inc(i)\nEND P;"),
     ["'INTEGER'", "'NIL'", "'INC'"]),
    (module("PROCEDURE P*;\nVAR s: ARRAY 9 OF CHAR;\nBEGIN s := IntToStr(1); ShowMessage(s)\nEND P;"),
     ["Strings.IntToString", "Dialog.ShowMsg"]),
    (module("CONST r = 1.0D5;"), ["1.0E5"]),
    ("DEFINITION StdLog;\n PROCEDURE Ln;\nEND StdLog.\n", ["MODULE M"]),
]


@pytest.mark.parametrize(("code", "hints"), HABITS, ids=[f"habit{i}" for i in range(len(HABITS))])
def test_pascal_habits_are_rejected_with_the_cp_way(code, hints):
    found = " | ".join(messages(code))
    assert found, "expected a diagnostic"
    for hint in hints:
        assert hint in found


def test_habits_are_found_even_when_the_parse_fails_at_line_one():
    found = check_source("program P;\nvar s: string;\nbegin\n  if a <> b then writeln(s);\nend.\n", "p.pas")
    lines = {d.line for d in found}
    assert {1, 2, 3, 4} <= lines


def test_lower_case_names_that_are_declared_stay_legal():
    # BlackBox's own code has "beg, end: INTEGER" and fields called type
    body = "PROCEDURE P*(beg, end: INTEGER): INTEGER;\nBEGIN RETURN end - beg\nEND P;"
    assert messages(module(body)) == []


# ---- typical mistakes of generated code --------------------------------------------------

MISTAKES = [
    ("MODULE M;\nEND N.\n", "must end with 'END M.'"),
    ("MODULE M;\nEND.\n", "END ModuleName."),
    ("MODULE M;\nEND M\n", "final period"),
    (module("PROCEDURE P*;\nBEGIN StdLog.Ln\nEND;"), "END ProcedureName"),
    (module("PROCEDURE P*;\nBEGIN StdLog.Ln\nEND Q;"), "must end with 'END P'"),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN\n  i := 1\n  StdLog.Int(i)\nEND P;"), "missing ';'"),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN\n  i = 1\nEND P;"), "assignment is ':='"),
    (module("PROCEDURE P*(a: INTEGER);\nBEGIN\n  IF a = 1 THEN StdLog.Ln\nEND P;"), "END of an IF"),
    (module("PROCEDURE P*(a, b: INTEGER);\nBEGIN IF a > 0 & b > 0 THEN StdLog.Ln END\nEND P;"), "(a > 0) & (b > 0)"),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN WHILE i < 10 DO IF i = 5 THEN EXIT END; INC(i) END\nEND P;"), "inside LOOP"),
    (module("PROCEDURE P*;\nBEGIN RETURN 1\nEND P;"), "outside a function"),
    (module("PROCEDURE F*(): INTEGER;\nBEGIN StdLog.Ln\nEND F;"), "no 'RETURN expression'"),
    (module("PROCEDURE F*(): INTEGER;\nBEGIN RETURN\nEND F;"), "RETURN without a value"),
    (module("PROCEDURE P*;\nBEGIN\nEND P;\nVAR x: INTEGER;"), "before its procedures"),
    (module("PROCEDURE P*;\nVAR x*: INTEGER;\nBEGIN x := 1\nEND P;"), "module level only"),
    (module("TYPE S* = POINTER TO RECORD top: INTEGER END;\nPROCEDURE (s: S) Push* (x: INTEGER);\nBEGIN s.top := x\nEND Push;"),
     "', NEW'"),
    (module("TYPE B = POINTER TO EXTENSIBLE RECORD END; E = POINTER TO RECORD (B) END;\n"
            "PROCEDURE (b: B) M*, NEW, EMPTY;\nPROCEDURE (e: E) M*, NEW;\nBEGIN\nEND M;"), "remove ', NEW'"),
    (module("TYPE B = POINTER TO RECORD END;\nPROCEDURE (b: B) M*, NEW, ABSTRACT;"), "not ABSTRACT"),
    ("MODULE M;\nPROCEDURE P*;\nBEGIN StdLog.Ln\nEND P;\nEND M.\n", "add it to IMPORT"),
    (module("PROCEDURE P*;\nBEGIN StdLog.Ln\nEND P;", "Log := StdLog"), "imported as 'Log'"),
    (module("PROCEDURE P*;\nBEGIN Frobnicate(1)\nEND P;"), "undeclared identifier 'Frobnicate'"),
    (module("PROCEDURE P*;\nVAR i: INTEGER;\nBEGIN FOR i := 1 TO 5 BY 0 DO END\nEND P;"), "non-zero"),
    (module("VAR a: ARRAY [10] OF INTEGER;"), "low-level"),
    (module("CONST s = \"abc;\nVAR x: INTEGER;"), "unterminated string"),
    (module("(* not closed"), "comment not closed"),
]


@pytest.mark.parametrize(("code", "hint"), MISTAKES, ids=[f"mistake{i}" for i in range(len(MISTAKES))])
def test_typical_mistakes_are_reported(code, hint):
    found = " | ".join(messages(code))
    assert hint in found


def test_syntax_errors_have_line_column_and_expected():
    (d,) = check_source(module("VAR x INTEGER;"), "e.cp")
    assert (d.line, d.col) == (3, 7)
    assert d.message.startswith("syntax error: ") and "':'" in d.message and "expected" in d.message


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="MODULE ENDBGIN;:=.()*{}[]#<>'\"xyz019ABHX$^|\n\t ", max_size=120))
def test_checker_never_raises(text):
    for d in check_source(text):
        assert d.line >= 1 and d.col >= 1 and d.message


# ---- what a file holds -------------------------------------------------------------------

def test_source_text_keeps_latin1_text_and_refuses_documents_and_binaries(blackbox_dir):
    from bbcopilot.cpcheck import source_text
    from bbcopilot.errors import InputError

    latin1, encoding = source_text("MODULE M;\n(* café *)\nEND M.\n".encode("latin-1"), "m.cp")
    assert check_source(latin1) == [] and "café" in latin1 and encoding == "latin-1"
    cyrillic, encoding = source_text("MODULE M;\n(* Привет, мир *)\nEND M.\n".encode("cp1251"), "m.cp")
    assert "Привет, мир" in cyrillic and encoding == "windows-1251"
    with pytest.raises(InputError, match=r"^Models\.odc: this is an \.odc document: convert it first \(bbcopilot convert"):
        source_text((blackbox_dir / "Text/Mod/Models.odc").read_bytes(), "Models.odc")
    with pytest.raises(InputError, match=r"^a\.out: not a text file$"):
        source_text(b"\x7fELF\x01\x01\x01\x00" + bytes(64), "a.out")
