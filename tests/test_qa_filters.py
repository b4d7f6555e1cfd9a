"""The QA filters: each drops a pair it must drop and keeps one it must keep, on real BlackBox spans."""

from __future__ import annotations

import re
from functools import cache

import pytest

from bbcopilot.config import QASettings
from bbcopilot.corpus import KIND_LABELS
from bbcopilot.qa.filters import (
    FilterReport, Names, cheap_grounded_reason, filter_dialogs, filter_pairs, judge_examples, judge_prompt,
    language_reason, length_reason, self_contained_reason,
)
from bbcopilot.qa.schema import Candidate, SpanContext
from bbcopilot.qa.spans import approximate_tokens, spans_of

from tests.conftest import BBCP

SETTINGS = QASettings()
FILTERS = ["length", "language", "self-contained", "grounded", "compiles", "near-duplicate"]


@cache
def _document(relpath: str) -> dict:
    from bbcopilot.convert import convert_file

    converted = convert_file(BBCP / relpath, BBCP, "plain")
    meta = converted.meta
    # As the documents dataset holds it: a documentation page's module is "" (its title names it).
    return {"id": relpath, "text": converted.text, "kind": meta.kind, "module": meta.module or "",
            "subsystem": meta.subsystem, "title": meta.title}


def real_span(relpath: str, containing: str, language: str = "en") -> SpanContext:
    """The span of a real BlackBox document that holds `containing`, as the QA stage gives it to the filters.

    ../shared has no Russian BlackBox page; a Russian span is a real one whose prose is marked Russian,
    as the pages of a Russian distribution are."""
    if not (BBCP / relpath).is_file():
        pytest.skip(f"BlackBox tree not found at {BBCP} (../shared is absent)")
    document = _document(relpath)
    span = next(s for s in spans_of(document, 1536, approximate_tokens) if containing in s.text)
    return SpanContext(
        document_id=relpath, module=document["module"], subsystem=document["subsystem"], title=document["title"],
        kind=KIND_LABELS[document["kind"]], language=language, text=span.text, context=span.context,
        defines=span.defines,
    )


def models_docu(language: str = "en") -> SpanContext:
    return real_span("Text/Docu/Models.odc", "DEFINITION TextModels", language)


def models_source() -> SpanContext:
    return real_span("Text/Mod/Models.odc", "Model* = POINTER TO ABSTRACT RECORD")


def log_docu(language: str = "en") -> SpanContext:
    return real_span("Std/Docu/Log.odc", "DEFINITION StdLog", language)


def pair(question: str, answer: str, span: SpanContext, kind: str = "api", id: str = "p") -> Candidate:
    return Candidate(id, kind, question, answer, span)


@pytest.fixture(scope="module")
def index(distribution):
    from bbcopilot.api_index import load_index

    return load_index(distribution.path)


@pytest.fixture(scope="module")
def names(index):
    return Names(index)


def kept_ids(report: FilterReport) -> list[str]:
    return [c.id for c in report.kept]


def dropped_by(report: FilterReport, name: str) -> dict[str, str]:
    """id -> reason of the pairs the filter `name` dropped (the report shows up to three)."""
    [count] = [f for f in report.filters if f.name == name]
    return {e.id: e.reason for e in count.examples}


# ---------------------------------------------------------------- 1. length


def test_length_drops_a_short_question_and_a_long_answer():
    span = log_docu()
    good = pair("What does StdLog.Ln write to the log?", "A carriage return character (0DX).", span)
    assert length_reason(good, SETTINGS) is None
    assert length_reason(pair("StdLog?", good.answer, span), SETTINGS) == \
        "question has 7 characters, under the minimum of 12"
    long_answer = pair(good.question, "x" * (SETTINGS.max_answer_chars + 1), span)
    assert "answer has 6001 characters, over the maximum of 6000" == length_reason(long_answer, SETTINGS)


# ---------------------------------------------------------------- 2. language


