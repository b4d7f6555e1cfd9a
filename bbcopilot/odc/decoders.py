"""Strict decoders of the store types a text converter needs (format note sections 5-7).

Each decoder reads a store's content from `reader.pos` to its end and returns a
node. It reads every class's version byte (base class first; an elem record
carries one more for Stores.Store) and raises `Mismatch` on a version it does
not know; the reader then restores its dictionaries and walks the store as an
alien, exactly as BlackBox does for a type whose Internalize rejects the data.

Only the most derived type selects a decoder: a subclass may append fields, so
an unknown subclass of a known type is an alien too.
"""

from __future__ import annotations

from bbcopilot.odc.nodes import Attributes, Commander, Container, Fold, Link, Record, Target, Text
from bbcopilot.odc.stores import Mismatch, Reader

ATTRIBUTE_CAP = 32  # entries in a text's attribute dictionary (section 6)
END_OF_RUNS = 0xFF

# Long chars store the high byte XOR 0x80 (section 6).
_XOR_HIGH = bytes(b ^ 0x80 for b in range(256))


def _base_versions(reader: Reader, record: Record, classes: int) -> None:
    """Version bytes of `classes` base classes, plus the elem's extra Stores.Store byte."""
    reader.versions(classes + 1 if record.elem else classes)


# ---------------------------------------------------------------- containers


def _document(reader: Reader, record: Record) -> Container:
    # Stores.Store, Views.View, Containers.View; model; controller;
    # Documents.Document, StdDocument; page width/height, 4 margins, Bool decorate.
    _base_versions(reader, record, 3)
    model, _ = reader.structure()
    controller, _ = reader.structure()
    reader.versions(2)
    reader.need(6 * 4 + 1)
    return Container(record, [model, controller])


def _document_model(reader: Reader, record: Record) -> Container:
    # Stores.Store (+elem), Models.Model, Containers.Model, Documents.Model; root view; l, t, r, b.
    _base_versions(reader, record, 4)
    view, _ = reader.structure()
    reader.need(4 * 4)
    return Container(record, [view])


def _text_view(reader: Reader, record: Record) -> Container:
    # Stores.Store, Views.View, Containers.View; model; controller; TextViews.View,
    # StdView; Bool hideMarks; default ruler; default attributes; Int org, Int dy.
    _base_versions(reader, record, 3)
    model, _ = reader.structure()
    controller, _ = reader.structure()
    reader.versions(2)
    reader.need(1)
    ruler, _ = reader.structure()
    attributes, _ = reader.structure()
    reader.need(8)
    return Container(record, [model, controller, ruler, attributes])


# ---------------------------------------------------------------- text


def _attributes(reader: Reader, record: Record) -> Attributes:
    _base_versions(reader, record, 1)
    reader.version(0)
    color = reader.int()
    reader.int()  # font fingerprint, always 0
    typeface = reader.xstring()
    size = reader.int()
    style = reader.int()
    weight = reader.short()
    reader.int()  # baseline offset
    return Attributes(record, color, typeface, size, style, weight)


