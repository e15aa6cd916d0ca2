"""``lint --fix``: repair what cannot change a manifest's meaning, through the one writer.

Fixes: near-miss spellings of Apple's identifiers (PhotosOrVideos, "App functionality"), empty
<dict/> entries, and repeated categories, data types, reasons, purposes and tracking domains
(folded into the first occurrence). Every edit goes through ``writer.Editor`` so only the touched
lines change; the file is written atomically under the lock, and only when its bytes change.
Everything else (unknown free text, conflicting duplicates) is reported as not fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

from lxml import etree

from trtc_privacy.config import Config
from trtc_privacy.diagnostics import Diagnostic, InputError, input_error, place
from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, elements, parse, read_bytes, text_of
from trtc_privacy.manifest.view import view_of


@dataclass(frozen=True)
class Fixed:
    """One repair, at its place in the file as it was before the fix."""

    path: str
    line: Optional[int]
    column: Optional[int]
    rule: str
    description: str

    def location(self) -> str:
        return place(self.path, self.line, self.column)


@dataclass
class FixOutcome:
    path: str
    before: str
    after: str
    fixed: List[Fixed] = field(default_factory=list)
    not_fixed: List[Tuple[Diagnostic, str]] = field(default_factory=list)  # (finding, why)
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


class Fixer:
    """Plans all edits against the original document in one writer ``Editor`` (positions stay
    the original ones). Each fixable rule's ``fix`` (beside its check, in rules/) calls the
    operations here; nothing here knows a rule by name."""

    def __init__(self, doc: Document, enabled: Callable[[str], bool]) -> None:
        from trtc_privacy.manifest.writer import Editor

        self.doc = doc
        self.view = view_of(doc)
        self.ed = Editor(doc)
        self.enabled = enabled
        self.fixed: List[Fixed] = []
        self.why: Dict[Tuple[str, str], str] = {}  # (rule, offending value) -> why not fixed
        self.renamed: Dict[etree._Element, str] = {}
        self.removed: Set[etree._Element] = set()

    def note(self, el: Optional[etree._Element], rule: str, text: str) -> None:
        line, col = self.doc.position(el)
        self.fixed.append(Fixed(self.doc.path, line, col, rule, text))

    def refuse(self, value: str, rule: str, why: str) -> None:
        self.why[(rule, value)] = why

    def name(self, el: Optional[etree._Element]) -> Optional[str]:
        """A <string>'s value after any rewrite planned for it (stripped, as rules read it)."""
        if el is None or el.tag != "string":
            return None
        return self.renamed.get(el, text_of(el).strip())

    def rename(self, el: etree._Element, value: str) -> None:
        """Plan a new text for a <string> (the last plan for an element wins)."""
        self.renamed[el] = value

    def spell(self, el: Optional[etree._Element], known: Dict[str, str], prefix: str,
              rule: str) -> None:
        """Replace a near-miss spelling of a known identifier with the identifier."""
        value = self.name(el)
        if el is None or not value or value in known:
            return
        guess = C.near_miss(value, known, prefix)
        if guess is None:
            self.refuse(value, rule, "no unambiguous spelling of a known identifier")
            return
        self.rename(el, guess)
        self.note(el, rule, f"replaced \"{value}\" with \"{guess}\"")

    def remove(self, el: etree._Element) -> None:
        self.ed.remove(el)
        self.removed.add(el)

    def fold_strings(self, array: Optional[etree._Element], rule: str, what: str,
                     same: Callable[[str], str] = str) -> None:
        """Remove later repeats of a string in an <array> (``same`` says which are one)."""
        if array is None or array.tag != "array":
            return
        from trtc_privacy.manifest.writer import repeats

        for c in repeats(array, lambda c: same(self.name(c) or "") if self.name(c) else None):
            self.remove(c)
            self.note(c, rule, f"removed repeated {what} \"{self.name(c)}\"")

    def fold_entries(self, key: str, id_key: str, list_key: str, rule: str,
                     same_keys: Tuple[str, ...]) -> None:
        """Fold later entries with the same identifier into the first, when nothing is lost."""
        view = self.view
        known = dict(C.vocabulary().api_keys if key == C.API_TYPES else C.vocabulary().data_keys)
        homes: Dict[str, etree._Element] = {}
        added: Dict[str, List[str]] = {}
        for d in view.entries(key):
            ident = self.name(view.value(d, id_key))
            if not ident or d in self.removed:
                continue
            if ident not in homes:
                homes[ident] = d
                added[ident] = []
                continue
            home = homes[ident]
            why = self._cannot_fold(home, d, known, list_key, same_keys)
            if why:
                self.refuse(ident, rule, why)
                continue
            home_list = view.value(home, list_key)
            have = set(self.name(e) for e in elements(home_list)) if home_list is not None \
                else set()
            extra: List[str] = []
            lst = view.value(d, list_key)
            for v in (self.name(e) for e in (elements(lst) if lst is not None else [])):
                if v and v not in have and v not in added[ident] and v not in extra:
                    extra.append(v)
            added[ident] += extra
            self.remove(d)
            line = self.doc.position(home)[0]
            ident_el = view.value(d, id_key)
            self.note(ident_el if ident_el is not None else d, rule,
                      f"folded the repeated {ident} entry into the one at line {line}"
                      + (f", adding {', '.join(extra)}" if extra else ""))
        for ident, values in added.items():
            if values:
                self._append(homes[ident], list_key, values)

    def _cannot_fold(self, home: etree._Element, later: etree._Element, known: Dict[str, str],
                     list_key: str, same_keys: Tuple[str, ...]) -> str:
        view = self.view
        for d in (home, later):
            for name, _, _ in view.pairs(d):
                if name not in known:
                    return f"an entry holds the unknown key \"{name}\""
            lst = view.value(d, list_key)
            if lst is not None and (lst.tag != "array" or
                                    any(c.tag != "string" for c in elements(lst))):
                return f"{list_key} is not an array of strings"
        for key in same_keys:
            a, b = view.value(home, key), view.value(later, key)
            if (a.tag if a is not None else None) != (b.tag if b is not None else None):
                return f"the entries differ in {key}; merge them by hand"
        return ""

    def _append(self, home: etree._Element, list_key: str, values: List[str]) -> None:
        from trtc_privacy.manifest.writer import escape, pair_lines

        lst = self.view.value(home, list_key)
        if lst is None:
            self.ed.append(home, pair_lines(list_key, values))
        else:
            self.ed.append(lst, [(0, f"<string>{escape(v)}</string>") for v in values])

    def result(self) -> str:
        for el, value in self.renamed.items():
            if el not in self.removed:
                self.ed.replace_text(el, value)
        return self.ed.result()


