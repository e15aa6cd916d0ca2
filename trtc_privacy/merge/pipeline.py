"""The merge pipeline: gather the inputs once, plan the merge purely, write the plan under the lock.

``read`` reads everything a merge depends on (configuration, lockfiles, product selections,
vendor templates, extra manifests, the app's file) exactly once; ``gather`` does that and lints
each folded-in manifest once. ``plan`` is pure: from those Inputs it computes the target
manifest, who declared what, the edited text, and the findings of the result, each made once.
``write`` takes the lock, re-reads the target's bytes, and writes the plan's text only if the
target is still what the plan was made from (else it plans again under the lock). ``merge``,
``report``, ``init`` and the Xcode phase all consume these; none of them reads or lints on its
own. ``scan`` needs only what the merge would declare: ``read`` and ``target``, no lint, no text.
The pipeline does not know who calls it: what differs between callers comes in the Options.
"""

from __future__ import annotations

import bisect
import copy
import difflib
import os
from typing import TYPE_CHECKING, Callable, Dict, Final, List, Optional, Sequence, Set, Tuple

from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.manifest.model import Manifest, from_document
from trtc_privacy.manifest.reader import Document, parse, read_bytes
from trtc_privacy.manifest.view import view_of
from trtc_privacy.merge.fold import MergeResult, merge
from trtc_privacy.selection import Selection

if TYPE_CHECKING:
    from trtc_privacy.config import Config
    from trtc_privacy.knowledge.vendors import TemplateChoice
    from trtc_privacy.merge.versions import Row

APP_LABEL = "app"

#: What a missing app manifest starts as, for ``merge`` and ``init`` alike: Xcode's template.
def empty_app_manifest() -> Manifest:
    return Manifest(tracking=False, domains=[], data_types=[], api_types=[], label=APP_LABEL)


class Options:
    """What the command line asked for; empty values fall back to the configuration."""

    def __init__(self, app_manifest: Optional[str] = None, sdks: Sequence[str] = (),
                 lockfiles: Sequence[str] = (), manifests: Sequence[str] = (),
                 output: Optional[str] = None, usage_path: str = "merge",
                 need_sources: bool = True, merging: bool = True, fresh: bool = False,
                 adds: str = "this merge adds them") -> None:
        self.app_manifest: Final = app_manifest
        self.sdks: Final = sdks
        self.lockfiles: Final = lockfiles
        self.manifests: Final = manifests
        self.output: Final = output
        #: where a usage error (no app manifest, nothing to merge) is reported: the command's name
        self.usage_path: Final = usage_path
        #: a merge needs something to fold in; a report of the app's file alone is useful
        self.need_sources: Final = need_sources
        #: whether the result is meant to be written (lockfile findings then say the merge is the
        #: remedy); ``report`` only looks
        self.merging: Final = merging
        #: start from an empty manifest even if the file exists (``init --force``)
        self.fresh: Final = fresh
        #: what a version below the minimum is told will add the declarations it lacks
        self.adds: Final = adds


class Source:
    """One manifest folded into the app's: its label, its document, its meaning."""

    def __init__(self, label: str, document: Document, manifest: Manifest,
                 selection: Optional["TemplateChoice"] = None, spec: str = "",
                 from_lockfile: bool = False) -> None:
        self.label = label
        self.document = document
        self.manifest = manifest
        self.selection = selection
        self.spec = spec  # PRODUCT[@VERSION] it was selected by (vendor templates)
        self.from_lockfile = from_lockfile


