"""The BlackBox API index: what every module exports, from module sources and DEFINITION listings.

Sources (`MODULE M; ... END M.`) are parsed with the checker's grammar; exported names carry an
export mark (`*`, or `-` for read-only/implement-only). Documentation texts contain interface
listings (`DEFINITION TextModels; ... END TextModels.`) in which everything shown is exported;
they are read with a lenient token scan (the listings are not always syntactically exact).

`check_api` then verifies module-qualified identifiers `M.x` in a piece of code: `M` must be an
imported module (or alias) known to the index and `x` one of its exports.
"""

from __future__ import annotations

import bisect
import difflib
import json
import logging
import multiprocessing
import os
import re
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from bbcopilot.config import ToolchainSettings
from bbcopilot.convert import convert_file, decode_txt, path_meta
from bbcopilot.corpus import PLATFORM_SUFFIX
from bbcopilot.cpcheck.checker import _without_cyclic_gc, parse_tokens, parser
from bbcopilot.cpcheck.lexer import Diagnostic, Positions, scan
from bbcopilot.errors import BBCopilotError, InputError
from bbcopilot.hfdata import iter_rows
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash, tree_hash

if TYPE_CHECKING:  # the toolchain imports the metrics, which import this module
    from bbcopilot.blackbox.toolchain import CompileResult

log = logging.getLogger(__name__)

# The compiler's pseudo-modules. SYSTEM's names are those of the language report (platform-specific
# appendix) as used by BlackBox; COM (and Direct-To-COM interface modules) is not indexed.
SYSTEM_EXPORTS = frozenset(
    "ADR BIT CC GET GETREG LSH MOVE NEW PUT PUTREG ROT TYP VAL PTR BYTE THISRECORD THISARRAY".split()
)
# Not checked: COM, and the Windows interface modules (DLL bindings, not part of the documented library).
UNCHECKED_MODULES = frozenset({"COM", "WinApi", "WinOle", "WinOleAut", "WinOleCtl", "WinOleDlg", "WinNet",
                               "WinSql", "WinCtl", "WinDlg", "WinMM"})


@dataclass
class ModuleApi:
    """One module's exports. Values are signatures/definitions as text (whitespace normalised)."""

    name: str
    origin: str = ""  # "source", "definition" or "source+definition"
    constants: dict[str, str] = field(default_factory=dict)  # name -> value
    types: dict[str, str] = field(default_factory=dict)  # name -> type (records without their body)
    variables: dict[str, str] = field(default_factory=dict)  # name -> type ("-" suffix in name: read-only)
    procedures: dict[str, str] = field(default_factory=dict)  # name -> heading
    methods: dict[str, str] = field(default_factory=dict)  # "Type.Method" -> heading
    fields: dict[str, str] = field(default_factory=dict)  # "Type.field" -> type

    def exports(self) -> set[str]:
        """Names usable as `Module.name`."""
        return set(self.constants) | set(self.types) | set(self.variables) | set(self.procedures)

    def merge(self, other: ModuleApi) -> None:
        """Add what `other` knows and this one does not (this one's signatures win)."""
        for part in ("constants", "types", "variables", "procedures", "methods", "fields"):
            mine = getattr(self, part)
            for k, v in getattr(other, part).items():
                mine.setdefault(k, v)
        if other.origin and other.origin not in self.origin.split("+"):
            self.origin = "+".join(filter(None, [self.origin, other.origin]))


@dataclass
class ApiIndex:
    modules: dict[str, ModuleApi] = field(default_factory=dict)

    def add(self, api: ModuleApi) -> None:
        if api.name in self.modules:
            self.modules[api.name].merge(api)
        else:
            self.modules[api.name] = api

    def exports(self, module: str) -> set[str]:
        if module == "SYSTEM":
            return set(SYSTEM_EXPORTS)
        api = self.modules.get(module)
        return api.exports() if api is not None else set()

    def knows(self, module: str) -> bool:
        return module == "SYSTEM" or module in self.modules

    def exports_known(self, module: str) -> bool:
        """Whether the index read the module's exports (not only its name: see NAME_ONLY)."""
        if module == "SYSTEM":
            return True
        api = self.modules.get(module)
        return api is not None and any(o != NAME_ONLY for o in api.origin.split("+"))

    def to_json(self) -> dict:
        return {"modules": {name: asdict(api) for name, api in sorted(self.modules.items())}}

    @classmethod
    def from_json(cls, data: dict) -> ApiIndex:
        return cls({name: ModuleApi(**api) for name, api in data.get("modules", {}).items()})


