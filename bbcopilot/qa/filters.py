"""Which generated QA pairs, and which human dialogs, QA SFT may learn from.

The original experiment's pairs made its model worse: a question generated from one module said
that module's type was the whole language's. So a pair is kept only when it passes every filter,
cheap ones first, each seeing what the one before kept:

1. length: question and answer within the settings' character bounds;
2. language: its prose (code left out) is in its document's language;
3. self-contained: the question names its module (or, for a page about no one module, its title or
   subsystem), and no sentence presents a module's name as part of the language ("`Model` is a
   built-in type of Component Pascal", "в языке Component Pascal есть тип Model") unless it denies it;
   a boundary question is kept only when its answer says no and names the owning module;
4. grounded: the names the answer uses are in the span (code may use the API index's names in a
   task answer); with a judge, the judge must also find the answer supported by the span;
5. compiles: code (and every task answer must have some) compiles with BlackBox's compiler, or,
   without a toolchain, passes the lark checker; the report says which judged;
6. near-duplicate: a question close to an earlier kept one (MinHash, the datasets' shingling) goes.

Each drop has a one-line reason; the report counts, per filter, what it saw, kept and dropped, with
a few examples, and warns loudly when the filters keep less than `min_kept_fraction`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bbcopilot import review
from bbcopilot.api_index import ApiIndex, imports_of
from bbcopilot.blackbox.verdict import CHECKER, COMPILER, judge_answers
from bbcopilot.config import QASettings
from bbcopilot.corpus import FRAMEWORK, LANGUAGE, detect_language, near_duplicates
from bbcopilot.cpcheck.lexer import KEYWORDS, scan
from bbcopilot.cpcheck.rules import PREDECLARED
from bbcopilot.metrics import extract_code, prose_of
from bbcopilot.qa.prompts import TEMPLATES, render
from bbcopilot.qa.schema import Candidate, SpanContext, first_error, reply_json

log = logging.getLogger(__name__)

EXAMPLES_SHOWN = 3  # dropped examples kept per filter for the report
EXCERPT_CHARS = 160
# Questions are one sentence: pairs of words compare them (the documents' 5-word shingles would call
# two questions distinct for one changed word, and single words would merge "Is X ...?" with "Is Y ...?").
QUESTION_SHINGLE_WORDS = 2
MINHASH_PERMUTATIONS = 128
LANGUAGE_NAMES = {"ru": "Russian", "en": "English"}
JUDGE_EXAMPLES = TEMPLATES / "judge_examples.yaml"


# ---------------------------------------------------------------- the report


@dataclass
class Dropped:
    """One dropped pair (or dialog) as the report shows it."""

    id: str
    reason: str
    question: str
    answer: str  # an excerpt


@dataclass
class FilterCount:
    name: str
    seen: int = 0
    kept: int = 0
    examples: list[Dropped] = field(default_factory=list)
    note: str = ""  # what the report must say beside the counts (who judged the code, unreadable judge replies)

    @property
    def dropped(self) -> int:
        return self.seen - self.kept


@dataclass
class FilterReport:
    """What the filters kept, in order, and per filter what it saw, kept and dropped, with examples."""

    what: str  # "pairs" or "dialogs"
    total: int
    kept: list[Any]
    filters: list[FilterCount]
    warning: str | None

    def counts(self) -> dict[str, Any]:
        """The report as JSON-ready data (the dataset card's manifest)."""
        return {
            "total": self.total, "kept": len(self.kept), "warning": self.warning,
            "filters": [{"filter": f.name, "seen": f.seen, "kept": f.kept, "dropped": f.dropped, "note": f.note,
                         "examples": [vars(example) for example in f.examples]} for f in self.filters],
        }

    def markdown(self) -> str:
        """A table (filter | seen | kept | dropped | example reason), then the dropped examples."""
        lines = [f"{len(self.kept)} of {self.total} {self.what} kept.", "",
                 "| filter | seen | kept | dropped | example reason |", "|---|---:|---:|---:|---|"]
        for f in self.filters:
            example = f.examples[0].reason if f.examples else ""
            name = f"{f.name} ({f.note})" if f.note else f.name
            lines.append(f"| {_cell(name)} | {f.seen} | {f.kept} | {f.dropped} | {_cell(example)} |")
        examples = [(f.name, e) for f in self.filters for e in f.examples]
        if examples:
            lines += ["", "Dropped examples:", ""]
            lines += [f"- {name}: `{e.id}`: {e.reason}; Q: {_flat(e.question)} A: {_flat(e.answer)}"
                      for name, e in examples]
        return "\n".join(lines)


def _cell(text: str) -> str:
    return _flat(text).replace("|", "\\|")


def _flat(text: str) -> str:
    return " ".join(text.split()).replace("`", "'")


def _excerpt(text: str, chars: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[:chars] + "…"


# A filter takes what the one before kept and gives a reason per item (None: kept) and a note.
Filter = Callable[[list[Any]], tuple[list[str | None], str]]


def _run_filters(what: str, items: list[Any], filters: Sequence[tuple[str, Filter]],
                 describe: Callable[[Any, str], Dropped], min_kept_fraction: float) -> FilterReport:
    remaining, counts = list(items), []
    for name, run in filters:
        reasons, note = run(remaining)
        if len(reasons) != len(remaining):
            raise ValueError(f"filter {name} judged {len(reasons)} of {len(remaining)} {what}")
        count = FilterCount(name, seen=len(remaining), note=note)
        kept = []
        for item, reason in zip(remaining, reasons):
            if reason is None:
                kept.append(item)
                continue
            dropped = describe(item, reason)
            log.debug("%s dropped by %s: %s", dropped.id, name, reason)
            if len(count.examples) < EXAMPLES_SHOWN:
                count.examples.append(dropped)
        count.kept = len(kept)
        counts.append(count)
        remaining = kept
    warning = _warning(what, len(items), remaining, counts, min_kept_fraction)
    return FilterReport(what, len(items), remaining, counts, warning)


def _warning(what: str, total: int, kept: list, counts: list[FilterCount], min_kept_fraction: float) -> str | None:
    if not total or len(kept) / total >= min_kept_fraction:
        return None
    worst = sorted((f for f in counts if f.dropped), key=lambda f: -f.dropped)[:3]
    reasons = "; ".join(f"{f.name} dropped {f.dropped} (e.g. {f.examples[0].reason})" for f in worst)
    return (f"the filters kept only {len(kept)} of {total} {what} ({len(kept) / total:.1%}, under "
            f"{min_kept_fraction:.0%}): {reasons}")


def _describe_pair(candidate: Candidate, reason: str) -> Dropped:
    return Dropped(candidate.id, reason, _excerpt(candidate.question), _excerpt(candidate.answer))


# ---------------------------------------------------------------- generated pairs


def filter_pairs(candidates: list[Candidate], settings: QASettings, index: ApiIndex, build: Path | None,
                 judge: Callable[[list[str]], list[str]] | None = None,
                 rejected: dict[str, str] | None = None) -> FilterReport:
    """The candidates that pass every filter, in order, and what each filter dropped and why.

    `build` is the toolchain that compiles the code (None: the lark checker judges); `judge`, when
    given, takes judge prompts and gives the judge's raw replies, one per prompt; `rejected`, the
    pairs people rejected in review (`bbcopilot.review.rejections`, key -> note).
    """
    names = Names(index)

    def each(check: Callable[[Candidate], str | None]) -> Filter:
        return lambda cs: ([check(c) for c in cs], "")

    # People's rejections first (no filter row in the report before anyone rejected a pair).
    reviewed = [(review.HUMAN_REVIEW, each(lambda c: review.review_reason(review.qa_key(c.question, c.answer), rejected)))]
    filters: list[tuple[str, Filter]] = [
        *(reviewed if rejected else []),
        ("length", each(lambda c: length_reason(c, settings))),
        ("language", each(language_reason)),
        ("self-contained", each(lambda c: self_contained_reason(c, names))),
        ("grounded", lambda cs: grounded_reasons(cs, names, judge)),
        ("compiles", lambda cs: compile_reasons(cs, index, build)),
        ("near-duplicate", lambda cs: near_duplicate_reasons(cs, settings)),
    ]
    return _run_filters("pairs", candidates, filters, _describe_pair, settings.min_kept_fraction)


# --- 1. length


def length_reason(candidate: Candidate, settings: QASettings) -> str | None:
    for part, text, low, high in (
        ("question", candidate.question, settings.min_question_chars, settings.max_question_chars),
        ("answer", candidate.answer, settings.min_answer_chars, settings.max_answer_chars),
    ):
        if len(text) < low:
            return f"{part} has {len(text)} characters, under the minimum of {low}"
        if len(text) > high:
            return f"{part} has {len(text)} characters, over the maximum of {high}"
    return None


# --- 2. language

_BACKTICKED = re.compile(r"`([^`\n]+)`")
_LETTER = re.compile(r"[^\W\d_]")


def language_reason(candidate: Candidate) -> str | None:
    """Question and answer prose (code and `names` left out) in the document's language."""
    expected = candidate.span.language
    for part, text in (("question", candidate.question), ("answer", prose_of(candidate.answer))):
        words = _BACKTICKED.sub(" ", text)
        if not _LETTER.search(words):
            continue  # no prose to judge (an answer that is only code)
        found = detect_language(words)
        if found != expected:
            return (f"{part} is in {LANGUAGE_NAMES.get(found, found)}, the document "
                    f"{candidate.span.document_id} in {LANGUAGE_NAMES.get(expected, expected)}")
    return None


# --- names: which belong to a module, and to which


# The language's and the framework's own names: "Component" is CtlVBIDE's too, but prose means the language.
_OUR_NAMES = frozenset(f"{LANGUAGE} {FRAMEWORK} BlackBox".split())
_SPAN_MODULE = re.compile(r"\b(?:MODULE|DEFINITION)\s+([A-Za-z]\w*)")
# How prose writes names: `M.Name` (a path's "Models.odc" is not one), and CamelCase words.
_QUALIFIED = re.compile(r"(?<![\w./])([A-Za-z]\w*)((?:\.[A-Za-z]\w*)+)")
_CAMEL_CASE = re.compile(r"(?<![\w.])(?:[A-Z][a-z0-9]+[A-Z]|[a-z]+[A-Z])\w*(?![\w.])")


class Names:
    """What the API index and a span say about a name: is it a module's (not the language's), and whose."""

    def __init__(self, index: ApiIndex):
        self.index = index
        owners: dict[str, set[str]] = defaultdict(set)
        for module, api in index.modules.items():
            for name in api.exports():
                owners[name].add(module)
        self.owners = dict(owners)

    def is_module(self, name: str, span: SpanContext) -> bool:
        return name in self.index.modules or name in span_modules(span)

    def module_specific(self, name: str, span: SpanContext) -> bool:
        """A name a module gives (`TextModels.Model`, `Model`), not one of the language's own (`INTEGER`)."""
        head, _, rest = name.partition(".")
        if rest:
            return self.is_module(head, span)
        if name in PREDECLARED or name in KEYWORDS or name in _OUR_NAMES:
            return False
        return name in span_declared(span) or name in self.owners or self.is_module(name, span)

    def owners_of(self, name: str, span: SpanContext) -> set[str]:
        """The modules `name` belongs to: its qualifier; the span's module for a name the span declares."""
        head, _, rest = name.partition(".")
        if rest:
            return {head}
        if name in span_declared(span) and span_modules(span):
            return set(span_modules(span))
        return self.owners.get(name, set()) | ({name} if self.is_module(name, span) else set())

    def describe(self, name: str, span: SpanContext) -> str:
        owners = sorted(self.owners_of(name, span))
        if "." in name or not owners:
            return name
        shown = ", ".join(owners[:3]) + (", ..." if len(owners) > 3 else "")
        return f"{name} (of {shown})"


@lru_cache(maxsize=1024)
def span_modules(span: SpanContext) -> frozenset[str]:
    """The modules a span is about: its document's, and those it opens or defines (`MODULE M`, `DEFINITION M`)."""
    found = set(_SPAN_MODULE.findall(f"{span.context}\n{span.text}"))
    if span.module:
        found.add(span.module)
    return frozenset(found)


@lru_cache(maxsize=1024)
def span_declared(span: SpanContext) -> frozenset[str]:
    """The names the span declares (a method `Model.Insert` gives both its parts)."""
    return frozenset(part for name in span.defines for part in name.split("."))


@lru_cache(maxsize=1024)
def span_words(span: SpanContext) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", f"{span.context}\n{span.text}"))


def _word_in(word: str, text: str, ignore_case: bool = False) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I if ignore_case else 0) is not None


_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


# --- 3. self-contained, and the guard against over-generalisation

# A name as prose writes it: bare, `backticked`, quoted; qualified or not.
_NAME = r"[`\"'«“]?(?P<name>[A-Za-z]\w*(?:\.[A-Za-z]\w*)*)[`\"'»”]?"
_EN_LANGUAGE = r"\b(?:the\s+)?(?:Component\s+Pascal(?:\s+language)?|(?:this|the)\s+language(?:\s+itself)?)"
_EN_BUILT_IN = r"(?:built[-\s]?in|predeclared|pre-declared|intrinsic)"
# Words a module's names are given too: "standard" is the language report's word for its predeclared
# procedures, but BlackBox's Std modules are standard; "Fonts.bold is predefined" is Fonts' value.
_EN_STANDARD = r"(?:standard|predefined|pre-defined|basic|primitive|fundamental|core|native)"
_EN_KIND = r"(?:types?|procedures?|functions?|constants?|identifiers?|names?|routines?|operations?)"
_RU_LANGUAGE = r"(?:язык\w*\s+Component\s+Pascal|Component\s+Pascal|язык\w*)"
_RU_BUILT_IN_STRONG = r"(?:встроенн\w*|предопредел[её]нн\w*|предобъявленн\w*)"
_RU_BUILT_IN = rf"(?:{_RU_BUILT_IN_STRONG}|стандартн\w*|базов\w*)"
_RU_KIND = r"(?:тип\w*|процедур\w*|функци\w*|констант\w*|идентификатор\w*)"
_ARTICLE = r"(?:(?:a|an|the|one\s+of\s+the)\s+)?"
_IS = r"(?:is|are)(?:\s+not|n't|n’t)?"  # a denial is matched too, to be seen

# Sentences that present a name as part of the language; each names the name `name`.
_LANGUAGE_CLAIMS = [re.compile(pattern, re.I) for pattern in (
    # "Model is a built-in type (of Component Pascal)", "WriteString is a standard procedure"
    rf"{_NAME}\s+{_IS}\s+{_ARTICLE}(?:\w+\s+)?(?:{_EN_BUILT_IN}|{_EN_STANDARD}\s+{_EN_KIND})",
    # "the built-in type Model", "the standard procedure WriteString"
    rf"(?:{_EN_BUILT_IN}|{_EN_STANDARD})\s+(?:\w+\s+)?{_EN_KIND}\s+{_NAME}",
    # "Model is part of / built into / provided by the language"
    rf"{_NAME}\s+{_IS}\s+{_ARTICLE}(?:\w+\s+){{0,3}}?(?:part\s+of|built\s+into|provided\s+by|defined\s+by|"
    rf"native\s+to|intrinsic\s+to)\s+{_EN_LANGUAGE}\b",
    # "Component Pascal has a type Model", "the language provides WriteString"
    rf"{_EN_LANGUAGE}\s+(?:has|provides|defines|includes|offers|contains)\s+{_ARTICLE}(?:{_EN_KIND}\s+)?{_NAME}",
    # "Component Pascal's Model type", "the language's TextModels.Model"
    rf"{_EN_LANGUAGE}(?:'s|’s)\s+(?:(?:own|built-in|standard)\s+)*(?:{_EN_KIND}\s+)?{_NAME}",
    # "TextModels.Model is the language's type", "Model is Component Pascal's built-in type"
    rf"{_NAME}\s+{_IS}\s+{_ARTICLE}{_EN_LANGUAGE}(?:'s|’s)\s",
    # "встроенный тип Model", "стандартная процедура WriteString"
    rf"{_RU_BUILT_IN}\s+(?:\w+\s+)?{_RU_KIND}\s+{_NAME}",
    # "Model — встроенный тип", "Model является встроенным типом языка"
    rf"{_NAME}\s*(?:—|–|-|:)?\s*(?:не\s+)?(?:это\s+|является\s+)?(?:\w+\s+)?{_RU_BUILT_IN}\s+(?:\w+\s+)?{_RU_KIND}",
    # "в языке Component Pascal есть тип Model", "язык Component Pascal предоставляет процедуру WriteString"
    rf"{_RU_LANGUAGE}\s+(?:есть|имеется|существует|определ[её]н\w*|предусмотрен\w*|имеет|содержит|предоставляет|"
    rf"определяет|включает)\s+(?:\w+\s+)?(?:{_RU_KIND}\s+)?{_NAME}",
    # "Model является частью языка", "Model встроен в язык"
    rf"{_NAME}\s+(?:не\s+)?(?:является\s+)?(?:частью|элементом)\s+(?:самого\s+)?языка",
    rf"{_NAME}\s+(?:не\s+)?(?:входит|встроен\w*)\s+в\s+(?:сам\s+)?язык",
    # "тип Model языка Component Pascal"
    rf"{_RU_KIND}\s+{_NAME}\s+(?:из\s+)?языка\s+Component\s+Pascal",
)]
# "In Component Pascal, Model is a type ...": over-generalising only where the sentence names no owner.
_IN_LANGUAGE = re.compile(
    rf"\bin\s+{_EN_LANGUAGE}\s*,?\s+(?:the\s+)?(?:{_EN_KIND}\s+)?{_NAME}\s+{_IS}\s+{_ARTICLE}"
    rf"(?:\w+\s+)?{_EN_KIND}\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|isn't|aren't|isn’t|aren’t|cannot|не|нет|ни|отнюдь)\b|n't\b",
                       re.I)
_AFFIRMATION = re.compile(r"^\W*(?:yes|yeah|да)\b", re.I)


def self_contained_reason(candidate: Candidate, names: Names) -> str | None:
    return (_boundary_reason(candidate, names) or _language_claim_reason(candidate, names)
            or _subject_reason(candidate))


_SUBSYSTEM_WORD = re.compile(r"\bsubsystem|\bподсистем", re.I)


def _subject_reason(candidate: Candidate) -> str | None:
    """The question must name what it is about: a reader of the question alone has no span."""
    span, question = candidate.span, candidate.question
    if span.module:
        short = span.module[len(span.subsystem):] if span.subsystem and span.module.startswith(span.subsystem) else ""
        if _word_in(span.module, question, ignore_case=True) or (
                short and _word_in(short, question) and _word_in(span.subsystem, question)):
            return None
        return f"question does not name the module {span.module}"
    subjects = [span.title] if span.title else []
    if not span.subsystem:  # a top-level page is about the language or the framework as a whole
        subjects = list(dict.fromkeys([*subjects, LANGUAGE, FRAMEWORK, "BlackBox"]))
    if any(_word_in(s, question, ignore_case=True) for s in subjects):
        return None
    # A subsystem's name is often a word ("Text", "Form", "System"): it counts as the subsystem's, capitalised.
    if span.subsystem and _word_in(span.subsystem, question) and _SUBSYSTEM_WORD.search(question):
        return None
    if span.subsystem:
        subjects.append(f"the {span.subsystem} subsystem")
    return f"question names none of {', '.join(subjects) or '(nothing: the page has no title)'}"


def _language_claim_reason(candidate: Candidate, names: Names) -> str | None:
    """A sentence that presents a module's name as part of the language, not denying it."""
    texts = [("answer", prose_of(candidate.answer))]
    if candidate.kind != "boundary":  # a boundary question asks exactly this; its answer must deny it
        texts.insert(0, ("question", candidate.question))
    for part, text in texts:
        for sentence in _sentences(text):
            for name in _claimed_names(sentence, names, candidate.span):
                return (f"{part} presents {names.describe(name, candidate.span)} as part of the {LANGUAGE} "
                        f"language: \"{_excerpt(sentence, 100)}\"")
    return None


def _claimed_names(sentence: str, names: Names, span: SpanContext) -> Iterator[str]:
    """The module names the sentence presents as the language's."""
    for pattern in _LANGUAGE_CLAIMS:
        for match in pattern.finditer(sentence):
            name = match.group("name")
            if _named(match, sentence) and names.module_specific(name, span) and not _denied(match, sentence) \
                    and not _placed(name, match, sentence, names, span):
                yield name
    for match in _IN_LANGUAGE.finditer(sentence):
        name = match.group("name")
        if _named(match, sentence) and names.module_specific(name, span) and not _denied(match, sentence) \
                and not any(_word_in(owner, sentence) for owner in names.owners_of(name, span)):
            yield name


_LANGUAGE_MENTION = re.compile(r"Component\s+Pascal|\blanguage\b|\bязык", re.I)


def _named(match: re.Match, sentence: str) -> bool:
    """Whether the words matched as a name are written as one: qualified, `quoted` or capitalised
    (lower-case "name", "byte" or "system" in running prose are words; the index has them too)."""
    name, start = match.group("name"), match.start("name")
    return "." in name or not name.islower() or sentence[start - 1 : start] in ("`", '"', "'", "«", "“")


def _denied(match: re.Match, sentence: str) -> bool:
    """Whether the claim is denied: a negation in it, or in its clause before it ("it is wrong that ...")."""
    clause = re.split(r"[,;:—–]", sentence[: match.start()])[-1]
    return _NEGATION.search(clause + match.group(0)) is not None


_BUILT_IN_WORD = re.compile(rf"{_EN_BUILT_IN}|{_RU_BUILT_IN_STRONG}", re.I)


def _placed(name: str, match: re.Match, sentence: str, names: Names, span: SpanContext) -> bool:
    """Whether a "standard" name is put in its module ("the standard procedure StdLog.String", "WriteString
    is a standard procedure of StdLog"): no built-in word, no word of the language, and the name qualified
    or its module named."""
    rest = sentence[: match.start("name")] + sentence[match.end("name") :]
    if _BUILT_IN_WORD.search(match.group(0)) or _LANGUAGE_MENTION.search(rest):
        return False
    return "." in name or any(_word_in(o, rest) for o in names.owners_of(name, span))


def _asked_names(question: str, names: Names, span: SpanContext) -> list[str]:
    """The module names a boundary question asks about: qualified, `quoted` or capitalised, in that order."""
    found = [m.group(0) for m in _QUALIFIED.finditer(question) if names.is_module(m.group(1), span)]
    found += [m.group("name") for m in re.finditer(_NAME, question) if m.group(0) != m.group("name")]
    # A capitalised word, but the sentence's first
    found += [m.group(0) for m in re.finditer(r"\b[A-Z]\w*", question) if question[: m.start()].strip(" `\"'«“")]
    return [n for n in dict.fromkeys(found) if names.module_specific(n, span)]


def _boundary_reason(candidate: Candidate, names: Names) -> str | None:
    """A boundary answer teaches where a name belongs: it says no, and names the module."""
    if candidate.kind != "boundary":
        return None
    asked = _asked_names(candidate.question, names, candidate.span)
    if not asked:
        return "boundary question asks about no module's name"
    prose = prose_of(candidate.answer)
    first = next(iter(_sentences(prose)), "")
    if _AFFIRMATION.search(first) or not _NEGATION.search(first):
        return f"boundary answer does not deny that {asked[0]} is part of the language: \"{_excerpt(first, 100)}\""
    owners = names.owners_of(asked[0], candidate.span)
    if not any(_word_in(owner, prose) for owner in owners):
        return f"boundary answer does not name the module of {asked[0]} ({', '.join(sorted(owners)[:3])})"
    return None


# --- 4. grounded


class JudgeVerdict(BaseModel):
    """What the judge replies about one pair."""

    model_config = ConfigDict(extra="ignore")

    supported: bool
    unsupported_claims: list[str] = Field(default_factory=list)


class JudgeExample(BaseModel):
    """A few-shot example of the judge prompt: a real span, a pair, and the verdict a judge should give."""

    model_config = ConfigDict(extra="forbid")

    module: str
    subsystem: str
    title: str
    language: str
    span: str
    question: str
    answer: str
    supported: bool
    unsupported_claims: list[str]

    def reply(self) -> str:
        """The judge's reply to this example, as the prompt shows it (JSON, the text unescaped)."""
        return json.dumps({"supported": self.supported, "unsupported_claims": self.unsupported_claims},
                          ensure_ascii=False)


@cache
def judge_examples() -> tuple[JudgeExample, ...]:
    data = yaml.safe_load(JUDGE_EXAMPLES.read_text(encoding="utf-8"))
    return tuple(JudgeExample.model_validate(example) for example in data["examples"])


def judge_prompt(candidate: Candidate) -> str:
    span = candidate.span
    return render("judge", context=span.context, span=span.text, question=candidate.question,
                  answer=candidate.answer, language=LANGUAGE, examples=judge_examples())


def read_verdict(raw: str) -> tuple[JudgeVerdict | None, str | None]:
    """The judge's verdict, or (None, why the reply is not one)."""
    value, error = reply_json(raw)
    if error:
        return None, error
    try:
        return JudgeVerdict.model_validate(value), None
    except ValidationError as invalid:
        return None, first_error(invalid)


# Where an identifier followed by ':' or ',' is being declared: a variable, parameter or field list.
_BEFORE_DECLARED = frozenset({"VAR", "LPAR", "SEMI", "COMMA", "RECORD", "OUT", "IN"})


def _code_names(code: str, is_module: Callable[[str], bool]) -> tuple[set[str], list[tuple[str, str]]]:
    """What an answer's code declares (and the modules it imports), and the `Module.Name`s it uses
    (in a fragment with no IMPORT list, any module's)."""
    tokens = scan(code).tokens
    aliases = {alias.value: module.value for alias, module in imports_of(tokens)}
    imports = bool(aliases)
    declared = set(aliases) | set(aliases.values())
    types = [token.type for token in tokens] + ["", ""]
    used = []
    for i, token in enumerate(tokens):
        if token.type != "IDENT":
            continue
        before = types[i - 1] if i else ""
        after = types[i + 2] if types[i + 1] in ("STAR", "MINUS") else types[i + 1]  # past an export mark
        if before in ("MODULE", "PROCEDURE", "CARET") \
                or (after in ("COLON", "COMMA") and before in _BEFORE_DECLARED) \
                or (after == "EQ" and before in ("CONST", "TYPE", "SEMI")) \
                or (before == "RPAR" and _receiver_closes(tokens, i - 1)):  # PROCEDURE (v: View) Restore
            declared.add(token.value)
        module = aliases.get(token.value) or (None if imports or not is_module(token.value) else token.value)
        if module and i + 2 < len(tokens) and tokens[i + 1].type == "DOT" and tokens[i + 2].type == "IDENT":
            used.append((module, tokens[i + 2].value))
    return declared, used


def _receiver_closes(tokens: list, rpar: int) -> bool:
    """Whether the `)` at `rpar` closes a method's receiver: `PROCEDURE ( ... )`."""
    j = rpar
    while j > 0 and tokens[j].type != "LPAR":
        j -= 1
    return j > 0 and tokens[j - 1].type == "PROCEDURE"


def _in_span(module: str, name: str, span: SpanContext) -> bool:
    """`module.name` in the span: written so, or a name of the span's own module that the span shows."""
    shown = re.search(rf"(?<!\w){re.escape(module)}\s*\.\s*{re.escape(name)}(?!\w)", f"{span.context}\n{span.text}")
    return shown is not None or (module in span_modules(span) and name in span_words(span))


def _prose_mentions(prose: str) -> list[tuple[tuple[str, ...], bool]]:
    """The names the prose uses, as (parts, backticked): `code`, qualified `Module.Name`s, CamelCase words."""
    mentions: list[tuple[tuple[str, ...], bool]] = []
    for quoted in _BACKTICKED.findall(prose):
        chain: list[str] = []
        after_dot = False
        for token in scan(quoted, stop_at_module_end=False).tokens:
            if token.type == "IDENT" and chain and not after_dot:
                mentions.append((tuple(chain), True))
                chain = []
            if token.type == "IDENT":
                chain.append(token.value)
            elif token.type != "DOT" and chain:
                mentions.append((tuple(chain), True))
                chain = []
            after_dot = token.type == "DOT"
        if chain:
            mentions.append((tuple(chain), True))
    bare = _BACKTICKED.sub(" ", prose)
    mentions += [((m.group(1), *m.group(2)[1:].split(".")), False) for m in _QUALIFIED.finditer(bare)]
    mentions += [((word,), False) for word in _CAMEL_CASE.findall(_QUALIFIED.sub(" ", bare))]
    return mentions


def cheap_grounded_reason(candidate: Candidate, names: Names) -> str | None:
    """The names of the answer are the span's: its `Module.Name`s are in the span (in a task answer's code,
    the API index's will do), its `backticked` and CamelCase names in the span or declared by its own code."""
    span = candidate.span
    declared, used = _code_names(extract_code(candidate.answer), lambda name: names.is_module(name, span))
    for module, name in used:
        if _in_span(module, name, span):
            continue
        if candidate.kind == "task" and (name in names.index.exports(module) or not names.index.exports_known(module)):
            continue
        where = "neither in the span nor exported by the module" if candidate.kind == "task" else "not in the span"
        return f"answer's code uses {module}.{name}, {where}"
    used_names = set(used)
    for parts, backticked in _prose_mentions(prose_of(candidate.answer)):
        head, rest = parts[0], parts[1:]
        if rest and names.is_module(head, span):
            if (head, rest[0]) not in used_names and not _in_span(head, rest[0], span):
                return f"answer names {head}.{rest[0]}, which the span does not show"
            parts = rest[1:]  # a field or method after Module.Name: the span must show it
        elif rest and not backticked:
            continue  # "e.g.", "v.Restore" in running prose: not a module's name
        for part in parts:
            if part in PREDECLARED or part in KEYWORDS or part in declared or part in span_words(span):
                continue
            return f"answer names `{'.'.join((head, *rest)) if rest else part}`, which the span does not show"
    return None


def grounded_reasons(candidates: list[Candidate], names: Names,
                     judge: Callable[[list[str]], list[str]] | None) -> tuple[list[str | None], str]:
    reasons = [cheap_grounded_reason(c, names) for c in candidates]
    if judge is None:
        return reasons, "names checked; no judge"
    asked = [i for i, reason in enumerate(reasons) if reason is None]
    replies = judge([judge_prompt(candidates[i]) for i in asked])
    if len(replies) != len(asked):
        raise ValueError(f"the judge gave {len(replies)} replies to {len(asked)} prompts")
    unreadable = 0
    for i, raw in zip(asked, replies):
        verdict, error = read_verdict(raw)
        if verdict is None:
            unreadable += 1  # a judge that cannot answer is no evidence against the pair
            log.warning("%s: judge reply unreadable (%s); pair kept: %s", candidates[i].id, error, _excerpt(raw, 80))
        elif not verdict.supported:
            claim = verdict.unsupported_claims[0] if verdict.unsupported_claims else "(no claim named)"
            reasons[i] = f"judge finds the answer unsupported by the span: {_excerpt(claim, 100)}"
    return reasons, f"names checked; judge asked {len(asked)}, {unreadable} replies unreadable (pairs kept)"


# --- 5. compiles


def compile_reasons(candidates: list[Candidate], index: ApiIndex, build: Path | None) -> tuple[list[str | None], str]:
    """Code answers, and every task answer, compile: one batch, BlackBox's compiler or the checker."""
    judged_by = COMPILER if build is not None else CHECKER
    coded = [i for i, c in enumerate(candidates) if c.kind == "task" or extract_code(c.answer)]
    verdicts = judge_answers([candidates[i].answer for i in coded], index, build) if coded else []
    reasons: list[str | None] = [None] * len(candidates)
    for i, verdict in zip(coded, verdicts):
        if not verdict.has_code:
            reasons[i] = "task answer has no code"
        elif not verdict.compiles:
            first = verdict.errors[0] if verdict.errors else "rejected without a message"
            reasons[i] = f"the {verdict.judged_by} rejects the code: {first}"
    judge_name = "BlackBox's compiler" if judged_by == COMPILER else "the lark checker (no toolchain)"
    return reasons, f"{len(coded)} with code, judged by {judge_name}"


# --- 6. near-duplicate


def near_duplicate_reasons(candidates: list[Candidate], settings: QASettings) -> tuple[list[str | None], str]:
    repeats = near_duplicates((c.question for c in candidates), settings.near_duplicate_threshold,
                              QUESTION_SHINGLE_WORDS, MINHASH_PERMUTATIONS)
    reasons = [None if j is None else f"question repeats {candidates[j].id}: \"{_excerpt(candidates[j].question, 80)}\""
               for j in repeats]
    return reasons, ""


# ---------------------------------------------------------------- human dialogs


def _question_of(row: dict) -> str:
    return next((m["content"] for m in row["messages"] if m["role"] == "user" and m["content"].strip()), "")


def _answers_of(row: dict) -> list[str]:
    """The assistant turns that answer: those after the first question."""
    asked = False
    answers = []
    for message in row["messages"]:
        if message["role"] == "user" and message["content"].strip():
            asked = True
        elif message["role"] == "assistant" and asked and message["content"].strip():
            answers.append(message["content"])
    return answers


def no_answer_reason(row: dict) -> str | None:
    if not _question_of(row):
        return "no question: no user turn with content"
    if not _answers_of(row):
        return "no answer: no assistant turn with content after the question"
    return None


def too_short_reason(row: dict, settings: QASettings) -> str | None:
    chars = sum(len(answer.strip()) for answer in _answers_of(row))
    if chars < settings.min_dialog_chars:
        return f"answers hold {chars} characters, under the minimum of {settings.min_dialog_chars}"
    return None


def _describe_dialog(row: dict, reason: str) -> Dropped:
    return Dropped(str(row["id"]), reason, _excerpt(_question_of(row)), _excerpt(next(iter(_answers_of(row)), "")))


def filter_dialogs(rows: list[dict], settings: QASettings) -> tuple[list[dict], FilterReport]:
    """The dialogs (rows of the `dialogs` dataset) worth learning from, and what was dropped and why."""
    filters: list[tuple[str, Filter]] = [
        ("no answer", lambda rs: ([no_answer_reason(r) for r in rs], "")),
        ("too short", lambda rs: ([too_short_reason(r, settings) for r in rs], "")),
    ]
    report = _run_filters("dialogs", rows, filters, _describe_dialog, settings.min_kept_fraction)
    return report.kept, report