def test_language_the_prose_must_be_the_documents_english_or_russian():
    english, russian = log_docu("en"), log_docu("ru")
    en_pair = pair("What does StdLog.Ln write to the log?", "It writes a carriage return character (0DX) to the log.",
                   english)
    ru_pair = pair("Что процедура StdLog.Ln пишет в журнал?",
                   "Она пишет в журнал символ возврата каретки (0DX):\n```\nStdLog.String(\"a\"); StdLog.Ln\n```", russian)
    assert language_reason(en_pair) is None
    assert language_reason(ru_pair) is None, "identifiers and code in Russian prose stay Russian"
    assert language_reason(pair(ru_pair.question, ru_pair.answer, english)) == \
        "question is in Russian, the document Std/Docu/Log.odc in English"
    mixed = pair(ru_pair.question, en_pair.answer, russian)
    assert language_reason(mixed) == "answer is in English, the document Std/Docu/Log.odc in Russian"
    code_only = pair("Как вывести строку в журнал модулем StdLog?", "```\nStdLog.String(\"Hello\"); StdLog.Ln\n```",
                     russian)
    assert language_reason(code_only) is None, "an answer of code alone has no prose to judge"


# ---------------------------------------------------------------- 3. self-contained


def test_the_question_names_its_module(names):
    source, docu = models_source(), models_docu()
    answer = "It returns a reader connected to the text; an old reader may be passed to be reused."
    assert self_contained_reason(pair("What does NewReader return?", answer, source), names) == \
        "question does not name the module TextModels"
    for question in ("What does TextModels.Model.NewReader return?",
                     "In the Models module of the Text subsystem, what does NewReader return?"):
        assert self_contained_reason(pair(question, answer, source), names) is None, question
    # A documentation page belongs to no module in the documents dataset: its title names its subject.
    assert self_contained_reason(pair("What does NewReader return?", answer, docu), names) == \
        "question names none of TextModels, the Text subsystem"
    assert self_contained_reason(pair("What does NewReader return for a text?", answer, docu), names) is not None, \
        "the word text is not the Text subsystem"
    for question in ("What does NewReader of TextModels return?", "In the Text subsystem, what does NewReader return?"):
        assert self_contained_reason(pair(question, answer, docu), names) is None, question
    report = real_span("Docu/CP-Lang.odc", "WITH")  # a top-level page: the language report
    with_answer = "It executes the statement sequence whose guard holds, with the variable of the extended type."
    assert self_contained_reason(pair("What does a WITH statement do?", with_answer, report), names).startswith(
        "question names none of Component Pascal Language Report, Component Pascal, ")
    assert self_contained_reason(pair("What does a WITH statement do in Component Pascal?", with_answer, report),
                                 names) is None
    ru = models_docu("ru")
    ru_answer = "Она возвращает читателя, связанного с текстом."
    assert self_contained_reason(pair("Что возвращает NewReader?", ru_answer, ru), names) is not None
    assert self_contained_reason(pair("Что возвращает NewReader в модуле TextModels?", ru_answer, ru), names) is None


OVERGENERALISED = [
    # the original experiment's failure: one module's type taught as the language's
    "TextModels.Model is the language's type for texts.",
    "`Model` is a built-in type of Component Pascal.",
    "Model is a predeclared type, so TextModels needs no import to use it.",
    "The standard procedure WriteString of Component Pascal writes text.",
    "Component Pascal has a type Model for texts.",
    "Component Pascal's Reader type reads characters.",
    "Model is part of the Component Pascal language.",
    "In Component Pascal, Model is a type that holds text.",
    "В языке Component Pascal есть тип Model для текстов.",
    "Model — встроенный тип языка Component Pascal.",
    "Стандартная процедура WriteString выводит строку.",
    "Тип Reader является частью языка.",
]
DENIED_OR_TRUE = [
    "`Model` is not a built-in type of Component Pascal: it is exported by TextModels.",
    "TextModels.Model isn't built into the language.",
    "INTEGER is a built-in type of Component Pascal.",  # predeclared: the language's own
    "The standard procedure LEN gives the length of an array.",
    "The standard procedure StdLog.String writes a string; Ln is a standard procedure of StdLog.",
    "Model is a type of the module TextModels.",
    "In Component Pascal with BlackBox, TextModels.Model is the type of the TextModels module.",
    "Model не является встроенным типом Component Pascal: он объявлен в модуле TextModels.",
    "В языке Component Pascal нет типа Model; его даёт модуль TextModels.",
    "Встроенный тип INTEGER есть в языке.",
]