class Inputs:
    """Everything a merge depends on, read once."""

    def __init__(self, config: "Config", rules: Selection, app_path: str, output: str,
                 app_bytes: Optional[bytes], app_document: Optional[Document],
                 output_bytes: Optional[bytes], sources: List[Source],
                 lockfiles: Optional[List[str]] = None, lock_rows: Optional[List["Row"]] = None,
                 diagnostics: Optional[List[Diagnostic]] = None,
                 source_findings: Optional[List[Diagnostic]] = None,
                 notes: Optional[List[str]] = None) -> None:
        self.config = config
        self.rules = rules
        self.app_path = app_path
        self.output = output
        self.app_bytes = app_bytes  # None: the file does not exist
        self.app_document = app_document
        self.output_bytes = output_bytes  # the target's bytes, when it is not the app's file
        self.sources = sources
        self.lockfiles: List[str] = [] if lockfiles is None else lockfiles
        self.lock_rows: List["Row"] = [] if lock_rows is None else lock_rows
        #: findings made while gathering: lockfile findings, versions asked for below the minimum
        self.diagnostics: List[Diagnostic] = [] if diagnostics is None else diagnostics
        #: each folded-in manifest linted once, as an SDK's
        self.source_findings: List[Diagnostic] = [] if source_findings is None \
            else source_findings
        self.notes: List[str] = [] if notes is None else notes

    @property
    def target_bytes(self) -> Optional[bytes]:
        """The bytes at the output path as they were read."""
        return self.app_bytes if self.output == self.app_path else self.output_bytes


class MergePlan:
    """A merge computed but not written: the result, its text, and its findings."""

    def __init__(self, inputs: Inputs, base: Manifest, result: MergeResult, before: Optional[str],
                 after: str, data: bytes, result_document: Document,
                 app_findings: Optional[List[Diagnostic]] = None,
                 result_findings: Optional[List[Diagnostic]] = None,
                 notes: Optional[List[str]] = None) -> None:
        self.inputs = inputs
        self.base = base
        self.result = result
        self.before = before  # the output's text now (None: it does not exist)
        self.after = after
        self.data = data
        self.result_document = result_document
        #: ``lint`` of the app's file as it is (app positions); what the merge did not cause
        self.app_findings: List[Diagnostic] = [] if app_findings is None else app_findings
        #: findings the merge causes in the result (result positions, at the output path)
        self.result_findings: List[Diagnostic] = [] if result_findings is None \
            else result_findings
        self.notes: List[str] = [] if notes is None else notes

    @property
    def target(self) -> Manifest:
        return self.result.target

    @property
    def path(self) -> str:
        return self.inputs.output

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def errors(self) -> bool:
        """Whether an input or the result has an error (a merge then writes nothing)."""
        return any(d.severity is Severity.ERROR
                   for d in self.inputs.source_findings + self.result_findings)

    def diagnostics(self, on_disk: bool) -> List[Diagnostic]:
        """What ``merge`` reports: gathering's findings, the inputs', and the result's.

        ``on_disk``: the result is (or now is) the output's content, so its lines are real;
        otherwise the result's findings point at the app's file (see :meth:`at_source`).
        """
        result = self.result_findings if on_disk else self.at_source(self.result_findings)
        return self.inputs.diagnostics + self.inputs.source_findings + result

    def at_source(self, diags: Sequence[Diagnostic]) -> List[Diagnostic]:
        """Findings in the result moved to the app's own file: a line the merge kept points at
        that line; a line the merge added points at the line it is added after."""
        app = self.inputs.app_document
        if app is None or app.binary:
            return [d.replace(path=self.inputs.app_path, line=None, column=None)
                    if d.path == self.path else d for d in diags]
        mapping = _line_map(self.after, app.text)
        out = []
        for d in diags:
            if d.path != self.path or d.line is None:
                out.append(d.replace(path=self.inputs.app_path) if d.path == self.path else d)
                continue
            line, exact = mapping(d.line)
            out.append(d.replace(path=self.inputs.app_path, line=line,
                                  column=d.column if exact else None))
        return out

    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, f"a/{self.path}", f"b/{self.path}"))


# -- gather ------------------------------------------------------------------------------------


