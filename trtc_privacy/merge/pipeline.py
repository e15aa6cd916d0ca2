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
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Dict, Final, List, Optional, Sequence, Set, Tuple

from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.manifest.model import Manifest, from_document
from trtc_privacy.manifest.reader import Document, parse, read_bytes
from trtc_privacy.manifest.view import view_of
from trtc_privacy.merge.fold import MergeResult, merge
from trtc_privacy.selection import Selection

if TYPE_CHECKING:
    from trtc_privacy.config import Config
    from trtc_privacy.knowledge.resolve import PodAt, Resolution
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
                 adds: str = "this merge adds") -> None:
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
    """One manifest folded into the app's: its label, its document, its meaning.

    ``manifest`` is what it adds to the app's manifest; ``kept`` the (category, reason) pairs
    it declares that stay in the SDK's own manifest instead (see :func:`for_app`)."""

    def __init__(self, label: str, document: Document, manifest: Manifest,
                 selection: Optional["PodAt"] = None, spec: str = "",
                 from_lockfile: bool = False, catalogue_id: str = "",
                 installed: bool = False) -> None:
        self.label = label
        self.document = document
        self.selection = selection  # the vendor pod at its version it stands for
        self.spec = spec  # POD@VERSION (or the --sdk spec) it was selected by
        self.from_lockfile = from_lockfile
        self.catalogue_id = catalogue_id  # the catalogue's manifest file it was read from
        self.installed = installed  # read from the pod as installed in Pods/
        self.full = manifest  # everything it declares, as the SDK ships it
        self.manifest, self.kept = for_app(manifest, self.ships_own)

    @property
    def ships_own(self) -> bool:
        """Whether the SDK's bundle carries this manifest itself (installed in Pods/, or the
        catalogue says the pod ships one at this version), so Apple reads it there."""
        from trtc_privacy.knowledge.resolve import CONTENT_UNKNOWN, OK

        return self.installed or (self.selection is not None
                                  and self.selection.status in (OK, CONTENT_UNKNOWN))


