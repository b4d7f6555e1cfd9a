"""Component Pascal scanner: tokens for the lark parser, lexical errors with hints.

Mirrors the BlackBox scanner (`Dev/Mod/CPS.odc`): upper-case keywords, nested
`(* *)` comments, numbers that end where the (hex) digit run ends (`16THEN` is
16 and THEN), strings without escapes that do not span lines. Pascal/Delphi
lexical habits (`{ }` and `//` comments, `<>`, `$FF`, `0xFF`, `#13`, `'It''s'`,
`1E6`) are reported with the Component Pascal way and then skipped or repaired,
so that parsing can go on and find the next real error.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass

from lark import Token

KEYWORDS = frozenset(
    "ABSTRACT ARRAY BEGIN BY CASE CLOSE CONST DIV DO ELSE ELSIF EMPTY END EXIT EXTENSIBLE "
    "FOR IF IMPORT IN IS LIMITED LOOP MOD MODULE NIL OF OR OUT POINTER PROCEDURE RECORD "
    "REPEAT RETURN THEN TO TYPE UNTIL VAR WHILE WITH".split()
)

OPERATORS = {
    ":=": "ASSIGN", "<=": "LE", ">=": "GE", "..": "UPTO",
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "~": "TILDE", "&": "AMP",
    ".": "DOT", ",": "COMMA", ";": "SEMI", "|": "BAR", "$": "DOLLAR",
    "(": "LPAR", ")": "RPAR", "[": "LBRACK", "]": "RBRACK", "{": "LBRACE", "}": "RBRACE",
    "^": "CARET", "=": "EQ", "#": "HASH", "<": "LT", ">": "GT", ":": "COLON",
}

# Token types that can end an operand: after them '{' is not a set, '#' is a relation.
OPERAND_END = frozenset({"IDENT", "INTEGER", "REAL", "CHARLIT", "STRING", "RPAR", "RBRACK", "RBRACE",
                         "CARET", "DOLLAR", "NIL", "END"})
# After these a '{' starts a set constructor (an expression operand).
SET_CONTEXT = frozenset({"ASSIGN", "LPAR", "COMMA", "LBRACK", "EQ", "HASH", "LT", "GT", "LE", "GE",
                         "IN", "PLUS", "MINUS", "STAR", "SLASH", "DIV", "MOD", "AMP", "OR", "TILDE",
                         "RETURN", "UNTIL", "IF", "ELSIF", "WHILE", "TO", "BY", "UPTO", "CASE", "COLON",
                         "BAR", "OF"})

_TOKEN_RE = re.compile(
    r"""(?P<ws>[\x00-\x20\xa0\u200b]+)
      |(?P<com>\(\*)
      |(?P<id>[^\W\d]\w*)
      |(?P<num>[0-9][0-9A-F]*)
      |(?P<str>"[^"\n]*"|'[^'\n]*')
      |(?P<op>:=|<=|>=|\.\.|[-+*/~&.,;|$()\[\]{}^=\#<>:])
    """,
    re.X,
)
_COMMENT_RE = re.compile(r"\(\*|\*\)")
_REAL_TAIL_RE = re.compile(r"\.(?!\.)([0-9]*)(?:([ED])([+-]?)([0-9]*))?")
_HEXDIGITS = frozenset("0123456789ABCDEF")


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where it is and what is wrong (with the Component Pascal way, where known)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class Positions:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def at(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i + 1, pos - self.starts[i] + 1


@dataclass
class Scan:
    """The scanner's result: tokens (lark Tokens) and lexical diagnostics as (offset, message)."""

    tokens: list[Token]
    errors: list[tuple[int, str]]
    positions: Positions


_new_str = str.__new__


def _tok(kind: str, value: str, pos: int, positions: Positions | None = None) -> Token:
    """A lark Token without line/column (the parser does not need them; `Positions.at` gives them)."""
    t = _new_str(Token, value)
    t.type = kind
    t.value = sys.intern(value)  # one string per distinct name: a module repeats its names thousands of times
    t.start_pos = pos
    t.end_pos = pos + len(value)
    t.line = t.column = t.end_line = t.end_column = None
    return t


def _skip_comment(text: str, pos: int) -> int | None:
    """Offset after the comment opened at `pos` (nested), or None when it is not closed."""
    depth = 0
    for m in _COMMENT_RE.finditer(text, pos):
        depth += 1 if m.group() == "(*" else -1
        if depth == 0:
            return m.end()
    return None


def _number(text: str, m: re.Match, errors: list[tuple[int, str]]) -> tuple[str, int]:
    """Classify the number starting at m; return (token type, end offset)."""
    start, end = m.start(), m.end()
    digits = m.group()
    hexy = any(c in "ABCDEF" for c in digits)
    real = _REAL_TAIL_RE.match(text, end)
    if real:
        end = real.end()
        if hexy:
            errors.append((start, f"illegal number '{text[start:end]}': hexadecimal digits in a real literal"))
        if real.group(2):
            lit = text[start:end]
            if not real.group(4):
                errors.append((start, f"illegal real literal '{lit}': the exponent needs digits"))
            elif real.group(2) == "D":
                errors.append((start, f"'{lit}': the 'D' exponent is Oberon; Component Pascal writes "
                                      f"'{lit.replace('D', 'E')}' (REAL is 64-bit)"))
        return "REAL", end
    suffix = text[end:end + 1]
    if suffix == "X":
        return "CHARLIT", end + 1
    if suffix in ("H", "L", "S", "R"):
        return "INTEGER" if suffix in "HL" else "REAL", end + 1
    if hexy:
        lit = digits
        exp = re.fullmatch(r"([0-9]+)E([0-9]+)", digits) or re.fullmatch(r"([0-9]+)E", digits)
        if exp and (exp.lastindex == 2 or text[end:end + 1] in "+-"):
            tail = re.match(r"[+-]?[0-9]*", text[end:]).group() if exp.lastindex == 1 else ""
            lit = digits + tail
            end += len(tail)
            errors.append((start, f"'{lit}' is not a real literal: a real needs a decimal point, "
                                  f"write '{lit.replace('E', '.0E', 1)}'"))
        else:
            errors.append((start, f"illegal number '{lit}': a hexadecimal integer ends in 'H' "
                                  f"(e.g. '{lit}H'), a character in 'X'"))
    return "INTEGER", end


_ILLEGAL_HINTS = {
    "!": "'!' is not Component Pascal ('!=' is C; 'not equal' is '#', 'not' is '~')",
    "@": "'@' is not Component Pascal: there is no address operator (low-level code uses SYSTEM.ADR)",
    "%": "'%' is not Component Pascal: the remainder is 'MOD'",
    "?": "'?' is not Component Pascal",
    "\\": "'\\' is not Component Pascal",
    "`": "'`' is not Component Pascal",
}


def scan(text: str, stop_at_module_end: bool = True) -> Scan:
    """Tokenize `text`. Lexical errors are collected; the token stream is repaired where the fix is obvious.

    With `stop_at_module_end`, scanning stops after `END <module name> .` (the BlackBox compiler ignores
    whatever follows the module in a document).
    """
    positions = Positions(text)
    tokens: list[Token] = []
    errors: list[tuple[int, str]] = []
    module_name: str | None = None
    pos, n = 0, len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == "!" and text.startswith("!=", pos):
                errors.append((pos, "'!=' is C; Component Pascal writes '#' for 'not equal'"))
                tokens.append(_tok("HASH", "#", pos, positions))
                pos += 2
                continue
            if ch in "\"'":
                errors.append((pos, "unterminated string: a string cannot span lines (there are no escapes; "
                                    "use 0DX, 09X, 22X for CR, TAB, '\"')"))
                nl = text.find("\n", pos)
                pos = n if nl < 0 else nl
                tokens.append(_tok("STRING", '""', pos, positions))
                continue
            errors.append((pos, _ILLEGAL_HINTS.get(ch, f"illegal character {ch!r} (U+{ord(ch):04X})")))
            pos += 1
            continue
        kind = m.lastgroup
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "com":
            end = _skip_comment(text, pos)
            if end is None:
                errors.append((pos, "comment not closed: '(*' without matching '*)' (comments nest)"))
                break
            pos = end
            continue
        value = m.group()
        prev = tokens[-1] if tokens else None
        if kind == "id":
            t = value if value in KEYWORDS else "IDENT"
            if prev is not None and prev.type == "DOLLAR" and prev.end_pos == pos and \
                    (len(tokens) < 2 or tokens[-2].type not in OPERAND_END) and re.fullmatch(r"[0-9A-Fa-f]+", value):
                errors.append((prev.start_pos, f"'${value}' is Pascal hex; Component Pascal writes '{_hex(value)}H'"))
                tokens[-1] = _tok("INTEGER", value, pos, positions)
                pos = m.end()
                continue
            if prev is not None and prev.end_pos == pos and prev.type in ("INTEGER", "REAL", "CHARLIT") \
                    and t == "IDENT":
                errors.append((prev.start_pos, _number_ident_hint(prev.value, value)))
            tokens.append(_tok(t, value, pos, positions))
            pos = m.end()
            if module_name is None and prev is not None and prev.type == "MODULE":
                module_name = value
            continue
        if kind == "num":
            if prev is not None and prev.type == "DOT" and prev.end_pos == pos and \
                    (len(tokens) < 2 or tokens[-2].type not in OPERAND_END):
                errors.append((prev.start_pos, f"'.{value}': a real literal starts with a digit, write '0.{value}'"))
            if prev is not None and prev.type == "DOLLAR" and prev.end_pos == pos and \
                    (len(tokens) < 2 or tokens[-2].type not in OPERAND_END):
                lit = re.match(r"[0-9A-Fa-f]+", text[pos:]).group()
                errors.append((prev.start_pos, f"'${lit}' is Pascal hex; Component Pascal writes "
                                               f"'{_hex(lit)}H'"))
                tokens.pop()
                tokens.append(_tok("INTEGER", lit, pos, positions))
                pos += len(lit)
                continue
            if prev is not None and prev.type == "HASH" and prev.end_pos == pos and \
                    (len(tokens) < 2 or tokens[-2].type not in OPERAND_END):
                dec = re.match(r"[0-9]+", text[pos:]).group()
                errors.append((prev.start_pos, f"'#{dec}' is a Pascal character code; Component Pascal writes "
                                               f"'{_hex(format(int(dec), 'X'))}X'"))
                tokens.pop()
                tokens.append(_tok("CHARLIT", dec, pos, positions))
                pos += len(dec)
                continue
            t, end = _number(text, m, errors)
            tokens.append(_tok(t, text[pos:end], pos, positions))
            pos = end
            continue
        if kind == "str":
            if prev is not None and prev.type == "STRING" and prev.end_pos == pos and value[0] == "'" \
                    and prev.value[0] == "'":
                errors.append((prev.start_pos, "doubled quote: Pascal's 'It''s' is two strings in Component "
                                               "Pascal; write \"It's\" (or 27X for a quote)"))
                tokens[-1] = _tok("STRING", prev.value[:-1] + value[1:], prev.start_pos, positions)
                pos = m.end()
                continue
            tokens.append(_tok("STRING", value, pos, positions))
            pos = m.end()
            continue
        # operators
        t = OPERATORS[value]
        if t == "SLASH" and text.startswith("//", pos):
            errors.append((pos, "'//' comments are C/Delphi; Component Pascal comments are '(* ... *)'"))
            nl = text.find("\n", pos)
            pos = n if nl < 0 else nl
            continue
        if t == "LBRACE" and (prev is None or prev.type not in SET_CONTEXT):
            close = text.find("}", pos)
            what = "compiler directives '{$...}' are Delphi" if text.startswith("{$", pos) else \
                "'{ }' comments are Pascal"
            errors.append((pos, f"{what}; Component Pascal comments are '(* ... *)' ('{{ }}' is a set)"))
            pos = n if close < 0 else close + 1
            continue
        if t == "GT" and prev is not None and prev.type == "LT" and prev.end_pos == pos:
            errors.append((prev.start_pos, "'<>' is Pascal; Component Pascal writes '#'"))
            tokens[-1] = _tok("HASH", "#", prev.start_pos, positions)
            pos += 1
            continue
        # ('*=' and '-=' are left alone: 'x*= 1' is an exported constant)
        if t == "EQ" and prev is not None and prev.end_pos == pos and prev.type in ("PLUS", "SLASH", "EQ"):
            if prev.type == "EQ":
                errors.append((prev.start_pos, "'==' is C; Component Pascal compares with '='"))
            else:
                op = prev.value
                fix = {"+": "INC(x, n)", "-": "DEC(x, n)"}.get(op, f"x := x {op} y")
                errors.append((prev.start_pos, f"'{op}=' is C/Delphi; Component Pascal writes {fix}"))
            pos += 1
            continue
        if t in ("PLUS", "MINUS") and prev is not None and prev.type == t and prev.end_pos == pos \
                and len(tokens) >= 2 and tokens[-2].type in ("IDENT", "RBRACK"):
            fn = "INC" if t == "PLUS" else "DEC"
            errors.append((prev.start_pos, f"'{value * 2}' is C; Component Pascal writes {fn}(x)"))
            tokens.pop()
            pos += 1
            continue
        if t == "RBRACK" and len(tokens) >= 3 and tokens[-1].value in ("code", "1") \
                and tokens[-2].type == "LBRACK" and tokens[-3].type == "PROCEDURE":
            # PROCEDURE [code] Name ... bytes: a code procedure has no body (the parser needs to know early);
            # [1] is the compiler's number for the same flag (DevCPM.GetProcSysFlag)
            start = tokens[-2].start_pos
            del tokens[-2:]
            tokens.append(_tok("CODEFLAG", text[start:pos + 1], start))
            pos += 1
            continue
        tok = _tok(t, value, pos, positions)
        tokens.append(tok)
        pos = m.end()
        if t == "DOT" and stop_at_module_end and module_name is not None and len(tokens) >= 3 \
                and tokens[-2].type == "IDENT" and tokens[-2].value == module_name and tokens[-3].type == "END":
            break
    return Scan(tokens, errors, positions)


def _hex(lit: str) -> str:
    lit = lit.upper() or "0"
    return lit if lit[0].isdigit() else "0" + lit


def _number_ident_hint(num: str, ident: str) -> str:
    lit = num + ident
    if num == "0" and ident[:1] in ("x", "X") and re.fullmatch(r"[xX][0-9a-fA-F]+", ident):
        return f"'{lit}' is C hex; Component Pascal writes '{_hex(ident[1:])}H'"
    if re.fullmatch(r"[0-9a-fA-F]+[hHlLxX]", lit):
        return f"'{lit}': hexadecimal digits and the suffix are upper case in Component Pascal: '{_hex(lit)}'"
    return f"'{lit}': a number directly followed by an identifier"
