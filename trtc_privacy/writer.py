"""The one writer: turn a Document into a target Manifest with the smallest text edit.

Every existing line stays byte for byte unless it must change (a <false/> that becomes <true/>,
an <array/> that gains values, a duplicate that is folded away). Added lines follow the file's own
indentation and line endings. ``merge`` and ``lint --fix`` both edit through ``Editor``.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy import catalog as C
from trtc_privacy.catalog import host_key
from trtc_privacy.model import ApiType, DataType, Manifest
from trtc_privacy.plist import Document, elements, text_of
from trtc_privacy.view import View, view_of


def escape(text: str) -> str:
    """XML character data, as xml.sax.saxutils.escape (not imported: it pulls in urllib/ssl)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


Lines = List[Tuple[int, str]]  # (nesting level relative to the insertion point, text)


class Editor:
    """Collects non-overlapping text edits against a Document and applies them at once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text
        self.nl = doc.newline
        self.edits: List[Tuple[int, int, int, str]] = []  # (start, end, seq, replacement)
        self.unit = self._detect_unit()

    # -- reading the layout -------------------------------------------------------------------

    def _line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def _leading(self, offset: int) -> Optional[str]:
        """The whitespace before ``offset`` on its line, or None if other text precedes it."""
        before = self.text[self._line_start(offset):offset]
        return before if before.strip() == "" else None

    def _detect_unit(self) -> str:
        top = self.doc.top
        if top is None:
            return "\t"
        for parent in [top] + [e for e in top.iter() if isinstance(e.tag, str)]:
            kids = elements(parent)
            ps = self.doc.span(parent)
            if not kids or ps is None:
                continue
            ks = self.doc.span(kids[0])
            if ks is None:
                continue
            outer, inner = self._leading(ps.start), self._leading(ks.start)
            if outer is not None and inner is not None and inner.startswith(outer) \
                    and ks.line > ps.line:
                return inner[len(outer):]
        return "\t"

    def indent_of(self, el: etree._Element) -> str:
        s = self.doc.span(el)
        if s is not None:
            lead = self._leading(s.start)
            if lead is not None:
                return lead
        parent = el.getparent()
        if parent is None or parent.tag == "plist":
            return ""
        return self.indent_of(parent) + self.unit

    # -- primitive edits ----------------------------------------------------------------------

    def _add(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, len(self.edits), text))

    def _render(self, lines: Lines, base: str) -> str:
        return "".join(f"{base}{self.unit * lvl}{t}{self.nl}" for lvl, t in lines)

    def append(self, container: etree._Element, lines: Lines) -> None:
        """Add rendered children at the end of a <dict> or <array>."""
        if not lines:
            return
        s = self.doc.span(container)
        assert s is not None
        indent = self.indent_of(container)
        inner = indent + self.unit
        if s.empty:
            body = self._render(lines, inner)
            self._add(s.start, s.end, f"<{container.tag}>{self.nl}{body}{indent}</{container.tag}>")
            return
        if self._leading(s.end_start) is not None:
            at = self._line_start(s.end_start)
            self._add(at, at, self._render(lines, inner))
        else:
            body = self._render(lines, inner)
            self._add(s.end_start, s.end_start, f"{self.nl}{body}{indent}")

    def remove(self, *els: etree._Element) -> None:
        """Delete elements together with the lines they stand on when they stand alone."""
        for el in els:
            s = self.doc.span(el)
            assert s is not None
            start, end = s.start, s.end
            if self._leading(start) is not None:
                start = self._line_start(start)
                m = re.compile(r"[ \t]*\r?\n").match(self.text, end)
                if m:
                    end = m.end()
            self._add(start, end, "")

    def replace(self, el: etree._Element, xml: str) -> None:
        s = self.doc.span(el)
        assert s is not None
        self._add(s.start, s.end, xml)

    def replace_text(self, el: etree._Element, value: str) -> None:
        """Replace the content of a <string> or <key>, keeping its tags."""
        s = self.doc.span(el)
        assert s is not None
        if s.empty:
            self._add(s.start, s.end, f"<{el.tag}>{escape(value)}</{el.tag}>")
        else:
            self._add(s.start_end, s.end_start, escape(value))

    def result(self) -> str:
        out, pos = [], 0
        for start, end, _, text in sorted(self.edits):
            if start < pos:  # overlapping: an outer edit already covers it
                continue
            out.append(self.text[pos:start])
            out.append(text)
            pos = end
        out.append(self.text[pos:])
        return "".join(out)


# -- rendering new values ---------------------------------------------------------------------


def value_lines(value: object, level: int = 0) -> Lines:
    """Plist XML lines for a Python value, Xcode's layout."""
    if isinstance(value, bool):
        return [(level, "<true/>" if value else "<false/>")]
    if isinstance(value, str):
        return [(level, f"<string>{escape(value)}</string>")]
    if isinstance(value, list):
        if not value:
            return [(level, "<array/>")]
        out: Lines = [(level, "<array>")]
        for v in value:
            out += value_lines(v, level + 1)
        return out + [(level, "</array>")]
    if isinstance(value, dict):
        out = [(level, "<dict>")]
        for k, v in value.items():
            out += pair_lines(k, v, level + 1)
        return out + [(level, "</dict>")]
    raise TypeError(f"cannot render {type(value).__name__}")  # pragma: no cover


def pair_lines(key: str, value: object, level: int = 0) -> Lines:
    return [(level, f"<key>{escape(key)}</key>")] + value_lines(value, level)


def _data_dict(dt: DataType) -> Dict[str, object]:
    return Manifest(data_types=[dt]).to_plist()[C.DATA_TYPES][0]  # type: ignore[index]


