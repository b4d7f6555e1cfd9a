"""Our lark checker against BlackBox's own compiler, on real modules and on mutants of them.

    module_sources(root) -> ([Module], [skipped lines])        # every <Sub>/Mod/*.odc of a BlackBox tree
    judge(build, modules, mutants_per_module, seed, support) -> [Verdict]
    table(verdicts) -> {row: {outcome: count}}                 # rows: "original" and each mutant kind

The compiler is the ground truth. A module is compiled with its imports: the originals go to one
batch folder in dependency order (each module's imports before it), so a Windows module of the tree
finds the symbol files of the Windows modules it imports even on Linux, where the build has none;
each round of mutants is compiled in a copy of that folder, dependents first, so a mutant that still
compiles (and writes its symbol file) is never seen by another mutant. A module's mutants are drawn
from a generator seeded by the seed and the module's file, so they do not depend on which other
modules are judged with it.

The compiler's messages (Dev/Rsrc/Errors) are split in two: SYNTAX_MESSAGES are its scanner's and
parser's complaints about the token sequence (numbers 2, 3, 5, 9, 12-16, 19-29, 35-38, 40, 43, 44,
47-49, 51) and 4 "identifier does not match procedure name", the END-name rule the checker also
implements; everything else (undeclared identifiers, types, missing symbol files, traps) is
semantic, which the checker cannot see. A failed compile is a syntax rejection when its first
error is a syntax message: a mutant has one fault, and the errors after the first are often its
consequences (the parser stumbles on what follows an undeclared `Files.Exists.SameFile`).

A disagreement on syntax is where the checker should follow the compiler: it rejects what compiles
(a false alarm), accepts what the compiler rejects for syntax, or, on a module of the tree that both
reject, reports a syntax error that no compiler error explains although the compiler parsed the whole
module (the compiler records no error within 9 characters after the previous one, so a syntax error
right behind a semantic one is explained by it). On a mutant, both rejecting is agreement: its one
fault is known, and the compiler's recovery after a semantic error hides more than those 9 characters.
"""

from __future__ import annotations

import logging
import math
import random
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from bbcopilot.blackbox.mutants import KINDS, imports, mutants
from bbcopilot.blackbox.toolchain import CompileResult, ToolchainError, compile_in, compile_in_rounds, prepare_source
from bbcopilot.convert import convert_file
from bbcopilot.cpcheck import Diagnostic, check_source
from bbcopilot.cpcheck.lexer import Positions, scan
from bbcopilot.errors import InputError

log = logging.getLogger(__name__)

ORIGINAL = "original"
OUTCOMES = ("both accept", "both reject", "checker only", "compiler only: syntax", "compiler only: semantic")

SYNTAX_MESSAGES = frozenset({
    "illegal character in number", "illegal character in string", "identifier does not match procedure name",
    "comment not closed", '"=" expected', "type definition starts with incorrect symbol",
    "factor starts with incorrect symbol", "statement starts with incorrect symbol",
    "declaration followed by incorrect symbol", "MODULE expected", '"." missing', '"," missing', '":" missing',
    '")" missing', '"]" missing', '"}" missing', "OF missing", "THEN missing", "DO missing", "TO missing",
    '"," or OF expected', "CONST, TYPE, VAR, PROCEDURE, BEGIN, or END missing", "PROCEDURE, BEGIN, or END missing",
    "BEGIN or END missing", '"(" missing', "UNTIL missing", '":=" missing', "string expected", "identifier expected",
    '";" missing', "END missing",
})

# Errors 150-154: after them DevCPP.Module skips the module's declarations and body.
IMPORT_FAILURES = frozenset({"key inconsistency of imported module", "incorrect symbol file",
                             "symbol file of imported module not found", "recursive import not allowed"})


def is_syntax_message(message: str) -> bool:
    return message.strip() in SYNTAX_MESSAGES


def is_checker_syntax(diagnostic: Diagnostic) -> bool:
    """A parse error of the checker (its lexical, habit and rule findings are the others)."""
    return diagnostic.message.startswith("syntax error")


