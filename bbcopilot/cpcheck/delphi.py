"""Pascal/Delphi habits in Component Pascal code (grammar note, sections 5.2 and 7).

`habits(tokens)` is a pre-scan of the token stream: it works even when the parse fails at the
first line, and names the Component Pascal way for each habit (each word is reported once).
Words are only flagged where they are not declared in the text and not selected by '.' (so a
variable called `end` or a field `s.type` stays legal, as in BlackBox's own sources).
"""

from __future__ import annotations

from lark import Token

from bbcopilot.cpcheck.lexer import KEYWORDS

PREDECLARED_UPPER = frozenset(
    "ABS ANYPTR ANYREC ASH ASSERT BITS BOOLEAN BYTE CAP CHAR CHR DEC ENTIER EXCL FALSE HALT "
    "INC INCL INF INTEGER LEN LONG LONGINT MAX MIN NEW ODD ORD REAL SET SHORT SHORTCHAR "
    "SHORTINT SHORTREAL SIZE TRUE".split()
)

_STRING = "there is no string type: use ARRAY n OF CHAR (e.g. ARRAY 256 OF CHAR) or POINTER TO ARRAY OF CHAR"
_OOP = ("there are no classes: declare 'T* = POINTER TO EXTENSIBLE RECORD ... END' and methods with a "
        "receiver 'PROCEDURE (t: T) M*, NEW'")
_DIRECTIVE = ("Delphi method directives do not exist: a new method is declared ', NEW' (', NEW, EXTENSIBLE' "
              "to allow redefinition), a redefinition omits NEW")
_EXC = "there are no exceptions: check with ASSERT(cond, 20) and result codes (traps cannot be caught)"
_WRITE = "there is no writeln/write: write to the Log with StdLog.String(s); StdLog.Int(i); StdLog.Ln (IMPORT StdLog)"
_READ = "there is no readln/read: read from a text with TextMappers.Scanner, or from a dialog's fields"
_VIS = "there are no visibility sections: export a name with '*' (or '-' for read-only)"