def for_app(m: Manifest, ships_own: bool) -> Tuple[Manifest, List[Tuple[str, str]]]:
    """What an SDK's manifest adds to the app's: everything, except that the reasons Apple
    reserves for third-party SDKs (0A2A.1, C56D.1: "may only be declared by third-party SDKs")
    stay in the SDK's own manifest when its bundle ships one. Tencent's instruction to copy its
    entries into the app's manifest is the alternative to the pod's bundled manifest ("in
    addition to importing PrivacyInfo automatically through CocoaPod"), not a second copy; an
    SDK whose bundle carries none (a version before its first manifest, a ``--manifest`` file)
    is folded verbatim, as the app's manifest is then the only place its use is declared.
    A category left with no reason is left out whole. Returns the manifest and what was kept."""
    from trtc_privacy.knowledge.apple import vocabulary
    from trtc_privacy.manifest.model import ApiType

    if not ships_own or not m.api_types:
        return m, []
    reasons = vocabulary().reasons
    kept: List[Tuple[str, str]] = []
    apis: List[ApiType] = []
    for a in m.api_types:
        mine = [r for r in a.reasons if not (r in reasons and reasons[r].sdk_only)]
        kept += [(a.category, r) for r in a.reasons if r not in mine]
        if mine or not a.reasons:
            apis.append(a if len(mine) == len(a.reasons) else ApiType(a.category, mine, a.element))
    if not kept:
        return m, []
    return Manifest(m.tracking, m.domains, m.data_types, apis, label=m.label), kept


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
    def shipped(self) -> MergeResult:
        """What the app ships across its manifests: the app's and each SDK's in full (the
        reasons left in an SDK's own manifest included), with who declared what: what the
        App Store reads and ``report`` shows."""
        if not any(s.kept for s in self.inputs.sources):
            return self.result
        return merge([self.base] + [s.full for s in self.inputs.sources])

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

    def diagnostics(self) -> List[Diagnostic]:
        """What ``merge`` reports: gathering's findings, the inputs', and the result's.

        The result's findings are placed where they stand in the result (the output's path and
        the line:column the written file has, or would have: what ``--diff`` shows), named once
        by ``plan``; a write, ``--diff`` and ``--check`` of the same inputs say the same place.
        """
        return self.inputs.diagnostics + self.inputs.source_findings + self.result_findings

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
    taken: Set[Tuple[str, Optional[str], str]] = set()  # (pod, version, manifest) folded once
    if sdks:
        from trtc_privacy.knowledge.resolve import resolve_all

        for (_, where, line), res in zip(sdks, resolve_all(sdks)):
            sources += _vendor(res, where, line, templates, taken, diagnostics, notes, opts.adds)
    rows: List["Row"] = []
    found_files: List[str] = []
    if lockfiles:
        from trtc_privacy.merge.installed import not_installed
        from trtc_privacy.merge.versions import check

        report = check(list(lockfiles), merging=opts.merging)
        rows, found_files = report.rows, report.files
        diagnostics += report.diagnostics
        for row in report.rows:
            e = row.entry
            spec = f"{row.pod.name}@{row.entry.version}"
            if row.installed_folded:  # what is installed is the truth
                sources += _installed_sources(row, spec, notes)
                missing = {s.manifest for s in not_installed(row, row.installed)}
                if not missing:
                    continue
                row_at = replace(row.at, fold=tuple(s for s in row.at.fold
                                                    if s.manifest in missing))
                sources += _pod_sources(row_at, row.label, spec, templates, taken,
                                        from_lockfile=True)
                notes.append(f"{e.path}:{e.line}: {row.label} -> {', '.join(sorted(missing))} "
                             "(not installed: from the catalogue)")
                continue
            got = _pod_sources(row.at, row.label, spec, templates, taken, from_lockfile=True)
            shown = ", ".join(row.at.folded_ids) or "nothing to fold"
            notes.append(f"{e.path}:{e.line}: {row.label} -> {shown}")
            sources += got
    for path in manifests:
        doc = parse(read_bytes(path), path)
        m = from_document(doc)
        m.label = path
        sources.append(Source(path, doc, m))
    notes += [f"{s.label}: {', '.join(f'{c} ({_short(k)})' for k, c in s.kept)} stay in the SDK's own "
              "manifest, which its bundle ships: Apple reserves them for third-party SDKs, so "
              "they are not added to the app's" for s in sources if s.kept]
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


def _vendor(res: "Resolution", where: str, line: Optional[int],
            templates: Dict[str, Tuple[Document, Manifest]],
            taken: Set[Tuple[str, Optional[str], str]], diagnostics: List[Diagnostic],
            notes: List[str], adds: str) -> List[Source]:
    """What ``--sdk NAME[@VERSION]`` folds: the pods a Podfile naming it resolves, each with
    its findings at the place the spec was written, and a note of what was resolved."""
    from trtc_privacy.knowledge.resolve import findings

    spec = res.spec
    out: List[Source] = []
    for p in res.pods:
        written = res.name if p is res.root else p.name
        diagnostics += findings(p, where, line, written, merging=True, adds=adds)
        label = p.label + (f", via {p.via[0].split(' ')[0]}" if p.via else "")
        out += _pod_sources(p, label, spec, templates, taken)
        shown = ", ".join(p.folded_ids) or "nothing to fold"
        assumed = "".join(f"; {a}" for a in p.assumed)
        notes.append(f"{where}: {spec}: {label} -> {shown}{assumed}")
    return out


def _labelled(m: Manifest, label: str) -> Manifest:
    """The same declarations under another label (who they are attributed to)."""
    return Manifest(m.tracking, m.domains, m.data_types, m.api_types, label=label)


