"""What the reader makes of a document: one node per record.

`None` stands for a nil record, `LinkRef` for a link/newlink record (a second
reference to an earlier object), everything else is a `Store` that knows its
record (type path, position). Containers and aliens keep their nested records
in file order, which is all the renderers need to find texts and views in
types they do not decode.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Record:
    """Where a store/elem record sits and what it is."""

    path: tuple[str, ...]  # type keys, most derived first (`Stores.Elem` included for elems)
    elem: bool
    ident: int  # index in the file's elem or store id list
    start: int  # offset of the kind byte
    content: int  # first content byte
    content_end: int

    @property
    def type(self) -> str:
        return self.path[0]


@dataclass(slots=True)
class LinkRef:
    """A link (elem) or newlink (store) record; `target` is resolved once the file is read."""

    elem: bool
    ident: int
    target: object = None


@dataclass(slots=True)
class Store:
    record: Record

    @property
    def type(self) -> str:
        return self.record.path[0]


@dataclass(slots=True)
class Container(Store):
    """A store decoded only as far as its nested records (documents, text views, aliens)."""

    children: list = field(default_factory=list)


@dataclass(slots=True)
class Alien(Container):
    """A store of a type the reader does not decode, walked via down/next."""


@dataclass(slots=True)
class Attributes(Store):
    """TextModels.Attributes: what markdown needs to tell headings and emphasis."""

    color: int = 0x01000000
    typeface: str = "*"
    size: int = 0  # universal units: 1 pt = 12700
    style: int = 0  # bit 0 italic, 1 underline, 2 strikeout
    weight: int = 400

    @property
    def italic(self) -> bool:
        return bool(self.style & 1)

    @property
    def bold(self) -> bool:
        return self.weight >= 600

    @property
    def points(self) -> float:
        return self.size / 12700


@dataclass(slots=True)
class Text(Store):
    """TextModels.StdModel.

    `chars` holds one character per text position with BlackBox's own codes
    (CR, 0x0E, 0x8B...; a view's position holds its 0x02 byte), so renderers
    can slice it. `runs` lists (start, end, attributes, view) in text order;
    `view` is None for character runs and the view node for a view position.
    """

    chars: str = ""
    runs: list = field(default_factory=list)
    has_views: bool = False


@dataclass(slots=True)
class Fold(Store):
    """StdFolds.Fold: a left fold carries the hidden alternative (`hidden`), a right one None."""

    collapsed: bool = True
    label: str = ""
    hidden: object = None

    @property
    def left(self) -> bool:
        # BlackBox derives the side from the hidden text, not from the stored flag.
        return self.hidden is not None


@dataclass(slots=True)
class Link(Store):
    """StdLinks.Link: a left link has a command, a right one (closing the label) has None."""

    command: str | None = None


@dataclass(slots=True)
class Target(Store):
    """StdLinks.Target: a left target has an identifier, a right one None."""

    ident: str | None = None


@dataclass(slots=True)
class Commander(Store):
    """DevCommanders.StdView (the '!' button) or StdEndView (`end`: closes the parameters)."""

    end: bool = False


# What a record reads as: a store node, a link to an earlier one, or None for nil.
Node = Store | LinkRef | None
