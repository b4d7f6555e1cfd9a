"""Generation spans over the whole document, split by its structure.

QA generation asks about a document one span at a time, so every part of it can yield pairs,
not only its first characters. A module source is cut between its top-level declarations
(CONST/TYPE/VAR sections, each top-level procedure with its nested ones, the module body) and
every span carries the module header (MODULE line, leading comment, IMPORT list) as context;
documentation is cut between DEFINITION blocks and paragraphs, a heading staying with the
paragraph it introduces. Units are packed in order into spans of at most `budget` tokens,
context included; a unit over budget is split at line boundaries, a line over budget at
whitespace. The spans tile the text: every character is in exactly one span.

`python -m bbcopilot.qa.spans ../shared/bbcp` prints how many spans a BlackBox tree yields.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bbcopilot.corpus import FRAMEWORK, LANGUAGE, kind_label
from bbcopilot.cpcheck.lexer import scan
from bbcopilot.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 1536  # tokens: the generation model's window less prompt and answer, above the 512-token chunks

_WORD_RE = re.compile(r"\w+|[^\w\s]")
_DEFINITION_RE = re.compile(r"^[ \t]*DEFINITION[ \t]+(\w+)", re.M)
_BLANK_LINE_RE = re.compile(r"\n[ \t\r\f\v]*\n")


@dataclass(frozen=True)
class Span:
    """One generation span: `text` is `document["text"][start:end]`; `context` says where it is from."""

    text: str
    context: str
    start: int
    end: int
    defines: tuple[str, ...]  # the procedures and types the span declares ("Type.Method" for a method)


@dataclass(frozen=True)
class Unit:
    """A structural piece of a document: [start, end) and the names it declares."""

    start: int
    end: int
    defines: tuple[str, ...] = ()


def approximate_tokens(text: str) -> int:
    """A tokenizer-free count: each punctuation mark one token, each word one per 4 characters.

    Subword tokenizers give code and prose about this many; pass a real tokenizer's count
    where the exact window matters.
    """
    return sum((len(w) + 3) // 4 for w in _WORD_RE.findall(text))


def spans_of(document: dict, budget: int, count_tokens: Callable[[str], int]) -> list[Span]:
    """The spans of one document (a row of the documents dataset: text, kind, module, subsystem, title)."""
    text = document["text"]
    context = _document_context(document)
    if not text:
        return []
    header_end, header, units = _structure(document)
    with_header = f"{context}\nModule header:\n{header}" if header else context
    if header and count_tokens(with_header) > budget // 2:
        with_header = f"{context}\nModule header:\n{_header_without_comments(header)}"
    context_tokens = {context: count_tokens(context), with_header: count_tokens(with_header)}
    if context_tokens[with_header] >= budget:
        raise ValueError(f"{document.get('id') or document.get('title')}: a budget of {budget} tokens leaves "
                         f"no room beside the span context ({context_tokens[with_header]} tokens)")
    spans: list[Span] = []
    pending: list[Unit] = []

    def context_at(start: int) -> str:
        # The span holding the header shows it as text already.
        return with_header if header and start >= header_end else context

    def fits(start: int, end: int) -> bool:
        return context_tokens[context_at(start)] + count_tokens(text[start:end]) <= budget

    def flush() -> None:
        if pending:
            start, end = pending[0].start, pending[-1].end
            names = tuple(dict.fromkeys(n for u in pending for n in u.defines))
            spans.append(Span(text[start:end], context_at(start), start, end, names))
            pending.clear()

    for unit in units:
        if pending and fits(pending[0].start, unit.end):
            pending.append(unit)
            continue
        flush()
        if fits(unit.start, unit.end):
            pending.append(unit)
            continue
        for start, end in _pieces(text, unit.start, unit.end, fits, document):
            spans.append(Span(text[start:end], context_at(start), start, end, unit.defines))
    flush()
    return spans


def units_of(document: dict) -> list[Unit]:
    """The structural units of a document, in order, tiling its text (what `spans_of` packs)."""
    return _structure(document)[2]


def _structure(document: dict) -> tuple[int, str, list[Unit]]:
    """(header end, module header, units): the header is empty for documentation."""
    if document.get("kind") == "Mod":
        return _module_units(document["text"])
    return 0, "", _documentation_units(document["text"])


def _document_context(document: dict) -> str:
    lines = [
        f"Language: {LANGUAGE}",
        f"Framework: {FRAMEWORK}",
        f"Subsystem: {document.get('subsystem') or '(top level)'}",
        f"Module: {document.get('module') or '(none)'}",
        f"Document kind: {kind_label(document.get('kind'))}",
        f"Title: {document.get('title') or '(untitled)'}",
    ]
    return "\n".join(lines)


def _pieces(text: str, start: int, end: int, fits: Callable[[int, int], bool],
            document: dict) -> Iterator[tuple[int, int]]:
    """[start, end) over budget as consecutive pieces that fit: whole lines, else words, else characters."""
    lines = _cuts(text, start, end, lambda s, e: [m.end() for m in re.finditer(r"\n", text[s:e])])
    for line_start, line_end in _greedy(lines, fits):
        if fits(line_start, line_end):
            yield line_start, line_end
            continue
        words = _cuts(text, line_start, line_end, lambda s, e: [m.end() for m in re.finditer(r"\s+", text[s:e])])
        for word_start, word_end in _greedy(words, fits):
            if fits(word_start, word_end):
                yield word_start, word_end
                continue
            log.warning("%s: a word of %d characters at offset %d is over the budget; cut between characters",
                        document.get("id") or document.get("source") or document.get("title"),
                        word_end - word_start, word_start)
            yield from _greedy(_cuts(text, word_start, word_end, lambda s, e: range(1, e - s)), fits)


def _cuts(text: str, start: int, end: int, offsets: Callable[[int, int], Iterable[int]]) -> list[tuple[int, int]]:
    """[start, end) cut after each relative offset `offsets` gives (inside the range), as consecutive pieces."""
    bounds = [start] + [start + o for o in offsets(start, end) if 0 < o < end - start] + [end]
    return list(zip(bounds, bounds[1:]))


def _greedy(pieces: list[tuple[int, int]], fits: Callable[[int, int], bool]) -> Iterator[tuple[int, int]]:
    """Consecutive pieces joined while they fit; a piece that fits nothing alone comes out alone."""
    current: tuple[int, int] | None = None
    for start, end in pieces:
        if current is not None and fits(current[0], end):
            current = (current[0], end)
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


# --- module sources -------------------------------------------------------------------------------

_SECTIONS = frozenset({"CONST", "TYPE", "VAR"})


def _module_units(text: str) -> tuple[int, str, list[Unit]]:
    """(header end, header text, units) of a module source; one unit for text that is not a module."""
    tokens = scan(text).tokens
    if len(tokens) < 3 or tokens[0].type != "MODULE":
        return 0, "", _documentation_units(text)
    module = tokens[1].value
    i = next((k for k, t in enumerate(tokens) if t.type == "SEMI"), len(tokens) - 1) + 1
    if i < len(tokens) and tokens[i].type == "IMPORT":
        i = next((k for k in range(i, len(tokens)) if tokens[k].type == "SEMI"), len(tokens) - 1) + 1
    header_end = _line_after(text, tokens[i - 1].end_pos, tokens[i].start_pos if i < len(tokens) else len(text))
    starts: list[tuple[int, tuple[str, ...]]] = [(0, ())]  # (token index, defines) of each unit
    depth = 0  # parentheses, at the top level of the module
    while i < len(tokens):
        t = tokens[i]
        if t.type == "LPAR":
            depth += 1
        elif t.type == "RPAR":
            depth -= 1
        elif depth == 0 and t.type in _SECTIONS | {"BEGIN", "CLOSE"}:
            starts.append((i, ()))
        elif depth == 0 and t.type == "END" and i + 2 < len(tokens) and tokens[i + 1].value == module \
                and tokens[i + 2].type == "DOT":
            if tokens[starts[-1][0]].type not in ("BEGIN", "CLOSE"):
                starts.append((i, ()))
            break
        elif t.type == "PROCEDURE" and tokens[i - 1].type == "SEMI" and \
                (i + 1 >= len(tokens) or tokens[i + 1].type != "CARET"):
            name, end = _procedure(tokens, i)
            starts.append((i, (name,) if name else ()))
            i = end
            continue
        if t.type == "IDENT" and depth == 0 and tokens[starts[-1][0]].type == "TYPE" and \
                tokens[i - 1].type in ("TYPE", "SEMI") and _declares_type(tokens, i):
            index, names = starts[-1]
            starts[-1] = (index, names + (t.value,))
        i += 1
    bounds = [0] + [_line_after(text, tokens[k - 1].end_pos, tokens[k].start_pos) for k, _ in starts[1:]]
    ends = bounds[1:] + [len(text)]
    units = [Unit(s, e, names) for s, e, (_, names) in zip(bounds, ends, starts) if e > s]
    return header_end, text[:header_end].rstrip(), units


def _line_after(text: str, prev_end: int, start: int) -> int:
    """Where a unit beginning at `start` begins: after the line of the previous token, so the comments
    between them go with the unit they precede; at `start` when both tokens share a line."""
    newline = text.find("\n", prev_end, start)
    return start if newline < 0 else newline + 1


def _procedure(tokens: list, i: int) -> tuple[str | None, int]:
    """(name, index after its last token) of the procedure declared at tokens[i] (PROCEDURE).

    A method is named `Receiver.Name`. A procedure without a body (ABSTRACT, EMPTY, a code
    procedure) ends at its heading's `;`; one with a body at its `END Name ;`, nested ones inside.
    """
    k, receiver = i + 1, None
    if k < len(tokens) and tokens[k].type == "CODEFLAG":
        k += 1
    if k < len(tokens) and tokens[k].type == "LPAR":
        close = next((j for j in range(k, len(tokens)) if tokens[j].type == "RPAR"), len(tokens) - 1)
        idents = [t.value for t in tokens[k:close] if t.type == "IDENT"]
        receiver = idents[-1] if idents else None
        k = close + 1
    if k < len(tokens) and tokens[k].type == "LBRACK":  # a system flag: PROCEDURE [ccall] Name
        k = next((j for j in range(k, len(tokens)) if tokens[j].type == "RBRACK"), len(tokens) - 1) + 1
    if k < len(tokens) and tokens[k].type == "MINUS":  # PROCEDURE- Name: an inline (code) procedure
        k += 1
    if k >= len(tokens) or tokens[k].type != "IDENT":
        return None, k
    name = tokens[k].value
    depth, heading_end = 0, len(tokens)
    for j in range(k + 1, len(tokens)):
        kind = tokens[j].type
        depth += (kind == "LPAR") - (kind == "RPAR")
        if kind == "SEMI" and depth == 0:
            heading_end = j
            break
    heading = {t.type for t in tokens[i:heading_end]} | {t.value for t in tokens[i:heading_end] if t.type == "IDENT"}
    if heading & {"ABSTRACT", "EMPTY", "CODEFLAG"}:
        return _qualified(receiver, name), heading_end + 1
    for j in range(heading_end + 1, len(tokens) - 2):
        if tokens[j].type == "END" and tokens[j + 1].value == name and tokens[j + 2].type == "SEMI":
            return _qualified(receiver, name), j + 3
    return _qualified(receiver, name), len(tokens)


def _qualified(receiver: str | None, name: str) -> str:
    return f"{receiver}.{name}" if receiver else name


def _declares_type(tokens: list, i: int) -> bool:
    """tokens[i] is the name in `Name [*|-] = ...` of a type declaration."""
    k = i + 1
    if k < len(tokens) and tokens[k].type in ("STAR", "MINUS"):
        k += 1
    return k < len(tokens) and tokens[k].type == "EQ"


def _header_without_comments(header: str) -> str:
    """The MODULE line and IMPORT list alone, for a header whose comments would fill the budget."""
    tokens = scan(header).tokens
    return " ".join(t.value for t in tokens)


# --- documentation --------------------------------------------------------------------------------

def _documentation_units(text: str) -> list[Unit]:
    """DEFINITION ... END Name. blocks whole; the rest by paragraphs; a heading joined to what follows."""
    pieces: list[Unit] = []
    pos = 0
    for m in _DEFINITION_RE.finditer(text):
        if m.start() < pos:
            continue
        end = re.compile(rf"^[ \t]*END[ \t]+{re.escape(m.group(1))}[ \t]*\.[^\n]*\n?", re.M).search(text, m.end())
        if end is None:
            continue
        pieces += _paragraphs(text, pos, m.start())
        pieces.append(Unit(m.start(), end.end(), _definition_names(text[m.start():end.end()])))
        pos = end.end()
    pieces += _paragraphs(text, pos, len(text))
    units: list[Unit] = []
    for piece in pieces:
        if units and not units[-1].defines and _is_heading(text[units[-1].start:units[-1].end]):
            units[-1] = Unit(units[-1].start, piece.end, piece.defines)
        else:
            units.append(piece)
    return units


def _paragraphs(text: str, start: int, end: int) -> list[Unit]:
    bounds = [start] + [m.end() for m in _BLANK_LINE_RE.finditer(text, start, end)] + [end]
    return [Unit(s, e) for s, e in zip(bounds, bounds[1:]) if e > s]


def _is_heading(paragraph: str) -> bool:
    """A short single line without closing punctuation: a title that belongs with what follows."""
    line = paragraph.strip()
    return bool(line) and "\n" not in line and len(line) <= 80 and line[-1] not in ".;:,!?"


def _definition_names(block: str) -> tuple[str, ...]:
    """The types and procedures a DEFINITION listing declares (methods are in their records)."""
    tokens = scan(block, stop_at_module_end=False).tokens
    names: list[str] = []
    section, depth = None, 0  # RECORD ... END and parentheses
    for i, t in enumerate(tokens):
        if t.type in ("RECORD", "LPAR"):
            depth += 1
        elif t.type in ("END", "RPAR") and depth:
            depth -= 1
        elif depth == 0 and t.type in _SECTIONS:
            section = t.type
        elif depth == 0 and t.type == "PROCEDURE" and i and tokens[i - 1].type == "SEMI":
            section = "PROCEDURE"
            name, _ = _procedure(tokens, i)
            if name:
                names.append(name)
        elif depth == 0 and section == "TYPE" and t.type == "IDENT" and tokens[i - 1].type in ("TYPE", "SEMI") \
                and _declares_type(tokens, i):
            names.append(t.value)
    return tuple(names)


# --- figures --------------------------------------------------------------------------------------

class TokenCounter:
    """Tokens as the tokenizer at a folder or hub name counts them: of a text (no special tokens), and of
    a request with the chat template around its messages, as the generation model reads it."""

    def __init__(self, tokenizer_path: str, revision: str | None = None):
        from bbcopilot.llm import load_tokenizer

        self.tokenizer = load_tokenizer(tokenizer_path, revision)

    def text(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def request(self, messages: list[dict[str, str]]) -> int:
        return len(self.tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)["input_ids"])


def tree_documents(root: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    """Every .odc under `root` as a documents-dataset row, and the files that could not be converted."""
    from bbcopilot.convert import convert_file

    documents, failures = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == ".odc"):
        try:
            converted = convert_file(path, root, "plain")
        except InputError as error:
            failures.append((path.relative_to(root).as_posix(), error.reason))
            continue
        meta = converted.meta
        documents.append({"id": meta.relpath, "source": meta.relpath, "text": converted.text, "kind": meta.kind,
                          "module": meta.module, "subsystem": meta.subsystem, "title": meta.title})
    return documents, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count the generation spans a BlackBox tree yields.")
    parser.add_argument("root", type=Path, help="a BlackBox tree, e.g. ../shared/bbcp")
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET, help="tokens per span, context included")
    parser.add_argument("--tokenizer", help="a tokenizer (folder or hub name) to count with; "
                                            "default: an approximation from words and characters")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    count = TokenCounter(args.tokenizer).text if args.tokenizer else approximate_tokens
    documents, failures = tree_documents(args.root)
    for relpath, reason in failures:
        log.error("%s: skipped: %s", relpath, reason)
    per_kind: Counter[str] = Counter()
    docs_per_kind: Counter[str] = Counter()
    inside_units = 0  # spans that begin inside a unit: over-budget units split at lines
    for document in documents:
        spans = spans_of(document, args.budget, count)
        per_kind[document["kind"] or "(none)"] += len(spans)
        docs_per_kind[document["kind"] or "(none)"] += 1
        unit_starts = {unit.start for unit in units_of(document)}
        inside_units += sum(span.start not in unit_starts for span in spans)
    total = sum(per_kind.values())
    print(f"{args.root}: {len(documents)} documents, {total} spans at {args.budget} tokens "
          f"({'tokenizer ' + args.tokenizer if args.tokenizer else 'approximate count'}); "
          f"{len(failures)} files skipped; {inside_units} spans begin inside an over-budget unit")
    for kind, n in per_kind.most_common():
        print(f"  {kind}: {docs_per_kind[kind]} documents, {n} spans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