def gather(config: "Config", options: Options) -> Inputs:
    """``read``, and lint each folded-in manifest once (as an SDK's)."""
    from trtc_privacy.lint.engine import dispatch, lint_sdk

    inputs = read(config, options)
    seen: Set[int] = set()
    table = dispatch(inputs.rules)  # one selection for every input
    for s in inputs.sources:
        if id(s.document) not in seen:  # a template two specs select is linted once
            seen.add(id(s.document))
            inputs.source_findings += lint_sdk(s.document, inputs.rules, table)
    return inputs


def read(config: "Config", options: Options) -> Inputs:
    """Read the configuration's and the options' inputs once; raises InputError for bad ones."""
    cfg = config
    opts = options
    app, sdks, lockfiles, manifests = _choose(cfg, opts)
    if opts.need_sources and not (sdks or lockfiles or manifests):
        raise input_error(opts.usage_path, "nothing to merge", rule="usage",
                          hint="give --sdk PRODUCT[@VERSION], --lockfile PATH or --manifest PATH")
    rules = Selection.from_config(cfg)
    diagnostics: List[Diagnostic] = []
    notes: List[str] = []
    sources: List[Source] = []
    templates: Dict[str, Tuple[Document, Manifest]] = {}
    explicit = [(s, where, line) for s, where, line in sdks]
    for spec, where, line in explicit:
        src = _vendor(spec, where, line, templates)
        w = src.selection.warning(where, line, opts.adds) if src.selection else None
        if w is not None:
            diagnostics.append(w)
        sources.append(src)
    rows: List["Row"] = []
    found_files: List[str] = []
    if lockfiles:
        from trtc_privacy.merge.versions import check, specs_for

        report = check(list(lockfiles), merging=opts.merging)
        rows, found_files = report.rows, report.files
        diagnostics += report.diagnostics
        asked = {s for s, _, _ in explicit}
        for sp in specs_for(report):
            e = sp.row.entry
            src = _vendor(sp.spec, e.path, e.line, templates, from_lockfile=True)
            shown = sp.row.version or "(version unknown)"
            assert src.selection is not None
            notes.append(f"{e.path}:{e.line}: {e.label} {shown} -> {src.selection.product.id} "
                         f"template {src.selection.template.version}")
            if sp.spec not in asked:
                sources.append(src)
    for path in manifests:
        doc = parse(read_bytes(path), path)
        m = from_document(doc)
        m.label = path
        sources.append(Source(path, doc, m))
    output = opts.output or app
    app_bytes, app_doc = None, None
    if os.path.lexists(app):
        app_bytes = read_bytes(app)
        if not opts.fresh:
            app_doc = parse(app_bytes, app)
    output_bytes = None
    if output != app and os.path.lexists(output):
        output_bytes = _existing(output)
    return Inputs(cfg, rules, app, output, app_bytes, app_doc, output_bytes, sources,
                  found_files or list(lockfiles), rows, rules.apply(diagnostics), [], notes)


def _choose(cfg: "Config", opts: Options
            ) -> Tuple[str, List[Tuple[str, str, Optional[int]]], List[str], List[str]]:
    """The app's manifest, SDK specs, lockfiles and manifests to merge: the options first, the
    configuration for what the command line left out (the one place that decides this).

    Each SDK spec keeps where it was written, so an unknown product is reported there.
    """
    app = opts.app_manifest
    if app is None:
        if cfg.app_manifest is None:
            raise input_error(opts.usage_path, "no APP_MANIFEST given and no app-manifest in a "
                              "configuration file", rule="usage",
                              hint="give the path, or set app-manifest in .trtc-privacy.toml")
        app = cfg.resolve(cfg.app_manifest)
    sdks: List[Tuple[str, str, Optional[int]]] = [(s, "--sdk", None) for s in opts.sdks]
    lockfiles, manifests = list(opts.lockfiles), list(opts.manifests)
    if not (sdks or lockfiles or manifests):
        line = cfg.line_of("sdks")
        where = cfg.shown_path or "configuration"
        sdks = [(s, where, line) for s in cfg.sdks]
        lockfiles = [cfg.resolve(p) for p in cfg.lockfiles]
        manifests = [cfg.resolve(p) for p in cfg.manifests]
    return app, sdks, lockfiles, manifests


