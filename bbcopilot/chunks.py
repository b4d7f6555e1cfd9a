"""The `chunks` dataset: token windows for continued pretraining.

Each document is tokenized once with the target model's tokenizer (in one batch,
by the Rust tokenizer); windows of `chunk_tokens` tokens overlap by
`chunk_overlap`, and each starts with a short context header (language,
framework, subsystem, module, kind) that counts within the window. That header
is what keeps a chunk from becoming "the language's" text: the model sees which
module it comes from. A window never ends inside a character: a byte-level BPE
token can hold half a UTF-8 sequence, so a cut moves back to a token boundary
that is also a character boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bbcopilot.corpus import FRAMEWORK, LANGUAGE, kind_label
from bbcopilot.errors import ConfigError


def context_header(row: dict[str, Any]) -> str:
    """`Component Pascal · BlackBox Component Builder · Text · TextModels · module source`, empty parts left out."""
    kind = kind_label(row["kind"])
    parts = [LANGUAGE, FRAMEWORK, row["subsystem"], row["module"] or row["title"][:60], kind]
    return " · ".join(p.strip() for p in parts if p and p.strip()) + "\n"


@dataclass(frozen=True)
class Window:
    token_start: int
    token_end: int


def windows(count: int, span: Callable[[int], tuple[int, int]], size: int, overlap: int) -> list[Window]:
    """Token windows of at most `size` of `count` tokens, `overlap` tokens shared with the next.

    `span(i)` is token i's character span. A cut between tokens i-1 and i is
    allowed only where they do not share a character (i.e. not inside one).
    Spans are asked for at candidate cuts only: materialising every token's
    offsets would cost more than the windowing itself.
    """
    if size <= overlap:
        raise ValueError(f"chunk size {size} must exceed the overlap {overlap}")

    def clean_cut(i: int) -> bool:
        return i <= 0 or i >= count or span(i - 1)[1] <= span(i)[0]

    found, start = [], 0
    while start < count:
        end = min(start + size, count)
        while end > start + 1 and not clean_cut(end):
            end -= 1
        found.append(Window(start, end))
        if end >= count:
            break
        next_start = end - overlap
        while next_start > start and not clean_cut(next_start):
            next_start -= 1
        start = max(next_start, start + 1)
    return found


def chunk_documents(rows: list[dict[str, Any]], tokenizer, size: int, overlap: int) -> list[dict[str, Any]]:
    """Chunk every document row; each chunk records its document, split and token/char offsets."""
    backend = tokenizer.backend_tokenizer
    headers = [context_header(row) for row in rows]
    header_ids = {h: ids.ids for h, ids in zip(set(headers), backend.encode_batch(list(set(headers)), add_special_tokens=False))}
    encodings = backend.encode_batch([row["text"] for row in rows], add_special_tokens=False)
    chunks = []
    for row, header, encoding in zip(rows, headers, encodings):
        head = header_ids[header]
        body_size = size - len(head)
        if body_size <= overlap:
            raise ConfigError(
                f"datasets.chunk_tokens={size}: {row['id']}'s header of {len(head)} tokens leaves no room "
                f"for {overlap} tokens of overlap"
            )
        ids, span = encoding.ids, encoding.token_to_chars
        for number, window in enumerate(windows(len(ids), span, body_size, overlap)):
            char_start = span(window.token_start)[0]
            char_end = span(window.token_end - 1)[1]
            chunks.append(
                {
                    "id": f"{row['id']}#{number}",
                    "document_id": row["id"],
                    "source": row["source"],
                    "subsystem": row["subsystem"],
                    "module": row["module"],
                    "kind": row["kind"],
                    "split": row["split"],
                    "token_start": window.token_start,
                    "token_end": window.token_end,
                    "char_start": char_start,
                    "char_end": char_end,
                    "header": header,
                    "text": header + row["text"][char_start:char_end],
                    "input_ids": head + ids[window.token_start : window.token_end],
                }
            )
    return chunks
