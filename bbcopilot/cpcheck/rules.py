"""The cheap static rules of the Component Pascal report (grammar note, section 3) on a parse tree.

Implemented: END names (1), undeclared identifiers and unimported modules (2, 3), export marks
only at module level (4), RETURN with/without value and functions without RETURN (5), EXIT only
inside LOOP (6), declaration order (7), method attributes NEW/ABSTRACT/EMPTY/EXTENSIBLE for
records whose base chain is declared in the same module (8), methods only at module level (9),
a zero FOR step (10), duplicate declarations, and system flags only in low-level modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Token, Tree

from bbcopilot.cpcheck.delphi import undeclared_hint

PREDECLARED = frozenset(
    "ABS ANYPTR ANYREC ASH ASSERT BITS BOOLEAN BYTE CAP CHAR CHR DEC ENTIER EXCL FALSE HALT "
    "INC INCL INF INTEGER LEN LONG LONGINT MAX MIN NEW ODD ORD REAL SET SHORT SHORTCHAR "
    "SHORTINT SHORTREAL SIZE TRUE VALID".split()  # VALID(p): is the COM interface pointer p valid
)
STANDARD_PROCEDURES = frozenset(
    "ABS ASH ASSERT BITS CAP CHR DEC ENTIER EXCL HALT INC INCL LEN LONG MAX MIN NEW ODD ORD SHORT SIZE VALID".split()
)
# Pseudo-modules of the compiler: need no symbol file (their names are checked by api_index).
LOW_LEVEL_MODULES = frozenset({"SYSTEM", "COM"})

Finding = tuple[int, str]


@dataclass
class _Record:
    name: str
    attr: str | None  # ABSTRACT / EXTENSIBLE / LIMITED / None
    base: str | None  # local record key, or None
    base_external: bool  # base is an imported type (chain not fully known)
    methods: dict[str, set[str]] = field(default_factory=dict)


def _toks(tree: Tree, kind: str | None = None) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token) and (kind is None or c.type == kind)]


def _sub(tree: Tree, data: str) -> Tree | None:
    for c in tree.children:
        if isinstance(c, Tree) and c.data == data:
            return c
    return None


def _subs(tree: Tree, data: str) -> list[Tree]:
    return [c for c in tree.children if isinstance(c, Tree) and c.data == data]


def _identdef(tree: Tree) -> tuple[Token, Token | None]:
    name = tree.children[0]
    export = _sub(tree, "export")
    return name, (export.children[0] if export is not None else None)


class _Checker:
    def __init__(self):
        self.findings: list[Finding] = []
        self.imports: dict[str, str] = {}  # alias -> module
        self.low_level = False
        self.records: dict[str, _Record] = {}
        self.pointer_to: dict[str, str] = {}  # pointer/alias type name -> the type it names
        self.methods: list[tuple[Tree, str, Token, set[str]]] = []  # (declaration, record, name, attributes)

    def err(self, tok: Token, msg: str) -> None:
        self.findings.append((tok.start_pos, msg))

    # ---- module ------------------------------------------------------------------------
    def module(self, tree: Tree) -> None:
        ch = tree.children
        name, end_name = ch[1], ch[-2]
        if end_name.value != name.value:
            self.err(end_name, f"module '{name}' must end with 'END {name}.', not 'END {end_name}.'")
        imports = _sub(tree, "import_list")
        scope: dict[str, str] = {}
        if imports is not None:
            for imp in _subs(imports, "import"):
                ids = _toks(imp, "IDENT")
                alias, mod = ids[0], ids[-1]
                if alias.value in scope:
                    self.err(alias, f"'{alias}' is imported twice")
                scope[alias.value] = "import"
                self.imports[alias.value] = mod.value
        self.low_level = bool(set(self.imports.values()) & LOW_LEVEL_MODULES) \
            or _sub(tree, "interface_flag") is not None or _sub(tree, "library_flag") is not None
        if not self.low_level:
            for node in tree.iter_subtrees_topdown():  # a generator: iter_subtrees lists every node first
                if node.data == "sysflag":
                    self.err(node.children[0], "system flags ([...]) are only allowed in low-level modules "
                                               "(that IMPORT SYSTEM); arrays are ARRAY n OF T")
                elif node.data == "code_decl":
                    self.err(node.children[1], "code procedures ([code]) are only allowed in modules that "
                                               "IMPORT SYSTEM")
        decls = _sub(tree, "decl_seq")
        self.collect_types(decls)
        self.block(decls, [scope], level=0, bodies=[_sub(tree, "body"), _sub(tree, "close")], function=False)
        self.method_rules()

    # ---- declarations -------------------------------------------------------------------
    def block(self, decls: Tree, scopes: list[dict[str, str]], level: int, bodies: list[Tree | None],
              function: bool, proc_name: Token | None = None) -> None:
        scope = scopes[-1]
        seen_proc: Token | None = None
        forward: set[str] = set()
        for item in decls.children:
            if item.data in ("const_section", "type_section", "var_section"):
                if seen_proc is not None:
                    kw = item.children[0]
                    self.err(kw, f"{kw} section after procedure declarations: all CONST/TYPE/VAR sections of a "
                                 f"block come before its procedures")
                for d in item.children[1:]:
                    if not isinstance(d, Tree):
                        continue
                    defs = [d.children[0]] if d.data != "var_decl" else _subs(d.children[0], "identdef")
                    for idd in defs:
                        self.declare(scope, idd, level, item.data.split("_")[0])
            else:  # proc_item
                proc = item.children[0]
                seen_proc = seen_proc or proc.children[0]
                recv = _sub(proc, "receiver")
                name, export = _identdef(_sub(proc, "identdef"))
                if recv is not None:
                    if level > 0:
                        self.err(proc.children[0], "methods (type-bound procedures) are declared at module level only")
                    continue
                if export is not None and level > 0:
                    self.err(export, f"export mark on local procedure '{name}': marks are allowed at module level only")
                attrs = self.attrs(proc)
                if attrs:
                    self.err(proc.children[0], f"procedure '{name}' has method attributes "
                                               f"({', '.join(sorted(attrs))}) but no receiver")
                if name.value in scope and name.value not in forward:
                    self.err(name, f"'{name}' is declared twice in the same scope")
                scope[name.value] = "proc"
                if proc.data == "forward_decl":
                    forward.add(name.value)
        # declarations are known: now types, constants and procedure bodies
        for item in decls.children:
            if item.data == "proc_item":
                self.procedure(item.children[0], scopes, level)
            else:
                for d in item.children[1:]:
                    if isinstance(d, Tree):
                        self.uses(d.children[2], scopes)
        for body in bodies:
            if body is not None:
                self.statements(body.children[1], scopes, function=function, in_loop=False, module=level == 0)
        if function and proc_name is not None and bodies[0] is not None and not self._has_return_value(bodies[0]):
            self.err(proc_name, f"function procedure '{proc_name}' has no 'RETURN expression'")
        elif function and proc_name is not None and bodies[0] is None:
            self.err(proc_name, f"function procedure '{proc_name}' has no body with 'RETURN expression'")

    def declare(self, scope: dict[str, str], identdef: Tree, level: int, kind: str) -> None:
        name, export = _identdef(identdef)
        if export is not None and level > 0:
            self.err(export, f"export mark on local declaration '{name}': marks are allowed at module level only")
        if name.value in scope:
            self.err(name, f"'{name}' is declared twice in the same scope")
        scope[name.value] = kind

    @staticmethod
    def attrs(proc: Tree) -> set[str]:
        for c in proc.children:
            if isinstance(c, Tree) and c.data.endswith("_attrs"):
                return {t.value for t in c.children if t.type != "COMMA"}
        return set()

    def procedure(self, proc: Tree, scopes: list[dict[str, str]], level: int) -> None:
        name, _ = _identdef(_sub(proc, "identdef"))
        attrs = self.attrs(proc)
        for a in attrs - {"NEW", "ABSTRACT", "EMPTY", "EXTENSIBLE"}:
            tok = next(t for c in proc.children if isinstance(c, Tree) and c.data.endswith("_attrs")
                       for t in c.children if t.value == a)
            self.err(tok, f"unknown procedure attribute '{a}': only NEW, ABSTRACT, EMPTY, EXTENSIBLE "
                          f"(Delphi's virtual/override are expressed by these)")
        local: dict[str, str] = {}
        recv = _sub(proc, "receiver")
        if recv is not None:
            ids = _toks(recv, "IDENT")
            local[ids[0].value] = "param"
            self.check_name(ids[1], scopes)
        pars = _sub(proc, "formal_pars")
        function = False
        if pars is not None:
            function = any(isinstance(c, Token) and c.type == "COLON" for c in pars.children)
            for sec in _subs(pars, "fp_section"):
                for t in _toks(sec, "IDENT"):
                    if t.value in local:
                        self.err(t, f"parameter '{t}' is declared twice")
                    local[t.value] = "param"
            self.uses(pars, scopes)
        if proc.data != "proc_decl":
            return
        end_name = proc.children[-1]
        if end_name.value != name.value:
            self.err(end_name, f"procedure '{name}' must end with 'END {name}', not 'END {end_name}'")
        sysflagged = _sub(proc, "sysflag") is not None
        self.block(_sub(proc, "decl_seq"), scopes + [local], level + 1, [_sub(proc, "body")],
                   function=function, proc_name=None if sysflagged else name)

    # ---- uses of names ------------------------------------------------------------------
    def check_name(self, tok: Token, scopes: list[dict[str, str]], qualified: bool = False) -> None:
        v = tok.value
        if v in PREDECLARED:
            return
        for s in scopes:
            if v in s:
                return
        if qualified and v in self.imports.values():
            alias = next(a for a, m in self.imports.items() if m == v)
            self.err(tok, f"module '{v}' is imported as '{alias}': write {alias}.…")
            return
        hint = undeclared_hint(v)
        if hint:
            self.err(tok, f"undeclared identifier '{v}': {hint}")
        elif qualified and v[:1].isupper():
            self.err(tok, f"undeclared identifier '{v}' (module not imported? add it to IMPORT)")
        else:
            self.err(tok, f"undeclared identifier '{v}'")

    def module_qualifier(self, tok: Token, scopes: list[dict[str, str]]) -> None:
        """In a type's or a guard's qualified name M.T, M is a module: the compiler's parser reads the '.'
        only after a module's name (a type T.NEW is T followed by a stray '.')."""
        kind = next((s[tok.value] for s in reversed(scopes) if tok.value in s),
                    "predeclared name" if tok.value in PREDECLARED else None)
        if kind is not None and kind != "import":
            self.err(tok, f"'{tok}' is not a module: a qualified name is Module.Name (a {kind} here)")

    def standard_call(self, ch: list, scopes: list[dict[str, str]]) -> None:
        """A call of a predeclared procedure (LEN(a), SYSTEM.VAL(T, x)) ends the designator: the compiler's
        parser hands it to StandProcCall and reads no selector after it."""
        head = ch[0].value
        if self.imports.get(head) == "SYSTEM" and len(ch) > 1 and ch[1].data == "field":
            shown, call = f"{head}.{ch[1].children[-1].value}", 2
        elif head in STANDARD_PROCEDURES and not any(head in s for s in scopes):
            shown, call = head, 1
        else:
            return
        if len(ch) > call + 1 and ch[call].data == "args":
            self.err(ch[0], f"nothing can follow the call of the predeclared procedure {shown}(...)")

    def uses(self, node, scopes: list[dict[str, str]]) -> None:
        if not isinstance(node, Tree):
            return
        d = node.data
        if d == "designator":
            ch = node.children
            qualified = len(ch) > 1 and isinstance(ch[1], Tree) and ch[1].data == "field"
            self.check_name(ch[0], scopes, qualified)
            for sel in ch[1:]:
                if sel.data in ("index", "args"):
                    self.uses(sel, scopes)
            self.standard_call(ch, scopes)
            return
        if d == "qualident":
            self.check_name(node.children[0], scopes, len(node.children) > 1)
            if len(node.children) > 1:
                self.module_qualifier(node.children[0], scopes)
            return
        if d in ("field_list", "fp_section"):
            for c in node.children:
                if isinstance(c, Tree) and c.data not in ("identlist", "sysflag"):
                    self.uses(c, scopes)
            return
        if d == "sysflag":
            return
        for c in node.children:
            if isinstance(c, Tree):
                self.uses(c, scopes)

    # ---- statements ---------------------------------------------------------------------
    _NESTED = frozenset({"stmt_seq", "case", "with_alt"})

    def statements(self, node, scopes, function: bool, in_loop: bool, module: bool) -> None:
        """Walk a statement (sequence): control-flow rules here, names via uses()."""
        if not isinstance(node, Tree):
            return
        d = node.data
        if d in ("assignment", "call"):
            self.uses(node, scopes)
            return
        if d == "return_stmt":
            has_value = len(node.children) > 1
            if has_value and not function:
                self.err(node.children[0], "RETURN with a value outside a function procedure"
                         + (" (in the module body)" if module else "; declare the result type: PROCEDURE F (): T"))
            elif not has_value and function:
                self.err(node.children[0], "RETURN without a value in a function procedure")
        elif d == "exit_stmt":
            if not in_loop:
                self.err(node.children[0], "EXIT is only allowed inside LOOP ... END (it is not 'break'; "
                                           "fold the condition into WHILE/REPEAT, or RETURN)")
            return
        elif d == "loop_stmt":
            in_loop = True
        elif d == "for_stmt":
            self.check_name(node.children[1], scopes)
            by = [i for i, c in enumerate(node.children) if isinstance(c, Token) and c.type == "BY"]
            if by:
                step = node.children[by[0] + 1]
                if isinstance(step, Token) and step.type == "INTEGER" and _int_value(step.value) == 0:
                    self.err(step, "the FOR step (BY) must be a non-zero constant")
        for c in node.children:
            if not isinstance(c, Tree):
                continue
            if d == "stmt_seq" or c.data in self._NESTED:
                self.statements(c, scopes, function, in_loop, module)
            else:
                self.uses(c, scopes)

    @staticmethod
    def _has_return_value(body: Tree) -> bool:
        return any(n.data == "return_stmt" and len(n.children) > 1 for n in body.iter_subtrees_topdown())

    # ---- records and methods (rule 8) ---------------------------------------------------
    def collect_types(self, decls: Tree) -> None:
        for item in decls.children:
            if item.data != "type_section":
                continue
            for td in item.children[1:]:
                if not isinstance(td, Tree):
                    continue
                name = td.children[0].children[0].value
                typ = td.children[2]
                if isinstance(typ, Tree) and typ.data == "pointer_type":
                    target = typ.children[-1]
                    if isinstance(target, Tree) and target.data == "record_type":
                        self.records[name] = self.record(name, target)
                    elif isinstance(target, Tree) and target.data == "qualident" and len(target.children) == 1:
                        self.pointer_to[name] = target.children[0].value
                elif isinstance(typ, Tree) and typ.data == "record_type":
                    self.records[name] = self.record(name, typ)
                elif isinstance(typ, Tree) and typ.data == "qualident" and len(typ.children) == 1:
                    self.pointer_to.setdefault(name, typ.children[0].value)  # alias T1 = T
        for item in decls.children:
            if item.data != "proc_item":
                continue
            proc = item.children[0]
            recv = _sub(proc, "receiver")
            if recv is None:
                continue
            rec = self.resolve(_toks(recv, "IDENT")[1].value)
            if rec is not None:
                name, _ = _identdef(_sub(proc, "identdef"))
                attrs = self.attrs(proc)
                self.records[rec].methods.setdefault(name.value, set()).update(attrs)
                if proc.data != "forward_decl":  # checked once, at the full declaration
                    self.methods.append((proc, rec, name, attrs))

    def record(self, name: str, rt: Tree) -> _Record:
        attr = next((t.value for t in _toks(rt) if t.type in ("ABSTRACT", "EXTENSIBLE", "LIMITED")), None)
        base = _sub(rt, "qualident")
        if base is None:
            return _Record(name, attr, None, False)
        if len(base.children) > 1 or base.children[0].value in ("ANYREC",):
            return _Record(name, attr, None, True)
        return _Record(name, attr, base.children[0].value, False)

    def resolve(self, name: str) -> str | None:
        for _ in range(8):
            if name in self.records:
                return name
            if name not in self.pointer_to:
                return None
            name = self.pointer_to[name]
        return None

    def method_rules(self) -> None:
        for proc, rec, name, attrs in self.methods:
            r = self.records[rec]
            chain_known, inherited = True, False
            base, seen = r.base, {rec}
            if r.base_external:
                chain_known = False
            while base is not None:
                b = self.resolve(base)
                if b is None or b in seen:
                    chain_known = False
                    break
                seen.add(b)
                if name.value in self.records[b].methods:
                    inherited = True
                if self.records[b].base_external:
                    chain_known = False
                base = self.records[b].base
            if "NEW" in attrs and inherited:
                self.err(name, f"method '{name}' redefines an inherited method: remove ', NEW'")
            if "NEW" not in attrs and chain_known and not inherited and name.value != "FINALIZE":
                self.err(name, f"method '{name}' is new in '{rec}': declare it with ', NEW' "
                               f"(PROCEDURE (...) {name}* (...), NEW;)")
            if "ABSTRACT" in attrs and r.attr != "ABSTRACT":
                self.err(name, f"ABSTRACT method '{name}' in a record that is not ABSTRACT ('{rec}')")
            if "NEW" in attrs and attrs & {"EMPTY", "EXTENSIBLE"} and r.attr is None:
                kind = "EMPTY" if "EMPTY" in attrs else "EXTENSIBLE"
                self.err(name, f"new {kind} method '{name}' in a final record: declare '{rec}' "
                               f"EXTENSIBLE or ABSTRACT")


def _int_value(lit: str) -> int | None:
    try:
        return int(lit[:-1], 16) if lit[-1] in "HL" else int(lit)
    except ValueError:
        return None


def check_tree(tree: Tree) -> list[Finding]:
    """Findings (offset, message) of the static rules on a parse tree of `start`."""
    c = _Checker()
    c.module(tree.children[0])
    return c.findings