# ---- rendering tokens back to text --------------------------------------------------------

_NO_SPACE_BEFORE = {",", ";", ")", "]", ":", ".", "^", "$"}
_NO_SPACE_AFTER = {"(", "[", ".", "^"}


def _render(tokens: Iterable[Token]) -> str:
    parts: list[str] = []
    prev = None
    for t in tokens:
        v = "[code]" if t.type == "CODEFLAG" else str(t.value)
        if prev is not None and ((v not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER) or prev == ":"):
            parts.append(" ")
        parts.append(v)
        prev = v
    return "".join(parts)


def _tokens_of(node) -> list[Token]:
    if isinstance(node, Token):
        return [node]
    return sorted(node.scan_values(lambda v: isinstance(v, Token)), key=lambda t: t.start_pos)


def _export_mark(identdef: Tree) -> str | None:
    for c in identdef.children:
        if isinstance(c, Tree) and c.data == "export":
            return c.children[0].value
    return None


# ---- module sources -----------------------------------------------------------------------

def index_module_source(text: str) -> ModuleApi | None:
    """The exports of one module source, or None when the text is not a parsable module."""
    return _module_source_api(text)[0]


def _module_source_api(text: str) -> tuple[ModuleApi | None, str]:
    """The exports of one module source, or None and why not."""
    sc = scan(text)
    if not sc.tokens or sc.tokens[0].type != "MODULE":
        return None, "not a module source (it does not open with MODULE)"
    # Exports are declared outside procedure bodies, and bodies are most of a module's tokens: the
    # declarations alone are parsed first, and the full module when they miss an export-marked name.
    declarations = _declarations_only(sc.tokens)
    if declarations is not None:
        try:
            api = _api_of_tree(parse_tokens(declarations))
        except LarkError:
            api = None
        if api is not None and _export_marked(sc.tokens) <= _declared_names(api):
            return api, ""
    try:
        tree = parse_tokens(sc.tokens)
    except UnexpectedInput as error:
        where = max(error.pos_in_stream or 0, 0) if error.pos_in_stream != -1 else len(text)
        line, col = sc.positions.at(where)
        found = getattr(error, "token", None)
        shown = f" (at {str(found)!r})" if found else " (at the end of the text)" if where == len(text) else ""
        return None, f"the checker's grammar does not parse it at {line}:{col}{shown}"
    except LarkError as error:
        return None, f"the checker's grammar does not parse it ({error})"
    return _api_of_tree(tree), ""


# A procedure heading with one of these has no body: forward, code, abstract and empty procedures.
_BODYLESS = frozenset({"CARET", "CODEFLAG", "ABSTRACT", "EMPTY"})
# What follows an export mark: `C* =`, `T* =`, `v*, w-: T`, `P*;`, `P* (`, `M*, NEW`.
_AFTER_EXPORT_MARK = frozenset({"EQ", "COLON", "COMMA", "SEMI"})


def _declarations_only(tokens: list[Token]) -> list[Token] | None:
    """The module's tokens with the body of every top-level procedure left out (`PROCEDURE P*; END P;`
    stays); None for a module whose procedures may have no body at all (an interface module, `MODULE
    M ["lib"]`). A procedure's body ends at `END <its name> ;`."""
    if len(tokens) > 2 and tokens[2].type == "LBRACK":
        return None
    out: list[Token] = []
    records = 0  # RECORD ... END nesting outside procedures
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        out.append(t)
        i += 1
        if t.type == "RECORD":
            records += 1
        elif t.type == "END" and records:
            records -= 1
        elif t.type == "PROCEDURE" and not records and out[-2:-1] and out[-2].type == "SEMI":
            heading_end, name, bodyless = _heading_end(tokens, i)
            out.extend(tokens[i:heading_end])
            i = heading_end
            if name is None or bodyless:
                continue
            end = next((k for k in range(i, n - 2) if tokens[k].type == "END" and tokens[k + 1].type == "IDENT"
                        and tokens[k + 1].value == name and tokens[k + 2].type == "SEMI"), None)
            if end is not None:
                i = end
    return out


def _heading_end(tokens: list[Token], i: int) -> tuple[int, str | None, bool]:
    """From just after `PROCEDURE`: the index just past the heading's `;`, the procedure's name (the
    first identifier outside receiver, parameters and system flag) and whether it has no body."""
    depth, name, bodyless = 0, None, False
    n = len(tokens)
    while i < n:
        t = tokens[i]
        i += 1
        if t.type in ("LPAR", "LBRACK"):
            depth += 1
        elif t.type in ("RPAR", "RBRACK"):
            depth -= 1
        elif t.type == "SEMI" and depth == 0:
            break
        elif t.type == "IDENT" and depth == 0 and name is None:
            name = t.value
        bodyless = bodyless or (t.type in _BODYLESS and depth == 0)
    return i, name, bodyless


