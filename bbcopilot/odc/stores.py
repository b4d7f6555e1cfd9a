"""The generic Stores serialization of BlackBox documents (format note sections 2-4, 8).

A `Reader` turns the bytes of one .odc file into a tree of nodes (`nodes.py`).
It knows the five record kinds, the per-file type dictionary and the two id
lists; what a store's content means is left to decoders registered per type
name (`decoders.py`). A store whose type has no decoder, whose decoder rejects
a version or does not end exactly at `content start + len` is walked as an
alien via its down/next chain, as BlackBox does, so the dictionaries stay in
sync with the file.

Every read is checked against the bytes that remain in the current store, so
a damaged file raises `OdcError` (with the byte offset) instead of reading
garbage, allocating without bound or recursing without end.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from bbcopilot.errors import InputError
from bbcopilot.odc.nodes import Alien, LinkRef, Node, Record

# Record kind bytes (section 4.1).
NIL, LINK, STORE, ELEM, NEWLINK = 0x80, 0x81, 0x82, 0x83, 0x84
# Type path entry tags (section 4.2).
NEW_BASE, NEW_EXT, OLD_TYPE = 0xF0, 0xF1, 0xF2

# Bounds that keep hostile input finite. BlackBox itself allows 16 names of 64
# characters per path; the others are far above anything a real document uses
# (deepest nesting in the corpus is about 15 records, largest dictionary ~60).
MAX_PATH_NAMES = 32
MAX_NAME_BYTES = 256
MAX_TYPES = 4096
MAX_DEPTH = 64
# The first four bytes of every document (format note section 3: "docTag").
DOCUMENT_TAG = b"CDOo"

_INT = struct.Struct("<i")
_INT2 = struct.Struct("<2i")
_INT4 = struct.Struct("<4i")
_SHORT = struct.Struct("<h")


class OdcError(InputError):
    """A .odc file is not what the format says: names the file, the byte offset and what was expected."""

    def __init__(self, source: str, offset: int, expected: str):
        super().__init__(source, f"byte {offset}: expected {expected}")
        self.offset = offset
        self.expected = expected


class Mismatch(Exception):
    """A decoder found content it does not support; the store is re-read as an alien."""


Decoder = Callable[["Reader", Record], Node]


def type_key(name: str) -> str:
    """`M.T^` and `M.TDesc` are the same type (section 4.2); both become `M.T`."""
    if name.endswith("^"):
        return name[:-1]
    if name.endswith("Desc"):
        return name[:-4]
    return name


class Reader:
    """Reads structures from `data`; `pos` is the cursor, `end` the end of the current store."""

    def __init__(self, data: bytes, source: str, decoders: dict[str, Decoder]):
        self.data = data
        self.source = source
        self.decoders = decoders
        self.pos = 0
        self.end = len(data)
        self.type_names: list[str] = []
        self.type_bases: list[int] = []
        self._chains: dict[int, tuple[str, ...]] = {}
        self.elems: list[Node] = []
        self.stores: list[Node] = []
        self.links: list[LinkRef] = []
        # Known types that turned alien: (type, offset, why), reported in the counts.
        self.fallbacks: list[tuple[str, int, str]] = []
        self.depth = 0
        # Each record may be read twice (strict, then as alien) at every level;
        # the budget stops a damaged file from making that exponential.
        self.steps = 0
        self.max_steps = 4 * (len(data) // 8) + 1000
        # Set when the file breaks a bound: no fallback can help, so stop at once.
        self.fatal = False

    # ------------------------------------------------------------ errors

    def fail(self, offset: int, expected: str) -> OdcError:
        return OdcError(self.source, offset, expected)

    def fail_bound(self, offset: int, expected: str) -> OdcError:
        self.fatal = True
        return OdcError(self.source, offset, expected)

    # ------------------------------------------------------------ primitives
    # Inside a decoder a short read is a Mismatch (the store turns alien);
    # the alien walk itself checks its offsets and raises OdcError.

    def need(self, n: int) -> int:
        pos = self.pos
        if n < 0 or pos + n > self.end:
            raise Mismatch(f"{n} bytes at {pos}")
        self.pos = pos + n
        return pos

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise Mismatch(f"a byte at {pos}")
        self.pos = pos + 1
        return self.data[pos]

    def int(self) -> int:
        return _INT.unpack_from(self.data, self.need(4))[0]

    def short(self) -> int:
        return _SHORT.unpack_from(self.data, self.need(2))[0]

    def version(self, high: int) -> int:
        value = self.byte()
        if value > high:
            raise Mismatch(f"version {value} > {high}")
        return value

    def versions(self, count: int) -> None:
        """`count` base-class version bytes, each 0 in every known file."""
        start = self.need(count)
        if any(self.data[start : start + count]):
            raise Mismatch(f"base versions at {start}")

    def xstring(self) -> str:
        """A 0-terminated string of Latin-1 bytes."""
        stop = self.data.find(b"\0", self.pos, self.end)
        if stop < 0:
            raise Mismatch(f"terminated string at {self.pos}")
        text = self.data[self.pos : stop].decode("latin-1")
        self.pos = stop + 1
        return text

    def string(self) -> str:
        """A 0x0000-terminated UTF-16LE string (plain, no XOR)."""
        start = pos = self.pos
        data, end = self.data, self.end
        while True:
            pos = data.find(b"\0\0", pos, end)
            if pos < 0:
                raise Mismatch(f"terminated string at {start}")
            if (pos - start) % 2 == 0:
                break
            pos += 1
        self.pos = pos + 2
        return data[start:pos].decode("utf-16-le", "replace")

    # ------------------------------------------------------------ type paths

    def _read_path(self) -> tuple[str, ...]:
        data = self.data
        names, bases = self.type_names, self.type_bases
        known = len(names)
        first_new = known
        for _ in range(MAX_PATH_NAMES):
            at = self.pos
            if at >= self.end:
                raise self.fail(at, "a type path entry")
            tag = data[at]
            if tag == OLD_TYPE:
                if at + 5 > self.end:
                    raise self.fail(at, "a type id")
                type_id = _INT.unpack_from(data, at + 1)[0]
                self.pos = at + 5
                # Only names from earlier paths: an id inside this path would be a cycle.
                if not 0 <= type_id < known:
                    raise self.fail(at + 1, f"a type id below {known}, got {type_id}")
                if len(names) > first_new:
                    bases[-1] = type_id
                return self._chain(first_new if len(names) > first_new else type_id)
            if tag != NEW_EXT and tag != NEW_BASE:
                raise self.fail(at, f"a type path tag F0/F1/F2, got {tag:#04x}")
            stop = data.find(b"\0", at + 1, min(self.end, at + 2 + MAX_NAME_BYTES))
            if stop < 0:
                raise self.fail(at + 1, f"a 0-terminated type name of at most {MAX_NAME_BYTES} bytes")
            if len(names) >= MAX_TYPES:
                raise self.fail(at, f"at most {MAX_TYPES} type names per file")
            name = data[at + 1 : stop].decode("utf-8", "replace")
            if len(names) > first_new:
                bases[-1] = len(names)
            names.append(type_key(name))
            bases.append(-1)
            self.pos = stop + 1
            if tag == NEW_BASE:
                return self._chain(first_new)
        raise self.fail(self.pos, f"a type path of at most {MAX_PATH_NAMES} names")

    def _chain(self, type_id: int) -> tuple[str, ...]:
        """The names from `type_id` down to the root type (ids only ever point to older paths)."""
        chain = self._chains.get(type_id)
        if chain is None:
            names, bases, walk = [], self.type_bases, type_id
            while walk >= 0 and len(names) <= MAX_PATH_NAMES:
                names.append(self.type_names[walk])
                walk = bases[walk]
            chain = tuple(names)
            self._chains[type_id] = chain
        return chain

    def restore(self, types: int, elems: int, stores: int, links: int) -> None:
        """Forget what a failed strict decode registered (section 8, last paragraph)."""
        del self.type_names[types:], self.type_bases[types:]
        self._chains = {k: v for k, v in self._chains.items() if k < types}
        del self.elems[elems:], self.stores[stores:], self.links[links:]

    # ------------------------------------------------------------ records

    def structure(self) -> tuple[Node, int]:
        """Read one record at `pos`; return its node and the absolute start of its sibling (-1: none)."""
        start = self.pos
        data = self.data
        self.steps += 1
        if self.steps > self.max_steps:
            raise self.fail_bound(start, f"at most {self.max_steps} record reads (the file re-reads itself)")
        if start >= self.end:
            raise self.fail(start, "a record kind byte")
        kind = data[start]
        if kind == STORE or kind == ELEM:
            return self._store(kind, start)
        if kind == NIL or kind == LINK or kind == NEWLINK:
            return self._short_record(kind, start)
        raise self.fail(start, f"a record kind byte 0x80-0x84, got {kind:#04x}")

    def _short_record(self, kind: int, start: int) -> tuple[Node, int]:
        size = 9 if kind == NIL else 13
        if start + size > self.end:
            raise self.fail(start, "a complete nil/link record")
        node: Node = None
        if kind == NIL:
            comment, nxt = _INT2.unpack_from(self.data, start + 1)
        else:
            ident, comment, nxt = struct.unpack_from("<3i", self.data, start + 1)
            table = self.elems if kind == LINK else self.stores
            if not 0 <= ident < len(table):
                what = "elem" if kind == LINK else "store"
                raise self.fail(start + 1, f"a {what} id below {len(table)} (ids read so far), got {ident}")
            node = LinkRef(kind == LINK, ident)
            self.links.append(node)
        self.pos = start + size
        # An offset 0 with an odd comment means "sibling right here" (section 4.3).
        if nxt > 0 or (nxt == 0 and comment & 1):
            return node, self._sibling(start + size + nxt, start + size - 4)
        if nxt < 0:
            raise self.fail(start + size - 4, f"a non-negative next offset, got {nxt}")
        return node, -1

    def _sibling(self, target: int, field: int) -> int:
        if target >= self.end:
            raise self.fail(field, f"a next offset inside the enclosing store (< {self.end}), got target {target}")
        return target

    def _store(self, kind: int, start: int) -> tuple[Node, int]:
        is_elem = kind == ELEM
        table = self.elems if is_elem else self.stores
        ident = len(table)
        table.append(None)  # the id is taken before the path is read
        self.pos = start + 1
        path = self._read_path()
        field = self.pos
        if field + 16 > self.end:
            raise self.fail(field, "a 16-byte store header (comment, next, down, len)")
        _comment, nxt, down, length = _INT4.unpack_from(self.data, field)
        content = field + 16
        content_end = content + length
        if length < 0 or content_end > self.end:
            raise self.fail(field + 12, f"a store length within the {self.end - content} bytes left, got {length}")
        if nxt < 0 or down < 0:
            raise self.fail(field + 4, f"non-negative next/down offsets, got {nxt}/{down}")
        sibling = self._sibling(field + 8 + nxt, field + 4) if nxt > 0 else -1
        if sibling >= 0 and sibling < content_end:
            raise self.fail(field + 4, f"a next offset behind the store's content (>= {content_end}), got target {sibling}")
        child = field + 12 + down if down > 0 else -1
        if child >= content_end:
            raise self.fail(field + 8, f"a down offset inside the content (< {content_end}), got target {child}")

        record = Record(path, is_elem, ident, start, content, content_end)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail_bound(start, f"records nested at most {MAX_DEPTH} deep")
        saved_end = self.end
        node: Node = None
        decoder = self.decoders.get(path[0])
        if decoder is not None:
            mark = (len(self.type_names), len(self.elems), len(self.stores), len(self.links))
            self.pos, self.end = content, content_end
            try:
                node = decoder(self, record)
                if self.pos != content_end:
                    raise Mismatch(f"content end {content_end}, stopped at {self.pos}")
            except (Mismatch, OdcError) as problem:
                if self.fatal:
                    raise
                self.restore(*mark)
                self.fallbacks.append((path[0], start, str(problem)))
                node = None
        if node is None:
            node = self._alien(record, child)
        self.end = saved_end
        self.depth -= 1
        self.pos = content_end
        table[ident] = node
        return node, sibling

    def _alien(self, record: Record, child: int) -> Alien:
        """Walk an unknown store's nested records via down/next (section 8), never by len alone."""
        self.end = record.content_end
        children: list[Node] = []
        while child >= 0:
            self.pos = child
            node, child = self.structure()
            if child >= 0 and child < self.pos:
                raise self.fail(self.pos, f"a next offset behind the record that ends at {self.pos}")
            children.append(node)
        return Alien(record, children)

    # ------------------------------------------------------------ document

    def document(self) -> Node:
        data = self.data
        if len(data) < 8 or data[:4] != DOCUMENT_TAG:
            raise self.fail(0, "the document tag 'CDOo'")
        if data[4:8] != b"\0\0\0\0":
            raise self.fail(4, "document version 0")
        self.pos = 8
        root, sibling = self.structure()
        if sibling >= 0:
            raise self.fail(8, "a root record without siblings")
        if self.pos != len(data):
            raise self.fail(self.pos, f"the end of the file after the root record ({len(data) - self.pos} bytes left)")
        for ref in self.links:
            ref.target = (self.elems if ref.elem else self.stores)[ref.ident]
        return root
