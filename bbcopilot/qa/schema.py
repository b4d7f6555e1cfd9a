"""What a generator must reply with, how a reply is read, and what a filter gets to judge.

A reply is one JSON object `{"pairs": [{"question": ..., "answer": ...}, ...]}` (the schema is sent
as `response_format` where the server takes it and is always spelled out in the prompt). Reading a
reply forgives what models commonly wrap around JSON (a Markdown fence, a sentence before it, a
trailing comma: `json_repair` mends those), but never invents content: a reply whose mended JSON
does not validate is an error, sent back to the model to correct a bounded number of times.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_OBJECT_START = re.compile(r"\{")
_LIST_START = re.compile(r"\[\s*\{")  # a bare list of pairs
_CLOSING_FENCE = re.compile(r"\s*```\s*$")


class GeneratedPair(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class GeneratedPairs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pairs: list[GeneratedPair] = Field(min_length=1)


def reply_schema(pairs: int, max_question_chars: int, max_answer_chars: int) -> dict:
    """The JSON schema of a reply, as `response_format={"type": "json_schema", ...}` carries it.

    Written out rather than taken from the pydantic models: the bounds tell a constrained decoder
    where each string and the list must end, and a plain schema (no `$ref`) is what every server's
    grammar compiler takes."""
    pair = {
        "type": "object",
        "properties": {
            "question": {"type": "string", "minLength": 1, "maxLength": max_question_chars},
            "answer": {"type": "string", "minLength": 1, "maxLength": max_answer_chars},
        },
        "required": ["question", "answer"],
        "additionalProperties": False,
    }
    schema = {
        "type": "object",
        "properties": {"pairs": {"type": "array", "items": pair, "minItems": 1, "maxItems": pairs}},
        "required": ["pairs"],
        "additionalProperties": False,
    }
    return {"name": "qa_pairs", "strict": True, "schema": schema}


def reply_json(raw: str) -> tuple[object, str | None]:
    """The JSON a model's reply holds, mended of what models wrap around it, or (None, why there is none).

    The value starts at the first `{` (or a `[` that opens a list of objects) and ends where it
    ends: a fence or a sentence around it is left out, and a code fence inside an answer's string
    is part of the string, not the end of the reply.
    """
    import json_repair

    starts = [m.start() for m in (_OBJECT_START.search(raw), _LIST_START.search(raw)) if m]
    if not starts:
        return None, "no JSON object in the reply"
    start = min(starts)
    try:
        return json.JSONDecoder().raw_decode(raw, start)[0], None
    except json.JSONDecodeError:
        return json_repair.loads(_CLOSING_FENCE.sub("", raw[start:])), None


def first_error(error: ValidationError) -> str:
    """A validation error in one line: where in the reply, and what is wrong there."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "reply"
    return f"{where}: {first['msg']}"


def read_reply(raw: str) -> tuple[list[GeneratedPair], str | None]:
    """The pairs of a reply, or ([], the reason it is not a valid reply)."""
    value, error = reply_json(raw)
    if error:
        return [], error
    if isinstance(value, list) and value and isinstance(value[0], dict) and "question" in value[0]:
        value = {"pairs": value}  # a bare list of pairs: the object around it forgotten
    try:
        return GeneratedPairs.model_validate(value).pairs, None
    except ValidationError as error:
        return [], first_error(error)


@dataclass(frozen=True)
class SpanContext:
    """Where a pair comes from, as the filters see it: the span and the document around it."""

    document_id: str
    module: str  # "" for a page that is about no one module
    subsystem: str
    title: str
    kind: str  # the document kind label ("module source", "documentation", ...)
    language: str  # the document's prose language: "ru" or "en"
    text: str  # the span's text
    context: str  # the header every prompt shows with the span (module header included)
    defines: tuple[str, ...]  # the procedures and types the span declares


@dataclass(frozen=True)
class Candidate:
    """A generated pair before the filters."""

    id: str
    kind: str  # "api", "task" or "boundary"
    question: str
    answer: str
    span: SpanContext
