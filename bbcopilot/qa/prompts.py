"""The prompt templates of QA generation (Jinja files in `templates/`), rendered with a span and its context.

Every generation prompt names the language, the framework, the subsystem, the module, the document
kind and title, and the procedures and types the span declares: the original experiment's QA pairs,
asked without that context, taught that one module's type was the language's. One template per
question kind (`api`, `task`, `boundary`); `repair` sends invalid output back; `judge` asks a judge
whether an answer's claims are in the span. A template's hash covers the templates it includes, so
a changed template regenerates only the pairs made with it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import jinja2
from jinja2 import meta

from bbcopilot.corpus import FRAMEWORK, LANGUAGE, kind_label
from bbcopilot.qa.spans import Span

TEMPLATES = Path(__file__).with_name("templates")
PROSE = {"ru": "Russian", "en": "English"}


@cache
def _environment() -> jinja2.Environment:
    # StrictUndefined: a variable a template names but the stage does not pass is an error, not "".
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False, autoescape=False,
    )


def _sources(name: str, seen: set[str] | None = None) -> list[tuple[str, str]]:
    """(name, source) of a template and, in order, every template it includes."""
    seen = set() if seen is None else seen
    if name in seen:
        return []
    seen.add(name)
    environment = _environment()
    source = environment.loader.get_source(environment, name)[0]
    found = [(name, source)]
    for included in sorted(meta.find_referenced_templates(environment.parse(source))):
        found += _sources(included, seen)
    return found


def template_hash(template: str) -> str:
    """The hash of `template` and everything it includes."""
    digest = hashlib.sha256()
    for name, source in _sources(f"{template}.jinja"):
        digest.update(name.encode() + b"\0" + source.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def render(template: str, **values: object) -> str:
    return _environment().get_template(f"{template}.jinja").render(**values).strip()


def span_values(document: dict, span: Span, pairs: int) -> dict[str, object]:
    """What a generation template is rendered with: the span, its context and the document's."""
    return {
        "language": LANGUAGE,
        "framework": FRAMEWORK,
        "subsystem": document.get("subsystem") or "(top level)",
        "module": document.get("module") or "",
        "title": document.get("title") or "",
        "kind": kind_label(document.get("kind")),
        "prose_language": PROSE.get(document.get("language") or "en", "English"),
        "defines": list(span.defines),
        # A boundary question's example: a type rather than a method ("Model", not "Model.Insert").
        "example_name": next((name for name in span.defines if "." not in name),
                             span.defines[0].split(".")[0] if span.defines else ""),
        "context": span.context,
        "span": span.text,
        "pairs": pairs,
    }


def generation_prompt(kind: str, document: dict, span: Span, pairs: int) -> str:
    """The user message asking for `pairs` pairs of question kind `kind` about `span`."""
    return render(kind, **span_values(document, span, pairs))
