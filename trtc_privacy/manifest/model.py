"""The semantic manifest: tracking, domains, collected data types and accessed API categories.

Built from a Document by ``from_document``; entries keep the element they came from, so the
writer can edit in place and diagnostics can point at the line.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

from lxml import etree

from trtc_privacy.diagnostics import InputError, input_error
from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, elements, text_of
from trtc_privacy.manifest.view import View, view_of


class DataType:
    """A collected data type, and the element it was read from, if any."""

    __slots__ = ("type", "linked", "tracking", "purposes", "element")

    def __init__(self, type: str, linked: Optional[bool] = None, tracking: Optional[bool] = None,
                 purposes: Optional[List[str]] = None,
                 element: Optional[etree._Element] = None) -> None:
        self.type = type
        self.linked = linked
        self.tracking = tracking
        self.purposes: List[str] = [] if purposes is None else purposes
        self.element = element


class ApiType:
    """An accessed API category, and the element it was read from, if any."""

    __slots__ = ("category", "reasons", "element")

    def __init__(self, category: str, reasons: Optional[List[str]] = None,
                 element: Optional[etree._Element] = None) -> None:
        self.category = category
        self.reasons: List[str] = [] if reasons is None else reasons
        self.element = element


class Manifest:
    """What a manifest declares. ``None`` means the key is absent (not the same as empty)."""

    def __init__(self, tracking: Optional[bool] = None, domains: Optional[List[str]] = None,
                 data_types: Optional[List[DataType]] = None,
                 api_types: Optional[List[ApiType]] = None, label: str = "") -> None:
        self.tracking = tracking
        self.domains = domains
        self.data_types = data_types
        self.api_types = api_types
        self.label = label

    def declarations(self) -> List[Tuple[str, ...]]:
        """Every atomic declaration, as hashable tuples, in document order (duplicates kept)."""
        out: List[Tuple[str, ...]] = []
        if self.tracking:
            out.append(("tracking",))
        for d in self.domains or []:
            out.append(("domain", d))
        for dt in self.data_types or []:
            out.append(("data-type", dt.type))
            if dt.linked:
                out.append(("linked", dt.type))
            if dt.tracking:
                out.append(("data-tracking", dt.type))
            for p in dt.purposes:
                out.append(("purpose", dt.type, p))
        for api in self.api_types or []:
            out.append(("api", api.category))
            for r in api.reasons:
                out.append(("reason", api.category, r))
        return out

    def to_plist(self) -> Dict[str, object]:
        """The manifest as plistlib-style data (for tests, JSON and new files)."""
        out: Dict[str, object] = {}
        if self.tracking is not None:
            out[C.TRACKING] = self.tracking
        if self.domains is not None:
            out[C.DOMAINS] = list(self.domains)
        if self.data_types is not None:
            out[C.DATA_TYPES] = [_data_dict(dt) for dt in self.data_types]
        if self.api_types is not None:
            out[C.API_TYPES] = [
                {C.API_TYPE: a.category, C.REASONS: list(a.reasons)} for a in self.api_types
            ]
        return out


def _data_dict(dt: DataType) -> Dict[str, object]:
    d: Dict[str, object] = {C.DATA_TYPE: dt.type}
    d[C.LINKED] = bool(dt.linked)
    d[C.DATA_TRACKING] = bool(dt.tracking)
    d[C.PURPOSES] = list(dt.purposes)
    return d


def from_document(doc: Document) -> Manifest:
    """Read the declarations the merge needs, or raise InputError at a value of the wrong type."""
    top = doc.top
    if top is None or top.tag != "dict":
        raise _wrong(doc, top if top is not None else doc.root,
                     "the root value must be a <dict>", rule="root-not-dict")
    m = Manifest(label=doc.path)
    refuse_repeated_keys(doc, top)
    view = view_of(doc)
    for key, _k, v in view.top_pairs():
        if key == C.TRACKING:
            m.tracking = _bool(doc, v, key) or bool(m.tracking)
        elif key == C.DOMAINS:
            m.domains = (m.domains or []) + _strings(doc, v, key)
        elif key == C.DATA_TYPES:
            m.data_types = (m.data_types or []) + list(_data_types(doc, view, v))
        elif key == C.API_TYPES:
            m.api_types = (m.api_types or []) + list(_api_types(doc, view, v))
    return m


def refuse_repeated_keys(doc: Document, d: etree._Element) -> None:
    """A key given twice in one <dict> is refused, pointing at both: readers keep one of the two
    (which one is not defined), so merging either would silently drop the other's lines."""
    pairs = view_of(doc).pairs(d)
    if len({key for key, _, _ in pairs}) == len(pairs):
        return  # the usual case: no key repeats
    seen: Dict[str, etree._Element] = {}
    for key, k, _ in pairs:
        first = seen.setdefault(key, k)
        if first is k:
            continue
        (l1, c1), (l2, c2) = doc.position(first), doc.position(k)
        raise input_error(doc.path, f"key \"{key}\" appears twice in one <dict>, at "
                          f"{l1}:{c1} and at {l2}:{c2}; readers keep only one of them, so what "
                          "the file declares is undefined", l2, c2, rule="duplicate-key",
                          hint=f"keep one <key>{key}</key>, move the other's values into it, "
                          "then run again")