def _export_marked(tokens: list[Token]) -> set[str]:
    """Every identifier of the module that carries an export mark (`x*` or `x-` in a declaration)."""
    marked = set()
    for k in range(1, len(tokens) - 2):
        t, mark, after = tokens[k], tokens[k + 1], tokens[k + 2]
        if t.type != "IDENT" or mark.type not in ("STAR", "MINUS"):
            continue
        # `P* (` is a procedure's; in a statement `a * (b)` is a product
        if after.type in _AFTER_EXPORT_MARK or (after.type == "LPAR" and tokens[k - 1].type in ("PROCEDURE", "RPAR", "RBRACK")):
            marked.add(t.value)
    return marked


def _declared_names(api: ModuleApi) -> set[str]:
    return api.exports() | {member.rsplit(".", 1)[1] for member in (*api.methods, *api.fields)}


def _api_of_tree(tree: Tree) -> ModuleApi:
    module = tree.children[0]
    api = ModuleApi(name=module.children[1].value, origin="source")
    decls = next(c for c in module.children if isinstance(c, Tree) and c.data == "decl_seq")
    for item in decls.children:
        if item.data == "const_section":
            for d in item.children[1:]:
                if isinstance(d, Tree) and _export_mark(d.children[0]):
                    api.constants[d.children[0].children[0].value] = _render(_tokens_of(d.children[2]))
        elif item.data == "type_section":
            for d in item.children[1:]:
                if isinstance(d, Tree) and _export_mark(d.children[0]):
                    name = d.children[0].children[0].value
                    api.types[name] = _type_summary(d.children[2])
                    _record_fields(api, name, d.children[2])
        elif item.data == "var_section":
            for d in item.children[1:]:
                if not isinstance(d, Tree):
                    continue
                typ = _render(_tokens_of(d.children[2]))
                for idd in d.children[0].children:
                    if isinstance(idd, Tree) and _export_mark(idd):
                        ro = "-" if _export_mark(idd) == "-" else ""
                        api.variables[idd.children[0].value] = typ + (" (read-only)" if ro else "")
                        _record_fields(api, idd.children[0].value, d.children[2])  # `VAR prefs*: RECORD ...`
        elif item.data == "proc_item":
            proc = item.children[0]
            if proc.data == "forward_decl":
                continue
            identdef = next(c for c in proc.children if isinstance(c, Tree) and c.data == "identdef")
            if not _export_mark(identdef):
                continue
            name = identdef.children[0].value
            heading = _heading(proc)
            recv = next((c for c in proc.children if isinstance(c, Tree) and c.data == "receiver"), None)
            if recv is None:
                api.procedures[name] = heading
            else:
                rtype = [t for t in recv.children if t.type == "IDENT"][1].value
                api.methods[f"{rtype}.{name}"] = heading
    return api


def _heading(proc: Tree) -> str:
    """'PROCEDURE (m: Model) Append* (m0: Model), NEW, ABSTRACT' (the export mark kept on the name)."""
    parts: list[str] = []
    toks: list[Token] = []
    for c in proc.children:
        if (isinstance(c, Token) and c.type == "SEMI") or (isinstance(c, Tree) and c.data == "code_bytes"):
            break
        if isinstance(c, Tree) and c.data == "identdef":
            parts.append(_render(toks))
            parts.append("".join(t.value for t in _tokens_of(c)))
            toks = []
            continue
        toks.extend(_tokens_of(c))
    parts.append(_render(toks))
    return " ".join(p for p in parts if p).replace(" ,", ",")


def _type_summary(typ) -> str:
    """A type as text, with record bodies left out: 'POINTER TO ABSTRACT RECORD (Containers.Model)'."""
    out: list[Token] = []
    skip_depth = 0
    toks = _tokens_of(typ)
    i = 0
    while i < len(toks):
        t = toks[i]
        if skip_depth:
            if t.type in ("RECORD",):
                skip_depth += 1
            elif t.type == "END":
                skip_depth -= 1
            i += 1
            continue
        out.append(t)
        if t.type == "RECORD":
            # keep the base type "(B)" and an optional sysflag, drop the fields
            j = i + 1
            if j < len(toks) and toks[j].type == "LBRACK":
                while toks[j].type != "RBRACK":
                    out.append(toks[j])
                    j += 1
                out.append(toks[j])
                j += 1
            if j < len(toks) and toks[j].type == "LPAR":
                while toks[j].type != "RPAR":
                    out.append(toks[j])
                    j += 1
                out.append(toks[j])
                j += 1
            out.append(Token("END", "END"))
            skip_depth = 1
            i = j
            continue
        i += 1
    return _render(out)


