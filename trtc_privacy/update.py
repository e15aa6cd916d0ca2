"""``merge`` as a Python call: fold vendor and extra manifests into an app's manifest file.

Reads every input through the one reader, merges purely, edits through the one writer, checks
the result, and writes atomically under a lock only when the bytes change.
"""

from __future__ import annotations

import difflib
import os
import plistlib
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from trtc_privacy import catalog as C
from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.files import locked, write_atomic
from trtc_privacy.merge import MergeResult, merge
from trtc_privacy.model import Manifest, from_document
from trtc_privacy.plist import Document, parse, read_bytes
from trtc_privacy.vendors import Selection, select

APP_LABEL = "app"


@dataclass
class Input:
    """One manifest folded into the app's: its label in summaries, its document and meaning."""

    label: str
    document: Document
    manifest: Manifest
    selection: Optional[Selection] = None


@dataclass
class MergeOutcome:
    path: str  # the file written (APP_MANIFEST or -o)
    before: Optional[str]
    after: str
    result: MergeResult
    inputs: List[Input]
    diagnostics: List[Diagnostic] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    written: bool = False
    blocked: bool = False  # an input or the result has a lint error; nothing was written

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        name = self.path
        return "".join(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))


def vendor_input(spec: str, where: str = "--sdk") -> Input:
    sel = select(spec, where)
    label = sel.label
    path = str(sel.path)
    doc = parse(read_bytes(path), f"{sel.product.id}@{sel.template.version} template")
    m = from_document(doc)
    m.label = label
    return Input(label, doc, m, sel)


def file_input(path: str) -> Input:
    doc = parse(read_bytes(path), path)
    m = from_document(doc)
    m.label = path
    return Input(path, doc, m)


def gather(sdks: Sequence[str], manifests: Sequence[str]) -> List[Input]:
    """Every input, in the order given: SDK templates first, then extra manifest files."""
    return [vendor_input(s) for s in sdks] + [file_input(p) for p in manifests]


def merge_into(app: str, inputs: Sequence[Input], output: Optional[str] = None,
               write: bool = True,
               check_inputs: Optional[Callable[[List[Document], Document], List[Diagnostic]]] = None,
               allow_invalid: bool = False) -> MergeOutcome:
    """Merge ``inputs`` into the manifest at ``app``; write to ``output`` (default: ``app``).

    ``write=False`` computes everything and writes nothing (``--check``). ``check_inputs`` is
    the lint hook: it sees the input documents and the result, and returns diagnostics; an
    error among them blocks the write unless ``allow_invalid``.
    """
    dest = output or app
    # First without the lock: an up-to-date file (the common case in a build) needs no lock. A
    # concurrent writer only ever adds declarations, so what is already there stays there.
    outcome = _merge_into(app, inputs, dest, False, check_inputs, allow_invalid)
    if not write or not outcome.changed or outcome.blocked:
        return outcome
    with locked(dest):
        return _merge_into(app, inputs, dest, True, check_inputs, allow_invalid)


def _merge_into(app: str, inputs: Sequence[Input], dest: str, write: bool,
                check_inputs, allow_invalid: bool) -> MergeOutcome:
    from trtc_privacy.writer import apply, render_new

    notes: List[str] = []
    doc: Optional[Document] = None
    if os.path.lexists(app):
        doc = parse(read_bytes(app), app)
        base = from_document(doc)
    else:
        base = Manifest()
        notes.append(f"{app} does not exist; creating it")
    base.label = APP_LABEL
    result = merge([base] + [i.manifest for i in inputs])
    if doc is None:
        after = render_new(result.target)
    else:
        after = apply(doc, result.target)
        if doc.binary:
            notes.append(f"{app} is a binary property list; it is written back as XML")
    before = None
    if os.path.lexists(dest):
        before = (doc.text if dest == app and doc is not None and not doc.binary
                  else _existing_text(dest))
    outcome = MergeOutcome(dest, before, after, result, list(inputs), notes=notes)
    data = doc.encode(after) if doc is not None and not doc.binary else after.encode("utf-8")
    result_doc = _verify(outcome, dest, data)
    # lines point into the file as it will be on disk: only when it is written or already so
    outcome.diagnostics += _sdk_only_warnings(outcome, located=write or not outcome.changed)
    for i in inputs:
        if i.selection is not None:
            w = i.selection.warning()
            if w is not None:
                outcome.diagnostics.append(w)
    if check_inputs is not None:
        outcome.diagnostics += check_inputs([i.document for i in inputs], result_doc)
        if not allow_invalid and any(d.severity is Severity.ERROR for d in outcome.diagnostics):
            outcome.blocked = True
            return outcome  # nothing is written while an input carries an App Store error
    if write and outcome.changed:
        write_atomic(dest, data)
        outcome.written = True
    return outcome