@pytest.mark.parametrize("sentence", OVERGENERALISED)
def test_a_modules_name_presented_as_the_languages_is_dropped(sentence, names):
    span = models_docu("ru" if re.search("[а-я]", sentence) else "en")
    question = "What does the TextModels module offer for texts?"
    reason = self_contained_reason(pair(question, sentence, span), names)
    assert reason is not None and "as part of the Component Pascal language" in reason, sentence
    # in the question too
    reason = self_contained_reason(pair(f"{sentence[:-1]}?", "It holds a text.", span), names)
    assert reason is not None and reason.startswith("question presents"), sentence


@pytest.mark.parametrize("sentence", DENIED_OR_TRUE)
def test_a_denial_or_a_true_claim_about_the_language_is_kept(sentence, names):
    span = models_docu("ru" if re.search("[а-я]", sentence) else "en")
    assert self_contained_reason(pair("What does the TextModels module offer for texts?", sentence, span), names) is None


def test_the_over_generalisation_reason_names_the_module_of_the_name(names):
    reason = self_contained_reason(pair("What is Model in TextModels?", "Model is a built-in type of Component Pascal.",
                                        models_docu()), names)
    assert reason.startswith("answer presents Model (of TextModels) as part of the Component Pascal language")


def test_a_boundary_pair_is_kept_only_when_its_answer_says_no_and_names_the_module(names):
    span, question = models_docu(), "Is `TextModels.Model` a built-in type of Component Pascal?"
    good = ("No. `Model` is not built into Component Pascal: it is the abstract text model type of the module "
            "TextModels, in the Text subsystem.")
    assert self_contained_reason(pair(question, good, span, "boundary"), names) is None
    yes = "Yes, Model is a built-in type of Component Pascal that holds texts."
    assert self_contained_reason(pair(question, yes, span, "boundary"), names).startswith(
        "boundary answer does not deny that TextModels.Model is part of the language")
    nowhere = "No, it is not built into the language; it comes from a library module."
    assert self_contained_reason(pair(question, nowhere, span, "boundary"), names) == \
        "boundary answer does not name the module of TextModels.Model (TextModels)"
    ru = models_docu("ru")
    ru_question = "Является ли Reader встроенным типом языка Component Pascal в модуле TextModels?"
    assert self_contained_reason(pair(ru_question, "Нет. Reader объявлен в модуле TextModels, это не тип языка.",
                                      ru, "boundary"), names) is None
    assert self_contained_reason(pair(ru_question, "Да, Reader встроен в язык.", ru, "boundary"), names) is not None


# ---------------------------------------------------------------- 4. grounded


def test_grounded_the_answers_names_are_the_spans(names):
    span = log_docu()
    question = "How do I write a string and a line end with StdLog?"
    kept = [
        "Call `StdLog.String(str)` and then `StdLog.Ln`; String takes an `IN str: ARRAY OF CHAR`.",
        "Use StdLog.String, then StdLog.Ln.",
        "RealForm is described further at Strings.RealToStringForm; StdConfig.Setup opens the log.",  # as the span says
        # what the answer's own code declares, and the language's own names, need no span
        "Declare `Greet`:\n```\nPROCEDURE Greet* (n: INTEGER);\nBEGIN StdLog.String(\"hi\"); StdLog.Int(n)\nEND Greet;\n```\n"
        "`Greet` takes an `INTEGER`.",
    ]
    for answer in kept:
        assert cheap_grounded_reason(pair(question, answer, span), names) is None, answer
    dropped = {
        "Call `StdLog.WriteLn(str)`.": "answer names StdLog.WriteLn, which the span does not show",
        "Call StdLog.WriteString and you are done.": "answer names StdLog.WriteString, which the span does not show",
        "Use `Strings.IntToString` first, then StdLog.String.": "answer names Strings.IntToString, which the span does not show",
        "Call `WriteLine` after String.": "answer names `WriteLine`, which the span does not show",
        "The PrintLine procedure does both.": "answer names `PrintLine`, which the span does not show",
        "```\nStdLog.String(\"a\"); StdLog.WriteLn\n```": "answer's code uses StdLog.WriteLn, not in the span",
    }
    for answer, reason in dropped.items():
        assert cheap_grounded_reason(pair(question, answer, span), names) == reason, answer