def _record_fields(api: ModuleApi, name: str, typ) -> None:
    rec = typ
    if isinstance(rec, Tree) and rec.data == "pointer_type":
        rec = rec.children[-1]
    if not isinstance(rec, Tree) or rec.data != "record_type":
        return
    for fl in rec.children:
        if not (isinstance(fl, Tree) and fl.data == "field_list" and fl.children):
            continue
        ftype = _type_summary(fl.children[2])
        for idd in fl.children[0].children:
            if isinstance(idd, Tree) and _export_mark(idd):
                api.fields[f"{name}.{idd.children[0].value}"] = ftype
                _record_fields(api, f"{name}.{idd.children[0].value}", fl.children[2])  # a record in a record


# ---- DEFINITION listings ------------------------------------------------------------------

_DEFINITION_RE = re.compile(r"^[ \t]*DEFINITION\s+(\w+)\s*;(.*?)^[ \t]*END\s+\1\s*\.", re.M | re.S)


def index_definition(text: str) -> list[ModuleApi]:
    """Every `DEFINITION Name; ... END Name.` block of a documentation text."""
    return [_definition(m.group(1), m.group(2)) for m in _DEFINITION_RE.finditer(text)]


def _definition(name: str, body: str) -> ModuleApi:
    api = ModuleApi(name=name, origin="definition")
    sc = scan(body, stop_at_module_end=False)
    toks, pos = sc.tokens, sc.positions
    section = None
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.type in ("CONST", "TYPE", "VAR", "IMPORT"):
            section = t.type
            i += 1
            continue
        if t.type == "PROCEDURE":
            j = _item_end(toks, i + 1, pos)
            ids = [x for x in toks[i + 1:j] if x.type == "IDENT"]
            if ids:
                api.procedures[ids[0].value] = _render(toks[i:j])
            i = j + (j < n and toks[j].type == "SEMI")
            section = None
            continue
        if t.type != "IDENT" or section in (None, "IMPORT"):
            i += 1
            continue
        j = _item_end(toks, i, pos)
        item = toks[i:j]
        if section == "CONST":
            if len(item) >= 2 and item[1].type == "EQ":
                api.constants[t.value] = _render(item[2:])
        elif section == "TYPE":
            k = 1 + (len(item) > 1 and item[1].type in ("MINUS", "STAR"))
            if k < len(item) and item[k].type == "EQ":
                _definition_type(api, t.value, item[k + 1:], pos)
        elif section == "VAR":
            colon = next((k for k, x in enumerate(item) if x.type == "COLON"), None)
            if colon is not None:
                typ = _render(item[colon + 1:])
                for x, nx in zip(item[:colon], item[1:colon + 1]):
                    if x.type == "IDENT":
                        api.variables[x.value] = typ + (" (read-only)" if nx.type == "MINUS" else "")
        i = j + (j < n and toks[j].type == "SEMI")
    return api


def _item_end(toks: list[Token], i: int, pos: Positions) -> int:
    """Index of the ';' (or section keyword) that ends the declaration starting at i; RECORD..END nest."""
    depth = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t.type in ("RECORD", "LPAR"):
            depth += 1
        elif t.type in ("END", "RPAR") and depth:
            depth -= 1
        elif depth == 0 and (t.type == "SEMI" or t.type in ("CONST", "TYPE", "VAR", "PROCEDURE")):
            return i
        i += 1
    return n


