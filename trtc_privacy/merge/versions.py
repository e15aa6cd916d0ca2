"""Where an app stands: every pod of Tencent's RTC and Chat family its lockfiles resolve, each at
its own version, and what each ships as its privacy manifest.

Everything about the pods (names, Swift packages, version ranges, minimums, pitfalls and the
source of each fact) comes from the catalogue (``manifests/catalogue.json``, read by
``trtc_privacy.knowledge``); this module only applies it to lockfiles. One row per resolved pod
(its subspecs together) or Swift package, named as the lockfile names it, with the family pods
that require it ("RTCRoomEngine 3.1.0, via TUICallKit_Swift"). A product is named only when its
root pod is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.knowledge.resolve import (
    BELOW,
    CONTENT_UNKNOWN,
    NO_MANIFEST,
    NOT_CHECKED,
    OK,
    UNKNOWN_VERSION,
    PodAt,
    at,
    findings,
)
from trtc_privacy.knowledge.vendors import Package, Pod, Product, catalogue
from trtc_privacy.merge.lockfiles import COCOAPODS, Resolved, find_lockfiles, normalise_url, read_lockfile

if TYPE_CHECKING:
    from trtc_privacy.merge.installed import Installed

#: kept for callers that name the statuses
UNKNOWN = UNKNOWN_VERSION


@dataclass
class Row:
    """One family pod (or Swift package) of one lockfile, and what it ships at its version."""

    at: PodAt
    entry: Resolved
    via: List[str] = field(default_factory=list)  # the family pods that require it, as written
    package: Optional[Package] = None  # the Swift package it came through
    #: the manifests its installed copy holds (Pods/ beside the lockfile), compared with the
    #: catalogue; a merge folds these instead of the catalogue's
    installed: List["Installed"] = field(default_factory=list)

    @property
    def installed_folded(self) -> List["Installed"]:
        return [i for i in self.installed if i.fold]

    @property
    def pod(self) -> Pod:
        return self.at.pod

    @property
    def status(self) -> str:
        return self.at.status

    @property
    def version(self) -> Optional[str]:
        """The version, None when the lockfile's cannot be trusted."""
        return None if self.status == UNKNOWN_VERSION else self.entry.version

    @property
    def products(self) -> List[Product]:
        return catalogue().products_of(self.pod)

    @property
    def label(self) -> str:
        """``RTCRoomEngine/Professional 3.1.0, via TUICallKit_Swift/Professional 3.1.0.824``."""
        shown = f"{self.entry.label} {self.entry.version}" if self.entry.version else \
            self.entry.label
        return f"{shown}, via {', '.join(self.via)}" if self.via else shown

    def as_dict(self) -> Dict[str, Any]:
        p = self.at
        return {
            "pod": self.pod.name,
            "source": self.entry.label,
            "version": self.version,
            "status": p.status,
            "minimum_version": self.pod.minimum or None,
            "newest_checked": self.pod.newest_checked.version if self.pod.newest_checked else None,
            "newer_than_checked": p.beyond,
            "ships": [s.manifest for s in p.ships],
            "summary": _ships(self),
            "folded": p.folded_ids,
            "via": list(self.via),
            "products": [x.id for x in self.products],
            "installed": [i.as_dict() for i in self.installed],
            "path": self.entry.path,
            "line": self.entry.line,
        }


@dataclass
class VersionReport:
    rows: List[Row]
    diagnostics: List[Diagnostic]
    files: List[str]
    #: what the search left out and why (links leading out of a folder searched)
    notes: List[str] = field(default_factory=list)

    @property
    def below_minimum(self) -> bool:
        return any(r.status == BELOW for r in self.rows)

    @property
    def products(self) -> List[Tuple[Product, Row]]:
        """The products whose root pod the lockfiles resolve, each with that pod's row."""
        return [(p, r) for r in self.rows for p in r.products]

    def as_dict(self) -> Dict[str, Any]:
        return {"sdks": [r.as_dict() for r in self.rows],
                "products": [{"id": p.id, "name": p.name, "pod": r.pod.name,
                              "version": r.version, "path": r.entry.path, "line": r.entry.line}
                             for p, r in self.products],
                "diagnostics": [d.as_dict() for d in self.diagnostics]}


def _package(url: str) -> Optional[Tuple[Pod, Package]]:
    want = normalise_url(url)
    for pod in catalogue().pods:
        for pkg in pod.packages:
            if normalise_url(pkg.url) == want:
                return pod, pkg
    return None


def _row(e: Resolved) -> Optional[Row]:
    cat = catalogue()
    package: Optional[Package] = None
    if e.manager == COCOAPODS:
        pod = cat.pod(e.name)
    else:
        found = _package(e.url)
        pod, package = found if found is not None else (None, None)
    if pod is None:
        return None
    why = ""
    if e.external and e.manager == COCOAPODS:
        why = f"comes from {e.external}: its version"
        why += f" {e.version} is that podspec's placeholder" if e.version else " is unknown"
    elif e.external:
        why = f"is pinned to a {e.external}"
    elif package is not None and package.own_tags and e.version:
        why = f"pins {e.version}, a tag of {normalise_url(e.url)} that is not a {pod.name} version"
    elif not e.version:
        why = "has no version"
    return Row(at(pod, e.version, e.subspecs, unknown_why=why), e, package=package)