def _vendor(spec: str, where: str, line: Optional[int],
            templates: Dict[str, Tuple[Document, Manifest]],
            from_lockfile: bool = False) -> Source:
    from trtc_privacy.knowledge.vendors import select

    sel = select(spec, where, line)
    path = str(sel.path)
    got = templates.get(path)
    if got is None:
        doc = parse(read_bytes(path), f"{sel.product.id}@{sel.template.version} template")
        got = templates[path] = (doc, from_document(doc))
    doc, meaning = got
    m = Manifest(meaning.tracking, meaning.domains, meaning.data_types, meaning.api_types,
                 label=sel.label)
    return Source(sel.label, doc, m, sel, spec, from_lockfile)


def _existing(path: str) -> Optional[bytes]:
    try:
        return read_bytes(path)
    except InputError:
        return None


def _text(data: Optional[bytes]) -> Optional[str]:
    if data is None:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


# -- plan --------------------------------------------------------------------------------------


def plan(inputs: Inputs) -> MergePlan:
    """The merge of ``inputs`` (pure: reads nothing, writes nothing)."""
    from trtc_privacy.lint.engine import lint_document
    from trtc_privacy.manifest.writer import apply, render_new

    doc = inputs.app_document
    base = _base(inputs)
    notes: List[str] = []
    if doc is None:
        if inputs.app_bytes is None:
            notes.append(f"{inputs.app_path} does not exist; creating it")
    elif doc.binary:
        notes.append(f"{inputs.app_path} is a binary property list; it is written back as XML")
    result = merge([base] + [s.manifest for s in inputs.sources])
    after = render_new(result.target) if doc is None else apply(doc, result.target)
    data = doc.encode(after) if doc is not None and not doc.binary else after.encode("utf-8")
    if inputs.output == inputs.app_path:
        before = doc.text if doc is not None and not doc.binary else _text(inputs.app_bytes)
    else:
        before = _text(inputs.output_bytes)
    cfg = inputs.config
    app_findings = lint_document(doc, "app", cfg) if doc is not None else []
    if doc is not None and not doc.binary and after == doc.text:
        result_doc = doc  # nothing changes: the result is the app's file, linted already
        result_findings: List[Diagnostic] = []
    else:
        result_doc = _verify(inputs.output, data, result.target)
        result_findings = _caused(lint_document(result_doc, "app", cfg), result_doc,
                                  app_findings, doc, inputs)
    return MergePlan(inputs, base, result, before, after, data, result_doc, app_findings,
                     result_findings, notes)


def target(inputs: Inputs) -> Manifest:
    """What the merge of ``inputs`` would declare, and no more: no text, no findings (pure).
    ``scan`` compares this with what the code uses."""
    return merge([_base(inputs)] + [s.manifest for s in inputs.sources]).target


def _base(inputs: Inputs) -> Manifest:
    """The app's manifest the merge starts from: its file, or Xcode's empty template."""
    doc = inputs.app_document
    if doc is None:
        return empty_app_manifest()
    base = from_document(doc)
    base.label = APP_LABEL
    return base


def _caused(found: List[Diagnostic], result: Document, app_findings: List[Diagnostic],
            app: Optional[Document], inputs: Inputs) -> List[Diagnostic]:
    """The result's findings the merge causes: not already in the app's file, not reported at
    the input that brought them. Both are decided by rule and place, the place named the same
    way in every document (``View.place_at``), never by the message."""
    had: Set[Tuple[str, Tuple[str, ...]]] = set()
    if app is not None:
        had |= _identities(app, app_findings)
    for s in inputs.sources:
        mine = [d for d in inputs.source_findings if d.path == s.document.path]
        had |= _identities(s.document, mine)
    place_at = view_of(result).place_at
    return [d for d in found if (d.rule, place_at(d.line, d.column)) not in had]