def test_a_task_answers_code_may_use_any_name_the_api_index_has(names):
    span = log_docu()
    code = ("```\nMODULE QaUpper;\n\tIMPORT StdLog, Strings;\n\tPROCEDURE Do*;\n\t\tVAR s: ARRAY 16 OF CHAR;\n\tBEGIN\n"
            "\t\tStrings.IntToString(42, s); StdLog.String(s); StdLog.Ln\n\tEND Do;\nEND QaUpper.\n```")
    question = "Write a command that prints 42 with StdLog."
    assert cheap_grounded_reason(pair(question, code, span, "task"), names) is None
    assert cheap_grounded_reason(pair(question, code, span, "api"), names) == \
        "answer's code uses Strings.IntToString, not in the span"
    invented = code.replace("Strings.IntToString", "Strings.IntToStr")
    assert cheap_grounded_reason(pair(question, invented, span, "task"), names) == \
        "answer's code uses Strings.IntToStr, neither in the span nor exported by the module"


def test_a_judge_drops_what_it_finds_unsupported_and_an_unreadable_reply_keeps_the_pair(index):
    span = log_docu()
    question = "How do I end a line in the log with StdLog?"
    candidates = [pair(question.replace("end a line", f"do thing {i}"), "Call `StdLog.Ln`, which writes a carriage "
                       "return (0DX).", span, id=f"p{i}") for i in range(3)]
    candidates.append(pair("How do I clear the log with StdLog?", "Call `StdLog.Erase`.", span, id="invented"))
    replies = {
        "p0": '```json\n{"supported": true, "unsupported_claims": []}\n```',
        "p1": 'Verdict: {"supported": false, "unsupported_claims": ["writes a carriage return (0DX)"],}',
        "p2": "I cannot tell.",
    }
    prompts: list[str] = []

    def judge(asked: list[str]) -> list[str]:
        prompts.extend(asked)
        return [next(r for key, r in replies.items() if f"do thing {key[1]}" in p) for p in asked]

    report = filter_pairs(candidates, SETTINGS, index, None, judge)
    assert len(prompts) == 3, "a pair the cheap check dropped is not sent to the judge"
    assert "PROCEDURE Ln" in prompts[0] and "do thing 0" in prompts[0]
    assert all(e.question in prompts[0] for e in judge_examples()), "the few-shot examples are in the prompt"
    assert kept_ids(report) == ["p0", "p2"]
    grounded = dropped_by(report, "grounded")
    assert grounded == {"p1": "judge finds the answer unsupported by the span: writes a carriage return (0DX)",
                        "invented": "answer names StdLog.Erase, which the span does not show"}
    note = next(f.note for f in report.filters if f.name == "grounded")
    assert note == "names checked; judge asked 3, 1 replies unreadable (pairs kept)"


# ---------------------------------------------------------------- 5. compiles

GOOD_MODULE = ("```pascal\nMODULE QaLogSum;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n"
               "\t\tStdLog.String(\"sum: \"); StdLog.Int(1 + 2); StdLog.Ln\n\tEND Do;\nEND QaLogSum.\n```")
