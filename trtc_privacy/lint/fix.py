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
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Tuple

from trtc_privacy.config import Config
from trtc_privacy.diagnostics import Diagnostic, InputError, input_error
from trtc_privacy.lint.fixer import Fixed, Fixer
from trtc_privacy.manifest.reader import Document, parse, read_bytes
from trtc_privacy.selection import Selection

if TYPE_CHECKING:
    from trtc_privacy.lint.engine import LintRun
    from trtc_privacy.lint.rules.base import Finding, Rule

NO_FIX = "no meaning-preserving fix"


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
    fx = Fixer(doc, sel.enabled, [(r.name, f) for r, f in found])
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
                write_atomic(path, doc.encode(after), locked=True)
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
