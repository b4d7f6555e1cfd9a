"""The BlackBox API index: what every module exports, from module sources and DEFINITION listings.

Sources (`MODULE M; ... END M.`) are parsed with the checker's grammar; exported names carry an
export mark (`*`, or `-` for read-only/implement-only). Documentation texts contain interface
listings (`DEFINITION TextModels; ... END TextModels.`) in which everything shown is exported;
they are read with a lenient token scan (the listings are not always syntactically exact).

`check_api` then verifies module-qualified identifiers `M.x` in a piece of code: `M` must be an
imported module (or alias) known to the index and `x` one of its exports.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lark import Token, Tree
from lark.exceptions import LarkError

from bbcopilot.cpcheck.checker import parse_tokens
from bbcopilot.cpcheck.lexer import Diagnostic, Positions, scan
from bbcopilot.hfdata import iter_rows
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash

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
    sc = scan(text)
    if not sc.tokens or sc.tokens[0].type != "MODULE":
        return None
    try:
        tree = parse_tokens(sc.tokens)
    except LarkError:
        return None
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
    sc = scan(code, stop_at_module_end=False)
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
        if mod in UNCHECKED_MODULES or not index.knows(mod):
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


def _suggest(name: str, exports: set[str]) -> str:
    guess = _KNOWN_MISTAKES.get(name)
    if guess in exports:
        return f"; did you mean '{guess}'?"
    close = difflib.get_close_matches(name, sorted(exports), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


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