def _definition_type(api: ModuleApi, name: str, typ: list[Token], pos: Positions) -> None:
    rec = next((k for k, t in enumerate(typ) if t.type == "RECORD"), None)
    if rec is None:
        api.types[name] = _render(typ)
        return
    head_end = rec + 1
    if head_end < len(typ) and typ[head_end].type == "LPAR" and head_end + 1 < len(typ) and \
            typ[head_end + 1].type == "IDENT" and head_end + 2 < len(typ) and typ[head_end + 2].type in ("RPAR", "DOT"):
        while typ[head_end].type != "RPAR":
            head_end += 1
        head_end += 1
    api.types[name] = _render(typ[:head_end]) + " END"
    body = typ[head_end:-1] if typ and typ[-1].type == "END" else typ[head_end:]
    # entries: fields "a, b-: T" and methods "(r: T) Name (pars): R, NEW, ABSTRACT";
    # listings sometimes drop a ';' between methods, so a method also starts at a line-leading '('
    entries: list[list[Token]] = []
    cur: list[Token] = []
    depth = 0
    for t in body:
        line_start = cur and pos.at(t.start_pos)[0] != pos.at(cur[-1].start_pos)[0]
        if depth == 0 and (t.type == "SEMI" or (t.type == "LPAR" and line_start and cur[-1].type != "COMMA")):
            if cur:
                entries.append(cur)
            cur = [] if t.type == "SEMI" else [t]
            if t.type == "LPAR":
                depth += 1
            continue
        if t.type in ("LPAR", "RECORD"):
            depth += 1
        elif t.type in ("RPAR", "END"):
            depth -= 1
        cur.append(t)
    if cur:
        entries.append(cur)
    for e in entries:
        if len(e) >= 6 and e[0].type == "LPAR" and e[2].type == "COLON" and e[4].type == "RPAR" \
                and e[5].type == "IDENT":
            api.methods[f"{name}.{e[5].value}"] = _render(e)
        else:
            colon = next((k for k, x in enumerate(e) if x.type == "COLON"), None)
            if colon is None:
                continue
            ftype = _render(e[colon + 1:])
            for x in e[:colon]:
                if x.type == "IDENT":
                    api.fields[f"{name}.{x.value}"] = ftype


# ---- building and checking ----------------------------------------------------------------

def build_api_index(texts: Iterable[tuple[str, str]]) -> ApiIndex:
    """An index from (name or path, text) pairs: module sources and documentation texts."""
    index = ApiIndex()
    definitions: list[ModuleApi] = []
    for _name, text in texts:
        api = index_module_source(text) if re.match(r"\s*MODULE\b", _strip_leading_comments(text)) else None
        if api is not None:
            index.add(api)
        definitions.extend(index_definition(text))
    for api in definitions:  # sources first: their signatures win
        index.add(api)
    return index


def _strip_leading_comments(text: str) -> str:
    s = text.lstrip()
    while s.startswith("(*"):
        depth, i = 0, 0
        while i < len(s) - 1:
            two = s[i:i + 2]
            if two == "(*":
                depth += 1
                i += 2
            elif two == "*)":
                depth -= 1
                i += 2
                if depth == 0:
                    break
            else:
                i += 1
        s = s[i:].lstrip()
    return s


# Frequent wrong guesses -> the real export (StdLog is the usual victim).
_KNOWN_MISTAKES = {
    "WriteString": "String", "WriteLn": "Ln", "Writeln": "Ln", "PrintLn": "Ln", "Println": "Ln",
    "Print": "String", "Write": "String", "WriteInt": "Int", "Integer": "Int", "NewLine": "Ln",
    "WriteChar": "Char", "WriteReal": "Real", "Str": "String",
}


def imports_of(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """(alias token, module token) pairs of the IMPORT list."""
    out = []
    for i, t in enumerate(tokens):
        if t.type != "IMPORT":
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].type != "SEMI":
            if tokens[j].type == "IDENT":
                if j + 2 < len(tokens) and tokens[j + 1].type == "ASSIGN" and tokens[j + 2].type == "IDENT":
                    out.append((tokens[j], tokens[j + 2]))
                    j += 3
                    continue
                out.append((tokens[j], tokens[j]))
            j += 1
        break
    return out


def check_api(code: str, index: ApiIndex, filename: str = "<string>") -> list[Diagnostic]:
    """Unknown imported modules and `M.x` names that module M does not export."""
    # As the compiler, read a module up to its `END M.`: BlackBox documents go on with notes.
    sc = scan(code)
    toks = sc.tokens
    found: list[tuple[int, str]] = []
    aliases: dict[str, str] = {}
    for alias, mod in imports_of(toks):
        aliases[alias.value] = mod.value
        if mod.value not in UNCHECKED_MODULES and not index.knows(mod.value):
            found.append((mod.start_pos, f"unknown module '{mod.value}': not in the BlackBox API index"))
    for i in range(len(toks) - 2):
        t = toks[i]
        if t.type != "IDENT" or t.value not in aliases or toks[i + 1].type != "DOT" or toks[i + 2].type != "IDENT":
            continue
        if i and toks[i - 1].type == "DOT":
            continue  # a field/method selection that happens to look like a module name
        mod = aliases[t.value]
        if mod in UNCHECKED_MODULES or not index.exports_known(mod):
            continue
        name = toks[i + 2].value
        exports = index.exports(mod)
        if name in exports:
            continue
        found.append((toks[i + 2].start_pos, f"'{t.value}.{name}' is not exported by {mod}"
                      + _suggest(name, exports)))
    out = []
    for p, msg in sorted(found):
        line, col = sc.positions.at(p)
        out.append(Diagnostic(filename, line, col, msg))
    return out


