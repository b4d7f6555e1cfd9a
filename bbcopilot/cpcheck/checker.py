"""check_source: lexical scan, Delphi/Pascal habits, LALR parse, cheap static rules."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from bbcopilot.cpcheck import delphi, rules
from bbcopilot.cpcheck.lexer import KEYWORDS, OPERATORS, Diagnostic, Scan, scan
from bbcopilot.convert import decode_txt
from bbcopilot.errors import InputError
from bbcopilot.odc.stores import DOCUMENT_TAG

# git's test for a binary file: a NUL byte in its first 8000 bytes.
_BINARY_PROBE = 8000


class _TokenListLexer(Lexer):
    """lark's lexer slot: the tokens are already made by lexer.scan."""

    def __init__(self, lexer_conf):  # noqa: D107 - lark's interface
        pass

    def lex(self, data):  # type: ignore[override]
        return iter(data)


@lru_cache(maxsize=1)
def parser() -> Lark:
    grammar = resources.files("bbcopilot.cpcheck").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer=_TokenListLexer, start="start")


def parse_tokens(tokens: list[Token]):
    return parser().parse(tokens)


def source_text(data: bytes, name: str) -> tuple[str, str]:
    """The text of a source file and the encoding it was read in; an InputError naming it for a BlackBox
    document or another binary file.

    Text that is not UTF-8 is still text: an old source in an 8-bit encoding is read as the
    converter reads a .txt (Windows-1251 when it looks Cyrillic, else Latin-1); the caller says so.
    """
    if data.startswith(DOCUMENT_TAG):
        raise InputError(name, f"this is an .odc document: convert it first "
                               f"(bbcopilot convert {name if name != '<stdin>' else 'FILE.odc'} OUT --format source)")
    if b"\0" in data[:_BINARY_PROBE]:
        raise InputError(name, "not a text file")
    return decode_txt(data)