def _text(reader: Reader, record: Record) -> Text:
    """TextModels.StdModel: run directory with attributes and views, then the characters."""
    _base_versions(reader, record, 4)  # Store, Models.Model, Containers.Model, TextModels.Model
    reader.version(1)  # 1 = has long-char runs; decoding does not depend on it
    dir_len = reader.int()
    dir_end = reader.pos + dir_len
    if dir_len < 1 or dir_end > reader.end:
        raise Mismatch(f"run directory of {dir_len} bytes")
    text_end = reader.end
    reader.end = dir_end
    data = reader.data

    attrs: list = []
    runs: list = []
    long_runs: list[tuple[int, int]] = []  # (directory index, byte start) of long runs
    chars_at = byte_at = dir_end
    position = 0
    has_views = False
    while True:
        ano = reader.byte()
        if ano == END_OF_RUNS:
            break
        size = len(attrs)
        if ano == size:
            attr, _ = reader.structure()
            # A full dictionary still gets new sets written, but they are not kept.
            if size < ATTRIBUTE_CAP:
                attrs.append(attr)
        elif ano < size:
            attr = attrs[ano]
        else:
            raise Mismatch(f"attribute index {ano} of {size}")
        n = reader.int()
        if n > 0:
            runs.append((position, position + n, attr, None))
            position += n
            byte_at += n
        elif n < 0:
            if n & 1:
                raise Mismatch(f"odd long run {n}")
            count = -n >> 1
            long_runs.append((len(runs), byte_at))
            runs.append((position, position + count, attr, None))
            position += count
            byte_at -= n
        else:
            reader.need(8)  # width, height
            view, _ = reader.structure()
            runs.append((position, position + 1, attr, view))
            position += 1
            byte_at += 1
            has_views = True
        if byte_at > text_end:
            raise Mismatch(f"character data beyond the store ({byte_at} > {text_end})")
    if reader.pos != dir_end:
        raise Mismatch(f"run directory ends at {dir_end}, stopped at {reader.pos}")
    reader.end = text_end
    reader.pos = byte_at

    if not long_runs:
        # Short chars and view bytes only: one position per byte, one decode.
        chars = data[chars_at:byte_at].decode("latin-1")
    else:
        chars = _mixed_chars(data, runs, long_runs, chars_at, byte_at)
    return Text(record, chars, runs, has_views)


def _mixed_chars(data: bytes, runs: list, long_runs: list, start: int, stop: int) -> str:
    """Characters of a text with long runs: short stretches in bulk, each long run decoded once."""
    parts = []
    cursor = start
    for index, at in long_runs:
        if at > cursor:
            parts.append(data[cursor:at].decode("latin-1"))
        first, last = runs[index][0], runs[index][1]
        raw = bytearray(data[at : at + 2 * (last - first)])
        raw[1::2] = raw[1::2].translate(_XOR_HIGH)
        parts.append(raw.decode("utf-16-le", "replace"))
        cursor = at + 2 * (last - first)
    if stop > cursor:
        parts.append(data[cursor:stop].decode("latin-1"))
    return "".join(parts)


# ---------------------------------------------------------------- embedded views


def _fold(reader: Reader, record: Record) -> Fold:
    _base_versions(reader, record, 2)  # Store, Views.View
    version = reader.version(1)
    reader.short()  # side flag; BlackBox uses the hidden text instead
    state = reader.short()
    label = reader.xstring() if version == 0 else reader.string()
    hidden, _ = reader.structure()
    return Fold(record, state == 0, label, hidden)


def _link(reader: Reader, record: Record) -> Link:
    _base_versions(reader, record, 2)
    version = reader.version(2)
    reader.need(1)  # Bool, unused
    length = reader.int()
    command = None
    if length != 0:
        command = reader.string() if version == 2 else reader.xstring()
    if version >= 1:
        reader.int()  # close mode
    return Link(record, command)


def _target(reader: Reader, record: Record) -> Target:
    _base_versions(reader, record, 2)
    version = reader.version(1)
    reader.need(1)
    length = reader.int()
    ident = None
    if length != 0:
        ident = reader.string() if version == 1 else reader.xstring()
    return Target(record, ident)


def _commander(reader: Reader, record: Record) -> Commander:
    _base_versions(reader, record, 2)
    reader.version(0)  # DevCommanders.View
    reader.short()  # kind
    reader.version(0)  # StdView
    return Commander(record, False)


def _commander_end(reader: Reader, record: Record) -> Commander:
    # Nothing but the Store and View versions (DevCommanders.View adds none here).
    _base_versions(reader, record, 2)
    return Commander(record, True)


DECODERS = {
    "Documents.StdDocument": _document,
    "Documents.Model": _document_model,
    "TextViews.StdView": _text_view,
    "TextModels.StdModel": _text,
    "TextModels.Attributes": _attributes,
    "StdFolds.Fold": _fold,
    "StdLinks.Link": _link,
    "StdLinks.Target": _target,
    "DevCommanders.StdView": _commander,
    "DevCommanders.StdEndView": _commander_end,
}
