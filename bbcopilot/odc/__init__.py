"""Reader and renderers of BlackBox compound documents (.odc).

    document = read_odc(data, "Text/Mod/Models.odc")   # raises OdcError
    render(document, "plain" | "source" | "markdown")  # -> str

The byte format is described in shared/docs/odc-format.md; `stores.py` reads
the generic Stores serialization, `decoders.py` the types a converter needs,
`render.py` makes the three renderings. Every input either reads or raises
`OdcError` (an `InputError`) naming the file, the byte offset and what was
expected; bounds on depth, sizes and re-reads keep any input finite.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bbcopilot.odc import render as _render
from bbcopilot.odc.decoders import DECODERS
from bbcopilot.odc.nodes import Alien, Commander, Container, Fold, Link, LinkRef, Store, Target, Text
from bbcopilot.odc.stores import OdcError, Reader

__all__ = ["RENDERINGS", "OdcDocument", "OdcError", "read_odc", "render"]

RENDERINGS = ("plain", "source", "markdown")


@dataclass
class OdcDocument:
    source: str
    data: bytes
    root: object
    root_view: object  # the view the document shows (a text view, a form, ...)
    text: Text | None  # the text of that view, if it is a text view
    counts: dict[str, int] = field(default_factory=dict)


def read_odc(data: bytes, source: str) -> OdcDocument:
    reader = Reader(data, source, DECODERS)
    root = reader.document()
    view = _root_view(root)
    text = _view_text(view)
    return OdcDocument(source, data, root, view, text, _counts(reader, view, text))


def render(document: OdcDocument, rendering: str) -> str:
    if rendering == "plain":
        return _render.plain(document.text)
    if rendering == "source":
        return _render.source(document.text)
    if rendering == "markdown":
        return _render.markdown(document.text, document.root_view, document.data)
    raise ValueError(f"unknown rendering {rendering!r}; expected one of {', '.join(RENDERINGS)}")


def _root_view(root: object) -> object:
    """Documents.StdDocument -> its model (Documents.Model) -> the view inside it."""
    node = root
    if isinstance(node, Container) and node.type.startswith("Documents."):
        for _ in range(2):  # document -> model -> view
            if not (isinstance(node, Container) and node.children):
                return None
            node = node.children[0]
    return node


def _view_text(view: object) -> Text | None:
    if isinstance(view, Text):
        return view
    if isinstance(view, Container) and view.type == _render.TEXT_VIEW and view.children:
        model = view.children[0]
        return model if isinstance(model, Text) else None
    return None


def _counts(reader: Reader, view: object, text: Text | None) -> dict[str, int]:
    """What the document holds, so that what a rendering drops is counted, not lost silently."""
    counts: Counter[str] = Counter()
    nodes = [n for n in reader.elems + reader.stores if isinstance(n, Store)]
    for node in nodes:
        if isinstance(node, Text):
            counts["texts"] += 1
            for _start, _end, _attr, item in node.runs:
                if item is not None:
                    name = item.type if isinstance(item, Store) else "link-record" if isinstance(item, LinkRef) else "nil"
                    counts[f"view:{name}"] += 1
        elif isinstance(node, Fold) and node.left:
            counts["folds"] += 1
            counts["folds_collapsed"] += node.collapsed
        elif isinstance(node, Link) and node.command is not None:
            counts["links"] += 1
        elif isinstance(node, Target) and node.ident is not None:
            counts["targets"] += 1
        elif isinstance(node, Commander) and not node.end:
            counts["commanders"] += 1
        elif node.type == _render.TEXT_VIEW and node is not view:
            counts["nested_texts"] += 1
    counts["chars"] = len(text.chars) if text is not None else 0
    counts["link_records"] = len(reader.links)
    counts["alien_stores"] = sum(1 for node in nodes if isinstance(node, Alien))
    counts["decode_fallbacks"] = len(reader.fallbacks)
    return dict(sorted(counts.items()))
