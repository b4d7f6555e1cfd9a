"""Scoring one generated answer: plain-Python metrics, no model needed.

QA answers are scored against the reference answer with two overlap measures
computed on the same tokens (lower-cased `\\w+` runs, so Cyrillic and Latin
words both count and punctuation does not):

- token F1 (SQuAD-style): the harmonic mean of precision and recall of the
  bag of tokens shared by answer and reference;
- ROUGE-L F1: the same harmonic mean over the longest common subsequence,
  which rewards the reference's word order.

Code answers are judged on the code they contain (`extract_code`, a fragment
made a module by `as_module`); the verdict itself is bbcopilot.blackbox.verdict's.
"""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if predicted == 0 and reference == 0:
        return 1.0
    if overlap == 0:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, reference: str) -> float:
    """Bag-of-tokens F1 of an answer against its reference (1.0 when both have no tokens)."""
    pred, ref = tokens(prediction), tokens(reference)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    return _f1(overlap, len(pred), len(ref))


def _lcs(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1: longest common token subsequence (1.0 when both have no tokens)."""
    pred, ref = tokens(prediction), tokens(reference)
    return _f1(_lcs(pred, ref), len(pred), len(ref))


# ---------------------------------------------------------------- code answers

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_OPEN_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n", re.M)  # a fence the answer never closed
_MODULE = re.compile(r"\bMODULE\s+(\w+)\s*;.*?\bEND\s+\1\s*\.", re.S)
# A Pascal/Delphi program or unit written instead of a module is code too (and the habit to catch).
_PASCAL = re.compile(r"^[ \t]*(?:program|unit)\s+\w+\s*;.*?\bend\s*\.", re.S | re.M | re.I)
_MODULE_HEADER = re.compile(r"^\s*(?:\(\*.*?\*\)\s*)*MODULE\b", re.S)
FRAGMENT_MODULE = "EvalFragment"


def extract_code(answer: str) -> str:
    """The code of an answer: its fenced blocks, else the text from `MODULE M;` to `END M.`; '' when none.

    An unfenced Pascal `program P; ... end.` or `unit U; ... end.` is taken too: it is code, and
    exactly the confusion the Delphi metric is there to count.

    Several fenced blocks are joined by a blank line (a module and its usage notes stay
    together); an unterminated fence (the answer ran out of tokens) counts up to the end.
    """
    return CODE_JOINER.join(answer[start:end] for start, end in code_spans(answer))


CODE_JOINER = "\n\n"


def code_spans(answer: str) -> list[tuple[int, int]]:
    """Where in `answer` the code `extract_code` takes lies: (start, end) offsets, in order."""
    blocks = [_without_newlines(answer, *m.span(2)) for m in _FENCE.finditer(answer)]
    if not blocks:
        opened = _OPEN_FENCE.search(answer)
        if opened:
            blocks = [_without_newlines(answer, opened.end(), len(answer))]
    if blocks:
        return [(start, end) for start, end in blocks if answer[start:end].strip()]
    module = _MODULE.search(answer) or _PASCAL.search(answer)
    return [module.span()] if module else []


def _without_newlines(text: str, start: int, end: int) -> tuple[int, int]:
    """The span less the newlines at either end (a block's `strip("\\n")`)."""
    while start < end and text[start] == "\n":
        start += 1
    while end > start and text[end - 1] == "\n":
        end -= 1
    return start, end


def prose_of(answer: str) -> str:
    """The answer less the code `extract_code` takes from it: what the answer says in words."""
    if _FENCE.search(answer):
        return _FENCE.sub("", answer)
    opened = _OPEN_FENCE.search(answer)
    if opened:
        return answer[: opened.start()]
    module = _MODULE.search(answer) or _PASCAL.search(answer)
    return answer[: module.start()] + answer[module.end() :] if module else answer


def as_module(code: str) -> str:
    """The code as a compilable unit: a fragment (procedures, declarations) is wrapped in a module."""
    if _MODULE_HEADER.match(code):
        return code
    return f"MODULE {FRAGMENT_MODULE};\n{code}\nEND {FRAGMENT_MODULE}.\n"
