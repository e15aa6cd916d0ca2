"""The one writer: turn a Document into a target Manifest with the smallest text edit.

Every existing line stays byte for byte unless it must change (a <false/> that becomes <true/>,
an <array/> that gains values); ``apply`` never removes a line. Added lines follow the file's own
indentation and line endings. ``merge`` and ``lint --fix`` both edit through ``Editor`` (only a
fix the user asks for removes anything).
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.knowledge.apple import host_key
from trtc_privacy.manifest.model import ApiType, DataType, Manifest
from trtc_privacy.manifest.reader import Document, elements, text_of
from trtc_privacy.manifest.view import View, view_of


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
        self._unit: Optional[str] = None

    @property
    def unit(self) -> str:
        """One level of the file's indentation, found when a line is first added (a merge that
        adds nothing never tokenizes the file for it)."""
        if self._unit is None:
            self._unit = self._detect_unit()
        return self._unit

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
        for parent in itertools.chain((top,), top.iter(etree.Element)):  # lazily: the first
            # few elements nearly always tell
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
    entries: List[Dict[str, object]] = Manifest(data_types=[dt]).to_plist()[C.DATA_TYPES]  # type: ignore[assignment]
    return entries[0]


def _api_dict(api: ApiType) -> Dict[str, object]:
    return {C.API_TYPE: api.category, C.REASONS: list(api.reasons)}


# -- bringing a document to a target ----------------------------------------------------------


def apply(doc: Document, target: Manifest, editor: Optional[Editor] = None) -> str:
    """The document's text changed just enough to declare exactly ``target``'s union.

    It only adds lines, opens an <array/> or <dict/>, and turns a <false/> into <true/>: no line
    of the user's is ever removed. A value the file already has anywhere (in a repeated entry,
    say) is not added again; repeats the file already holds stay as they are, for ``lint`` to
    report and ``lint --fix`` to fold when the user asks. (A key repeated in one <dict> never
    gets here: ``model.from_document`` refuses it.)
    """
    ed = editor or Editor(doc)
    view = view_of(doc)
    top = view.top
    assert top is not None
    homes: Dict[str, etree._Element] = {}
    for key, _k, val in view.top_pairs():
        if key in C.TOP_KEYS and key not in homes:
            homes[key] = val  # a key repeated at the top is refused by the reader's model
    new: Lines = []
    v: Optional[etree._Element]

    if target.tracking is not None:
        v = homes.get(C.TRACKING)
        if v is None:
            new += pair_lines(C.TRACKING, target.tracking)
        elif target.tracking and v.tag != "true":
            ed.replace(v, "<true/>")
    if target.domains is not None:
        v = homes.get(C.DOMAINS)
        if v is None:
            new += pair_lines(C.DOMAINS, target.domains)
        else:
            _strings_to(ed, view, [v], target.domains, host_key)
    if target.data_types is not None:
        v = homes.get(C.DATA_TYPES)
        if v is None:
            new += pair_lines(C.DATA_TYPES, [_data_dict(d) for d in target.data_types])
        else:
            _entries_to(ed, view, v, C.DATA_TYPE, {d.type: d for d in target.data_types},
                        lambda els, d: _data_entry_to(ed, view, els, d), _data_dict)
    if target.api_types is not None:
        v = homes.get(C.API_TYPES)
        if v is None:
            new += pair_lines(C.API_TYPES, [_api_dict(a) for a in target.api_types])
        else:
            _entries_to(ed, view, v, C.API_TYPE, {a.category: a for a in target.api_types},
                        lambda els, a: _strings_at(ed, view, els, C.REASONS, a.reasons),
                        _api_dict)
    ed.append(top, new)
    return ed.result()


def repeats(container: etree._Element, ident: Callable[[etree._Element], Optional[str]]
            ) -> List[etree._Element]:
    """The children of ``container`` that repeat an earlier child's identity (``ident`` None:
    the child has none and is never a repeat): what ``lint --fix`` folds when asked. Merge never
    removes them: it only adds."""
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


def _strings_to(ed: Editor, view: View, arrays: Sequence[etree._Element], values: Sequence[str],
                same: Callable[[str], str] = str) -> None:
    """Append to the first <array> the values that none of ``arrays`` holds yet. Strings are
    compared exactly (a padded identifier is not the identifier), or as ``same`` says."""
    have = {same(t) for a in arrays for t in view.exact_strings(a)}
    first = next((a for a in arrays if a.tag == "array"), None)
    if first is None:
        return
    new = []
    for v in values:
        key = same(v)
        if key not in have:
            have.add(key)
            new.append((0, f"<string>{escape(v)}</string>"))
    ed.append(first, new)


def _strings_at(ed: Editor, view: View, entries: Sequence[etree._Element], key: str,
                values: Sequence[str]) -> None:
    """Make ``entries`` (one id's entries, first first) together hold every value at ``key``."""
    found = [v for v in (view.value(d, key) for d in entries) if v is not None]
    if found:
        _strings_to(ed, view, found, values)
    elif values:  # nothing to declare: leave an entry without the key as it is
        ed.append(entries[0], pair_lines(key, list(values)))


def _bool_at(ed: Editor, view: View, entries: Sequence[etree._Element], key: str,
             value: Optional[bool]) -> None:
    if value is None:
        return
    found = [v for v in (view.value(d, key) for d in entries) if v is not None]
    if not found:
        ed.append(entries[0], pair_lines(key, value))
    elif value and not any(v.tag == "true" for v in found) and found[0].tag != "true":
        ed.replace(found[0], "<true/>")


def _data_entry_to(ed: Editor, view: View, entries: Sequence[etree._Element],
                   dt: DataType) -> None:
    _bool_at(ed, view, entries, C.LINKED, dt.linked)
    _bool_at(ed, view, entries, C.DATA_TRACKING, dt.tracking)
    _strings_at(ed, view, entries, C.PURPOSES, dt.purposes)


def _entries_to(ed: Editor, view: View, array: etree._Element, id_key: str,
                wanted: Dict[str, Any], update: Callable[[List[etree._Element], Any], None],
                render: Callable[[Any], Dict[str, object]]) -> None:
    """Bring each id's entries (a repeated id keeps all of them) to ``wanted``; append the rest.
    Identifiers are compared exactly, as Apple reads them."""
    if array.tag != "array":
        return
    entries: Dict[str, List[etree._Element]] = {}
    for d in elements(array):
        ident_el = view.value(d, id_key) if d.tag == "dict" else None
        if ident_el is None:
            continue
        entries.setdefault(text_of(ident_el), []).append(d)
    for ident, els in entries.items():
        if ident in wanted:
            update(els, wanted[ident])
    new: Lines = []
    for ident, entry in wanted.items():
        if ident not in entries:
            new += value_lines(render(entry))
    ed.append(array, new)


def same_declarations(a: Manifest, b: Manifest) -> bool:
    """Whether two manifests declare the same (repeats and order aside): the writer's check."""
    return _canon(a) == _canon(b)


def _canon(m: Manifest) -> object:
    data: Dict[str, Dict[str, object]] = {}
    for dt in m.data_types or []:
        d = data.setdefault(dt.type, {"linked": False, "tracking": False, "purposes": set()})
        d["linked"] = bool(d["linked"] or dt.linked)  # written out, an absent flag is <false/>
        d["tracking"] = bool(d["tracking"] or dt.tracking)
        d["purposes"] |= set(dt.purposes)  # type: ignore[operator]
    apis: Dict[str, Set[str]] = {}
    for a in m.api_types or []:
        apis.setdefault(a.category, set()).update(a.reasons)
    return (m.tracking, None if m.domains is None else set(m.domains),
            None if m.data_types is None else data, None if m.api_types is None else apis)


def render_new(target: Manifest) -> str:
    """A new manifest file, rendered from the jinja2 template in Xcode's own style."""
    from trtc_privacy.knowledge.resources import jinja_env

    lines: Lines = []
    for key, value in target.to_plist().items():
        lines += pair_lines(key, value)
    return str(jinja_env().get_template("PrivacyInfo.xcprivacy.j2").render(lines=lines))