def _close_names(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """What `name` was probably meant to be: the known mistake's answer, else up to 3 close names."""
    candidates = set(candidates)
    guess = _KNOWN_MISTAKES.get(name)
    if guess in candidates:
        return [guess]
    return difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=cutoff)


def _suggest(name: str, exports: set[str], qualifier: str = "") -> str:
    return _did_you_mean([f"{qualifier}{c}" for c in _close_names(name, exports)])


def _did_you_mean(names: list[str]) -> str:
    return f"; did you mean {' or '.join(repr(c) for c in names)}?" if names else ""


# ---------------------------------------------------------------- the compiler's verdict
#
# BlackBox's compiler knows exactly which names exist in the build it compiles against; its
# verdicts on a name (Dev/Rsrc/Errors.odc) are the hallucination signal, the index the source of
# hints. A name the compiler does not find but the distribution has (a Windows module on the Linux
# build, a platform variant's export) is not invented, so it is not counted.

UNDECLARED = "undeclared identifier"  # error 0
NO_SYMBOL_FILE = "symbol file of imported module not found"  # error 152
UNQUALIFIED_CUTOFF = 0.8  # difflib ratio: 'Strng' -> 'String', but not 'cnt' -> 'Int'


def compiler_hallucinations(text: str, result: CompileResult, index: ApiIndex) -> list[str]:
    """The compiler's errors on `text` that name something BlackBox does not have, one message each
    ("LINE:COL: ..."), with a "did you mean" hint from `index`: an undeclared identifier, named
    from the source at the compiler's position (for `M.x`, both parts), and an imported module that
    has no symbol file. `result` is `toolchain.compile_sources`' verdict on this text."""
    # The compiler's positions are in the text as compile_sources prepared it: newlines as "\n".
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sc = scan(text, stop_at_module_end=False)
    starts = [t.start_pos for t in sc.tokens]
    aliases = {alias.value: module.value for alias, module in imports_of(sc.tokens)}
    found = []
    for line, col, message in result.errors:
        if message not in (UNDECLARED, NO_SYMBOL_FILE) or not 0 < line <= len(sc.positions.starts):
            continue
        # The position is just after the symbol the compiler stopped at: the identifier ending there.
        at = bisect.bisect_left(starts, sc.positions.starts[line - 1] + col - 1) - 1
        if at < 0 or sc.tokens[at].type != "IDENT":
            found.append(f"{line}:{col}: {message}")
            continue
        said = (_unknown_module if message == NO_SYMBOL_FILE else _undeclared)(sc.tokens, at, aliases, index)
        if said:
            found.append(f"{line}:{col}: {said}")
    return found


def _unknown_module(tokens: list[Token], at: int, aliases: dict[str, str], index: ApiIndex) -> str | None:
    name = tokens[at].value
    if index.knows(name):
        return None  # a real module this build does not have (another platform's)
    return f"unknown module '{name}': BlackBox has no such module" + _did_you_mean(_close_names(name, index.modules))


def _undeclared(tokens: list[Token], at: int, aliases: dict[str, str], index: ApiIndex) -> str | None:
    name = tokens[at].value
    if at >= 2 and tokens[at - 1].type == "DOT" and tokens[at - 2].type == "IDENT" and tokens[at - 2].value in aliases:
        alias = tokens[at - 2].value
        module = aliases[alias]
        exports = index.exports(module)
        if name in exports:
            return None  # the distribution has it: not invented, only not in this build
        if not index.exports_known(module):
            return f"undeclared identifier '{alias}.{name}'"
        return f"undeclared identifier '{alias}.{name}': {module} exports no {name}" + _suggest(name, exports, f"{alias}.")
    qualifies = at + 1 < len(tokens) and tokens[at + 1].type == "DOT"
    if qualifies and index.knows(name):
        return f"undeclared identifier '{name}': module {name} is not imported (add it to IMPORT)"
    if qualifies:
        return f"undeclared identifier '{name}': no such module or variable" + _did_you_mean(
            _close_names(name, set(aliases) | set(index.modules)))
    # Unqualified, it is as likely a variable never declared: only a near-certain library name is a hint.
    meant = [f"{alias}.{c}" for alias, module in aliases.items()
             for c in _close_names(name, index.exports(module), UNQUALIFIED_CUTOFF)]
    return f"undeclared identifier '{name}'" + _did_you_mean(meant[:3])


