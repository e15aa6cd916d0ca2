"""What a lint rule is, and the context its check reads a manifest through.

A rule is data (name, default severity, App Store codes, explanation, hint) with its check beside
it, in the yamllint style. Checks read the XML itself, not the semantic model, so that a value of
the wrong type is one finding among others rather than the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Optional, Tuple

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
               itms: Tuple[str, ...] = ()) -> Rule:
    """A rule reported by the reader (plist.parse) rather than by a check."""
    return Rule(name, Severity(severity), summary, " ".join(explanation.split()), hint,
                tuple(itms), False, None)


# -- the context -------------------------------------------------------------------------------

ITMS_INVALID = ("ITMS-91056", "ITMS-91108")  # "Invalid privacy manifest" and its any-location twin


@dataclass
class Context:
    """A parsed document with the shapes checks ask about, computed once."""

    doc: Document
    kind: str  # "app" or "sdk"
    check_name: bool = False  # whether the file name is the user's (lint) or a label (merge)

    @property
    def top(self) -> Optional[etree._Element]:
        top = self.doc.top
        return top if top is not None and top.tag == "dict" else None

    def top_pairs(self) -> List[Tuple[str, etree._Element, etree._Element]]:
        top = self.top
        if top is None:
            return []
        return [(text_of(k).strip(), k, v) for k, v in dict_pairs(top)]

    def top_values(self, key: str) -> List[etree._Element]:
        """Every value given for a top-level key (a repeated key gives several)."""
        return [v for k, _, v in self.top_pairs() if k == key]

    def entries(self, key: str) -> Iterator[etree._Element]:
        """The <dict> entries of every top-level array ``key`` (APITypes or CollectedDataTypes)."""
        for v in self.top_values(key):
            if v.tag == "array":
                for c in elements(v):
                    if c.tag == "dict":
                        yield c

    def api_entries(self) -> Iterator[etree._Element]:
        return self.entries(C.API_TYPES)

    def data_entries(self) -> Iterator[etree._Element]:
        return self.entries(C.DATA_TYPES)

    @staticmethod
    def value(d: etree._Element, key: str) -> Optional[etree._Element]:
        for k, v in dict_pairs(d):
            if text_of(k).strip() == key:
                return v
        return None

    @staticmethod
    def string(el: Optional[etree._Element]) -> Optional[str]:
        """The stripped text of a <string>, or None for anything else."""
        if el is None or el.tag != "string":
            return None
        return text_of(el).strip()

    @staticmethod
    def strings(array: Optional[etree._Element]) -> List[Tuple[str, etree._Element]]:
        """(text, element) of the <string> children of an <array>."""
        if array is None or array.tag != "array":
            return []
        return [(text_of(c).strip(), c) for c in elements(array) if c.tag == "string"]

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
    return el.tag == "dict" and not elements(el)