def _api_dict(api: ApiType) -> Dict[str, object]:
    return {C.API_TYPE: api.category, C.REASONS: list(api.reasons)}


# -- bringing a document to a target ----------------------------------------------------------


def apply(doc: Document, target: Manifest, editor: Optional[Editor] = None) -> str:
    """The document's text changed just enough to declare exactly ``target``'s union."""
    ed = editor or Editor(doc)
    view = view_of(doc)
    top = view.top
    assert top is not None
    homes: Dict[str, etree._Element] = {}
    for key, k, v in view.top_pairs():
        if key in C.TOP_KEYS:
            if key in homes:
                ed.remove(k, v)  # a repeated top-level key: its content is folded into the first
            else:
                homes[key] = v
    new: Lines = []

    if target.tracking is not None:
        v = homes.get(C.TRACKING)
        if v is None:
            new += pair_lines(C.TRACKING, target.tracking)
        elif v.tag != ("true" if target.tracking else "false"):
            ed.replace(v, "<true/>" if target.tracking else "<false/>")
    if target.domains is not None:
        v = homes.get(C.DOMAINS)
        if v is None:
            new += pair_lines(C.DOMAINS, target.domains)
        else:
            _strings_to(ed, view, v, target.domains, host_key)
    if target.data_types is not None:
        v = homes.get(C.DATA_TYPES)
        if v is None:
            new += pair_lines(C.DATA_TYPES, [_data_dict(d) for d in target.data_types])
        else:
            _entries_to(ed, view, v, C.DATA_TYPE, {d.type: d for d in target.data_types},
                        lambda el, d: _data_entry_to(ed, view, el, d), _data_dict)
    if target.api_types is not None:
        v = homes.get(C.API_TYPES)
        if v is None:
            new += pair_lines(C.API_TYPES, [_api_dict(a) for a in target.api_types])
        else:
            _entries_to(ed, view, v, C.API_TYPE, {a.category: a for a in target.api_types},
                        lambda el, a: _strings_at(ed, view, el, C.REASONS, a.reasons), _api_dict)
    ed.append(top, new)
    return ed.result()


def repeats(container: etree._Element, ident: Callable[[etree._Element], Optional[str]]
            ) -> List[etree._Element]:
    """The children of ``container`` that repeat an earlier child's identity (``ident`` None:
    the child has none and is never a repeat). What merge and ``lint --fix`` both fold away."""
    seen = set()
    out = []
    for c in elements(container):
        i = ident(c)
        if i is None:
            continue
        if i in seen:
            out.append(c)
        seen.add(i)
    return out


def _strings_to(ed: Editor, view: View, array: etree._Element, values: Sequence[str],
                same: Callable[[str], str] = str) -> None:
    """Fold repeated strings in an <array> and append the missing ones. Strings are compared
    exactly (a padded identifier is not the identifier), or as ``same`` says."""

    def ident(c: etree._Element) -> Optional[str]:
        return same(text_of(c)) if c.tag == "string" else None

    for c in repeats(array, ident):
        ed.remove(c)
    seen = {same(text_of(c)) for _, c in view.strings(array)}
    ed.append(array, [(0, f"<string>{escape(v)}</string>") for v in values
                      if same(v) not in seen])


def _strings_at(ed: Editor, view: View, d: etree._Element, key: str,
                values: Sequence[str]) -> None:
    v = view.value(d, key)
    if v is None:
        if values:  # nothing to declare: leave an entry without the key as it is
            ed.append(d, pair_lines(key, list(values)))
    elif v.tag == "array":
        _strings_to(ed, view, v, values)


def _bool_at(ed: Editor, view: View, d: etree._Element, key: str, value: Optional[bool]) -> None:
    if value is None:
        return
    v = view.value(d, key)
    if v is None:
        ed.append(d, pair_lines(key, value))
    elif v.tag != ("true" if value else "false"):
        ed.replace(v, "<true/>" if value else "<false/>")


def _data_entry_to(ed: Editor, view: View, d: etree._Element, dt: DataType) -> None:
    _bool_at(ed, view, d, C.LINKED, dt.linked)
    _bool_at(ed, view, d, C.DATA_TRACKING, dt.tracking)
    _strings_at(ed, view, d, C.PURPOSES, dt.purposes)


def _entries_to(ed: Editor, view: View, array: etree._Element, id_key: str,
                wanted: Dict[str, object], update: Callable[[etree._Element, object], None],
                render: Callable[[object], object]) -> None:
    """Keep the first entry per id, fold later repeats into it, append entries it lacks."""
    if array.tag != "array":
        return

    def ident(d: etree._Element) -> Optional[str]:
        el = view.value(d, id_key) if d.tag == "dict" else None
        return None if el is None else text_of(el)

    later = set(repeats(array, ident))
    seen = set()
    for d in elements(array):
        i = ident(d)
        if i is None:
            continue
        if d in later:
            ed.remove(d)
            continue
        seen.add(i)
        if i in wanted:
            update(d, wanted[i])
    new: Lines = []
    for i, entry in wanted.items():
        if i not in seen:
            new += value_lines(render(entry))
    ed.append(array, new)


def render_new(target: Manifest) -> str:
    """A new manifest file, rendered from the jinja2 template in Xcode's own style."""
    from trtc_privacy.resources import jinja_env

    lines: Lines = []
    for key, value in target.to_plist().items():
        lines += pair_lines(key, value)
    return jinja_env().get_template("PrivacyInfo.xcprivacy.j2").render(lines=lines)