# ---------------------------------------------------------------- the stage

API_INDEX = "api-index"
API_KINDS = ("Mod", "Docu")  # documents the index is built from: module sources and their documentation


def index_dir(workspace: Workspace, documents: StageResult) -> Path:
    # The code version follows the index builder into the checker's parser and its grammar file.
    return workspace.version_dir(API_INDEX, content_hash(documents.version, code_version(build_index_artefact)))


def build_index_artefact(workspace: Workspace, documents: StageResult) -> StageResult:
    """`api-index/<version>/index.json`: the index of the documents dataset's sources and docs (all splits)."""
    from datasets import load_from_disk

    final = index_dir(workspace, documents)
    if not final.is_dir():
        dataset = load_from_disk(documents.path)
        index = build_api_index(
            (row["id"], row["text"]) for row in iter_rows(dataset, ["id", "kind", "text"]) if row["kind"] in API_KINDS
        )
        with atomic_dir(final) as building:
            atomic_write_json(building / "index.json", {"documents": documents.version, **index.to_json()})
    workspace.set_latest(API_INDEX, final.name)
    index = load_index(final)
    figures = {"modules": len(index.modules), "exports": sum(len(index.exports(m)) for m in index.modules)}
    return StageResult(API_INDEX, final.name, str(final), figures)


def load_index(folder: Path | str) -> ApiIndex:
    return ApiIndex.from_json(json.loads((Path(folder) / "index.json").read_text(encoding="utf-8")))


# ---------------------------------------------------------------- the whole distribution
#
# The documents dataset holds some 50 of BlackBox's modules; a program may import any module of the
# distribution (TextMappers, CommTCP, SqlDB, ...). This index reads every module source and every
# documentation page of the toolchain's tree, so that no real name is counted as a hallucination.

DISTRIBUTION_INDEX = "api-index-distribution"
# Where a BlackBox tree keeps module sources and their documentation: <Sub>/Mod/, <Sub>/Docu/, at any
# depth (bbcp keeps test subsystems in Check/Extra/Test/Mod/); .cp is a module source as plain text.
DISTRIBUTION_SOURCES = ("**/Mod/*.odc", "**/Mod/*.cp")
DISTRIBUTION_DOCS = ("**/Docu/*.odc",)
# A module whose source the checker's grammar cannot parse is known by name (an import of it is no
# hallucination), but its exports are not vouched for: check_api judges none of its names.
NAME_ONLY = "name-only"


class NoDistribution(BBCopilotError):
    """The configured BlackBox tree is absent or holds no module sources."""


def distribution_files(bbcp_dir: Path) -> tuple[list[Path], list[Path]]:
    """(module sources, documentation pages) of a BlackBox tree, sorted."""
    root = Path(bbcp_dir)
    sources = sorted({p for pattern in DISTRIBUTION_SOURCES for p in root.glob(pattern) if p.is_file()})
    # The top-level Docu/ holds manuals, whose listings are examples (BB-Docu's `DEFINITION Dictionaries`).
    docs = sorted({p for pattern in DISTRIBUTION_DOCS for p in root.glob(pattern)
                   if p.is_file() and path_meta(p.relative_to(root).as_posix())[0]})
    return sources, docs


def _distribution_text(path: Path, root: Path) -> str:
    if path.suffix.lower() == ".cp":
        try:
            return decode_txt(path.read_bytes())[0]
        except OSError as error:
            raise InputError(path.relative_to(root).as_posix(), f"cannot read: {error.strerror or error}") from error
    return convert_file(path, root, "plain").text


def _index_distribution_file(root: Path, path: Path, is_source: bool) -> tuple[list[ModuleApi], str | None]:
    """The APIs one file of the tree contributes, and why it contributes less than it should (or None)."""
    relpath = path.relative_to(root).as_posix()
    try:
        text = _distribution_text(path, root)
    except InputError as error:
        return [], error.reason
    if not is_source:
        return index_definition(text), None
    with _without_cyclic_gc():  # a tree's worth of tokens and nodes, none in a cycle (see the checker)
        api, reason = _module_source_api(text)
    if api is not None:
        return [api], None
    name = path_meta(relpath)[2]
    return [ModuleApi(name=name, origin=NAME_ONLY)], f"{reason}; module {name} is known by name only"