def _existing_text(path: str) -> Optional[str]:
    try:
        data = read_bytes(path)
    except InputError:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def _verify(outcome: MergeOutcome, dest: str, raw: bytes) -> Document:
    """Refuse to write anything that does not re-read as exactly the merged declarations.

    Returns the re-read result, which the lint hook then checks.
    """
    try:  # the bytes to be written, in the file's own encoding, whatever its prolog
        plistlib.loads(raw, fmt=plistlib.FMT_XML)
    except Exception as exc:  # pragma: no cover - a writer bug, never the user's input
        raise input_error(dest, f"internal error: the merged manifest does not parse ({exc}); "
                          "nothing was written", rule="internal") from None
    from trtc_privacy.writer import same_declarations

    try:  # re-read as every command reads: stripped strings, repeats the file already had kept
        result = parse(raw, dest)
        same = same_declarations(from_document(result), outcome.result.target)
    except InputError:  # pragma: no cover - a writer bug
        same = False
    if not same:  # pragma: no cover - a writer bug
        raise input_error(dest, "internal error: the edited manifest differs from the merge "
                          "result; nothing was written", rule="internal",
                          hint="please report this with the input files")
    return result


def _where(text: str, needle: str) -> Tuple[Optional[int], Optional[int]]:
    """1-based line and column of the first ``needle`` in the merged text, if it is there."""
    at = text.find(needle)
    if at < 0:
        return None, None
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _sdk_only_warnings(outcome: MergeOutcome, located: bool) -> List[Diagnostic]:
    """C56D.1 and 0A2A.1 are reserved for third-party SDKs; say so when they land in the app's file."""
    cat = C.catalogue()
    out = []
    for decl, who in outcome.result.attribution.items():
        if decl[0] != "reason" or decl[2] not in cat.reasons or not cat.reasons[decl[2]].sdk_only:
            continue
        vendors = [w for w in who if w != APP_LABEL]
        if not vendors:
            continue
        line, col = (_where(outcome.after, f"<string>{decl[2]}</string>") if located
                     else (None, None))
        out.append(Diagnostic(
            outcome.path, line, col, "sdk-only-reason", Severity.WARNING,
            f"{decl[2]} ({C.catalogue().category_label(decl[1])}) comes from {', '.join(vendors)}; "
            "Apple reserves this reason for third-party SDKs' own manifests",
            hint="it is folded in verbatim, as Tencent instructs; if the SDK ships its own "
            "manifest in your bundle you may drop it from the app's file"))
    return out


def run_merge(app_manifest: Optional[str], sdks: List[str], lockfiles: List[str],
              manifests: List[str], output: Optional[str] = None, check: bool = False,
              allow_invalid: bool = False, config_path: Optional[str] = None):
    """Options and configuration to a finished merge (shared by ``merge`` and ``xcode``).

    Options given on the command line replace the configuration's value for that option.
    """
    from trtc_privacy import config as cfgmod

    cfg = cfgmod.load(config_path)
    app_manifest, sdks, lockfiles, manifests = cfg.inputs("merge", app_manifest, sdks, lockfiles,
                                                          manifests)
    if not (sdks or lockfiles or manifests):
        raise input_error("merge", "nothing to merge", rule="usage",
                          hint="give --sdk PRODUCT[@VERSION], --lockfile PATH or --manifest PATH")
    pre, notes = [], []
    if lockfiles:
        from trtc_privacy.lockfiles import specs_from_lockfiles

        found, pre, notes = specs_from_lockfiles(lockfiles)
        sdks = list(sdks) + [s for s in found if s not in sdks]
    from trtc_privacy.linter import check_merge

    inputs = gather(sdks, manifests)
    outcome = merge_into(app_manifest, inputs, output, write=not check,
                         check_inputs=lambda docs, result: check_merge(docs, result, cfg),
                         allow_invalid=allow_invalid)
    outcome.diagnostics[:0] = pre
    outcome.notes[:0] = notes
    return outcome