# Parses (the checker accepts it); the compiler knows an INTEGER is no string.
BAD_MODULE = ("```pascal\nMODULE QaLogBad;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\t\tVAR i: INTEGER;\n\tBEGIN\n"
              "\t\ti := \"three\"; StdLog.Int(i)\n\tEND Do;\nEND QaLogBad.\n```")


def _compile_candidates() -> list[Candidate]:
    span = log_docu()
    return [
        pair("Write a command that logs a sum with StdLog.", GOOD_MODULE, span, "task", "good"),
        pair("Write a command that logs a number with StdLog.", BAD_MODULE, span, "task", "bad"),
        pair("Write a command that logs nothing at all with StdLog.", "Just call StdLog.Ln, no module needed.",
             span, "task", "no code"),
        pair("What does StdLog.Ln write to the log?", "A carriage return character (0DX).", span, "api", "prose"),
    ]


def test_code_compiles_with_the_blackbox_compiler(index, build):
    report = filter_pairs(_compile_candidates(), SETTINGS, index, build)
    assert kept_ids(report) == ["good", "prose"]
    assert dropped_by(report, "compiles") == {
        "bad": "the compiler rejects the code: 6:15: incompatible assignment", "no code": "task answer has no code"}
    assert next(f.note for f in report.filters if f.name == "compiles") == "3 with code, judged by BlackBox's compiler"


def test_without_a_toolchain_the_checker_judges_and_the_report_says_so(index):
    report = filter_pairs(_compile_candidates(), SETTINGS, index, None)
    assert kept_ids(report) == ["good", "bad", "prose"], "the checker does not see a type error"
    assert "judged by the lark checker (no toolchain)" in report.markdown()


# ---------------------------------------------------------------- 6. near-duplicate


def test_a_question_near_an_earlier_kept_one_is_dropped(index):
    span, ru = log_docu(), log_docu("ru")
    answer = "It writes a carriage return character (0DX) to the log."
    ru_answer = "Она пишет в журнал символ возврата каретки (0DX)."
    candidates = [
        pair("What does the procedure StdLog.Ln write to the log?", answer, span, id="first"),
        pair("What does the procedure StdLog.Ln write to the log ?", answer, span, id="again"),
        pair("What does the procedure StdLog.Tab write to the log?", "It writes a tab to the log.", span, id="other"),
        pair("Что процедура StdLog.Ln пишет в журнал?", ru_answer, ru, id="ru"),
        pair("Что процедура StdLog.Ln пишет в журнал сообщений?", ru_answer, ru, id="ru again"),
    ]
    en = filter_pairs(candidates[:3], SETTINGS, index, None)
    assert kept_ids(en) == ["first", "other"]
    assert dropped_by(en, "near-duplicate") == {
        "again": 'question repeats first: "What does the procedure StdLog.Ln write to the log?"'}
    assert kept_ids(filter_pairs(candidates[3:], SETTINGS.model_copy(update={"near_duplicate_threshold": 0.5}),
                                 index, None)) == ["ru"]


# ---------------------------------------------------------------- the report


def test_few_kept_pairs_raise_a_loud_warning_with_the_reasons(index):
    span = log_docu()
    good = pair("What does StdLog.Ln write to the log?", "A carriage return character (0DX).", span, id="good")
    vague = [pair(f"What does procedure number {i} do?", "It writes a value to the log.", span, id=f"vague{i}")
             for i in range(40)]
    report = filter_pairs([good, *vague], SETTINGS, index, None)
    assert kept_ids(report) == ["good"]
    assert report.warning.startswith("the filters kept only 1 of 41 pairs (2.4%, under 5%): self-contained dropped 40")
    assert "question names none of StdLog, the Std subsystem" in report.warning
    assert [f.name for f in report.filters] == FILTERS
    assert [(f.seen, f.kept, f.dropped) for f in report.filters][2] == (41, 1, 40)
    assert len(report.filters[2].examples) == 3
    table = report.markdown()
    assert "| self-contained | 41 | 1 | 40 | question names none of StdLog, the Std subsystem |" in table
    assert report.counts()["filters"][2]["dropped"] == 40
    assert filter_pairs([good, *vague[:9]], SETTINGS, index, None).warning is None  # 1 of 10 kept: 10%


