"""What bbcopilot says about a piece of generated code: BlackBox's compiler's verdict, with the checker's hints.

`judge_answers` takes model answers, extracts their code (a fragment is wrapped in a module) and
compiles it all in one batch with the real compiler. The lark checker adds what a compiler does not
say: the Pascal/Delphi habits behind an error (`writeln`, lower-case `begin`). The hallucination
signal is the compiler's own "undeclared identifier" / "symbol file of imported module not found",
each named with a "did you mean" from the API index. Without a toolchain (`build` None) the checker
judges alone: `judged_by` says which, so a report never passes one off as the other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bbcopilot.api_index import ApiIndex, check_api, compiler_hallucinations
from bbcopilot.blackbox.toolchain import compile_sources
from bbcopilot.cpcheck import check_source
from bbcopilot.cpcheck.delphi import habits, soft_hints
from bbcopilot.cpcheck.lexer import scan
from bbcopilot.metrics import as_module, extract_code

COMPILER, CHECKER = "compiler", "checker"


@dataclass
class CodeVerdict:
    """The verdict on one answer's code."""

    has_code: bool
    compiles: bool  # the compiler accepts it (or, judged by the checker, the checker does)
    syntax_valid: bool  # the lark checker accepts it
    judged_by: str  # COMPILER or CHECKER
    errors: list[str] = field(default_factory=list)  # "line:col: message", the judge's own
    hallucinations: list[str] = field(default_factory=list)
    delphi: list[str] = field(default_factory=list)  # Pascal/Delphi habits

    @property
    def hallucinated(self) -> bool:
        return bool(self.hallucinations)

    @property
    def delphi_confused(self) -> bool:
        return bool(self.delphi)


def delphi_hints(text: str, rejected: bool) -> list[tuple[int, int, str]]:
    """The checker's Pascal/Delphi habits in `text` as (line, column, message); for code a judge
    `rejected`, also the hints it gives only for code that does not parse (`writeln`, `string`)."""
    sc = scan(text)
    found = habits(sc.tokens) + (soft_hints(sc.tokens) if rejected else [])
    return [(*sc.positions.at(pos), message) for pos, message in found]


def judge_answers(answers: list[str], index: ApiIndex, build: Path | None) -> list[CodeVerdict]:
    """A verdict per answer; its code compiled with `build`'s compiler in one batch (the checker when None)."""
    units = [as_module(code) if code.strip() else "" for code in map(extract_code, answers)]
    present = [i for i, unit in enumerate(units) if unit]
    # Answers do not import each other: every core can compile some.
    batch = [(f"answer{i}", units[i]) for i in present]
    compiled = dict(zip(present, compile_sources(build, batch, processes=os.cpu_count() or 1))) if build else {}
    verdicts = []
    for i, unit in enumerate(units):
        if not unit:
            verdicts.append(CodeVerdict(has_code=False, compiles=False, syntax_valid=False,
                                        judged_by=COMPILER if build else CHECKER))
            continue
        diagnostics = check_source(unit, "answer.cp")
        rejected = bool(diagnostics) or (i in compiled and not compiled[i].ok)
        delphi = [message for _, _, message in delphi_hints(unit, rejected)]
        if i in compiled:
            result = compiled[i]
            verdicts.append(CodeVerdict(
                has_code=True, compiles=result.ok, syntax_valid=not diagnostics, judged_by=COMPILER,
                errors=[f"{line}:{col}: {message}" for line, col, message in result.errors],
                hallucinations=compiler_hallucinations(unit, result, index), delphi=delphi,
            ))
        else:
            verdicts.append(CodeVerdict(
                has_code=True, compiles=not diagnostics, syntax_valid=not diagnostics, judged_by=CHECKER,
                errors=[f"{d.line}:{d.col}: {d.message}" for d in diagnostics],
                hallucinations=[d.message for d in check_api(unit, index, "answer.cp")], delphi=delphi,
            ))
    return verdicts
