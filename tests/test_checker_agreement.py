"""The lark checker agrees with BlackBox's compiler on syntax: real modules of ../shared/bbcp and mutants of them."""

from __future__ import annotations

import random

import pytest

from bbcopilot.blackbox import compile_sources
from bbcopilot.blackbox.agreement import ORIGINAL, is_syntax_message, judge, module_sources, table
from bbcopilot.blackbox.mutants import MUTATORS
from conftest import BBCP
from tests.test_mutants import SOURCE

# Small real modules, among them forms the checker once rejected or mishandled: an interface module
# without procedure bodies (Lin/Mod/Dl), a module named like a keyword (System/Mod/In) and one full of
# code procedures (System/Mod/Math).
SLICE = {"Obx/Mod/Hello0.odc", "Obx/Mod/Pi.odc", "Obx/Mod/Random.odc", "Obx/Mod/Caps.odc", "Obx/Mod/Lookup0.odc",
         "Obx/Mod/Count0.odc", "Obx/Mod/Fact.odc", "Lin/Mod/Dl.odc", "System/Mod/In.odc", "System/Mod/Math.odc"}


@pytest.fixture(scope="module")
def slice_verdicts(build):
    chosen, skipped = module_sources(BBCP, only=SLICE)
    assert {m.file for m in chosen} == SLICE, skipped
    return judge(build, chosen, mutants_per_module=4, seed=3)


def test_no_syntax_disagreement_on_real_modules_and_their_mutants(slice_verdicts):
    found = [(v.file, v.kind, v.description, v.first_compiler_error(), v.first_checker_error())
             for v in slice_verdicts if v.syntax_disagreement]
    assert found == []
    rows = table(slice_verdicts)
    assert rows[ORIGINAL]["both accept"] == len(SLICE)
    assert sum(sum(counts.values()) for counts in rows.values()) == len(SLICE) * 5


def test_the_mutants_are_mostly_rejected_by_the_compiler(slice_verdicts):
    mutants = [v for v in slice_verdicts if v.kind != ORIGINAL]
    assert len(mutants) == 4 * len(SLICE) and len({v.kind for v in mutants}) >= 6
    assert sum(not v.compiler.ok for v in mutants) >= 0.8 * len(mutants)


# Kinds whose every mutant the compiler must reject, and whether for a syntax reason.
SYNTAX_KINDS = ("delphi-lowercase-keyword", "delphi-const-assign", "delphi-brace-comment", "delphi-function",
                "delphi-var-param")
SEMANTIC_KINDS = ("delphi-writeln", "delphi-string-type", "invented-api")  # undeclared names


def test_each_mutant_kind_is_rejected_by_the_compiler_as_expected(build):
    cases = [(kind, MUTATORS[kind](SOURCE, random.Random(seed))) for kind in MUTATORS for seed in range(3)]
    results = compile_sources(build, [("sample.cp", SOURCE)] + [(m.description, m.text) for _, m in cases])
    assert results[0].ok, results[0].errors
    for (kind, mutant), result in zip(cases, results[1:]):
        messages = [message for _, _, message in result.errors]
        if kind in SYNTAX_KINDS:
            assert any(is_syntax_message(m) for m in messages), (mutant.description, messages)
        elif kind in SEMANTIC_KINDS:
            assert messages and not any(is_syntax_message(m) for m in messages), (mutant.description, messages)
            assert any("undeclared identifier" in m for m in messages), (mutant.description, messages)
    # a deleted, doubled or exchanged token or a swapped keyword may leave valid code (the ';' before END,
    # DIV for MOD): most do not
    general = [result for (kind, _), result in zip(cases, results[1:]) if kind not in SYNTAX_KINDS + SEMANTIC_KINDS]
    assert len(general) == 15 and sum(not r.ok for r in general) >= 0.8 * len(general)


def test_a_source_that_leaves_no_compiler_output_is_isolated(build, monkeypatch, tmp_path):
    # A stack overflow in the compiler (a mutant of Win/Mod/Api.odc whose record lost its END takes a
    # minute and gigabytes to get there) loses the log of its whole batch: the others are compiled again.
    from bbcopilot.blackbox import agreement, toolchain

    calls = []

    def compile_in(build_dir, use_dir, sources):
        calls.append(len(sources))
        if any("TstBad" in s.text for s in sources):
            raise toolchain.ToolchainError(f"{build_dir}: the compiler ran no batch: TRAP")
        return toolchain.compile_in(build_dir, use_dir, sources)

    monkeypatch.setattr(agreement, "compile_in", compile_in)
    texts = [(f"m{i}", f"MODULE TstOk{i};\nEND TstOk{i}.\n") for i in range(9)]
    texts.insert(4, ("bad", "MODULE TstBad;\nEND TstBad.\n"))
    results = agreement._compile_all(build, tmp_path, texts, 0)
    assert [r.name for r in results] == [name for name, _ in texts]
    assert [r.ok for r in results] == [name != "bad" for name, _ in texts]
    assert results[4].errors == [(0, 0, "the compiler trapped with no output")]
    assert calls[0] == 10 and len(calls) < 10 + 4  # in groups, not one by one