# ---------------------------------------------------------------- the judge's own examples


def test_the_judges_examples_agree_with_the_filters(names):
    examples = judge_examples()
    assert {e.language for e in examples} == {"en", "ru"}
    assert {e.supported for e in examples if e.language == "ru"} == {True, False}
    caught_cheaply = set()
    for example in examples:
        span = SpanContext(f"judge example {example.module}", example.module, example.subsystem, example.title,
                           "documentation", example.language, example.span, f"Module: {example.module}", ())
        candidate = pair(example.question, example.answer, span)
        for text in (example.span, example.question, example.answer):
            assert not re.search(r"Component Pascal language .*is built", text)
        reasons = (cheap_grounded_reason(candidate, names), self_contained_reason(candidate, names))
        if example.supported:
            assert example.unsupported_claims == [], example.question
            assert reasons == (None, None), f"a supported example fails a filter: {reasons}"
            assert re.search(r"\w", example.span) and language_reason(candidate) is None
            continue
        assert example.unsupported_claims, f"an unsupported example names no claim: {example.question}"
        span_words = set(re.findall(r"\w+", example.span))
        for claim in example.unsupported_claims:
            assert claim in example.answer, f"a claim is quoted from its answer: {claim}"
            assert claim not in example.span
            assert set(re.findall(r"\w{3,}", claim)) - span_words, f"the span states all of: {claim}"
        caught_cheaply |= {i for i, reason in enumerate(reasons) if reason}
    # The examples show the judge both failures the cheap filters know (an invented name, a module's
    # type made the language's) and one they cannot see (a wrong fact about real names).
    assert caught_cheaply == {0, 1}
    assert any(not e.supported and cheap_grounded_reason(pair(e.question, e.answer, SpanContext(
        "x", e.module, e.subsystem, e.title, "documentation", e.language, e.span, "", ())), names) is None
        and "built" not in e.answer for e in examples)


def test_the_judge_prompt_shows_the_span_and_the_pair():
    span = log_docu()
    prompt = judge_prompt(pair("What does StdLog.Ln write?", "A carriage return (0DX).", span))
    assert prompt.rstrip().endswith("Answer: A carriage return (0DX).\nReply:")
    assert span.text.strip()[:200] in prompt and span.context in prompt
    assert '"supported": false, "unsupported_claims": ["при переполнении' in prompt, "examples' replies unescaped"


# ---------------------------------------------------------------- human dialogs


def test_dialogs_without_an_answer_or_too_short_are_dropped():
    question = {"role": "user", "content": "Как в BlackBox вывести строку в журнал?"}
    rows = [
        {"id": "telegram:c:1", "source": "telegram", "split": "train",
         "messages": [question, {"role": "assistant", "content": "StdLog.String(\"привет\"); StdLog.Ln — и строка в журнале."}]},
        {"id": "telegram:c:2", "source": "telegram", "split": "train",
         "messages": [question, {"role": "assistant", "content": "+1"}]},
        {"id": "forum:3", "source": "forum", "split": "train",
         "messages": [question, {"role": "assistant", "content": "   "}]},
        {"id": "forum:4", "source": "forum", "split": "test",
         "messages": [{"role": "assistant", "content": "An answer with nobody asking, long enough to count."}]},
    ]
    kept, report = filter_dialogs(rows, SETTINGS)
    assert [r["id"] for r in kept] == ["telegram:c:1"]
    assert [f.name for f in report.filters] == ["no answer", "too short"]
    assert {e.id: e.reason for f in report.filters for e in f.examples} == {
        "forum:3": "no answer: no assistant turn with content after the question",
        "forum:4": "no question: no user turn with content",
        "telegram:c:2": "answers hold 2 characters, under the minimum of 40",
    }
    assert "| too short | 2 | 1 | 1 |" in report.markdown() and report.what == "dialogs"
