"""What a lint rule is, and the context its check reads a manifest through.

A rule is data (name, default severity, App Store codes, explanation, hint) with its check beside
it, in the yamllint style. Checks read the XML itself, not the semantic model, so that a value of
the wrong type is one finding among others rather than the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from lxml import etree

from trtc_privacy import catalog as C
from trtc_privacy.diagnostics import Severity
from trtc_privacy.plist import Document, dict_pairs, elements, text_of


@dataclass(frozen=True)
class Finding:
    """What a check reports: the element at fault, the message, and a specific hint if any."""

    element: Optional[etree._Element]
    message: str
    hint: str = ""
    offset: Optional[int] = None  # a character offset in the text, when not at an element


Check = Callable[["Context"], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    """One lint rule. ``check`` is None for rules the reader itself reports (parse failures)."""

    name: str
    severity: Severity
    summary: str
    explanation: str
    hint: str
    itms: Tuple[str, ...] = ()
    fixable: bool = False
    check: Optional[Check] = field(default=None, compare=False, repr=False)
    #: the command family that makes the finding: "lint" for manifest rules, else e.g. "scan"
    scope: str = "lint"

    @property
    def primary_itms(self) -> str:
        return self.itms[0] if self.itms else ""


def rule(name: str, severity: str, summary: str, explanation: str, hint: str,
         itms: Tuple[str, ...] = (), fixable: bool = False) -> Callable[[Check], Rule]:
    """Decorator: turn a check function into a Rule carrying its documentation."""

    def wrap(fn: Check) -> Rule:
        return Rule(name, Severity(severity), summary, " ".join(explanation.split()), hint,
                    tuple(itms), fixable, fn)

    return wrap


def parse_rule(name: str, severity: str, summary: str, explanation: str, hint: str,
               itms: Tuple[str, ...] = (), scope: str = "lint") -> Rule:
    """A rule with no check of its own: reported by the reader (plist.parse), or by a command
    that is not lint (``scope`` names it)."""
    return Rule(name, Severity(severity), summary, " ".join(explanation.split()), hint,
                tuple(itms), False, None, scope)


# -- the context -------------------------------------------------------------------------------

ITMS_INVALID = ("ITMS-91056", "ITMS-91108")  # "Invalid privacy manifest" and its any-location twin


class Context:
    """A parsed document with the shapes checks ask about, each computed once.

    Thirty checks read the same few arrays and dictionaries; caching them here is what keeps
    linting close to the cost of parsing. The tree is never modified, so the caches stay valid.
    """

    def __init__(self, doc: Document, kind: str, check_name: bool = False) -> None:
        self.doc = doc
        self.kind = kind  # "app" or "sdk"
        self.check_name = check_name  # whether the file name is the user's (lint) or a label
        top = doc.top
        self.top: Optional[etree._Element] = top if top is not None and top.tag == "dict" else None
        self._top_pairs: Optional[List[Tuple[str, etree._Element, etree._Element]]] = None
        self._entries: Dict[str, List[etree._Element]] = {}
        self._pairs: Dict[etree._Element, List[Tuple[str, etree._Element, etree._Element]]] = {}
        self._maps: Dict[etree._Element, Dict[str, etree._Element]] = {}
        self._strings: Dict[etree._Element, List[Tuple[str, etree._Element]]] = {}

    def top_pairs(self) -> List[Tuple[str, etree._Element, etree._Element]]:
        if self._top_pairs is None:
            self._top_pairs = [] if self.top is None else self.pairs(self.top)
        return self._top_pairs

    def pairs(self, d: etree._Element) -> List[Tuple[str, etree._Element, etree._Element]]:
        """(key text, key element, value element) of a <dict>, repeats kept, in order."""
        got = self._pairs.get(d)
        if got is None:
            got = self._pairs[d] = [(text_of(k).strip(), k, v) for k, v in dict_pairs(d)]
        return got

    def top_values(self, key: str) -> List[etree._Element]:
        """Every value given for a top-level key (a repeated key gives several)."""
        return [v for k, _, v in self.top_pairs() if k == key]

    def entries(self, key: str) -> List[etree._Element]:
        """The <dict> entries of every top-level array ``key`` (APITypes or CollectedDataTypes)."""
        got = self._entries.get(key)
        if got is None:
            got = self._entries[key] = [
                c for v in self.top_values(key) if v.tag == "array"
                for c in elements(v) if c.tag == "dict"]
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

    def strings(self, array: Optional[etree._Element]) -> List[Tuple[str, etree._Element]]:
        """(text, element) of the <string> children of an <array>."""
        if array is None or array.tag != "array":
            return []
        got = self._strings.get(array)
        if got is None:
            got = self._strings[array] = [
                (text_of(c).strip(), c) for c in elements(array) if c.tag == "string"]
        return got

    def tracking(self) -> Optional[bool]:
        vals = self.top_values(C.TRACKING)
        if not vals:
            return None
        return any(v.tag == "true" for v in vals)

    def domains(self) -> List[Tuple[str, etree._Element]]:
        out: List[Tuple[str, etree._Element]] = []
        for v in self.top_values(C.DOMAINS):
            out += self.strings(v)
        return out


def is_empty_dict(el: etree._Element) -> bool:
    return el.tag == "dict" and next(el.iterchildren(etree.Element), None) is None
