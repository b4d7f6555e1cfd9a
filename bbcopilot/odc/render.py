"""Three text renderings of a read document (format note section 7.3).

* plain    - what BlackBox's HostTextConv.ExportUtf8 writes: the top-level
             character stream, views dropped, 0x0E dropped, CR -> LF; a collapsed
             fold's hidden text is not in the stream, so it is absent.
* source   - the complete module source: like plain, but every fold pair shows
             its full alternative (the hidden text of a collapsed fold instead of
             the short replacement between the pair), without markers.
* markdown - documentation: headings and emphasis from the attributes, links
             and targets, commanders, nested texts as fenced code blocks,
             pictures and forms as short placeholders.

Renderers never follow link/newlink records: a text reached twice (or from
inside itself) would otherwise be repeated or loop.
"""

from __future__ import annotations

import re

from bbcopilot.odc.nodes import Alien, Attributes, Commander, Container, Fold, Link, Store, Target, Text

# BlackBox's special characters (section 6) and its line separator.
_SPECIALS = (("\r", "\n"), ("\x8b", "\u200b"), ("\x8f", "\u2007"), ("\x90", "\u2010"), ("\x91", "\u2011"))
VIEW_CHAR = "\x02"
PARAGRAPH = "\x0e"  # paragraph separator, also the mask character of rulers
MAX_NESTING = 32  # folds and nested texts inside each other; far above real documents

TEXT_VIEW = "TextViews.StdView"
PICTURE_VIEWS = ("HostPictures.StdView", "HostBitmaps.StdView", "StdPictures.StdView")
FORM_VIEW = "FormViews.StdView"


def finish(chars: str) -> str:
    """BlackBox codes -> Unicode: CR -> LF, the four specials; views and 0x0E go (ExportUtf8)."""
    for old, new in _SPECIALS:
        if old in chars:
            chars = chars.replace(old, new)
    if VIEW_CHAR in chars:
        chars = chars.replace(VIEW_CHAR, "")
    if PARAGRAPH in chars:
        chars = chars.replace(PARAGRAPH, "")
    return chars


def _views(text: Text):
    return [(start, view) for start, _end, _attr, view in text.runs if view is not None]


# ---------------------------------------------------------------- plain


def plain(text: Text | None) -> str:
    if text is None:
        return ""
    if not text.has_views:
        return finish(text.chars)
    # Cut out the view positions themselves (their byte is 0x02 in every real file,
    # but the directory, not the byte, says where a view is).
    chars, parts, cursor = text.chars, [], 0
    for start, _view in _views(text):
        parts.append(chars[cursor:start])
        cursor = start + 1
    parts.append(chars[cursor:])
    return finish("".join(parts))


# ---------------------------------------------------------------- source


def source(text: Text | None) -> str:
    return finish(_source_chars(text, 0)) if text is not None else ""


def _source_chars(text: Text, depth: int) -> str:
    if not text.has_views:
        return text.chars
    chars, parts, cursor = text.chars, [], 0
    skipping = 0  # > 0 inside the visible part of a collapsed fold: fold nesting level
    for start, view in _views(text):
        if not skipping:
            parts.append(chars[cursor:start])
        cursor = start + 1
        if not isinstance(view, Fold):
            continue
        if skipping:
            skipping += 1 if view.left else -1
        elif view.left and view.collapsed:
            # The hidden text is the full alternative; the visible part is its short stand-in.
            if isinstance(view.hidden, Text) and depth < MAX_NESTING:
                parts.append(_source_chars(view.hidden, depth + 1))
            skipping = 1
    if not skipping:
        parts.append(chars[cursor:])
    return "".join(parts)


# ---------------------------------------------------------------- markdown

_CODE_WORDS = re.compile(r"\b(MODULE|PROCEDURE|IMPORT|BEGIN|END|VAR|CONST|TYPE|RECORD|POINTER)\b")


def looks_like_code(text: str) -> bool:
    """Component Pascal source: a module header, or several keywords and statements."""
    if re.search(r"\bMODULE\s+\w+\s*;", text) or re.search(r"\bDEFINITION\s+\w+\s*;", text):
        return True
    return len(_CODE_WORDS.findall(text)) >= 2 and ";" in text


def control_label(data: bytes, store: Store) -> str:
    """The label of a Controls.* view: version bytes, then String link, String label.

    Controls are not decoded (their layout varies by version and subclass); the
    label is read best-effort from the front of the raw content and is '' when
    that does not look like two UTF-16 strings.
    """
    record = store.record
    pos, end = record.content + 3, record.content_end
    strings = []
    for _ in range(2):
        stop = pos
        while stop + 1 < end and (data[stop] or data[stop + 1]):
            stop += 2
        if stop + 1 >= end:
            return ""
        strings.append(data[pos:stop].decode("utf-16-le", "replace"))
        pos = stop + 2
    label = strings[1]
    return label if label.isprintable() else ""


def _walk(node, depth: int = 0):
    """Every store below `node` (not following links), depth first."""
    if not isinstance(node, Store) or depth > MAX_NESTING * 4:
        return
    yield node
    if isinstance(node, Container):
        for child in node.children:
            yield from _walk(child, depth + 1)
    elif isinstance(node, Text):
        for _start, _end, attr, view in node.runs:
            yield from _walk(view, depth + 1)
    elif isinstance(node, Fold):
        yield from _walk(node.hidden, depth + 1)


def form_labels(data: bytes, view: Store) -> list[str]:
    return [label for node in _walk(view) if node.type.startswith("Controls.") for label in [control_label(data, node)] if label]