@dataclass
class Module:
    file: str  # relative to the tree: "Text/Mod/Models.odc"
    name: str  # the module it declares
    text: str
    imports: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    file: str
    kind: str  # ORIGINAL or a mutant kind
    description: str
    checker: list[Diagnostic]
    compiler: CompileResult
    # the checker's syntax errors that no compiler error explains (see unexplained_syntax)
    unexplained: list[Diagnostic] = field(default_factory=list)

    @property
    def compiler_syntax(self) -> bool:
        return bool(self.compiler.errors) and is_syntax_message(self.compiler.errors[0][2])

    @property
    def outcome(self) -> str:
        checker_ok, compiler_ok = not self.checker, self.compiler.ok
        if checker_ok and compiler_ok:
            return "both accept"
        if not checker_ok and not compiler_ok:
            return "both reject"
        if compiler_ok:
            return "checker only"
        return "compiler only: syntax" if self.compiler_syntax else "compiler only: semantic"

    @property
    def syntax_disagreement(self) -> bool:
        """The compiler is right and the checker is not: it accepted a syntax error, or rejected valid code,
        or called a module of the tree that parses (the compiler found only semantic errors) a syntax error."""
        if self.outcome in ("checker only", "compiler only: syntax"):
            return True
        return self.kind == ORIGINAL and self.outcome == "both reject" and not self.compiler_syntax \
            and self.compiler_parsed and bool(self.unexplained)

    @property
    def compiler_parsed(self) -> bool:
        # The compiler parses no further than a failed IMPORT list, and a trap ends its parse.
        return not any(m.strip() in IMPORT_FAILURES or m.startswith("the compiler trapped")
                       for _, _, m in self.compiler.errors)

    def first_compiler_error(self) -> str:
        return next((f"{line}:{col}: {m}" for line, col, m in self.compiler.errors), "")

    def first_checker_error(self) -> str:
        shown = (self.unexplained if self.outcome == "both reject" else None) or self.checker
        return f"{shown[0].line}:{shown[0].col}: {shown[0].message}" if shown else ""


# ---------------------------------------------------------------- sources


def module_sources(root: Path, only: set[str] | None = None) -> tuple[list[Module], list[str]]:
    """The module sources (`<Sub>/Mod/*.odc`, or the relative paths in `only`) of a BlackBox tree as plain
    text; one line per file skipped."""
    modules, skipped = [], []
    names: dict[str, str] = {}
    for path in sorted(root.glob("*/Mod/*.odc")):
        relpath = path.relative_to(root).as_posix()
        if only is not None and relpath not in only:
            continue
        try:
            text = convert_file(path, root, "plain", relpath).text
        except InputError as err:
            skipped.append(str(err))
            continue
        tokens = scan(text).tokens
        if len(tokens) < 2 or tokens[0].type != "MODULE" or tokens[1].type != "IDENT":
            skipped.append(f"{relpath}: no MODULE heading")
            continue
        name = tokens[1].value
        if name in names:
            skipped.append(f"{relpath}: declares {name} again (first in {names[name]})")
            continue
        names[name] = relpath
        modules.append(Module(relpath, name, text, list(imports(tokens).values())))
    return modules, skipped


def with_imports(chosen: list[Module], tree: list[Module]) -> list[Module]:
    """The modules of `tree` that `chosen` import, directly or not, and are not among them."""
    by_name = {m.name: m for m in tree}
    seen = {m.name for m in chosen}
    todo, out = list(chosen), []
    while todo:
        for name in todo.pop().imports:
            if name in by_name and name not in seen:
                seen.add(name)
                out.append(by_name[name])
                todo.append(by_name[name])
    return out


def dependency_order(modules: list[Module]) -> list[Module]:
    """Each module after the modules it imports (imports from outside the list are the build's)."""
    by_name = {m.name: m for m in modules}
    graph = {m.name: [i for i in m.imports if i in by_name] for m in modules}
    try:
        return [by_name[name] for name in TopologicalSorter(graph).static_order()]
    except CycleError as err:  # the compiler refuses a cycle anyway; it gets the modules in file order
        log.warning("import cycle %s: compiled in file order", " -> ".join(err.args[1]))
        return list(modules)


# ---------------------------------------------------------------- compiling


def _compile_all(build: Path, use_dir: Path, sources: list[tuple[str, str]], first_index: int) -> list[CompileResult]:
    """Compile (name, text) sources in order in `use_dir`, which keeps their symbol files.

    Sources sharing a file (two mutants that lost their module name) go to successive calls, and so
    do the ones after a source the compiler trapped on.
    """
    prepared = [prepare_source(first_index + i, name, text) for i, (name, text) in enumerate(sources)]
    return compile_in_rounds(build, prepared, lambda batch: _compile_or_isolate(build, use_dir, batch))