def _identities(doc: Document, diags: Sequence[Diagnostic]) -> Set[Tuple[str, Tuple[str, ...]]]:
    place_at = view_of(doc).place_at
    return {(d.rule, place_at(d.line, d.column)) for d in diags}


def _line_map(after: str, before: str) -> Callable[[int], Tuple[Optional[int], bool]]:
    """Line in ``after`` -> (line in ``before``, whether the line itself is there)."""
    a, b = after.splitlines(), before.splitlines()
    exact: Dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            exact[block.a + k + 1] = block.b + k + 1

    kept = sorted(exact)

    def lookup(line: int) -> Tuple[Optional[int], bool]:
        if line in exact:
            return exact[line], True
        i = bisect.bisect_left(kept, line)  # an added line: after the kept line before it
        return (exact[kept[i - 1]] if i > 0 else None), False

    return lookup


def _verify(dest: str, raw: bytes, target: Manifest) -> Document:
    """Refuse to write anything that does not re-read as exactly the merged declarations.

    The bytes to be written, in the file's own encoding, go through the one reader every command
    uses (well-formed XML, the property-list grammar, one value per key) and the model; what
    they declare must be the merge result. Anything else is a writer bug, reported as one.
    Returns the re-read result, which the plan then lints.
    """
    from trtc_privacy.manifest.writer import same_declarations

    try:
        result = parse(raw, dest)
        declared = from_document(result)
    except InputError as exc:  # a writer bug, never the user's input
        raise input_error(dest, "internal error: the merged manifest does not read back "
                          f"({exc.diagnostic.message}); nothing was written", rule="internal",
                          hint="please report this with the input files") from None
    if not same_declarations(declared, target):
        raise input_error(dest, "internal error: the edited manifest differs from the merge "
                          "result; nothing was written", rule="internal",
                          hint="please report this with the input files")
    return result


# -- write -------------------------------------------------------------------------------------


class Outcome:
    """A plan and what became of it."""

    def __init__(self, plan: MergePlan, written: bool = False, blocked: bool = False) -> None:
        self.plan = plan
        self.written = written
        self.blocked = blocked  # an input or the result has an error; nothing was written

    @property
    def on_disk(self) -> bool:
        return self.written or not self.plan.changed

    def diagnostics(self) -> List[Diagnostic]:
        return self.plan.diagnostics(self.on_disk)


def write(p: MergePlan, allow_invalid: bool = False) -> Outcome:
    """Write the plan's text if it changes the target and nothing blocks it.

    Under the lock, the target is read again: if another run wrote it since the plan was made,
    the merge is planned again from what is there now (the other run's declarations are kept).
    An up-to-date target takes no lock.
    """
    from trtc_privacy.files import locked, write_atomic

    if not p.changed:
        return Outcome(p)
    if p.errors and not allow_invalid:
        return Outcome(p, blocked=True)
    inputs = p.inputs
    with locked(inputs.output):
        now: Optional[bytes] = None
        if os.path.lexists(inputs.output):
            # the app's own file must still read; anything else is replaced whole anyway
            now = (read_bytes(inputs.output) if inputs.output == inputs.app_path
                   else _existing(inputs.output))
        if now != inputs.target_bytes:
            p = plan(_reread(inputs, now))
            if not p.changed:
                return Outcome(p)
            if p.errors and not allow_invalid:
                return Outcome(p, blocked=True)
        write_atomic(inputs.output, p.data, locked=True)
    return Outcome(p, written=True)


def _reread(inputs: Inputs, now: Optional[bytes]) -> Inputs:
    """The same inputs with the target's bytes as they are now (the plan was made from older)."""
    fresh = copy.copy(inputs)
    if inputs.output != inputs.app_path:
        fresh.output_bytes = now
    else:
        fresh.app_bytes = now
        fresh.app_document = parse(now, inputs.app_path) if now is not None else None
    return fresh