def form_placeholder(data: bytes, view: Store) -> str:
    labels = form_labels(data, view)
    return f"[form: {', '.join(labels)}]" if labels else "[form]"


def _link_destination(command: str) -> str:
    # CommonMark: a destination with spaces or parentheses goes in angle brackets.
    if any(c in command for c in " ()<>"):
        return "<" + command.replace("<", "%3C").replace(">", "%3E") + ">"
    return command


class Markdown:
    """Builds markdown line by line: a line is a list of (text, attributes) and raw tokens."""

    def __init__(self, data: bytes):
        self.data = data
        self.out: list[str] = []
        self.line: list[tuple[str, object]] = []  # attributes None = raw markdown token
        self.links: list[str] = []  # commands of the links whose label is open
        self.after_block = False  # a code block ends its own line

    # -------------------------------------------------------- lines

    def flush(self) -> None:
        line, self.line = self.line, []
        if not line and self.after_block:
            self.after_block = False
            return
        self.after_block = False
        styled = [(s, a) for s, a in line if a is not None and s.strip()]
        words = "".join(s for s, _a in line)
        big = [a for _s, a in styled if isinstance(a, Attributes) and a.bold and a.points >= 12]
        if styled and len(big) == len(styled) and len(words.strip()) < 200:
            level = "#" if min(a.points for a in big) >= 16 else "##"
            self.out.append(f"{level} {words.strip()}\n")
            return
        self.out.append(self._inline(line) + "\n")

    @staticmethod
    def _inline(line) -> str:
        """Runs of equal emphasis get one pair of markers, outside their surrounding spaces."""
        parts: list[str] = []
        group: list[str] = []
        marker = ""

        def close() -> None:
            text = "".join(group)
            core = text.strip()
            # Text with its own asterisks ("(*" comments) would clash with the markers.
            if marker and core and "*" not in core:
                lead = text[: len(text) - len(text.lstrip())]
                trail = text[len(text.rstrip()) :]
                parts.append(f"{lead}{marker}{core}{marker}{trail}")
            else:
                parts.append(text)
            group.clear()

        for text, attr in line:
            if attr is None:
                close()
                marker = ""
                parts.append(text)
                continue
            mark = ""
            if isinstance(attr, Attributes):
                mark = ("**" if attr.bold else "") + ("*" if attr.italic else "")
            if mark != marker:
                close()
                marker = mark
            group.append(text)
        close()
        return "".join(parts)

    def chars(self, chars: str, attr) -> None:
        if not chars:
            return
        for old, new in _SPECIALS[1:]:
            if old in chars:
                chars = chars.replace(old, new)
        chars = chars.replace(VIEW_CHAR, "")
        # CR ends a line; 0x0E (paragraph separator) leaves a blank line.
        chars = chars.replace(PARAGRAPH, "\r")
        pieces = chars.split("\r")
        for index, piece in enumerate(pieces):
            if index:
                self.flush()
            if piece:
                self.line.append((piece, attr))

    def raw(self, token: str) -> None:
        self.line.append((token, None))

    def block(self, text: str) -> None:
        """A block of its own (a code fence): close the current line first."""
        if self.line:
            self.flush()
        self.out.append(text)
        self.after_block = True

    # -------------------------------------------------------- texts and views

    def text(self, text: Text, depth: int = 0) -> None:
        chars = text.chars
        skipping = 0
        for start, end, attr, view in text.runs:
            if view is None:
                if not skipping:
                    self.chars(chars[start:end], attr)
                continue
            if isinstance(view, Fold):
                if skipping:
                    skipping += 1 if view.left else -1
                elif view.left and view.collapsed:
                    if isinstance(view.hidden, Text) and depth < MAX_NESTING:
                        self.text(view.hidden, depth + 1)
                    skipping = 1
            elif not skipping:
                self.view(view, depth)

    def view(self, view, depth: int) -> None:
        if isinstance(view, Link):
            if view.command is not None:
                self.links.append(view.command)
                self.raw("[")
            elif self.links:
                self.raw(f"]({_link_destination(self.links.pop())})")
        elif isinstance(view, Target):
            if view.ident is not None:
                self.raw(f'<a id="{view.ident}"></a>')
        elif isinstance(view, Commander):
            if not view.end:
                self.raw("!")
        elif isinstance(view, Store) and view.type == TEXT_VIEW:
            model = view.children[0] if isinstance(view, Container) and view.children else None
            if isinstance(model, Text) and depth < MAX_NESTING:
                body = finish(_source_chars(model, depth + 1)).strip("\n")
                if body.strip():
                    fence = "```" if "```" not in body else "````"
                    language = "oberon" if looks_like_code(body) else ""
                    self.block(f"{fence}{language}\n{body}\n{fence}\n")
        elif isinstance(view, Store) and view.type in PICTURE_VIEWS:
            self.raw("[picture]")
        elif isinstance(view, Store) and view.type == FORM_VIEW:
            self.raw(form_placeholder(self.data, view))

    def result(self) -> str:
        while self.links:
            self.raw("](" + _link_destination(self.links.pop()) + ")")
        if self.line:
            self.flush()
        return "".join(self.out)


def markdown(text: Text | None, root_view, data: bytes) -> str:
    if text is None:
        if isinstance(root_view, Alien) and root_view.type == FORM_VIEW:
            return form_placeholder(data, root_view) + "\n"
        if isinstance(root_view, Store) and root_view.type in PICTURE_VIEWS:
            return "[picture]\n"
        return ""
    builder = Markdown(data)
    builder.text(text)
    return builder.result()
