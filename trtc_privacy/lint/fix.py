"""``lint --fix``: repair what cannot change a manifest's meaning, through the one writer.

Runs each enabled rule's fix (beside its check, in ``rules/``) through one ``fixer.Fixer``.
Fixes: near-miss spellings of Apple's identifiers (PhotosOrVideos, "App functionality"), empty
<dict/> entries, and repeated categories, data types, reasons, purposes and tracking domains
(folded into the first occurrence). Every edit goes through ``writer.Editor`` so only the touched
lines change; the file is written atomically under the lock, and only when its bytes change.
Everything else (unknown free text, conflicting duplicates) is reported as not fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from trtc_privacy.config import Config
from trtc_privacy.diagnostics import Diagnostic, InputError, input_error
from trtc_privacy.lint.fixer import Fixed, Fixer
from trtc_privacy.manifest.reader import Document, parse, read_bytes


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