def _wrong(doc: Document, el: etree._Element, message: str, rule: str = "wrong-type") -> InputError:
    line, col = doc.position(el)
    return input_error(doc.path, message, line, col, rule=rule,
                       hint="run `trtc-privacy lint` on this file for every problem at once")


def _bool(doc: Document, v: etree._Element, key: str) -> bool:
    if v.tag not in ("true", "false"):
        raise _wrong(doc, v, f"{key} must be <true/> or <false/>, found <{v.tag}>")
    return v.tag == "true"


def _strings(doc: Document, v: etree._Element, key: str) -> List[str]:
    if v.tag != "array":
        raise _wrong(doc, v, f"{key} must be an <array> of <string>, found <{v.tag}>")
    out = view_of(doc).exact_strings(v)  # exactly: a padded identifier is not the identifier
    if len(out) != len(v):  # something besides <string>: a comment, or a value of another type
        for c in elements(v):
            if c.tag != "string":
                raise _wrong(doc, c, f"{key} must hold only <string> values, found <{c.tag}>")
    return list(out)


def _dicts(doc: Document, v: etree._Element, key: str) -> Iterator[etree._Element]:
    if v.tag != "array":
        raise _wrong(doc, v, f"{key} must be an <array> of <dict>, found <{v.tag}>")
    entries = view_of(doc).dict_children(v)
    for c in entries if len(entries) == len(v) else elements(v):
        if c.tag != "dict":
            raise _wrong(doc, c, f"{key} must hold only <dict> entries, found <{c.tag}>")
        refuse_repeated_keys(doc, c)
        yield c


def _data_types(doc: Document, view: View, v: etree._Element) -> Iterator[DataType]:
    for d in _dicts(doc, v, C.DATA_TYPES):
        t = view.value(d, C.DATA_TYPE)
        if t is None:
            continue  # nothing to merge; lint reports the missing key
        if t.tag != "string":
            raise _wrong(doc, t, f"{C.DATA_TYPE} must be a <string>, found <{t.tag}>")
        entry = DataType(type=text_of(t), element=d)
        linked, tracking = view.value(d, C.LINKED), view.value(d, C.DATA_TRACKING)
        purposes = view.value(d, C.PURPOSES)
        if linked is not None:
            entry.linked = _bool(doc, linked, C.LINKED)
        if tracking is not None:
            entry.tracking = _bool(doc, tracking, C.DATA_TRACKING)
        if purposes is not None:
            entry.purposes = _strings(doc, purposes, C.PURPOSES)
        yield entry


def _api_types(doc: Document, view: View, v: etree._Element) -> Iterator[ApiType]:
    for d in _dicts(doc, v, C.API_TYPES):
        t = view.value(d, C.API_TYPE)
        if t is None:
            continue
        if t.tag != "string":
            raise _wrong(doc, t, f"{C.API_TYPE} must be a <string>, found <{t.tag}>")
        entry = ApiType(category=text_of(t), element=d)
        reasons = view.value(d, C.REASONS)
        if reasons is not None:
            entry.reasons = _strings(doc, reasons, C.REASONS)
        yield entry