# Lower-case keys: matched case-insensitively (except where the exact spelling is valid CP).
_WORDS: dict[str, str] = {
    "program": "'program' is Pascal; Component Pascal writes 'MODULE Name; ... END Name.'",
    "unit": "'unit' is Pascal; Component Pascal writes 'MODULE Name; ... END Name.'",
    "uses": "'uses' is Pascal; Component Pascal writes 'IMPORT StdLog, Strings;'",
    "interface": "there are no interface/implementation parts: one MODULE exports names with '*'",
    "implementation": "there are no interface/implementation parts: one MODULE exports names with '*'",
    "initialization": "module initialisation goes into the module's BEGIN part",
    "finalization": "module finalisation goes into the module's CLOSE part",
    "function": "'function' is Pascal; Component Pascal writes 'PROCEDURE F (x: INTEGER): INTEGER;' "
                "and returns with 'RETURN expr'",
    "downto": "'downto' is Pascal; Component Pascal writes 'FOR i := 10 TO 1 BY -1 DO'",
    "inherited": "'inherited' is Delphi; a super call is made on the receiver: 'v.Draw^(...)'",
    "class": _OOP,
    "object": _OOP,
    "constructor": "there are no constructors: allocate with NEW(p) and initialise with an ordinary procedure",
    "destructor": "there are no destructors: memory is garbage collected (set p := NIL)",
    "virtual": _DIRECTIVE, "override": _DIRECTIVE, "dynamic": _DIRECTIVE, "reintroduce": _DIRECTIVE,
    "overload": "there is no overloading: give each procedure its own name",
    "property": "there are no properties: use exported fields (read-only with '-') or methods",
    "private": _VIS, "public": _VIS, "protected": _VIS, "published": _VIS,
    "try": _EXC, "except": _EXC, "finally": _EXC, "raise": _EXC, "exception": _EXC,
    "break": "'break' does not exist: leave a LOOP with EXIT, or fold the condition into WHILE/REPEAT",
    "continue": "'continue' does not exist: restructure the loop body with IF",
    "goto": "there is no goto", "label": "there are no labels or goto",
    "packed": "there is no 'packed'",
    "forward": "a forward declaration is written 'PROCEDURE ^ Name (...);'",
    "and": "'and' is Pascal; Component Pascal writes '&'",
    "not": "'not' is Pascal; Component Pascal writes '~'",
    "xor": "there is no 'xor': use '#' on BOOLEANs, or sets (s1 / s2)",
    "shl": "there is no 'shl': use ASH(x, n)", "shr": "there is no 'shr': use ASH(x, -n)",
    "writeln": _WRITE, "write": _WRITE, "readln": _READ, "read": _READ,
    "result": "there is no 'Result': return the value with 'RETURN expr'",
    "self": "there is no 'self': the receiver is named explicitly, e.g. PROCEDURE (s: Stack) Push* (...)",
    "this": "there is no 'this': the receiver is named explicitly, e.g. PROCEDURE (s: Stack) Push* (...)",
    "string": _STRING, "ansistring": _STRING, "widestring": _STRING, "shortstring": _STRING, "pchar": _STRING,
    "cardinal": "Delphi's Cardinal/Word is INTEGER in Component Pascal (32-bit, signed)",
    "word": "Delphi's Cardinal/Word is INTEGER in Component Pascal (32-bit, signed)",
    "double": "Delphi's Double is REAL in Component Pascal (64-bit)",
    "extended": "Delphi's Extended is REAL in Component Pascal (64-bit)",
    "single": "Delphi's Single is SHORTREAL in Component Pascal",
    "longreal": "LONGREAL is Oberon-2; Component Pascal's REAL is already 64-bit",
    "copy": "there is no COPY/Copy: assign the string with 'dst := src$', extract with Strings.Extract",
    "length": "there is no Length(): LEN(s$) is the string length, LEN(a) the array length",
    "setlength": "there is no SetLength: allocate NEW(p, n) for p: POINTER TO ARRAY OF T and copy",
    "pos": "there is no Pos(): use Strings.Find(s, pattern, start, pos)",
    "inttostr": "there is no IntToStr: use Strings.IntToString(i, s)",
    "strtoint": "there is no StrToInt: use Strings.StringToInt(s, i, res)",
    "floattostr": "there is no FloatToStr: use Strings.RealToString(x, s)",
    "strtofloat": "there is no StrToFloat: use Strings.StringToReal(s, x, res)",
    "uppercase": "use Strings.ToUpper(s, res) (CAP(ch) for one character)",
    "lowercase": "use Strings.ToLower(s, res)",
    "format": "there is no Format: build the text with StdLog or TextMappers.Formatter",
    "showmessage": "there is no ShowMessage: use Dialog.ShowMsg(s) (IMPORT Dialog)",
    "messagedlg": "there is no MessageDlg: use Dialog.ShowMsg or Dialog.GetOK",
    "dispose": "there is no dispose: memory is garbage collected (set p := NIL)",
    "free": "there is no Free: memory is garbage collected (set p := NIL)",
    "freeandnil": "there is no FreeAndNil: memory is garbage collected (set p := NIL)",
    "assigned": "there is no Assigned(p): compare 'p # NIL'",
    "high": "there is no High(a): the last index is LEN(a) - 1 (arrays start at 0); MAX(T) for types",
    "low": "there is no Low(a): arrays start at index 0; MIN(T) for types",
    "trunc": "there is no Trunc: ENTIER(x) rounds down (LONGINT); SHORT(ENTIER(x)) gives INTEGER",
    "round": "there is no Round: use ENTIER(x + 0.5) or Math.Round(x)",
    "sqrt": "use Math.Sqrt(x) (IMPORT Math)", "sqr": "there is no Sqr: write x * x",
    "sin": "use Math.Sin(x) (IMPORT Math)", "cos": "use Math.Cos(x) (IMPORT Math)",
    "exit": "Pascal's 'exit' leaves the procedure: write RETURN (EXIT only leaves a LOOP)",
    "otherwise": "a CASE default is written ELSE",
    "file": "there are no file types: use the Files module (Files.dir.Old/New, Files.Reader/Writer)",
    "boolean": "predeclared names are upper case: write 'BOOLEAN'",
}
# Exact spellings that are valid Component Pascal (keywords, predeclared names) or common BlackBox names.
_NEVER = KEYWORDS | PREDECLARED_UPPER | {"Write", "Read", "Length", "Format", "Free", "Low", "High", "Pos", "File",
                                         "Copy", "Label", "Object", "Round", "Exception", "Word"}