def fix_document(doc: Document, cfg: Optional[Config] = None
                 ) -> Tuple[str, List[Fixed], Dict[Tuple[str, str], str]]:
    """The repaired text of ``doc``, what was repaired, and why some findings were left."""
    from trtc_privacy.lint.rules import all_rules
    from trtc_privacy.selection import Selection

    sel = Selection.from_config(cfg)
    fx = Fixer(doc, sel.enabled)
    for r in sorted((r for r in all_rules() if r.fix is not None and sel.enabled(r.name)),
                    key=lambda r: r.fix_phase):
        assert r.fix is not None
        r.fix(fx, r)
    return fx.result(), sorted(fx.fixed, key=lambda f: (f.line or 0, f.column or 0)), fx.why


def fix_file(path: str, kind: str = "auto", cfg: Optional[Config] = None,
             write: bool = True) -> FixOutcome:
    """Fix one file in place (atomically, under the lock); parse failures are left alone."""
    from trtc_privacy.files import locked, write_atomic
    from trtc_privacy.lint.engine import lint_file

    def run() -> FixOutcome:
        try:
            doc = parse(read_bytes(path), path)
        except InputError as exc:
            if exc.diagnostic.rule == "unreadable":
                raise
            return FixOutcome(path, "", "", not_fixed=[(exc.diagnostic, "the file does not parse")])
        if doc.binary:
            out = FixOutcome(path, doc.text, doc.text)
            out.not_fixed = [(d, "binary property list; convert it with `plutil -convert xml1` "
                              "to fix it") for d in lint_file(path, kind, cfg) if _fixable(d)]
            return out
        after, fixed, why = fix_document(doc, cfg)
        out = FixOutcome(path, doc.text, after, fixed)
        if out.changed:
            try:
                parse(doc.encode(after), path)
            except InputError:  # pragma: no cover - a writer bug, never the user's input
                raise input_error(path, "internal error: the fixed manifest does not parse; "
                                  "nothing was written", rule="internal") from None
            if write:
                write_atomic(path, doc.encode(after))
                out.written = True
        remaining = lint_file(path, kind, cfg) if out.written or not out.changed else []
        out.not_fixed = [(d, _why(d, why)) for d in remaining if _fixable(d)]
        return out

    if write:
        with locked(path):
            return run()
    return run()


def _why(d: Diagnostic, why: Dict[Tuple[str, str], str]) -> str:
    for (rule, value), reason in why.items():
        if rule == d.rule and value and value in d.message:
            return reason
    return "no meaning-preserving fix"


def _fixable(d: Diagnostic) -> bool:
    from trtc_privacy.lint.rules import get

    r = get(d.rule)
    return r is not None and r.fixable
