"""What a lint rule is, and the context its checks read a manifest through.

A rule is data (name, default severity, App Store codes, explanation, hint) with its checks and
its fix beside it, in the yamllint style. Each check declares the node it looks at (``NODES``):
the engine (``linter.lint_document``) walks a document once and calls, for every node, the checks
of the enabled rules registered for it, so a rule that is turned off costs nothing. Checks read
the XML through the document's one ``View``, not the semantic model, so that a value of the wrong
type is one finding among others rather than the end of the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Final, Iterable, List, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy.diagnostics import Severity
from trtc_privacy.manifest.reader import Document
from trtc_privacy.manifest.view import Entry, Pair, View, view_of

if TYPE_CHECKING:
    from trtc_privacy.lint.fixer import Fixer


class Finding:
    """What a check reports: the element at fault, the message, and a specific hint if any;
    for a fixable rule also what its fix needs, so that the fix does not decide again."""

    __slots__ = ("element", "message", "hint", "offset", "subject", "repair")

    def __init__(self, element: Optional[etree._Element], message: str, hint: str = "",
                 offset: Optional[int] = None, subject: str = "",
                 repair: Optional[str] = None) -> None:
        self.element: Final = element
        self.message: Final = message
        self.hint: Final = hint
        self.offset: Final = offset  # a character offset in the text, when not at an element
        #: the value at fault (a category, a repeated identifier): what a fix that cannot repair
        #: it files its reason under, so "not fixed" is matched by value, never by message text
        self.subject: Final = subject
        #: what the check found the value should be (the near-miss's spelling, the value without
        #: its padding), for the fix to write; None when it found nothing
        self.repair: Final = repair


#: What a check can look at, in the order the engine visits them, with what it is given:
#: document: None (once per document) - top_pair: (key, key element, value element) of the
#: root <dict> - api_entry / data_entry: an entry <dict> of NSPrivacyAccessedAPITypes /
#: NSPrivacyCollectedDataTypes - reason: (category or None, code, <string>, entry) - purpose:
#: (data type or None, purpose, <string>, entry) - domain: (text, <string>) of
#: NSPrivacyTrackingDomains - dict: every <dict> under the root value.
NODES = ("document", "top_pair", "api_entry", "data_entry", "reason", "purpose", "domain", "dict")

#: A check returns its findings: a generator, or (in hot checks) a list or () when clean.
Visit = Callable[["Context", Any], Iterable[Finding]]
Fix = Callable[["Fixer", "Rule"], None]


class Rule:
    """One rule. A rule without visits is reported elsewhere: by the reader (parse failures) or
    by a command that is not lint (``scope`` names it). Each rule is one object: equal only to
    itself."""

    def __init__(self, name: str, severity: Severity, summary: str, explanation: str, hint: str,
                 itms: Tuple[str, ...] = (), fixable: bool = False,
                 visits: Optional[Dict[str, List[Visit]]] = None, scope: str = "lint",
                 fix: Optional[Fix] = None, fix_phase: int = 0) -> None:
        self.name = name
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.hint = hint
        self.itms = itms
        self.fixable = fixable
        #: node kind -> the checks this rule runs on such nodes
        self.visits: Dict[str, List[Visit]] = {} if visits is None else visits
        #: the command family that makes the finding: "lint" for manifest rules, else e.g. "scan"
        self.scope = scope
        #: how ``lint --fix`` repairs it, and when (lower phases plan their edits first)
        self.fix = fix
        self.fix_phase = fix_phase

    @property
    def primary_itms(self) -> str:
        return self.itms[0] if self.itms else ""

    @property
    def check(self) -> bool:
        """Whether lint's engine runs this rule (it has checks of its own)."""
        return bool(self.visits)

    def on(self, node: str) -> Callable[[Visit], Visit]:
        """Decorator: register a further check of this rule, on another kind of node."""
        assert node in NODES, node

        def wrap(fn: Visit) -> Visit:
            self.visits.setdefault(node, []).append(fn)
            return fn

        return wrap

    def fixer(self, phase: int) -> Callable[[Fix], Fix]:
        """Decorator: the rule's repair for ``lint --fix``. Phases: 0 rewrites a value, 1 removes
        an empty entry, 2 folds repeated strings, 3 folds repeated entries."""

        def wrap(fn: Fix) -> Fix:
            assert self.fixable, self.name
            self.fix, self.fix_phase = fn, phase
            return fn

        return wrap


