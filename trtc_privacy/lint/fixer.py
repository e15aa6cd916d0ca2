"""What a rule's fix is given: the ``Fixer``, which plans every repair of one document in one
writer ``Editor``, and ``Fixed``, one repair made.

Fixes live beside their checks in ``rules/`` and call the operations here; ``fix.py`` runs them
for ``lint --fix``. Kept apart from ``fix.py`` so the rules, which name these types, depend on
nothing that depends on the rules (the registry, the engine, the configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Set, Tuple

from lxml import etree

from trtc_privacy.diagnostics import place
from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, elements, text_of
from trtc_privacy.manifest.view import view_of


class Found(Protocol):
    """What a fix reads of a check's finding (``rules.base.Finding`` is one): named here, not
    imported, so that the rules, which name the Fixer, stay the only ones to know Finding."""

    @property
    def element(self) -> Optional[etree._Element]: ...

    @property
    def subject(self) -> Optional[str]: ...

    @property
    def repair(self) -> Optional[str]: ...


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


class Fixer:
    """Plans all edits against the original document in one writer ``Editor`` (positions stay
    the original ones). Each fixable rule's ``fix`` (beside its check, in rules/) calls the
    operations here; nothing here knows a rule by name."""

    def __init__(self, doc: Document, enabled: Callable[[str], bool],
                 found: Sequence[Tuple[str, Found]] = ()) -> None:
        from trtc_privacy.manifest.writer import Editor

        self.doc = doc
        self.view = view_of(doc)
        self.ed = Editor(doc)
        self.enabled = enabled
        self.fixed: List[Fixed] = []
        self.why: Dict[Tuple[str, str], str] = {}  # (rule, finding's subject) -> why not fixed
        self.renamed: Dict[etree._Element, str] = {}
        self.removed: Set[etree._Element] = set()
        self._found: Dict[str, List[Found]] = {}  # rule -> what its check found, in order
        for rule, f in found:
            self._found.setdefault(rule, []).append(f)

    def found(self, rule: str) -> List[Found]:
        """What the rule's check found in the document, in the order of the lint walk."""
        return self._found.get(rule, [])

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

    def spell(self, rule: str) -> None:
        """Replace each unknown identifier the rule's check found with the known one it
        guessed (its ``repair``); one it had no guess for is refused."""
        for f in self.found(rule):
            el, value, guess = f.element, f.subject, f.repair
            if el is None or not value:
                continue
            if guess is None:
                self.refuse(value, rule, "no unambiguous spelling of a known identifier")
                continue
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
