"""What the installed pods really ship: the manifests in ``Pods/`` (or SwiftPM's artifacts, or
Carthage's build folder) beside a lockfile, each compared with what the catalogue says that pod
ships at that version: the same, different (with the difference), or not catalogued.

When a pod is installed, its files are the truth: a merge folds them instead of the catalogue's,
and says so. A manifest in a framework's ``Headers/`` folder is reported but not folded (Apple
reads the one at the framework's root or in a resource bundle).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Protocol, Tuple

from trtc_privacy.diagnostics import Diagnostic, InputError, Severity
from trtc_privacy.knowledge.apple import MANIFEST_NAME
from trtc_privacy.knowledge.vendors import Shipped, catalogue
from trtc_privacy.merge.lockfiles import COCOAPODS

if TYPE_CHECKING:
    from trtc_privacy.knowledge.resolve import PodAt
    from trtc_privacy.knowledge.vendors import Pod
    from trtc_privacy.manifest.model import Manifest
    from trtc_privacy.manifest.reader import Document
    from trtc_privacy.merge.lockfiles import Resolved


class Row(Protocol):
    """What this module reads of a ``versions`` row (``merge.versions.Row`` is one), named here
    so that the two modules do not import each other."""

    @property
    def at(self) -> "PodAt": ...

    @property
    def entry(self) -> "Resolved": ...

    @property
    def pod(self) -> "Pod": ...


SAME, DIFFERENT, NOT_CATALOGUED = "same", "different", "not-catalogued"
#: how deep a pod's folder is searched (Pods/X/Frameworks/X.xcframework/slice/X.framework/...)
_DEPTH = 8
_BUNDLE_SUFFIXES = (".xcframework", ".framework", ".bundle")

Decl = Tuple[str, ...]


@dataclass
class Installed:
    """One manifest found in an installed pod, and how it compares with the catalogue."""

    path: str  # as found, under the folder the lockfile sits in
    where: str  # inside the pod's folder
    document: "Document"
    manifest: "Manifest"
    verdict: str = NOT_CATALOGUED
    catalogue_id: str = ""  # the catalogue manifest it was compared with
    added: List[Decl] = field(default_factory=list)  # declared here, not in the catalogue's
    missing: List[Decl] = field(default_factory=list)  # in the catalogue's, not declared here
    fold: bool = True  # false for a copy where Apple does not read one (Headers/)

    @property
    def declarations(self) -> FrozenSet[Decl]:
        return frozenset(self.manifest.declarations())

    def as_dict(self) -> Dict[str, object]:
        return {"path": self.path, "verdict": self.verdict,
                "catalogue_manifest": self.catalogue_id or None,
                "added": [list(d) for d in self.added],
                "missing": [list(d) for d in self.missing], "folded": self.fold}


def pod_folders(row: "Row") -> List[str]:
    """Where an installed copy of the row's pod would be, beside its lockfile: ``Pods/NAME``
    for CocoaPods; SwiftPM's ``.build/artifacts/IDENTITY`` and ``SourcePackages/artifacts/
    IDENTITY``, and Carthage's ``Carthage/Build`` for packages."""
    base = os.path.dirname(row.entry.path)
    if row.entry.manager == COCOAPODS:
        return [os.path.join(base, "Pods", row.entry.name)]
    identity = row.entry.name.lower()
    roots = [base]
    if base.replace(os.sep, "/").endswith("xcshareddata/swiftpm"):  # the project's folder
        roots.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(base)))))
    out = []
    for root in dict.fromkeys(roots):
        out += [os.path.join(root, ".build", "artifacts", identity),
                os.path.join(root, "SourcePackages", "artifacts", identity),
                os.path.join(root, "Carthage", "Build")]
    return out


def _component(where: str) -> str:
    """The framework or bundle a manifest sits in: ``TXFFmpeg`` for
    ``TXFFmpeg.xcframework/ios-arm64/TXFFmpeg.framework/PrivacyInfo.xcprivacy``."""
    parts = where.replace(os.sep, "/").split("/")[:-1]
    named = [p for p in parts if p.endswith(_BUNDLE_SUFFIXES)]
    if not named:
        return ""
    last = named[-1]
    return last.rsplit(".", 1)[0]


def _expected_component(s: Shipped) -> str:
    named = [p for p in s.at.split("/") if p.endswith(_BUNDLE_SUFFIXES)]
    return named[-1].rsplit(".", 1)[0] if named else ""


def _walk(folder: str) -> List[str]:
    """Every PrivacyInfo.xcprivacy under ``folder`` (links not followed), in a stable order."""
    from trtc_privacy.discover import LIST, walk

    found = []
    for f in walk(folder, LIST, keep=lambda name: name == MANIFEST_NAME):
        if f.depth >= _DEPTH:
            f.enter[:] = []
        f.enter[:] = [e for e in f.enter if not e.is_link]
        found += [os.path.join(f.path, e.name) for e in f if not e.is_dir and not e.is_link]
    return found