def rule(name: str, severity: str, summary: str, explanation: str, hint: str,
         itms: Tuple[str, ...] = (), fixable: bool = False, *,
         on: str = "document") -> Callable[[Visit], Rule]:
    """Decorator: turn a check on ``on`` nodes into a Rule carrying its documentation."""

    def wrap(fn: Visit) -> Rule:
        r = Rule(name, Severity(severity), summary, " ".join(explanation.split()), hint,
                 tuple(itms), fixable)
        r.on(on)(fn)
        return r

    return wrap


def parse_rule(name: str, severity: str, summary: str, explanation: str, hint: str,
               itms: Tuple[str, ...] = (), scope: str = "lint") -> Rule:
    """A rule with no check of its own: reported by the reader (plist.parse), or by a command
    that is not lint (``scope`` names it)."""
    return Rule(name, Severity(severity), summary, " ".join(explanation.split()), hint,
                tuple(itms), False, {}, scope)


# -- the context -------------------------------------------------------------------------------

ITMS_INVALID = ("ITMS-91056", "ITMS-91108")  # "Invalid privacy manifest" and its any-location twin


class Context:
    """What a check is given: the document, its one View, what kind of manifest it is, and a
    place for per-document state (what a duplicate check has seen so far)."""

    def __init__(self, doc: Document, kind: str, check_name: bool = False) -> None:
        self.doc = doc
        self.kind = kind  # "app" or "sdk"
        self.check_name = check_name  # whether the file name is the user's (lint) or a label
        view = self.view = view_of(doc)
        self.top = view.top
        self._state: Dict[str, Dict[Any, Any]] = {}
        # the View's shapes, bound once: checks call these thousands of times
        self.top_pairs: Callable[[], List[Pair]] = view.top_pairs
        self.pairs: Callable[[etree._Element], List[Pair]] = view.pairs
        self.top_values: Callable[[str], List[etree._Element]] = view.top_values
        self.entries: Callable[[str], List[etree._Element]] = view.entries
        self.api_entries: Callable[[], List[etree._Element]] = view.api_entries
        self.data_entries: Callable[[], List[etree._Element]] = view.data_entries
        self.value: Callable[[etree._Element, str], Optional[etree._Element]] = view.value
        self.strings: Callable[[Optional[etree._Element]], List[Tuple[str, etree._Element]]] \
            = view.strings
        self.tracking: Callable[[], Optional[bool]] = view.tracking
        self.domains: Callable[[], List[Tuple[str, etree._Element]]] = view.domains

    def state(self, rule: str) -> Dict[Any, Any]:
        """A rule's own memory for this document (e.g. the categories seen so far)."""
        got = self._state.get(rule)
        if got is None:
            got = self._state[rule] = {}
        return got

    string = staticmethod(View.string)


def is_empty_dict(el: etree._Element) -> bool:
    return el.tag == "dict" and next(el.iterchildren(etree.Element), None) is None


def repeated(strings: Sequence[Tuple[str, etree._Element]], what: str,
             owner: str) -> Sequence[Finding]:
    """A finding at each string that repeats an earlier one of the same array (reasons of one
    entry, purposes of one data type)."""
    if len({text for text, _ in strings}) == len(strings):
        return ()  # the usual case: nothing repeats
    seen = set()
    out = []
    for text, el in strings:
        if text and text in seen:
            out.append(Finding(el, f"{what} {text} is listed twice for {owner}"))
        seen.add(text)
    return out


def repeated_entry(ctx: Context, e: Entry, rule: str) -> Sequence[Finding]:
    """A finding at an entry whose identifier (API category, data type) an earlier entry of
    the same list already declared, naming that entry's line."""
    ident = e.ident
    if not ident:
        return ()
    seen: Dict[str, etree._Element] = ctx.state(rule)
    first = seen.get(ident)
    if first is None:
        seen[ident] = e.el
        return ()
    line = ctx.doc.position(first)[0]
    return [Finding(e.ident_el, f"{ident} is already declared"
                    + (f" at line {line}" if line else ""), subject=ident)]