@contextmanager
def _without_cyclic_gc():
    """The scan and the parse build a token and a tree node per few characters, none of them in a
    reference cycle: reference counting frees them. Left on, the cyclic collector walks every one of
    them again at each full collection, a cost that grows with the module (a 5 MB module spent a
    quarter of its time there, a small one almost none)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_source(text: str, filename: str = "<string>") -> list[Diagnostic]:
    """All findings for one Component Pascal module text; [] when it is valid."""
    with _without_cyclic_gc():
        return _check(text, filename)


def _check(text: str, filename: str) -> list[Diagnostic]:
    sc = scan(text)
    found: dict[int, str] = {}  # offset -> message (first wins)
    for pos, msg in sc.errors:
        found.setdefault(pos, msg)
    habits = delphi.habits(sc.tokens)
    for pos, msg in habits:
        found.setdefault(pos, msg)
    if sc.tokens and sc.tokens[0].type == "IDENT" and sc.tokens[0].value == "DEFINITION":
        found.setdefault(sc.tokens[0].start_pos, "'DEFINITION M;' is an interface listing from the documentation "
                                                 "(Info > Interface), not compilable code; write "
                                                 "'MODULE M; ... END M.' with the implementation")
    else:
        try:
            tree = parse_tokens(sc.tokens)
        except UnexpectedInput as e:
            pos, msg = _syntax_error(e, sc, text)
            if not _near_earlier_finding(pos, found, sc):
                found.setdefault(pos, msg)
            for hpos, hmsg in delphi.soft_hints(sc.tokens):
                found.setdefault(hpos, hmsg)
        else:
            for pos, msg in rules.check_tree(tree):
                found.setdefault(pos, msg)
    out = []
    for pos in sorted(found):
        line, col = sc.positions.at(pos)
        out.append(Diagnostic(filename, line, col, found[pos]))
    return out


def _near_earlier_finding(pos: int, found: dict[int, str], sc: Scan) -> bool:
    """A syntax error right at (or on the line of) a habit/lexical finding is its consequence."""
    if not found:
        return False
    line = sc.positions.at(pos)[0]
    return any(p == pos or sc.positions.at(p)[0] == line for p in found if p <= pos)


# ---- syntax error messages ----------------------------------------------------------------

_SHOW = {name: f"'{op}'" for op, name in OPERATORS.items()}
_SHOW.update({k: k for k in KEYWORDS})
_SHOW.update({"IDENT": "identifier", "INTEGER": "number", "REAL": "number", "CHARLIT": "character",
              "STRING": "string", "CODEFLAG": "[code]", "$END": "end of text"})
_STATEMENT = {"IF", "WHILE", "CASE", "REPEAT", "FOR", "LOOP", "WITH"}
_OPERAND = {"NIL", "LPAR", "TILDE", "LBRACE"}


def _describe_expected(expected: set[str]) -> str:
    exp = set(expected)
    parts = []
    if _STATEMENT <= exp:
        parts.append("a statement")
        exp -= _STATEMENT | {"IDENT", "EXIT", "RETURN"}
    if _OPERAND <= exp:
        parts.append("an expression")
        exp -= _OPERAND | {"IDENT", "INTEGER", "REAL", "CHARLIT", "STRING", "PLUS", "MINUS"}
    rel = {"EQ", "HASH", "LT", "LE", "GT", "GE", "IN", "IS"}
    if rel <= exp:
        parts.append("an operator")
        exp -= rel | {"PLUS", "MINUS", "OR", "STAR", "SLASH", "DIV", "MOD", "AMP", "LBRACK", "DOT", "CARET",
                      "LPAR", "DOLLAR"}
    names = sorted({_SHOW.get(e, e) for e in exp}, key=lambda s: (s.startswith("'") is False, s))
    if len(names) > 8:
        names = names[:8] + ["..."]
    parts.extend(names)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _show_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of text"
    return f"'{tok.value}'" if tok.type != "IDENT" else f"identifier '{tok.value}'"


def _syntax_error(e: UnexpectedInput, sc: Scan, text: str) -> tuple[int, str]:
    if not isinstance(e, UnexpectedToken):  # pragma: no cover - the token lexer cannot fail otherwise
        return 0, f"syntax error: {e}"
    tok = e.token
    tokens = sc.tokens
    if tok.type == "$END":
        pos, idx = len(text.rstrip()), len(tokens)
    else:
        pos = tok.start_pos
        idx = _index_of(tokens, tok)
    expected = set(e.expected)
    try:  # the exact set (LALR's default reductions make e.expected too wide)
        exact = e.interactive_parser.accepts() - {"$END"} if e.interactive_parser is not None else set()
    except Exception:  # noqa: BLE001 - only a nicer message is at stake
        exact = set()
    expected = exact or expected
    msg = f"syntax error: {_describe_expected(expected)} expected, found {_show_token(tok)}"
    hint = _hint(tok, expected, tokens, idx, text)
    if hint:
        msg += f"; {hint}"
    return pos, msg


def _index_of(tokens: list[Token], tok: Token) -> int:
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid].start_pos < tok.start_pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _open_construct(tokens: list[Token], idx: int) -> str | None:
    """The innermost construct open at tokens[idx] (a rough bracket count, good enough for hints)."""
    stack: list[str] = []
    for t in tokens[:idx]:
        k = t.type
        if k in ("IF", "CASE", "WHILE", "FOR", "LOOP", "WITH", "RECORD", "REPEAT"):
            stack.append(k)
        elif k == "BEGIN":
            stack.append(k)
        elif k == "END" and stack:
            stack.pop()
        elif k == "UNTIL" and stack and stack[-1] == "REPEAT":
            stack.pop()
    return stack[-1] if stack else None


def _hint(tok: Token, expected: set[str], tokens: list[Token], idx: int, text: str) -> str | None:
    prev = tokens[idx - 1] if idx > 0 else None
    prev2 = tokens[idx - 2] if idx > 1 else None
    k = tok.type
    if k == "EQ" and "ASSIGN" in expected:
        return "'=' compares; assignment is ':='"
    if k == "ASSIGN" and "EQ" in expected:
        return "constants are declared with '=': CONST n = 10;"
    if k in ("EQ", "ASSIGN") and prev is not None and "SEMI" in expected and _in_var_section(tokens, idx):
        return "variables cannot be initialised in the declaration (Delphi); assign them in BEGIN"
    if k == "COLON" and "EQ" in expected:
        return "typed constants are Delphi; Component Pascal writes CONST max = 10;"
    if k == "DOT" and prev is not None and prev.type == "END" and "IDENT" in expected:
        return "a module ends with 'END ModuleName.'"
    if k in ("SEMI", "$END") and prev is not None and prev.type == "END" and "IDENT" in expected:
        return "a procedure ends with 'END ProcedureName'"
    if k == "$END" and "DOT" in expected:
        return "the module ends with 'END ModuleName.' (final period)"
    if k == "COLON" and prev is not None and prev.type in ("IDENT", "STAR", "MINUS") and "LPAR" in expected \
            and _after_procedure(tokens, idx):
        return "a parameterless function procedure needs '()': PROCEDURE F* (): INTEGER;"
    if k == "DOT" and prev is not None and prev.type == "IDENT" and prev2 is not None and prev2.type == "PROCEDURE":
        return ("methods are declared with a receiver, not 'Type.Method': "
                "PROCEDURE (s: Stack) Push* (x: INTEGER), NEW;")
    if k == "BEGIN" and ("IF" in expected or "END" in expected) and idx > 0:
        return "there are no begin..end compound statements: IF c THEN a; b END"
    if k == "LBRACK" and prev is not None and prev.type == "ARRAY":
        return "arrays are declared as ARRAY 10 OF T (indexed from 0), not ARRAY [1..10] OF T"
    if k == "LPAR" and prev is not None and prev.type == "EQ" and _in_section(tokens, idx, "TYPE"):
        return "there are no enumeration types; declare integer constants: CONST red = 0; green = 1;"
    if k == "UPTO" and _in_section(tokens, idx, "TYPE"):
        return "there are no subrange types; use INTEGER (and ASSERT the range)"
    if _open_construct(tokens, idx) == "CASE" and (k in ("INTEGER", "CHARLIT", "STRING", "COLON")):
        return "CASE alternatives are separated by '|': CASE n OF 1: a | 2: b ELSE c END"
    relations = {"EQ", "HASH", "LT", "LE", "GT", "GE", "IN", "IS"}
    if k in relations and not expected & relations:
        return "relations do not chain and bind weaker than '&'/OR: write (a > 0) & (b > 0)"
    if k == "IDENT" and prev is not None and prev.type == "END" and "IDENT" not in expected:
        return "this END closes a statement: is the END of an IF/WHILE/FOR/CASE/LOOP/WITH missing?"
    if "SEMI" in expected and prev is not None and k != "$END" and "\n" in text[prev.end_pos:tok.start_pos]:
        return "missing ';' at the end of the previous line?"
    return None


def _after_procedure(tokens: list[Token], idx: int) -> bool:
    for t in reversed(tokens[max(0, idx - 4):idx]):
        if t.type == "PROCEDURE":
            return True
        if t.type in ("SEMI", "BEGIN", "END"):
            return False
    return False


def _in_section(tokens: list[Token], idx: int, section: str) -> bool:
    for t in reversed(tokens[:idx]):
        if t.type in ("CONST", "TYPE", "VAR", "PROCEDURE", "BEGIN", "IMPORT"):
            return t.type == section
    return False


def _in_var_section(tokens: list[Token], idx: int) -> bool:
    return _in_section(tokens, idx, "VAR")
