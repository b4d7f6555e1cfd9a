"""Broken variants of a Component Pascal module: deleted, doubled or exchanged tokens, operator slips,
swapped keywords, Delphi habits.

    mutants(text, rng, count) -> [Mutant]                 # `count` mutants of mixed kinds (fewer if the text has no site)
    delphi_corruptions(text, rng, kinds=None) -> [Mutant] # one Delphi-ised corruption per applicable kind
    MUTATORS: kind -> function(text, rng) -> Mutant | None

Every site is a token of the project's own scanner (`cpcheck.lexer.scan`), so a mutation hits code,
never the inside of a comment or a string, and stops at the module's `END Name.` as the compiler
does. Everything is decided by `rng` (a `random.Random`): the same seed gives the same mutants.
Most mutants are syntax errors; some are semantic ones (`string`, `writeln`, an invented
`StdLog.PrintLn` are undeclared names) and a few stay valid (a deleted `;` before an END, a doubled
one between statements): the compiler is the judge, not this module.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from lark import Token

from bbcopilot.cpcheck.lexer import KEYWORDS, SET_CONTEXT, Scan, scan


@dataclass(frozen=True)
class Mutant:
    kind: str
    description: str  # what changed and where: "deleted ';' at 12:5"
    text: str


# ---------------------------------------------------------------- helpers


def _at(sc: Scan, pos: int) -> str:
    line, col = sc.positions.at(pos)
    return f"{line}:{col}"


def _token_replaced(kind: str, what: str, text: str, sc: Scan, tok: Token, new: str) -> Mutant:
    """The mutant that writes `new` for token `tok`; its description is `what` and where."""
    return Mutant(kind, f"{what} at {_at(sc, tok.start_pos)}", _replace(text, tok.start_pos, tok.end_pos, new))


def _replace(text: str, start: int, end: int, new: str) -> str:
    # A deletion that would glue two words (or a word and a number) into one token keeps them apart.
    if not new and start > 0 and end < len(text) and (text[start - 1].isalnum() or text[start - 1] == "_") \
            and (text[end].isalnum() or text[end] == "_"):
        new = " "
    return text[:start] + new + text[end:]


def _paren_depths(tokens: list[Token]) -> list[int]:
    """The parenthesis/bracket depth at each token (a parameter list is depth 1)."""
    depths, depth = [], 0
    for t in tokens:
        if t.type in ("RPAR", "RBRACK"):
            depth = max(0, depth - 1)
        depths.append(depth)
        if t.type in ("LPAR", "LBRACK"):
            depth += 1
    return depths


def _sections(tokens: list[Token]) -> list[str | None]:
    """The declaration section (CONST/TYPE/VAR) each token is in, None in headings and bodies."""
    out, section = [], None
    depths = _paren_depths(tokens)
    for t, depth in zip(tokens, depths):
        if t.type in ("CONST", "TYPE", "VAR") and depth == 0:
            section = t.type
        elif t.type in ("PROCEDURE", "BEGIN", "END", "IMPORT", "MODULE", "CLOSE") and depth == 0:
            section = None
        out.append(section)
    return out


def imports(tokens: list[Token]) -> dict[str, str]:
    """alias -> module of the IMPORT list."""
    out: dict[str, str] = {}
    start = next((i for i, t in enumerate(tokens[:8]) if t.type == "IMPORT"), None)
    if start is None:
        return out
    i = start + 1
    while i < len(tokens) and tokens[i].type != "SEMI":
        if tokens[i].type == "IDENT":
            if i + 2 < len(tokens) and tokens[i + 1].type == "ASSIGN":
                out[tokens[i].value] = tokens[i + 2].value
                i += 3
                continue
            out[tokens[i].value] = tokens[i].value
        i += 1
    return out


def qualified_sites(tokens: list[Token], aliases: set[str]) -> list[int]:
    """Where a name of an imported module is used: i with tokens[i:i + 3] = alias '.' name."""
    return [i for i in range(len(tokens) - 2)
            if tokens[i].type == "IDENT" and tokens[i].value in aliases and tokens[i + 1].type == "DOT"
            and tokens[i + 2].type == "IDENT" and (i == 0 or tokens[i - 1].type != "DOT")]


# ---------------------------------------------------------------- general mutations


def delete_token(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    sc = sc or scan(text)
    if not sc.tokens:
        return None
    tok = rng.choice(sc.tokens)
    return _token_replaced("delete-token", f"deleted {text[tok.start_pos:tok.end_pos]!r}", text, sc, tok, "")


# Keywords that stand where the other is easy to write by mistake.
_KEYWORD_PAIRS = {
    "BEGIN": "END", "END": "BEGIN", "THEN": "DO", "DO": "THEN", "IF": "WHILE", "WHILE": "IF",
    "ELSIF": "ELSE", "ELSE": "ELSIF", "UNTIL": "END", "REPEAT": "LOOP", "LOOP": "REPEAT",
    "CONST": "VAR", "VAR": "CONST", "TYPE": "VAR", "OF": "DO", "TO": "DO", "BY": "TO",
    "RECORD": "BEGIN", "PROCEDURE": "VAR", "RETURN": "EXIT", "EXIT": "RETURN", "IN": "OUT", "OUT": "IN",
}
_KEYWORD_LIST = sorted(KEYWORDS)


def swap_keyword(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """One keyword replaced: by its usual confusion (END<->BEGIN, THEN<->DO, ...) or by any other keyword."""
    sc = sc or scan(text)
    sites = [t for t in sc.tokens if t.type in KEYWORDS]
    if not sites:
        return None
    tok = rng.choice(sites)
    if tok.type in _KEYWORD_PAIRS and rng.random() < 0.5:
        new = _KEYWORD_PAIRS[tok.type]
    else:
        new = rng.choice([k for k in _KEYWORD_LIST if k != tok.type])
    return _token_replaced("swap-keyword", f"{tok.value} -> {new}", text, sc, tok, new)


def duplicate_token(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """One token written twice (";;" is an empty statement in a body, an error in a declaration)."""
    sc = sc or scan(text)
    if not sc.tokens:
        return None
    tok = rng.choice(sc.tokens)
    word = text[tok.start_pos:tok.end_pos]
    return Mutant("duplicate-token", f"{word!r} doubled at {_at(sc, tok.start_pos)}",
                  _replace(text, tok.end_pos, tok.end_pos, " " + word))


def swap_tokens(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """Two neighbouring tokens exchanged."""
    sc = sc or scan(text)
    toks = sc.tokens
    sites = [i for i in range(len(toks) - 1) if toks[i].value != toks[i + 1].value]
    if not sites:
        return None
    i = rng.choice(sites)
    a, b = toks[i], toks[i + 1]
    first, second = text[a.start_pos:a.end_pos], text[b.start_pos:b.end_pos]
    gap = text[a.end_pos:b.start_pos] or " "
    return Mutant("swap-tokens", f"{first!r} {second!r} exchanged at {_at(sc, a.start_pos)}",
                  _replace(text, a.start_pos, b.end_pos, second + gap + first))


# Operators and the ones written in their place by mistake.
_OPERATOR_SLIPS = {
    ":=": ("=", ":"), "=": (":=", "=="), ";": (",", ":"), ",": (";", "."), ":": (";", "=", ":="),
    ".": (",", ";"), "(": ("[",), ")": ("]",), "[": ("(",), "]": (")",), "..": (":", ","),
    "#": ("<>",), "^": ("@",), "|": ("||", ";"), "&": ("&&", "AND"), "~": ("!",),
}


def replace_operator(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """One operator or delimiter replaced by one often written in its place (':=' for '=', ',' for ';')."""
    sc = sc or scan(text)
    sites = [t for t in sc.tokens if text[t.start_pos:t.end_pos] in _OPERATOR_SLIPS]
    if not sites:
        return None
    tok = rng.choice(sites)
    old = text[tok.start_pos:tok.end_pos]
    new = rng.choice(_OPERATOR_SLIPS[old])
    return _token_replaced("replace-operator", f"{old!r} -> {new!r}", text, sc, tok, new)


# ---------------------------------------------------------------- Delphi-ised corruptions


def delphi_writeln(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A StdLog call written as Delphi's writeln (or a writeln put at the start of a body)."""
    sc = sc or scan(text)
    toks = sc.tokens
    logs = {alias for alias, module in imports(toks).items() if module == "StdLog"}
    calls = qualified_sites(toks, logs)
    if calls:
        i = rng.choice(calls)
        old = text[toks[i].start_pos:toks[i + 2].end_pos]
        return Mutant("delphi-writeln", f"{old} -> writeln at {_at(sc, toks[i].start_pos)}",
                      _replace(text, toks[i].start_pos, toks[i + 2].end_pos, "writeln"))
    bodies = [t for t in toks if t.type == "BEGIN"]
    if not bodies:
        return None
    tok = rng.choice(bodies)
    return Mutant("delphi-writeln", f"writeln('done') inserted after BEGIN at {_at(sc, tok.start_pos)}",
                  _replace(text, tok.end_pos, tok.end_pos, " writeln('done');"))


