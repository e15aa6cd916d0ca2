"""One cached view of a parsed manifest: its keys, values and where they stand.

The model (``model.from_document``), the lint rules, the writer, ``lint --fix`` and the merge
(naming a finding's place the same way in every document) all read a document through this
view, so the XML is walked one way only and each shape (a dict's pairs, an array's strings, the
entries of a top-level list) is computed once per document. The tree is never modified while a
view is in use, so the caches stay valid. Positions are not computed here: ``Document.position``
finds them on demand, for findings and edits only.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, text_of

Pair = Tuple[str, etree._Element, etree._Element]  # (key text, key element, value element)


class Entry:
    """One entry <dict> of NSPrivacyAccessedAPITypes or NSPrivacyCollectedDataTypes, read once:
    what the checks of an entry all look at, so that each check is a few lookups."""

    __slots__ = ("el", "pairs", "values", "ident_el", "ident", "list_el", "items")

    def __init__(self, el: etree._Element, pairs: List[Pair], values: Dict[str, etree._Element],
                 ident_el: Optional[etree._Element], list_el: Optional[etree._Element],
                 items: List[Tuple[str, etree._Element]]) -> None:
        self.el = el
        self.pairs = pairs  # (key, key element, value element), repeats kept
        self.values = values  # key -> its first value
        self.ident_el = ident_el  # the category's / data type's value element
        #: its stripped text when it is a <string>, else None
        self.ident: Optional[str] = None
        if ident_el is not None and ident_el.tag == "string":
            self.ident = (ident_el.text or "" if not len(ident_el) else text_of(ident_el)).strip()
        self.list_el = list_el  # the reasons' / purposes' value element
        self.items = items  # (stripped text, <string>) of that array


class View:
    """A document's pairs, values and strings, each computed once.

    Key names are compared without surrounding whitespace (as they always were); string
    values are given both exactly (``exact``) and stripped (``strings``): identifiers are
    compared exactly by the model, and a padded one is a finding of its own.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        top = doc.top
        self.top: Optional[etree._Element] = top if top is not None and top.tag == "dict" else None
        self._top_pairs: Optional[List[Pair]] = None
        self._entries: Dict[str, List[etree._Element]] = {}
        self._pairs: Dict[etree._Element, List[Pair]] = {}
        self._maps: Dict[etree._Element, Dict[str, etree._Element]] = {}
        self._strings: Dict[etree._Element, List[Tuple[str, etree._Element]]] = {}
        self._exact: Dict[etree._Element, List[str]] = {}
        self._top_map: Optional[Dict[str, List[etree._Element]]] = None
        self._domains: Optional[List[Tuple[str, etree._Element]]] = None
        self._facts: Dict[str, List[Entry]] = {}
        self._dicts: Dict[etree._Element, List[etree._Element]] = {}
        self._parts: Dict[etree._Element, Dict[etree._Element, str]] = {}
        self._on_line: Optional[Dict[int, List[etree._Element]]] = None
        self._lines: Optional[List[str]] = None

    def top_pairs(self) -> List[Pair]:
        if self._top_pairs is None:
            self._top_pairs = [] if self.top is None else self.pairs(self.top)
        return self._top_pairs

    def pairs(self, d: etree._Element) -> List[Pair]:
        """(key text, key element, value element) of a <dict>, repeats kept, in order."""
        got = self._pairs.get(d)
        if got is None:
            kids = iter(d.iterchildren(etree.Element))
            got = self._pairs[d] = [
                ((k.text or "").strip() if not len(k) else text_of(k).strip(), k, v)
                for k, v in zip(kids, kids)]  # consecutive (key, value); a lone last key dropped
        return got

    def top_values(self, key: str) -> List[etree._Element]:
        """Every value given for a top-level key (a repeated key gives several)."""
        if self._top_map is None:
            m: Dict[str, List[etree._Element]] = {}
            for k, _, v in self.top_pairs():
                m.setdefault(k, []).append(v)
            self._top_map = m
        return self._top_map.get(key, [])

    def dict_children(self, array: etree._Element) -> List[etree._Element]:
        """The <dict> children of an <array>."""
        got = self._dicts.get(array)
        if got is None:
            got = self._dicts[array] = [c for c in array.iterchildren("dict")]
        return got

    def entries(self, key: str) -> List[etree._Element]:
        """The <dict> entries of every top-level array ``key`` (APITypes or CollectedDataTypes)."""
        got = self._entries.get(key)
        if got is None:
            got = self._entries[key] = [
                c for v in self.top_values(key) if v.tag == "array"
                for c in self.dict_children(v)]
        return got

    def facts(self, key: str) -> List[Entry]:
        """Each entry of the top-level array ``key`` with its identifier and list, read once
        (written out rather than through ``pairs``/``value``: this runs for every entry)."""
        got = self._facts.get(key)
        if got is None:
            ident_key, list_key = (C.API_TYPE, C.REASONS) if key == C.API_TYPES else \
                (C.DATA_TYPE, C.PURPOSES)
            got = []
            pairs_of, maps, strings = self._pairs, self._maps, self.strings
            for d in self.entries(key):
                pairs = pairs_of.get(d)
                if pairs is None:
                    kids = iter(d.iterchildren(etree.Element))
                    pairs = pairs_of[d] = [
                        ((k.text or "").strip() if not len(k) else text_of(k).strip(), k, v)
                        for k, v in zip(kids, kids)]
                m = maps.get(d)
                if m is None:  # the first value of each key wins, as in ``value``
                    m = maps[d] = {k: v for k, _, v in reversed(pairs)}
                lst = m.get(list_key)
                got.append(Entry(d, pairs, m, m.get(ident_key), lst,
                                 strings(lst) if lst is not None else []))
            self._facts[key] = got
        return got

    def api_entries(self) -> List[etree._Element]:
        return self.entries(C.API_TYPES)

    def data_entries(self) -> List[etree._Element]:
        return self.entries(C.DATA_TYPES)

    def value(self, d: etree._Element, key: str) -> Optional[etree._Element]:
        """The value of the first ``key`` in a <dict>."""
        m = self._maps.get(d)
        if m is None:
            m = {}
            for k, _, v in self.pairs(d):
                m.setdefault(k, v)
            self._maps[d] = m
        return m.get(key)

    @staticmethod
    def string(el: Optional[etree._Element]) -> Optional[str]:
        """The stripped text of a <string>, or None for anything else."""
        if el is None or el.tag != "string":
            return None
        return text_of(el).strip()

    @staticmethod
    def exact(el: etree._Element) -> str:
        """A <string>'s text exactly as written: a property list keeps its whitespace."""
        return text_of(el)

    def strings(self, array: Optional[etree._Element]) -> List[Tuple[str, etree._Element]]:
        """(stripped text, element) of the <string> children of an <array>."""
        if array is None or array.tag != "array":
            return []
        got = self._strings.get(array)
        if got is None:
            got = self._strings[array] = [
                (t.strip(), c) for t, c in zip(self.exact_strings(array),
                                               array.iterchildren("string"))]
        return got

    def exact_strings(self, array: Optional[etree._Element]) -> List[str]:
        """The exact text of each <string> child of an <array>, in order (do not modify): what
        the model reads and the writer compares, read once for both."""
        if array is None or array.tag != "array":
            return []
        got = self._exact.get(array)
        if got is None:
            got = self._exact[array] = [text_of(c) if len(c) else (c.text or "")
                                        for c in array.iterchildren("string")]
        return got

    def tracking(self) -> Optional[bool]:
        vals = self.top_values(C.TRACKING)
        if not vals:
            return None
        return any(v.tag == "true" for v in vals)

    def domains(self) -> List[Tuple[str, etree._Element]]:
        """(stripped text, element) of every tracking domain, in order (do not modify)."""
        if self._domains is None:
            out: List[Tuple[str, etree._Element]] = []
            for v in self.top_values(C.DOMAINS):
                out += self.strings(v)
            self._domains = out
        return self._domains

    # -- naming places: the same place in two documents has the same name ---------------------

    def place(self, el: etree._Element) -> Tuple[str, ...]:
        """Where an element is, as keys and entry identifiers from the root: the same place in
        two documents (the app's file, a vendor's, the merge result) has the same name however
        their lines differ. Each container's children are named once, so naming many places in
        one document stays linear."""
        parts: List[str] = []
        node: Optional[etree._Element] = el
        while node is not None and node.tag != "plist":
            parent = node.getparent()
            if parent is None:
                break
            part = self._names_in(parent).get(node)
            if part is not None:
                parts.append(part)
            node = parent
        return tuple(reversed(parts))

    def place_at(self, line: Optional[int], column: Optional[int]) -> Tuple[str, ...]:
        """The place of a finding at ``line``:``column``: the element whose start tag stands
        there, else the text of the line, else (no line) the document."""
        if line is None:
            return ("document",)
        doc = self.doc
        if self._on_line is None:  # elements by the line lxml read them on: columns only when asked
            on_line: Dict[int, List[etree._Element]] = {}
            for el in doc.root.iter(etree.Element):
                at = getattr(el, "sourceline", None) or doc.position(el)[0]
                if at is not None:
                    on_line.setdefault(at, []).append(el)
            self._on_line = on_line
        for el in self._on_line.get(line, ()):
            if doc.position(el) == (line, column or 0):
                return self.place(el)
        if self._lines is None:
            self._lines = doc.text.splitlines()
        lines = self._lines
        return ("text", lines[line - 1].strip() if 0 < line <= len(lines) else "")

    def _names_in(self, parent: etree._Element) -> Dict[etree._Element, str]:
        """Each child of a <dict> or <array> with its part of a place's name: ``key:K`` and
        ``value:K`` in a dict, ``item:...`` in an array (a string by its text, an entry by its
        category or data type, anything else by its tag and index)."""
        got = self._parts.get(parent)
        if got is None:
            got = {}
            if parent.tag == "dict":
                for _, k, v in self.pairs(parent):
                    name = self.exact(k)
                    got[k], got[v] = "key:" + name, "value:" + name
            elif parent.tag == "array":
                for i, c in enumerate(parent.iterchildren(etree.Element)):
                    got[c] = "item:" + self._item(c, i)
            self._parts[parent] = got
        return got

    def _item(self, el: etree._Element, index: int) -> str:
        if el.tag == "string":
            return "string:" + self.exact(el)
        if el.tag == "dict":
            for key, _, v in self.pairs(el):
                if key in (C.API_TYPE, C.DATA_TYPE) and v.tag == "string":
                    return "entry:" + self.exact(v)
        return f"{el.tag}#{index}"


def view_of(doc: Document) -> View:
    """The document's one view, made on first use and kept with the document."""
    got: Optional[View] = doc.__dict__.get("_view")
    if got is None:
        got = View(doc)
        doc.__dict__["_view"] = got
    return got