def _compile_or_isolate(build: Path, use_dir: Path, sources: list) -> dict[str, CompileResult]:
    """compile_in, and where the compiler leaves no result at all (a stack overflow in it loses the log
    of the whole batch), the sources again in about sqrt(n) groups, down to the one that does it.
    Groups, not halves: such a run can take a minute and gigabytes before it ends."""
    try:
        return compile_in(build, use_dir, sources)
    except ToolchainError as err:
        if len(sources) == 1:
            log.warning("%s: %s", sources[0].name, str(err)[:300])
            return {sources[0].path: CompileResult(sources[0].name, False,
                                                   [(0, 0, "the compiler trapped with no output")])}
        size = max(1, math.isqrt(len(sources)))  # < n for n >= 2
        found: dict[str, CompileResult] = {}
        for start in range(0, len(sources), size):
            found |= _compile_or_isolate(build, use_dir, sources[start:start + size])
        return found


def checked_text(text: str, index: int) -> str:
    """The text as the compiler sees it (a fragment is wrapped in a module): the checker judges the same."""
    return prepare_source(index, "", text).text


def judge(build: Path, modules: list[Module], mutants_per_module: int, seed: int = 0,
          support: list[Module] | None = None) -> list[Verdict]:
    """Checker and compiler verdicts on every module and on `mutants_per_module` mutants of each.

    `support` modules (imports of `modules` that the build lacks, see with_imports) are compiled
    with them, each before the modules that import it, and not judged.
    """
    support = support or []
    order = dependency_order(modules + support)
    position = {m.name: i for i, m in enumerate(order)}
    rounds: list[list[tuple[Module, str | None, str, str]]] = [[] for _ in range(mutants_per_module)]
    for module in modules:
        rng = random.Random(f"{seed}:{module.file}")
        for r, mutant in enumerate(mutants(module.text, rng, mutants_per_module)):
            rounds[r].append((module, mutant.kind, mutant.description, mutant.text))
    verdicts: list[Verdict] = []
    index = 0
    with tempfile.TemporaryDirectory(prefix="bbcopilot-agreement-") as folder:
        base = Path(folder) / "originals"
        base.mkdir()
        supporting = {m.name for m in support}
        cases = [(m, None if m.name in supporting else ORIGINAL, "", m.text) for m in order]
        verdicts += _judge_cases(build, base, cases, index)
        index += len(cases)
        for r, cases in enumerate(rounds):
            # dependents first: a mutant's symbol file is written after every module that imports it
            cases.sort(key=lambda case: -position[case[0].name])
            round_dir = Path(folder) / f"round{r}"
            shutil.copytree(base, round_dir)
            verdicts += _judge_cases(build, round_dir, cases, index)
            index += len(cases)
            shutil.rmtree(round_dir)
    return verdicts


def _judge_cases(build: Path, use_dir: Path, cases: list[tuple[Module, str | None, str, str]],
                 index: int) -> list[Verdict]:
    """Compile the cases in order in `use_dir` and check them; a case of kind None is only compiled."""
    texts = [checked_text(text, index + i) for i, (_, _, _, text) in enumerate(cases)]
    compiled = _compile_all(build, use_dir, [(m.file, text) for (m, _, _, _), text in zip(cases, texts)], index)
    verdicts = []
    for (module, kind, description, _), text, result in zip(cases, texts, compiled):
        if kind is None:
            continue
        checker = check_source(text, module.file)
        verdicts.append(Verdict(module.file, kind, description, checker, result,
                                unexplained_syntax(text, checker, result)))
    return verdicts


# DevCPM.Mark records an error only when it lies more than 9 characters after the last one recorded, so
# a syntax error right after a semantic one ("x ~y": 'called object is not a procedure') goes unreported.
# The checker's position is the start of the token, the compiler's just after the symbol it stopped at.
_HIDDEN_BEFORE, _HIDDEN_AFTER = 20, 10


def unexplained_syntax(text: str, checker: list[Diagnostic], compiled: CompileResult) -> list[Diagnostic]:
    """The checker's syntax errors that lie where the compiler recorded no error (nor could have hidden one)."""
    starts = Positions(text).starts

    def offset(line: int, col: int) -> int:
        return starts[min(max(line, 1), len(starts)) - 1] + col - 1

    errors = [offset(line, col) for line, col, _ in compiled.errors]
    return [d for d in checker if is_checker_syntax(d)
            and not any(e - _HIDDEN_BEFORE <= offset(d.line, d.col) <= e + _HIDDEN_AFTER for e in errors)]


def table(verdicts: list[Verdict]) -> dict[str, dict[str, int]]:
    """Outcome counts per row: "original" first, then each mutant kind that occurs, in KINDS order."""
    rows: dict[str, Counter] = {kind: Counter() for kind in (ORIGINAL, *KINDS)}
    for v in verdicts:
        rows[v.kind][v.outcome] += 1
    return {kind: {outcome: counts[outcome] for outcome in OUTCOMES}
            for kind, counts in rows.items() if kind == ORIGINAL or counts}