def rows_for(entries: List[Resolved]) -> List[Row]:
    """The family rows of one lockfile's entries, in the lockfile's order; other pods are
    ignored. ``via`` names the family pods whose entries require each one."""
    rows = [r for r in (_row(e) for e in entries) if r is not None]
    names = {r.entry.name for r in rows}
    for r in rows:
        r.via = [o.entry.label for o in rows
                 if o is not r and r.entry.name in o.entry.requires and o.entry.name in names]
    return rows


def diagnostics_for(rows: List[Row], merging: bool = False) -> List[Diagnostic]:
    """Each row's findings at the lockfile line that names the pod: below its first manifest
    (an error, a warning in a merge, which is the remedy), a manifest not seen, a version not
    checked or newer than any checked, an unknown version, and the pitfalls."""
    out: List[Diagnostic] = []
    for r in rows:
        e = r.entry
        remedy = f"`trtc-privacy merge APP_MANIFEST --lockfile {e.path}` adds them"
        out += findings(r.at, e.path, e.line, e.label, merging, e.manager, remedy)
    return list(dict.fromkeys(out))


def check(paths: Optional[List[str]] = None, merging: bool = False) -> VersionReport:
    """Read the lockfiles named or found under ``paths`` (default: the current directory), each
    once, and the installed pods beside them; ``merging`` as for :func:`diagnostics_for`."""
    from trtc_privacy.merge import installed

    notes: List[str] = []
    files = find_lockfiles(list(paths or []), notes)
    rows: List[Row] = []
    for f in files:
        rows += rows_for(read_lockfile(f).entries)
    diagnostics = diagnostics_for(rows, merging)
    for r in rows:
        r.installed, problems = installed.find(r)
        diagnostics += problems + installed.findings(r, r.installed)
    return VersionReport(rows, diagnostics, files, notes)


def _ships(r: Row) -> str:
    p = r.at
    ids = ", ".join(p.folded_ids)
    if p.status == OK:
        return ids or "nothing to fold"
    if p.status == BELOW:
        return f"none (declare {ids})"
    if p.status == NO_MANIFEST:
        return "none"
    if p.status == CONTENT_UNKNOWN:
        verb = "stand" if len(p.folded_ids) > 1 else "stands"
        return f"not seen ({ids} {verb} in)" if ids else "not seen"
    if p.status == NOT_CHECKED:
        return "not checked" + (f" ({r.pod.kind})" if r.pod.kind == "wrapper" else "")
    if ids:
        return f"? ({ids} assumed)"
    return "none (never has)" if r.pod.first_shipping() is None and r.pod.ranges else "?"


def render_table(report: VersionReport) -> str:
    """The plain-text table ``versions`` prints: one line per family pod or Swift package."""
    if not report.rows:
        return f"no Tencent RTC or Chat pods in {', '.join(report.files)}\n"
    head: Tuple[str, ...] = ("LOCATION", "POD OR PACKAGE", "VERSION", "VIA", "SHIPS", "STATUS")
    pods_dir = any(r.installed for r in report.rows)
    if pods_dir:
        head += ("INSTALLED",)
    lines = [head]
    for r in report.rows:
        version = r.version or (f"? ({r.entry.version})" if r.entry.version else "?")
        status = r.status
        pits = [d for d in report.diagnostics if d.path == r.entry.path and d.line == r.entry.line
                and d.rule not in (BELOW, UNKNOWN_VERSION, "manifest-content-unknown",
                                   "pod-not-checked", "newer-than-catalogue",
                                   "installed-manifest-differs",
                                   "installed-manifest-not-catalogued")]
        if pits:
            status += f" +{len(pits)} pitfall" + ("s" if len(pits) > 1 else "")
        if r.at.beyond:
            status += " (newer than checked)"
        line: Tuple[str, ...] = (f"{r.entry.path}:{r.entry.line}", _short_label(r.entry),
                                 version, _short_via(r.via), _ships(r), status)
        if pods_dir:
            line += (", ".join(dict.fromkeys(i.verdict for i in r.installed)) or "-",)
        lines.append(line)
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                     for row in lines) + "\n"
    return text + _summary(report)


def _short_label(e: Resolved) -> str:
    """The pod as the table shows it: its subspecs listed when there are two or three."""
    return e.label if len(e.subspecs) <= 3 else f"{e.name}/{{{len(e.subspecs)} subspecs}}"


def _short_via(via: List[str]) -> str:
    names = list(dict.fromkeys(x.split("/")[0] for x in via))
    return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:3])} +{len(names) - 3}"


def _summary(report: VersionReport) -> str:
    rows = report.rows
    count: Dict[str, int] = {}
    for r in rows:
        count[r.status] = count.get(r.status, 0) + 1
    n = len(rows)
    parts = [f"{n} Tencent pod{'s' if n != 1 else ''}"]
    said = [(OK, "ship{s} a manifest"), (NO_MANIFEST, "ship{s} none (nothing to declare)"),
            (BELOW, "below the first version with a manifest (the app's must declare what "
             "{they})"),
            (CONTENT_UNKNOWN, "carr{ies} a manifest not seen"),
            (NOT_CHECKED, "not checked"), (UNKNOWN_VERSION, "of unknown version")]
    for status, words in said:
        k = count.get(status, 0)
        if k:
            parts.append(f"{k} " + words.format(s="" if k > 1 else "s",
                                                ies="y" if k > 1 else "ies",
                                                they="they do" if k > 1 else "it does"))
    text = parts[0] + ": " + "; ".join(parts[1:]) + "\n"
    if report.products:
        text += "products: " + ", ".join(
            f"{p.id} ({r.entry.label} {r.version or '?'})" for p, r in report.products) + "\n"
    return text