def build_distribution_index(bbcp_dir: Path) -> tuple[ApiIndex, list[tuple[str, str]]]:
    """The index of every module source and DEFINITION listing of a BlackBox tree, and the files it
    could not read fully as (relpath, reason). A platform variant (Comm/Mod/TCP__Lin.odc declares
    `CommTCP__Lin`) is merged into its module (CommTCP); sources come before listings (their signatures win)."""
    root = Path(bbcp_dir)
    sources, docs = distribution_files(root)
    if not sources:
        raise NoDistribution(f"{root}: no BlackBox tree (no <Subsystem>/Mod/*.odc sources); set toolchain.bbcp_dir")
    files = [(p, True) for p in sources] + [(p, False) for p in docs]
    # Largest first (Ctl's generated Office automation modules take seconds each), one file per
    # task: the workers finish together.
    order = sorted(range(len(files)), key=lambda i: -files[i][0].stat().st_size)
    arguments = ([root] * len(files), [files[i][0] for i in order], [files[i][1] for i in order])
    workers = min(len(os.sched_getaffinity(0)), len(files))
    found: list[tuple[list[ModuleApi], str | None]] = [([], None)] * len(files)
    with ExitStack() as stack:
        if workers > 1:
            parser()  # built once, before the fork: as convert_tree, the workers start with it
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")))
            results = pool.map(_index_distribution_file, *arguments)
        else:
            results = map(_index_distribution_file, *arguments)
        for i, result in zip(order, results):
            found[i] = result
    index = ApiIndex()
    skipped: list[tuple[str, str]] = []
    for (path, _), (apis, reason) in zip(files, found):
        if reason:
            relpath = path.relative_to(root).as_posix()
            log.warning("%s: %s", relpath, reason)
            skipped.append((relpath, reason))
        for api in apis:
            api.name = api.name.split(PLATFORM_SUFFIX)[0]
            index.add(api)
    return index, skipped


def distribution_index_dir(workspace: Workspace, settings: ToolchainSettings) -> Path:
    # Keyed by the tree's content and the index code (the converter, the .odc reader, the grammar).
    return workspace.version_dir(
        DISTRIBUTION_INDEX, content_hash(tree_hash(settings.bbcp_dir), code_version(build_distribution_artefact))
    )


_distribution_records: dict[str, dict] = {}  # version -> index.json's record, built in this process


def build_distribution_artefact(workspace: Workspace, settings: ToolchainSettings) -> StageResult:
    """`api-index-distribution/<version>/index.json`: the index of the whole BlackBox tree, built once
    per content of the tree and of the index code. NoDistribution when the tree is absent."""
    if not Path(settings.bbcp_dir).is_dir():
        raise NoDistribution(f"{settings.bbcp_dir}: no BlackBox tree (not a folder); set toolchain.bbcp_dir")
    final = distribution_index_dir(workspace, settings)
    if not final.is_dir():
        # A process that built this version for another workspace (tests, a server) writes it again, not rebuilds it.
        record = _distribution_records.get(final.name)
        if record is None:
            started = time.perf_counter()
            index, skipped = build_distribution_index(settings.bbcp_dir)
            record = {"seconds": round(time.perf_counter() - started, 2),
                      "skipped": [{"path": p, "reason": r} for p, r in skipped], **index.to_json()}
            _distribution_records[final.name] = record
        with atomic_dir(final) as building:
            atomic_write_json(building / "index.json", record)
    workspace.set_latest(DISTRIBUTION_INDEX, final.name)
    record = json.loads((final / "index.json").read_text(encoding="utf-8"))
    index = ApiIndex.from_json(record)
    figures = {
        "modules": len(index.modules),
        "name_only": sum(not index.exports_known(m) for m in index.modules),
        "exports": sum(len(index.exports(m)) for m in index.modules),
        "skipped": len(record["skipped"]),
        "build_seconds": record["seconds"],
    }
    return StageResult(DISTRIBUTION_INDEX, final.name, str(final), figures)


def distribution_index(workspace: Workspace, settings: ToolchainSettings,
                       documents: StageResult | None = None) -> ApiIndex:
    """The index to check code against: the whole BlackBox tree of `settings` (built once, see
    `build_distribution_artefact`), with the documents dataset's modules added when `documents` is
    given (their sources may be of another BlackBox version). Without the tree, the documents'
    index alone, after a warning naming the tree; NoDistribution when there is neither."""
    try:
        index = load_index(build_distribution_artefact(workspace, settings).path)
    except NoDistribution as error:
        if documents is None:
            raise
        log.warning("%s; checking API names against the documents dataset's modules only", error)
        index = ApiIndex()
    if documents is not None:
        for api in load_index(build_index_artefact(workspace, documents).path).modules.values():
            index.add(api)
    return index