def _installed_sources(row: "Row", spec: str, notes: List[str]) -> List[Source]:
    """The manifests an installed pod holds, folded instead of the catalogue's, each named."""
    from trtc_privacy.merge.installed import component

    out = []
    e = row.entry
    for item in row.installed_folded:
        label = f"{row.label} (installed {component(item) or item.where})"
        out.append(Source(label, item.document, _labelled(item.manifest, label), row.at,
                          spec, True, installed=True))
        how = {"same": f"the same as {item.catalogue_id}",
               "different": f"differs from {item.catalogue_id}"}.get(item.verdict,
                                                                      "not in the catalogue")
        notes.append(f"{e.path}:{e.line}: {row.label} -> installed {item.path} ({how})")
    return out


def _pod_sources(p: "PodAt", label: str, spec: str,
                 templates: Dict[str, Tuple[Document, Manifest]],
                 taken: Set[Tuple[str, Optional[str], str]],
                 from_lockfile: bool = False) -> List[Source]:
    """One source per catalogue manifest the pod folds (its own, a stand-in, or the remedy),
    each file read once; a pod at a version already folded adds nothing again, and neither does
    a component's manifest that declares nothing the pod's others do not (TXFFmpeg's)."""
    from trtc_privacy.knowledge.vendors import catalogue

    out: List[Source] = []
    have: Set[Tuple[str, ...]] = set()
    for i, ident in enumerate(p.folded_ids):
        key = (p.pod.name, p.version, ident)
        if key in taken:
            continue
        taken.add(key)
        mf = catalogue().manifests[ident]
        path = str(mf.file)
        got = templates.get(path)
        if got is None:
            doc = parse(read_bytes(path), f"catalogue manifest {ident}")
            got = templates[path] = (doc, from_document(doc))
        doc, meaning = got
        declares = set(meaning.declarations())
        if i > 0 and declares <= have:
            continue
        have |= declares
        at = next(s.at for s in p.fold if s.manifest == ident)
        shown = label if i == 0 else f"{label} ({at.split('/')[0]})"
        out.append(Source(shown, doc, _labelled(meaning, shown), p, spec, from_lockfile,
                          ident))
    return out


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
        result_findings = _attributed(_caused(lint_document(result_doc, "app", cfg),
                                              result_doc, app_findings, doc, inputs),
                                      result_doc, result, inputs)
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


def _short(category: str) -> str:
    return category.replace("NSPrivacyAccessedAPICategory", "")


def _attributed(found: List[Diagnostic], result: Document, merged: MergeResult,
                inputs: Inputs) -> List[Diagnostic]:
    """Each SDK-only reason the merge added, named with the SDK it came from (a reason in the
    result's text is ``<string>CODE</string>`` on its line; its category follows from the code)."""
    from trtc_privacy.knowledge.apple import vocabulary

    reasons = vocabulary().reasons
    lines = result.text.splitlines()
    out = []
    for d in found:
        code = ""
        if d.rule == "sdk-only-reason" and d.line is not None and 0 < d.line <= len(lines):
            code = lines[d.line - 1].strip().replace("<string>", "").replace("</string>", "")
        r = reasons.get(code)
        who = [w for w in merged.attribution.get(("reason", r.category, code), ())
               if w != APP_LABEL] if r is not None else []
        if not who:
            out.append(d)
            continue
        names = ", ".join(who)
        pods = [src.selection for src in inputs.sources if src.label in who and src.selection]
        if pods:
            hint = (f"it is here because {names} ships no manifest of its own at this version; "
                    "a version that bundles one (from "
                    + ", ".join(f"{p.name} {p.minimum}" for p in pods)
                    + ") keeps it there: upgrade, then remove it here (`merge` does not add it "
                    "again for an SDK whose bundle ships a manifest)")
        else:
            hint = (f"if the SDK that {names} belongs to carries that manifest in its own "
                    "bundle, Apple reads it there: stop merging it into the app's and remove "
                    "the reason here; otherwise the app's manifest is the only place it is "
                    "declared")
        out.append(d.replace(
            message=f"{code} came from {names}, and may only be declared by third-party SDKs; "
            "this is an app's manifest", hint=hint))
    return out


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
        return self.plan.diagnostics()


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