# Functions flagged in the pre-scan only when called (followed by '(').
_CALLS = {"copy", "length", "setlength", "pos", "inttostr", "strtoint", "floattostr", "strtofloat", "uppercase",
          "lowercase", "format", "showmessage", "messagedlg", "dispose", "freeandnil", "assigned", "high", "low",
          "trunc", "round", "sqrt", "sqr", "sin", "cos", "free"}


def undeclared_hint(name: str) -> str | None:
    """The Component Pascal way for a Pascal/Delphi name (used for undeclared identifiers), or None."""
    upper = name.upper()
    if name != upper and upper in KEYWORDS:
        return f"keywords are upper case in Component Pascal: write '{upper}'"
    if name != upper and upper in PREDECLARED_UPPER:
        return f"predeclared names are upper case in Component Pascal: write '{upper}'"
    if name in _NEVER:
        return None
    return _WORDS.get(name.lower())


def _declared(tokens: list[Token]) -> set[str]:
    """Names that look declared somewhere in the text (over-approximation: it only mutes flags)."""
    out: set[str] = set()
    n = len(tokens)
    for i, t in enumerate(tokens):
        if t.type != "IDENT":
            continue
        prev = tokens[i - 1].type if i else None
        nxt = tokens[i + 1].type if i + 1 < n else None
        if nxt in ("COLON", "COMMA") or prev in ("PROCEDURE", "CONST", "TYPE", "VAR", "IMPORT", "MODULE") or \
                (nxt in ("STAR", "MINUS") and i + 2 < n and tokens[i + 2].type in ("COLON", "COMMA", "EQ", "SEMI",
                                                                                    "LPAR")) or \
                (nxt == "EQ" and prev in ("SEMI", "CONST", "TYPE")) or \
                (prev == "RPAR" and i >= 2 and _receiver_before(tokens, i)) or \
                prev == "CODEFLAG" or (prev == "RBRACK" and _procedure_flag_before(tokens, i)):
            out.add(t.value)
    return out


def _procedure_flag_before(tokens: list[Token], i: int) -> bool:
    """tokens[i] follows a procedure's system flag: PROCEDURE [ccall] close* (...)."""
    j = i - 1
    while j > max(0, i - 8) and tokens[j].type != "LBRACK":
        j -= 1
    return j > 0 and tokens[j].type == "LBRACK" and tokens[j - 1].type == "PROCEDURE"


def _receiver_before(tokens: list[Token], i: int) -> bool:
    j = i - 1
    while j >= 0 and tokens[j].type != "LPAR":
        j -= 1
    return j > 0 and tokens[j - 1].type == "PROCEDURE"