def find(row: "Row") -> Tuple[List[Installed], List[Diagnostic]]:
    """The manifests the row's installed pod holds (one per framework and content: the slices
    of an xcframework are one), each compared with the catalogue; and the findings."""
    from trtc_privacy.manifest.model import from_document
    from trtc_privacy.manifest.reader import parse, read_bytes

    out: List[Installed] = []
    problems: List[Diagnostic] = []
    seen = set()
    for folder in pod_folders(row):
        if not os.path.isdir(folder):
            continue
        carthage = folder.endswith(os.path.join("Carthage", "Build"))
        for path in _walk(folder):
            where = os.path.relpath(path, folder)
            if carthage and not _belongs(row, where):
                continue
            try:
                doc = parse(read_bytes(path), path)
                manifest = from_document(doc)
            except InputError as exc:
                problems.append(exc.diagnostic)
                continue
            key = (_component(where), frozenset(manifest.declarations()),
                   "Headers" in where.split(os.sep))
            if key in seen:
                continue
            seen.add(key)
            out.append(Installed(path, where, doc, manifest,
                                 fold="Headers" not in where.split(os.sep)))
    for item in out:
        _compare(row, item)
    return out, problems


def _belongs(row: "Row", where: str) -> bool:
    """In Carthage's shared build folder, the frameworks the catalogue names for the pod."""
    names = {_expected_component(s) for r in row.pod.ranges for s in r.manifests + r.stand_in}
    return _component(where) in names or _component(where) == row.pod.name


def _compare(row: "Row", item: Installed) -> None:
    """Same as, or different from, what the catalogue says is at that place; or not catalogued."""
    from trtc_privacy.manifest.model import from_document
    from trtc_privacy.manifest.reader import parse, read_bytes

    p = row.at
    r = p.range
    # every manifest of the range, whichever subspecs the lockfile names: an installed
    # extension framework is compared with the extension's manifest
    expected = list(r.manifests or r.stand_in) if r is not None else []
    expected = expected or list(p.fold)
    component = _component(item.where)
    same_place = [s for s in expected if _expected_component(s) == component]
    candidates = same_place or expected
    cat = catalogue()
    best: Optional[Tuple[int, str, FrozenSet[Decl]]] = None
    for s in candidates:
        mf = cat.manifests[s.manifest]
        theirs = frozenset(from_document(parse(read_bytes(str(mf.file)), str(mf.file)))
                           .declarations())
        diff = len(item.declarations ^ theirs)
        if best is None or diff < best[0]:
            best = (diff, s.manifest, theirs)
    if best is None:
        item.verdict = NOT_CATALOGUED
        return
    diff, ident, theirs = best
    if not same_place and diff:
        item.verdict = NOT_CATALOGUED
        return
    item.catalogue_id = ident
    item.verdict = SAME if diff == 0 else DIFFERENT
    item.added = sorted(item.declarations - theirs)
    item.missing = sorted(theirs - item.declarations)


def component(item: Installed) -> str:
    return _component(item.where)


def not_installed(row: "Row", items: List[Installed]) -> List[Shipped]:
    """What the catalogue folds for the row that the installed pod does not hold: a framework
    or bundle whose manifest is missing from the installed copy (when any is installed)."""
    if not items:
        return []
    have = {_component(i.where) for i in items}
    return [s for s in row.at.fold if _expected_component(s) not in have]


def describe(d: Decl) -> str:
    from trtc_privacy.merge.fold import describe as words

    return words(d)


def findings(row: "Row", items: List[Installed]) -> List[Diagnostic]:
    """A difference from the catalogue is a warning at the lockfile line (the merge folds the
    installed file); a manifest the catalogue does not know is a note."""
    e = row.entry
    out = []
    for s in not_installed(row, items):
        out.append(Diagnostic(
            e.path, e.line, None, "installed-manifest-missing", Severity.WARNING,
            f"{e.label} {e.version or ''}".rstrip() + f": the catalogue's {s.manifest} ships at "
            f"{s.at}, but the installed pod holds no manifest there; the merge folds the "
            "catalogue's",
            hint="check that the pod installed completely (`pod install`), and whether its "
            "podspec copies the manifest (a packaging pitfall)"))
    for item in items:
        if item.verdict == DIFFERENT:
            parts = []
            if item.added:
                parts.append("it adds " + "; ".join(describe(d) for d in item.added))
            if item.missing:
                parts.append("it lacks " + "; ".join(describe(d) for d in item.missing))
            out.append(Diagnostic(
                e.path, e.line, None, "installed-manifest-differs", Severity.WARNING,
                f"{e.label} {e.version or ''}".rstrip() + f": the installed {item.path} differs "
                f"from the catalogue's {item.catalogue_id}: " + ", and ".join(parts),
                hint="the merge folds the installed file; if this is a new release, add it to the "
                "catalogue (python -m trtc_privacy.merge.intake)"))
        elif item.verdict == NOT_CATALOGUED:
            out.append(Diagnostic(
                e.path, e.line, None, "installed-manifest-not-catalogued", Severity.NOTE,
                f"{e.label} {e.version or ''}".rstrip() + f": the installed {item.path} is not "
                "in the catalogue" + ("" if item.fold else " (in Headers/, where Apple does not "
                                      "read one: not folded)"),
                hint="the merge folds the installed file" if item.fold else
                "nothing to do for the app; the pod's packaging is odd"))
    return out
