"""Delphi-ised corruptions of good Component Pascal answers: the rejected side of DPO pairs.

    corruptions(code, index) -> [(kind, corrupted code)]         # one per kind that changes the code
    failing_corruptions(answers, build, index, support) -> CorruptionRun   # only those the judge rejects

Kinds (`KINDS`), each a habit of a programmer who writes Pascal/Delphi:
- `writeln`: StdLog's output calls as Pascal's `write(x)`, `StdLog.Ln` as `writeln`, and
  `StdLog.String(x); StdLog.Ln` as one `writeln(x)`;
- `lowercase_keywords`: the statement and block keywords Pascal shares (`BEGIN`, `END`, `IF`,
  `THEN`, ...) in lower case;
- `string_type`: every `ARRAY n OF CHAR` / `ARRAY OF CHAR` as Delphi's `string`;
- `const_assign`: every constant declared with `:=` instead of `=`. Code without a CONST section
  does not get this kind: a corruption rewrites what the code has, it adds nothing to it;
- `invented_api`: a real qualified name (`StdLog.String`, `TextModels.dir.New`, a type `Files.File`)
  renamed to one a model plausibly invents (`StdLog.WriteString`, `TextModels.NewText`, Delphi's
  `Files.TFile`), checked against the API index: the new name is not exported by the module.

A habit is systematic, so a kind rewrites every occurrence it applies to (`invented_api`: every use
of the first real name, in text order, that has an invented counterpart). No randomness: the same
code gives the same corruptions. Every site is a token of the project's scanner, so comments and
strings are never rewritten; scanning stops at the module's `END Name.` as the compiler does.

A corruption that the compiler still accepts is no negative: `failing_corruptions` compiles every
answer and every corruption in one compiler batch and keeps those rejected while their original
compiles. Without a toolchain the checker judges (syntax, its Pascal/Delphi habits, the API index)
and each corruption says so (`judged_by`).
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lark import Token

from bbcopilot.api_index import ApiIndex, check_api, index_module_source
from bbcopilot.blackbox.mutants import const_assign_sites, imports, qualified_sites, string_type_sites
from bbcopilot.blackbox.toolchain import compile_sources
from bbcopilot.blackbox.verdict import CHECKER, COMPILER
from bbcopilot.cpcheck import check_source
from bbcopilot.cpcheck.lexer import Positions, scan
from bbcopilot.metrics import CODE_JOINER, as_module, code_spans, extract_code

log = logging.getLogger(__name__)

KINDS = ("writeln", "lowercase_keywords", "string_type", "const_assign", "invented_api")

Edit = tuple[int, int, str]  # (start, end, replacement), offsets into the code

# ---------------------------------------------------------------- the kinds

# StdLog's procedures that write one value (Pascal's write takes any of them).
_LOG_WRITES = frozenset({"String", "Int", "Real", "Char", "Bool"})
# The keywords Pascal has too, in statements and blocks (declarations keep theirs: `function` and
# `var` are mutants' own kinds).
_PASCAL_KEYWORDS = frozenset({"BEGIN", "END", "IF", "THEN", "ELSE", "WHILE", "DO", "FOR", "TO", "REPEAT",
                              "UNTIL", "CASE"})

# Names models invent for real BlackBox exports: module -> real name (or selector chain) -> candidates,
# first one not exported wins. Delphi's RTL names mostly (IntToStr, Pos, UpperCase, Power).
INVENTED_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "StdLog": {"String": ("WriteString", "Print"), "Int": ("WriteInt",), "Ln": ("WriteLn", "NewLine"),
               "Real": ("WriteReal",), "Char": ("WriteChar",), "Bool": ("WriteBool",), "Tab": ("WriteTab",)},
    "Strings": {"IntToString": ("IntToStr",), "StringToInt": ("StrToInt",), "RealToString": ("FloatToStr",),
                "StringToReal": ("StrToFloat",), "Find": ("Pos",), "Extract": ("Copy",),
                "Upper": ("UpperCase",), "Lower": ("LowerCase",), "IsUpper": ("IsUpperCase",),
                "IsLower": ("IsLowerCase",), "Replace": ("StringReplace",), "SetToString": ("SetToStr",),
                "ToUpper": ("UpperCase",), "ToLower": ("LowerCase",)},
    "Math": {"IntPower": ("Power", "IntPow"), "Power": ("Pow",), "Pi": ("PI",), "Sqrt": ("Sqr",),
             "Round": ("RoundTo",), "Ln": ("Log",)},
    "TextModels": {"dir.New": ("NewText", "New"), "NewColor": ("SetColor",)},
    "Files": {"dir.New": ("NewFile", "Create"), "dir.Old": ("OpenFile", "Open"), "dir.This": ("ThisDir",)},
    "Dialog": {"ShowMsg": ("ShowMessage",), "GetOK": ("MessageDlg",)},
    "Views": {"OpenView": ("ShowView",)},
    "Dates": {"DayToDate": ("IncDay",), "GetDate": ("Now",), "GetTime": ("Time",)},
}
# A type without an entry gets Delphi's type prefix: Files.File -> Files.TFile.
_DELPHI_TYPE_PREFIX = "T"


def _writeln(code: str, toks: list[Token], index: ApiIndex) -> list[Edit]:
    logs = {alias for alias, module in imports(toks).items() if module == "StdLog"}
    sites = set(qualified_sites(toks, logs))
    edits: list[Edit] = []
    i = 0
    while i < len(toks):
        if i not in sites:
            i += 1
            continue
        name = toks[i + 2].value
        if name == "Ln":
            end = _after_empty_parens(toks, i + 3)
            edits.append((toks[i].start_pos, toks[end - 1].end_pos, "writeln"))
            i = end
            continue
        close = _closing_paren(toks, i + 3) if name in _LOG_WRITES else None
        if close is None:
            i += 1
            continue
        ln = close + 2  # `StdLog.String(x); StdLog.Ln`, nothing but the ';' between: one writeln(x)
        if ln in sites and toks[ln + 2].value == "Ln" \
                and code[toks[close].end_pos:toks[ln].start_pos].strip() == ";":
            end = _after_empty_parens(toks, ln + 3)
            args = code[toks[i + 3].start_pos:toks[close].end_pos]
            edits.append((toks[i].start_pos, toks[end - 1].end_pos, "writeln" + args))
            i = end
            continue
        edits.append((toks[i].start_pos, toks[i + 2].end_pos, "write"))
        i += 3  # the arguments may hold another call
    return edits


def _after_empty_parens(toks: list[Token], i: int) -> int:
    """i, or past the `()` that starts at toks[i]."""
    if i + 1 < len(toks) and toks[i].type == "LPAR" and toks[i + 1].type == "RPAR":
        return i + 2
    return i


def _closing_paren(toks: list[Token], i: int) -> int | None:
    """The index of the ')' closing the '(' at toks[i]; None when toks[i] is no '(' or it is not closed."""
    if i >= len(toks) or toks[i].type != "LPAR":
        return None
    depth = 0
    for j in range(i, len(toks)):
        depth += {"LPAR": 1, "RPAR": -1}.get(toks[j].type, 0)
        if depth == 0:
            return j
    return None


def _lowercase_keywords(code: str, toks: list[Token], index: ApiIndex) -> list[Edit]:
    return [(t.start_pos, t.end_pos, t.value.lower()) for t in toks if t.type in _PASCAL_KEYWORDS]


def _string_type(code: str, toks: list[Token], index: ApiIndex) -> list[Edit]:
    return [(toks[i].start_pos, toks[j].end_pos, "string") for i, j in string_type_sites(toks)]


def _const_assign(code: str, toks: list[Token], index: ApiIndex) -> list[Edit]:
    return [(t.start_pos, t.end_pos, ":=") for t in const_assign_sites(toks)]


def invented_name(index: ApiIndex, module: str, selectors: list[str]) -> tuple[int, str] | None:
    """(how many of `selectors` it replaces, the invented name) for a use `module.selectors[0]...`;
    None when the module's exports are unknown to the index, the name is not one of them, or every
    candidate is a real export."""
    if not index.exports_known(module) or selectors[0] not in index.exports(module):
        return None
    exports = index.exports(module)
    table = INVENTED_NAMES.get(module, {})
    for length in (2, 1):
        key = ".".join(selectors[:length])
        if len(selectors) >= length and key in table:
            fresh = [name for name in table[key] if name not in exports]
            return (length, fresh[0]) if fresh else None
    api = index.modules.get(module)
    if api is not None and selectors[0] in api.types:
        name = _DELPHI_TYPE_PREFIX + selectors[0]
        return None if name in exports else (1, name)
    return None


def _invented_api(code: str, toks: list[Token], index: ApiIndex) -> list[Edit]:
    aliases = imports(toks)
    chosen: tuple[str, tuple[str, ...], str] | None = None  # (module, real selectors, invented name)
    edits: list[Edit] = []
    for i in qualified_sites(toks, set(aliases)):
        selectors = [toks[i + 2].value]
        if i + 4 < len(toks) and toks[i + 3].type == "DOT" and toks[i + 4].type == "IDENT":
            selectors.append(toks[i + 4].value)
        module = aliases[toks[i].value]
        if chosen is None:
            found = invented_name(index, module, selectors)
            if found is None:
                continue
            length, new = found
            chosen = (module, tuple(selectors[:length]), new)
        module_of, real, new = chosen
        if module == module_of and tuple(selectors[:len(real)]) == real:
            last = toks[i + 2 * len(real)]
            edits.append((toks[i + 2].start_pos, last.end_pos, new))
    return edits


_FINDERS = {
    "writeln": _writeln,
    "lowercase_keywords": _lowercase_keywords,
    "string_type": _string_type,
    "const_assign": _const_assign,
    "invented_api": _invented_api,
}


def corruption_edits(code: str, index: ApiIndex) -> list[tuple[str, list[Edit]]]:
    """(kind, edits) for each kind that changes `code`, in the order of KINDS; edits in text order."""
    toks = scan(code).tokens
    found = [(kind, _FINDERS[kind](code, toks, index)) for kind in KINDS]
    return [(kind, edits) for kind, edits in found if edits]


def applied(text: str, edits: list[Edit]) -> str:
    """`text` with `edits` (in text order, not overlapping) made."""
    parts, at = [], 0
    for start, end, new in edits:
        parts += [text[at:start], new]
        at = end
    return "".join(parts) + text[at:]


def corruptions(code: str, index: ApiIndex) -> list[tuple[str, str]]:
    """(kind, corrupted code) for each kind that changes `code`, in the order of KINDS."""
    return [(kind, applied(code, edits)) for kind, edits in corruption_edits(code, index)]


# ---------------------------------------------------------------- judged by the compiler


@dataclass(frozen=True)
class Corruption:
    """A corrupted good answer that the judge rejects: DPO's rejected side for `source`'s prompt."""

    source: int  # the good answer's place in the list given
    kind: str  # one of KINDS
    answer: str  # the original answer's prose and fences with the corrupted code
    code: str  # the corrupted code
    error: str  # the judge's first error, "line:col: message" in `code`
    judged_by: str  # verdict.COMPILER or verdict.CHECKER


@dataclass
class CorruptionRun:
    """What `failing_corruptions` made: the kept ones and, per kind, how many were tried and rejected."""

    kept: list[Corruption]
    judged_by: str
    tried: Counter = field(default_factory=Counter)  # kind -> corruptions made
    rejected: Counter = field(default_factory=Counter)  # kind -> of them, rejected by the judge (kept)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (answer, why it gave no corruption)


def answer_with(answer: str, edits: list[Edit]) -> str | None:
    """`answer` with edits to its code (offsets into `extract_code(answer)`) made in place, its prose
    and fences kept; None when an edit would cross from one code block into the next."""
    spans = code_spans(answer)
    starts, at = [], 0  # where each block begins in the joined code
    for start, end in spans:
        starts.append(at)
        at += end - start + len(CODE_JOINER)
    moved: list[Edit] = []
    for start, end, new in edits:
        block = max(k for k in range(len(spans)) if starts[k] <= start)
        if end - starts[block] > spans[block][1] - spans[block][0]:
            return None
        shift = spans[block][0] - starts[block]
        moved.append((start + shift, end + shift, new))
    return applied(answer, moved)


def failing_corruptions(answers: list[str], build: Path | None, index: ApiIndex,
                        support: list[tuple[str, str]] = ()) -> CorruptionRun:
    """The corruptions of `answers` (good ones: their code compiles) that `build`'s compiler rejects,
    all compiled in one batch after the `support` modules (name, source) they may import, e.g. the
    benchmark's BenchTypes; the checker judges when `build` is None. An answer without code, or whose
    own code the judge rejects, gives none and is named in `skipped` with the reason."""
    run = CorruptionRun(kept=[], judged_by=COMPILER if build else CHECKER)
    # (answer, kind or None for the original, code, answer text)
    units: list[tuple[int, str | None, str, str]] = []
    for a, answer in enumerate(answers):
        code = extract_code(answer)
        if not code.strip():
            run.skipped.append((a, "no code in the answer"))
            continue
        units.append((a, None, code, answer))
        for kind, edits in corruption_edits(code, index):
            corrupted = answer_with(answer, edits)
            if corrupted is None:
                run.skipped.append((a, f"{kind}: a rewrite would cross from one code block into the next"))
                continue
            run.tried[kind] += 1
            units.append((a, kind, applied(code, edits), corrupted))
    errors = _compiler_errors(units, build, support) if build else _checker_errors(units, index, support)
    bad_originals = set()
    for (a, kind, _, _), found in zip(units, errors):
        if kind is None and found:
            bad_originals.add(a)
            run.skipped.append((a, f"its own code is rejected ({found[0]}): not a good answer"))
    for (a, kind, code, corrupted), found in zip(units, errors):
        if kind is None or a in bad_originals or not found:
            continue
        run.rejected[kind] += 1
        run.kept.append(Corruption(a, kind, corrupted, code, found[0], run.judged_by))
    for a, reason in run.skipped:
        log.warning("answer %d: %s", a, reason)
    return run


def _compiler_errors(units: list[tuple[int, str | None, str, str]], build: Path,
                     support: list[tuple[str, str]]) -> list[list[str]]:
    """Each unit's compiler errors ("line:col: message" in its code), all in one batch.

    The corruptions of an answer declare the same module: each is compiled under a name of its own
    (the module's name with a suffix), so that all share one compiler process and the support
    modules' symbol files."""
    prepared = []  # (text compiled, where the suffixes went in, the offset of the code in its module)
    for u, (_, _, code, _) in enumerate(units):
        module = as_module(code)
        prepared.append((*_renamed(module, f"Cx{u}"), 0 if module is code else module.find(code)))
    results = compile_sources(build, list(support) + [(f"unit{u}", text) for u, (text, _, _) in enumerate(prepared)])
    out = []
    for (text, inserts, wrapped), (_, _, code, _), result in zip(prepared, units, results[len(support):]):
        at_line = Positions(text).starts
        found = []
        for line, col, message in result.errors:
            offset = at_line[min(line, len(at_line)) - 1] + col - 1
            offset -= sum(min(length, offset - at) for at, length in inserts if at <= offset) + wrapped
            found.append("{}:{}: {}".format(*Positions(code).at(max(0, offset)), message))
        if not result.ok and not found:
            found.append(f"0:0: the compiler rejects it without a message ({result.name})")
        out.append(found)
    return out


def _renamed(module: str, suffix: str) -> tuple[str, list[tuple[int, int]]]:
    """`module` with its name (in `MODULE Name` and the last `Name.`) given `suffix`, and where the
    suffix went in as (offset in the result, length)."""
    toks = scan(module, stop_at_module_end=False).tokens
    if len(toks) < 2 or toks[0].type != "MODULE" or toks[1].type != "IDENT":
        return module, []
    name = toks[1].value
    ends = [t for t, nxt in zip(toks[2:], toks[3:]) if t.value == name and nxt.type == "DOT"]
    at = [toks[1].end_pos] + ([ends[-1].end_pos] if ends else [])
    text = applied(module, [(pos, pos, suffix) for pos in at])
    return text, [(pos + k * len(suffix), len(suffix)) for k, pos in enumerate(at)]


def _checker_errors(units: list[tuple[int, str | None, str, str]], index: ApiIndex,
                    support: list[tuple[str, str]]) -> list[list[str]]:
    """Each unit's findings by the checker alone: syntax and the Pascal/Delphi habits it names (`writeln`,
    `string`), and names the index does not know (the support modules added to it)."""
    known = ApiIndex(dict(index.modules))
    for _, text in support:
        api = index_module_source(text)
        if api is not None and api.name not in known.modules:
            known.modules[api.name] = api
    out = []
    for _, _, code, _ in units:
        unit = as_module(code)
        wrapped = unit.count("\n", 0, unit.find(code)) if unit is not code else 0
        found = [(d.line, d.col, d.message) for d in check_source(unit, "answer.cp") + check_api(unit, known)]
        out.append([f"{line - wrapped}:{col}: {message}" for line, col, message in sorted(set(found))])
    return out


# ---------------------------------------------------------------- the benchmark's references


def reference_corruptions(build: Path | None, index: ApiIndex) -> CorruptionRun:
    """`failing_corruptions` of every train-split benchmark task's reference solution."""
    from bbcopilot.blackbox.bench.tasks import SUITES, TYPES_MODULE, harness_source, training_tasks

    references = [task.reference for suite in SUITES for task in training_tasks(suite) if task.reference]
    answers = [f"```\n{reference.strip()}\n```" for reference in references]
    return failing_corruptions(answers, build, index, support=[(TYPES_MODULE, harness_source("Types"))])


def counts_table(run: CorruptionRun) -> str:
    """Per kind: corruptions made, rejected by the judge (kept as negatives), still accepted."""
    rows = [f"{'kind':<20} {'made':>5} {'rejected':>9} {'accepted':>9}"]
    for kind in KINDS:
        made, rejected = run.tried[kind], run.rejected[kind]
        rows.append(f"{kind:<20} {made:>5} {rejected:>9} {made - rejected:>9}")
    rows.append(f"{'all':<20} {sum(run.tried.values()):>5} {sum(run.rejected.values()):>9} "
                f"{sum(run.tried.values()) - sum(run.rejected.values()):>9}")
    return "\n".join(rows)


def main() -> None:
    from bbcopilot.api_index import distribution_index
    from bbcopilot.blackbox.toolchain import toolchain_or_fallback
    from bbcopilot.config import load_settings
    from bbcopilot.workspace import Workspace

    parser = argparse.ArgumentParser(description="Delphi-ised corruptions of the train-split references, "
                                                 "counted per kind: made, and rejected by the judge.")
    parser.add_argument("--profile", default="demo", help="settings profile (the toolchain and workspace)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(args.profile)
    workspace = Workspace(settings.workspace)
    build, why = toolchain_or_fallback(workspace, settings.toolchain)
    index = distribution_index(workspace, settings.toolchain)
    run = reference_corruptions(build, index)
    print(f"judged by the {run.judged_by}{'' if build else f' ({why})'}; "
          f"{len(run.skipped)} answers or corruptions skipped")
    print(counts_table(run))


if __name__ == "__main__":
    main()