def habits(tokens: list[Token]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    declared = _declared(tokens)
    reported: set[str] = set()
    n = len(tokens)
    section = None  # the declaration section we are in: CONST / TYPE / VAR / None
    depth = 0
    for i, t in enumerate(tokens):
        k = t.type
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < n else None
        if k in ("CONST", "TYPE", "VAR"):
            if depth == 0:  # (VAR inside parentheses is a parameter mode)
                section = k
        elif k in ("PROCEDURE", "BEGIN", "END", "IMPORT", "MODULE"):
            section = None
        if k in ("LPAR", "LBRACK"):
            depth += 1
        elif k in ("RPAR", "RBRACK"):
            depth = max(0, depth - 1)
        if k == "IDENT":
            msg = _word_habit(t, prev, nxt, declared, reported)
            if msg:
                out.append((t.start_pos, msg))
        if k == "BEGIN" and prev is not None and prev.type in ("THEN", "DO", "ELSE", "REPEAT", "COLON", "OF"):
            out.append((t.start_pos, "there are no begin..end compound statements: every structured statement "
                                     "has its own END (IF c THEN a; b END)"))
        elif k == "ARRAY" and nxt is not None and nxt.type == "LBRACK" and _range_in_brackets(tokens, i + 1):
            out.append((t.start_pos, "'ARRAY [lo..hi] OF T' is Pascal; Component Pascal writes 'ARRAY n OF T' "
                                     "(indexed 0 .. n-1)"))
        elif k == "CARET" and prev is not None and prev.type in ("COLON", "EQ", "OF", "TO") and \
                nxt is not None and nxt.type == "IDENT" and section in ("TYPE", "VAR"):
            out.append((t.start_pos, f"'^{nxt.value}' is Pascal pointer syntax; Component Pascal writes "
                                     f"'POINTER TO {nxt.value}'"))
        if section == "CONST" and k == "IDENT" and depth == 0 and prev is not None and prev.type in ("CONST", "SEMI"):
            j = i + 1
            if j < n and tokens[j].type in ("STAR", "MINUS"):
                j += 1
            if j < n and tokens[j].type == "COLON":
                out.append((tokens[j].start_pos, "typed constants are Delphi; Component Pascal writes "
                                                 "'CONST max = 10;' (the type follows from the value)"))
            elif j < n and tokens[j].type == "ASSIGN":
                out.append((tokens[j].start_pos, "constants are declared with '=', not ':=': CONST n = 10;"))
        if section == "VAR" and k in ("EQ", "ASSIGN") and depth == 0:
            out.append((t.start_pos, "variables cannot be initialised in the declaration (Delphi); "
                                     "assign them in the BEGIN part"))
        if section == "TYPE" and k == "LPAR" and prev is not None and prev.type == "EQ":
            out.append((t.start_pos, "there are no enumeration types; declare integer constants instead: "
                                     "CONST red = 0; green = 1;"))
        if k == "PROCEDURE" and nxt is not None and nxt.type == "IDENT" and i + 2 < n:
            after = tokens[i + 2]
            if after.type == "DOT":
                out.append((after.start_pos, "'PROCEDURE Type.Method' is Delphi; a method has a receiver: "
                                             "PROCEDURE (s: Stack) Push* (x: INTEGER), NEW;"))
            j = i + 2 + (after.type in ("STAR", "MINUS"))
            if j < n and tokens[j].type == "COLON":
                out.append((tokens[j].start_pos, "a parameterless function procedure needs '()': "
                                                 "PROCEDURE F* (): INTEGER;"))
        if k == "WITH" and nxt is not None and nxt.type == "IDENT" and _with_without_guard(tokens, i + 1):
            out.append((t.start_pos, "'WITH r DO' (record scope) is Pascal; Component Pascal's WITH is a type "
                                     "test 'WITH v: T DO ... END'; write r.field instead"))
    return out


def _word_habit(t: Token, prev: Token | None, nxt: Token | None, declared: set[str],
                reported: set[str]) -> str | None:
    v = t.value
    if prev is not None and prev.type == "DOT" or v in declared or v in reported:
        return None
    if prev is not None and prev.type == "LBRACK" and nxt is not None and nxt.type == "RBRACK":
        return None  # a system flag such as [nil]
    hint = undeclared_hint(v)
    if hint is None or (v.lower() in _CALLS and (nxt is None or nxt.type != "LPAR")):
        return None
    reported.add(v)
    return f"'{v}': {hint}"


def _range_in_brackets(tokens: list[Token], i: int) -> bool:
    for t in tokens[i + 1:i + 8]:
        if t.type == "UPTO":
            return True
        if t.type == "RBRACK":
            return False
    return False


def _with_without_guard(tokens: list[Token], i: int) -> bool:
    for t in tokens[i:i + 6]:
        if t.type == "COLON":
            return False
        if t.type == "DO":
            return True
    return False


def soft_hints(tokens: list[Token]) -> list[tuple[int, str]]:
    """Hints for constructs that are legal in some contexts; reported only when the parse failed."""
    out = []
    for i in range(len(tokens) - 1):
        if tokens[i].type == "ELSE" and tokens[i + 1].type == "IF":
            out.append((tokens[i].start_pos, "'ELSE IF' opens a nested IF that needs its own END; "
                                             "Component Pascal writes ELSIF"))
    return out