_LOWER_KEYWORDS = ("BEGIN", "END")


def delphi_lowercase_keyword(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """`begin` / `end` written in lower case, as Pascal allows."""
    sc = sc or scan(text)
    sites = [t for t in sc.tokens if t.type in _LOWER_KEYWORDS]
    if not sites:
        return None
    tok = rng.choice(sites)
    lower = tok.value.lower()
    return _token_replaced("delphi-lowercase-keyword", f"{tok.value} -> {lower}", text, sc, tok, lower)


def string_type_sites(toks: list[Token]) -> list[tuple[int, int]]:
    """(index of ARRAY, index of CHAR) of every `ARRAY [n] OF CHAR` type."""
    sites = []
    for i, t in enumerate(toks):
        if t.type != "ARRAY":
            continue
        for j in range(i + 1, min(i + 5, len(toks) - 1)):
            if toks[j].type == "OF":
                if toks[j + 1].type == "IDENT" and toks[j + 1].value == "CHAR":
                    sites.append((i, j + 1))
                break
    return sites


def const_assign_sites(toks: list[Token]) -> list[Token]:
    """The '=' of every constant declaration (`CONST n = 10;`, `max* = 3;`)."""
    sections = _sections(toks)
    sites = []
    for i in range(1, len(toks) - 1):
        if toks[i].type != "EQ" or sections[i] != "CONST":
            continue
        j = i - 1
        if toks[j].type in ("STAR", "MINUS"):
            j -= 1
        if j >= 1 and toks[j].type == "IDENT" and toks[j - 1].type in ("CONST", "SEMI"):
            sites.append(toks[i])
    return sites


def delphi_string_type(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """An `ARRAY n OF CHAR` (or open `ARRAY OF CHAR`) type written as Delphi's `string`."""
    sc = sc or scan(text)
    toks = sc.tokens
    sites = string_type_sites(toks)
    if not sites:
        return None
    i, j = rng.choice(sites)
    old = text[toks[i].start_pos:toks[j].end_pos]
    return Mutant("delphi-string-type", f"{old} -> string at {_at(sc, toks[i].start_pos)}",
                  _replace(text, toks[i].start_pos, toks[j].end_pos, "string"))


def delphi_const_assign(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A constant declared with ':=' instead of '='."""
    sc = sc or scan(text)
    sites = const_assign_sites(sc.tokens)
    if not sites:
        return None
    tok = rng.choice(sites)
    return _token_replaced("delphi-const-assign", "CONST '=' -> ':='", text, sc, tok, ":=")


_PLAIN_COMMENT = re.compile(r"\(\*((?:(?!\(\*|\*\))[^{}])*)\*\)", re.S)


def delphi_brace_comment(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A `(* *)` comment written as Pascal's `{ }` (or one put after a ';' where the module has none).

    Only comments where '{' cannot start a set (not after ':=', '(', ',' ...): there the
    compiler would read a set constructor, which is another mistake.
    """
    sc = sc or scan(text)
    toks = sc.tokens
    sites = []
    for k in range(len(toks)):
        if k > 0 and toks[k - 1].type in SET_CONTEXT:
            continue
        gap_start = toks[k - 1].end_pos if k else 0
        for m in _PLAIN_COMMENT.finditer(text, gap_start, toks[k].start_pos):
            # a comment nested in a bigger one would leave that one's '(*' ... '*)' unbalanced
            if text.count("(*", gap_start, m.start()) == text.count("*)", gap_start, m.start()):
                sites.append(m)
    if sites:
        m = rng.choice(sites)
        return Mutant("delphi-brace-comment", f"(* *) -> {{ }} at {_at(sc, m.start())}",
                      _replace(text, m.start(), m.end(), "{" + m.group(1) + "}"))
    semis = [t for t in toks if t.type == "SEMI"]
    if not semis:
        return None
    tok = rng.choice(semis)
    return Mutant("delphi-brace-comment", f"{{ comment }} inserted after ';' at {_at(sc, tok.start_pos)}",
                  _replace(text, tok.end_pos, tok.end_pos, " { comment }"))


def _is_function(toks: list[Token], i: int) -> bool:
    """Whether the procedure heading at toks[i] declares a result type (a ':' outside its parentheses)."""
    depth = 0
    for t in toks[i + 1:]:
        if t.type in ("LPAR", "LBRACK"):
            depth += 1
        elif t.type in ("RPAR", "RBRACK"):
            depth -= 1
        elif depth == 0 and t.type == "COLON":
            return True
        elif depth == 0 and t.type == "SEMI":
            return False
    return False


def delphi_function(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A procedure declaration headed by Pascal's lower-case `function` (with a result) or `procedure`."""
    sc = sc or scan(text)
    toks = sc.tokens
    sites = [i for i, t in enumerate(toks) if t.type == "PROCEDURE"
             and (i == 0 or toks[i - 1].type not in ("COLON", "EQ", "OF", "TO"))]  # not a procedure type
    if not sites:
        return None
    i = rng.choice(sites)
    new = "function" if _is_function(toks, i) else "procedure"
    return Mutant("delphi-function", f"PROCEDURE -> {new} at {_at(sc, toks[i].start_pos)}",
                  _replace(text, toks[i].start_pos, toks[i].end_pos, new))


def delphi_var_param(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A VAR parameter written with Pascal's lower-case `var`."""
    sc = sc or scan(text)
    toks = sc.tokens
    depths = _paren_depths(toks)
    sites = [t for t, depth in zip(toks, depths) if t.type == "VAR" and depth > 0]
    if not sites:
        return None
    tok = rng.choice(sites)
    return _token_replaced("delphi-var-param", "VAR parameter -> var", text, sc, tok, "var")


# Names that models invent for BlackBox modules (none of them is exported by the module).
INVENTED_API = {
    "StdLog": ("PrintLn", "WriteLn", "Print", "WriteString"),
    "Strings": ("Length", "Copy", "Pos", "Trim", "UpperCase"),
    "Dialog": ("ShowMessage", "MessageBox"),
    "Files": ("Exists", "FileExists"),
    "TextModels": ("NewText",),
    "Views": ("Refresh",),
}


def invented_api(text: str, rng: random.Random, sc: Scan | None = None) -> Mutant | None:
    """A use of an imported BlackBox module's name replaced by a plausible name it does not export."""
    sc = sc or scan(text)
    toks = sc.tokens
    modules = {alias: module for alias, module in imports(toks).items() if module in INVENTED_API}
    sites = qualified_sites(toks, set(modules))
    if not sites:
        return None
    i = rng.choice(sites)
    name = toks[i + 2]
    new = rng.choice([n for n in INVENTED_API[modules[toks[i].value]] if n != name.value])
    return Mutant("invented-api", f"{toks[i].value}.{name.value} -> {toks[i].value}.{new} at {_at(sc, name.start_pos)}",
                  _replace(text, name.start_pos, name.end_pos, new))


Mutator = Callable[..., Mutant | None]

DELPHI_MUTATORS: dict[str, Mutator] = {
    "delphi-writeln": delphi_writeln,
    "delphi-lowercase-keyword": delphi_lowercase_keyword,
    "delphi-string-type": delphi_string_type,
    "delphi-const-assign": delphi_const_assign,
    "delphi-brace-comment": delphi_brace_comment,
    "delphi-function": delphi_function,
    "delphi-var-param": delphi_var_param,
    "invented-api": invented_api,
}
MUTATORS: dict[str, Mutator] = {"delete-token": delete_token, "duplicate-token": duplicate_token,
                                 "swap-tokens": swap_tokens, "replace-operator": replace_operator,
                                 "swap-keyword": swap_keyword, **DELPHI_MUTATORS}
KINDS = tuple(MUTATORS)


def delphi_corruptions(text: str, rng: random.Random, kinds: list[str] | None = None) -> list[Mutant]:
    """One Delphi-ised corruption of `text` per kind (all Delphi kinds by default) that has a site in it."""
    sc = scan(text)
    out = []
    for kind in kinds or list(DELPHI_MUTATORS):
        mutant = DELPHI_MUTATORS[kind](text, rng, sc)
        if mutant is not None:
            out.append(mutant)
    return out


def mutants(text: str, rng: random.Random, count: int) -> list[Mutant]:
    """`count` distinct mutants of `text`, their kinds taken in turn from a shuffled list of all kinds."""
    sc = scan(text)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    out: list[Mutant] = []
    seen = {text}
    attempts = 0
    while kinds and len(out) < count and attempts < 4 * count + len(KINDS):
        kind = kinds[attempts % len(kinds)]
        attempts += 1
        mutant = MUTATORS[kind](text, rng, sc)
        if mutant is None:
            kinds.remove(kind)
        elif mutant.text not in seen:
            seen.add(mutant.text)
            out.append(mutant)
    return out
