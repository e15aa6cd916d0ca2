"""``lint --fix``: repair what cannot change a manifest's meaning, through the one writer.

Fixes: near-miss spellings of Apple's identifiers (PhotosOrVideos, "App functionality"), empty
<dict/> entries, and repeated categories, data types, reasons, purposes and tracking domains
(folded into the first occurrence). Every edit goes through ``writer.Editor`` so only the touched
lines change; the file is written atomically under the lock, and only when its bytes change.
Everything else (unknown free text, conflicting duplicates) is reported as not fixed.

A fix starts from what its check found on the file (the one lint walk of it): a spelling fix
writes the spelling the check guessed, and a refusal is filed under the value the finding is
about, so the findings left afterwards are matched to their reasons by value. Folds of repeats
look at the text as the earlier phases left it (a respelt category may now repeat another).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from lxml import etree

from trtc_privacy.config import Config
from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, elements, parse, read_bytes, text_of
from trtc_privacy.manifest.view import view_of
from trtc_privacy.selection import Selection

if TYPE_CHECKING:
    from trtc_privacy.lint.engine import LintRun
    from trtc_privacy.lint.rules.base import Finding, Rule

NO_FIX = "no meaning-preserving fix"


@dataclass(frozen=True)
class Fixed:
    """One repair, at its place in the file as it was before the fix."""

    path: str
    line: Optional[int]
    column: Optional[int]
    rule: str
    description: str

    def location(self) -> str:
        return Diagnostic(self.path, self.line, self.column, self.rule, Severity.NOTE,
                          "").location()


@dataclass
class FixOutcome:
    path: str
    before: str
    after: str
    fixed: List[Fixed] = field(default_factory=list)
    not_fixed: List[Tuple[Diagnostic, str]] = field(default_factory=list)  # (finding, why)
    written: bool = False
    #: the file's findings after the fix (of the fixed text where it changed): what lint prints
    diagnostics: List[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


class Fixer:
    """Plans all edits against the original document in one writer ``Editor`` (positions stay
    the original ones). Each fixable rule's ``fix`` (beside its check, in rules/) calls the
    operations here; nothing here knows a rule by name."""

    def __init__(self, doc: Document, enabled: Callable[[str], bool],
                 found: Sequence[Tuple["Rule", "Finding"]] = ()) -> None:
        from trtc_privacy.manifest.writer import Editor

        self.doc = doc
        self.view = view_of(doc)
        self.ed = Editor(doc)
        self.enabled = enabled
        self.fixed: List[Fixed] = []
        self.why: Dict[Tuple[str, str], str] = {}  # (rule, finding's subject) -> why not fixed
        self.renamed: Dict[etree._Element, str] = {}
        self.removed: Set[etree._Element] = set()
        self._found: Dict[str, List[Finding]] = {}  # rule -> what its check found, in order
        for r, f in found:
            self._found.setdefault(r.name, []).append(f)

    def found(self, rule: "Rule") -> List["Finding"]:
        """What the rule's check found in the document, in the order of the lint walk."""
        return self._found.get(rule.name, [])

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

    def spell(self, rule: "Rule") -> None:
        """Replace each unknown identifier the rule's check found with the known one it
        guessed (its ``repair``); one it had no guess for is refused."""
        for f in self.found(rule):
            el, value, guess = f.element, f.subject, f.repair
            if el is None or not value:
                continue
            if guess is None:
                self.refuse(value, rule.name, "no unambiguous spelling of a known identifier")
                continue
            self.rename(el, guess)
            self.note(el, rule.name, f"replaced \"{value}\" with \"{guess}\"")

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


def fix_document(doc: Document, cfg: Optional[Config] = None,
                 found: Optional[Sequence[Tuple["Rule", "Finding"]]] = None
                 ) -> Tuple[str, List[Fixed], Dict[Tuple[str, str], str]]:
    """The repaired text of ``doc``, what was repaired, and why some findings were left
    (by rule and value). ``found`` is what the lint walk of ``doc`` found (walked here when
    not given)."""
    from trtc_privacy.lint import engine
    from trtc_privacy.lint.rules import all_rules

    sel = Selection.from_config(cfg)
    if found is None:
        found = engine.walk(doc, engine.kind_for_path(doc.path), engine.dispatch(sel))
    fx = Fixer(doc, sel.enabled, found)
    for r in sorted((r for r in all_rules() if r.fix is not None and sel.enabled(r.name)),
                    key=lambda r: r.fix_phase):
        assert r.fix is not None
        r.fix(fx, r)
    return fx.result(), sorted(fx.fixed, key=lambda f: (f.line or 0, f.column or 0)), fx.why


def fix_file(path: str, kind: str = "auto", cfg: Optional[Config] = None,
             write: bool = True) -> FixOutcome:
    """Fix one file in place (atomically, under the lock); parse failures are left alone.

    The file is linted once: the walk that finds what to fix gives its findings when nothing
    changes, and the fixed text is linted when something does (``diagnostics``).
    """
    from trtc_privacy.files import locked, write_atomic
    from trtc_privacy.lint import engine

    sel = Selection.from_config(cfg)
    table = engine.dispatch(sel)
    k = kind if kind in ("app", "sdk") else engine.kind_for_path(path)

    def run() -> FixOutcome:
        try:
            doc = parse(read_bytes(path), path)
        except InputError as exc:
            if exc.diagnostic.rule == "unreadable":
                raise
            return FixOutcome(path, "", "", not_fixed=[(exc.diagnostic, "the file does not parse")],
                              diagnostics=engine.unparsed(path, exc, sel))
        found = engine.walk(doc, k, table, True)
        if doc.binary:
            lint = engine.diagnose(doc, found, sel)
            return FixOutcome(path, doc.text, doc.text, diagnostics=[d for d, _ in lint],
                              not_fixed=[(d, "binary property list; convert it with `plutil "
                                          "-convert xml1` to fix it") for d, _ in lint
                                         if _fixable(d)])
        after, fixed, why = fix_document(doc, cfg, found)
        out = FixOutcome(path, doc.text, after, fixed)
        if out.changed:
            try:
                fixed_doc = parse(doc.encode(after), path)
            except InputError:  # pragma: no cover - a writer bug, never the user's input
                raise input_error(path, "internal error: the fixed manifest does not parse; "
                                  "nothing was written", rule="internal") from None
            if write:
                write_atomic(path, doc.encode(after))
                out.written = True
            lint = engine.diagnose(fixed_doc, engine.walk(fixed_doc, k, table, True), sel)
        else:
            lint = engine.diagnose(doc, found, sel)
        out.diagnostics = [d for d, _ in lint]
        if out.written or not out.changed:
            out.not_fixed = [(d, why.get((d.rule, f.subject), NO_FIX)) for d, f in lint
                             if _fixable(d)]
        return out

    if write:
        with locked(path):
            return run()
    return run()


def fix_run(run: "LintRun", write: bool = True) -> Iterator[FixOutcome]:
    """Fix each file a lint run found, in the order found, handing each file's findings after
    the fix to the run, so that no file is discovered or linted twice. A file that cannot be
    fixed (unreadable, unwritable) is left to the run's own lint, which reports it."""
    for path in run.files:
        try:
            out = fix_file(path, run.kind, run.cfg, write)
        except InputError:
            continue
        run.done[path] = out.diagnostics
        yield out


def _fixable(d: Diagnostic) -> bool:
    from trtc_privacy.lint.rules import get

    r = get(d.rule)
    return r is not None and r.fixable
