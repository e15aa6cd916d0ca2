"""Where an app stands: which TRTC-family products its lockfiles resolve, at which versions, and
whether those versions ship their own privacy manifest.

Everything about the products (pod names, subspecs, SwiftPM URLs, minimums, pitfalls and the
source of each claim) comes from ``manifests/index.json``; this module only applies it.

One row per product and pod: the subspecs of a pod (``TXLiteAVSDK_Professional/Professional``,
``/ReplayKitExt``) are one row, while a kit and the engine that carries its manifest
(``TUICallKit_Swift`` and ``TUICallEngine``) are two rows of the same product, because each has
its own version and minimum. An engine shared by several products (RTCRoomEngine) is reported
under each of those products whose kit the lockfile also resolves, or under the first product
that lists it when it is resolved alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from trtc_privacy.diagnostics import Diagnostic, Severity
from trtc_privacy.knowledge.vendors import Package, Pitfall, Product, pitfalls, products
from trtc_privacy.merge.lockfiles import COCOAPODS, Resolved, find_lockfiles, normalise_url, read_lockfile

OK, BELOW, UNKNOWN = "ok", "below-minimum", "unknown-version"
_RANK = {"sdk": 0, "kit": 0, "engine": 1}  # a product's own pod before the engine under it


@dataclass
class Row:
    """One product reached through one pod or package of one lockfile."""

    product: Product
    package: Package
    entry: Resolved
    status: str
    version: Optional[str]  # None when the lockfile's version cannot be trusted
    pitfalls: List[Pitfall] = field(default_factory=list)
    carried_by: Optional["Row"] = None  # the engine row that brings this kit's manifest

    def as_dict(self) -> Dict[str, Any]:
        return {
            "product": self.product.id,
            "source": self.entry.label,
            "version": self.version,
            "minimum_version": self.package.minimum_version,
            "status": self.status,
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

    def as_dict(self) -> Dict[str, Any]:
        return {"sdks": [r.as_dict() for r in self.rows],
                "diagnostics": [d.as_dict() for d in self.diagnostics]}


def _lookup() -> Tuple[Dict[str, List[Tuple[Product, Package]]],
                       Dict[str, List[Tuple[Product, Package]]]]:
    """Pod name (lower case) and normalised SwiftPM URL -> the (product, package) pairs meant."""
    pods: Dict[str, List[Tuple[Product, Package]]] = {}
    urls: Dict[str, List[Tuple[Product, Package]]] = {}
    for prod in products():
        for pkg in prod.packages:
            for n in pkg.names:
                pods.setdefault(n.lower(), []).append((prod, pkg))
            for u in pkg.swiftpm:
                urls.setdefault(normalise_url(u), []).append((prod, pkg))
    return pods, urls


def rows_for(entries: List[Resolved]) -> List[Row]:
    """The TRTC-family rows of one lockfile's entries; every other pod is ignored."""
    pods, urls = _lookup()
    matched: List[Tuple[Resolved, List[Tuple[Product, Package]]]] = []
    for e in entries:
        cands = pods.get(e.name.lower()) if e.manager == COCOAPODS else \
            urls.get(normalise_url(e.url))
        if cands:
            matched.append((e, cands))
    own = {prod.id for _, cands in matched if len(cands) == 1 for prod, _ in cands}
    rows = []
    for e, cands in matched:
        if len(cands) > 1:  # a shared engine: the products whose kit is here, else the first
            cands = [c for c in cands if c[0].id in own] or cands[:1]
        for prod, pkg in cands:
            rows.append(_row(prod, pkg, e))
    for r in rows:  # a kit that never holds a manifest stands or falls with its engine
        via = r.package.manifest_via
        carrier = next((o for o in rows if o.status != UNKNOWN and o.product is r.product
                        and o.package.pod == via), None) if via else None
        if carrier is not None:
            r.carried_by = carrier
            if r.status != UNKNOWN:
                r.status = carrier.status
    order = {p.id: i for i, p in enumerate(products())}
    rows.sort(key=lambda r: (order[r.product.id], _RANK.get(r.package.role, 2), r.entry.line))
    return rows


def _row(prod: Product, pkg: Package, e: Resolved) -> Row:
    if e.external or not e.version:
        return Row(prod, pkg, e, UNKNOWN, None)
    try:
        v = prod.version(e.version)
    except ValueError:
        return Row(prod, pkg, e, UNKNOWN, None)
    status = BELOW if v < prod.version(pkg.minimum_version) else OK
    row = Row(prod, pkg, e, status, e.version)
    if status == OK:
        row.pitfalls = [p for p in pitfalls() if p.applies(e.name, e.manager, prod, e.version)]
    return row


def diagnostics_for(rows: List[Row], merging: bool = False) -> List[Diagnostic]:
    """Below-minimum errors, unknown-version warnings (notes when another pod covers the
    product), and pitfall warnings, each at the lockfile line that names the pod.

    ``merging``: the findings are for a merge that folds these SDKs' declarations into the
    app's manifest. That merge is the remedy for an SDK below its minimum, so there it is a
    warning that says so, not an error.
    """
    out: List[Diagnostic] = []
    for r in rows:
        e, pkg, prod = r.entry, r.package, r.product
        via = f" (through {pkg.manifest_via})" if pkg.manifest_via else ""
        former = ""
        if e.name != pkg.pod:
            former = f" ({e.name} is {pkg.pod}'s former name)"
        c = r.carried_by
        if c is not None and r.status == BELOW:
            pass  # the engine's own row says it
        elif c is not None and r.status == OK and r.version is not None \
                and prod.version(r.version) < prod.version(pkg.minimum_version):
            out.append(Diagnostic(
                e.path, e.line, None, "below-minimum", Severity.NOTE,
                f"{e.label} {e.version} is below {pkg.minimum_version}, the version Tencent names "
                f"for {prod.name}'s manifest, but that manifest comes with {c.entry.label} "
                f"{c.version}, which carries it",
                hint=f"{pkg.pod} never contains a manifest itself; nothing to do while "
                f"{c.package.pod} stays at {c.package.minimum_version} or later"))
        elif r.status == BELOW:
            if merging:
                hint = (f"this merge adds its declarations to the app's manifest; upgrading to "
                        f"{pkg.pod} {pkg.minimum_version} or later makes them the SDK's own")
            else:
                hint = (f"declare what the SDK collects and the APIs it uses in the app's "
                        f"PrivacyInfo.xcprivacy (`trtc-privacy merge APP_MANIFEST --lockfile "
                        f"{e.path}` adds them), or upgrade to {pkg.pod} {pkg.minimum_version} "
                        "or later")
            out.append(Diagnostic(
                e.path, e.line, None, "below-minimum",
                Severity.WARNING if merging else Severity.ERROR,
                f"{e.label} {e.version} bundles no privacy manifest{former}: {prod.name} ships "
                f"one{via} from {pkg.pod} {pkg.minimum_version}", hint=hint))
        elif r.status == UNKNOWN:
            covered = [o for o in rows if o is not r and o.product is prod and o.status == OK
                       and o.entry.path == e.path and o.carried_by is None]
            if e.external:
                why = f"comes from {e.external}: its version"
                why += f" {e.version} is that podspec's placeholder" if e.version else " is unknown"
            else:
                why = f"version \"{e.version}\" is not a version number" if e.version else \
                    "has no version"
            msg = f"{e.label} {why}, so whether it bundles a privacy manifest is unknown"
            hint = f"{prod.name} ships its manifest{via} from {pkg.pod} {pkg.minimum_version}"
            if covered:
                o = covered[0]
                hint += f"; {o.entry.label} {o.version} in the same lockfile carries it"
            else:
                hint += "; check the version of those sources, or keep the SDK's declarations " \
                        "in the app's manifest"
            out.append(Diagnostic(e.path, e.line, None, UNKNOWN,
                                  Severity.NOTE if covered else Severity.WARNING, msg, hint=hint))
        for p in r.pitfalls:
            fill = {"pod": e.name, "version": e.version or "",
                    "fixed_in": " or ".join(p.fixed_in)}
            out.append(Diagnostic(e.path, e.line, None, p.id, p.severity,
                                  p.message.format(**fill), hint=p.hint.format(**fill)))
    return list(dict.fromkeys(out))  # a shared engine's pitfall is said once


def check(paths: Optional[List[str]] = None, merging: bool = False) -> VersionReport:
    """Read the lockfiles named or found under ``paths`` (default: the current directory), each
    once; ``merging`` as for :func:`diagnostics_for`."""
    notes: List[str] = []
    files = find_lockfiles(list(paths or []), notes)
    rows: List[Row] = []
    for f in files:
        rows += rows_for(read_lockfile(f).entries)
    return VersionReport(rows, diagnostics_for(rows, merging), files, notes)


def _preferred(rows: List[Row]) -> Row:
    """The row whose version stands for the product: a known version first, then the SDK or
    kit (the product's own version scheme) before an engine, then the first written."""
    return min(rows, key=lambda r: (r.version is None, _RANK.get(r.package.role, 2), r.entry.line))


@dataclass(frozen=True)
class Spec:
    """The ``PRODUCT[@VERSION]`` a lockfile asks a merge for, and the row it was read from."""

    spec: str
    row: Row


def specs_for(report: VersionReport) -> List[Spec]:
    """One spec per product and lockfile, in the index's product order (pure).

    Its version is that of the product's own pod (SDK or kit); an engine's version belongs to
    another version line, so a product reached only through its engine gets the newest template.
    """
    groups: Dict[Tuple[str, str], List[Row]] = {}
    for r in report.rows:
        groups.setdefault((r.product.id, r.entry.path), []).append(r)
    order = {p.id: i for i, p in enumerate(products())}
    file_rank = {f: i for i, f in enumerate(report.files)}
    out: List[Spec] = []
    seen = set()
    for key in sorted(groups, key=lambda k: (order[k[0]], file_rank.get(k[1], 0))):
        r = _preferred(groups[key])
        own = r.version is not None and r.package.role != "engine" and r.carried_by is None
        spec = f"{r.product.id}@{r.version}" if own else r.product.id
        if spec not in seen:
            seen.add(spec)
            out.append(Spec(spec, r))
    return out


def render_table(report: VersionReport) -> str:
    """The plain-text table ``versions`` prints: one line per product and pod."""
    if not report.rows:
        return f"no TRTC-family SDKs in {', '.join(report.files)}\n"
    head = ("LOCATION", "PRODUCT", "POD OR PACKAGE", "VERSION", "MINIMUM", "OWN MANIFEST", "STATUS")
    lines = [head]
    for r in report.rows:
        if r.status == UNKNOWN:
            manifest = "unknown"
        elif r.status == BELOW:
            manifest = f"no ({r.carried_by.entry.name} {r.carried_by.version})" \
                if r.carried_by is not None else "no"
        elif r.carried_by is not None:
            manifest = f"yes, via {r.carried_by.entry.name} {r.carried_by.version}"
        else:
            manifest = f"yes, via {r.package.manifest_via}" if r.package.manifest_via else "yes"
        version = r.version or (f"? ({r.entry.version})" if r.entry.version else "?")
        pit = f" +{len(r.pitfalls)} pitfall" + ("s" if len(r.pitfalls) > 1 else "") \
            if r.pitfalls else ""
        lines.append((f"{r.entry.path}:{r.entry.line}", r.product.id, r.entry.label, version,
                      r.package.minimum_version, manifest, r.status + pit))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                     for row in lines) + "\n"
    below = len({r.product.id for r in report.rows if r.status == BELOW})
    unknown = sum(1 for r in report.rows if r.status == UNKNOWN)
    n_products = len({r.product.id for r in report.rows})
    summary = f"{n_products} product{'s' if n_products != 1 else ''} in {len(report.rows)} " \
              f"pod{'s' if len(report.rows) != 1 else ''}/package" \
              f"{'s' if len(report.rows) != 1 else ''}: "
    parts = []
    if below:
        parts.append(f"{below} product{'s' if below > 1 else ''} below the minimum (the "
                     f"app's manifest must declare what {'they do' if below > 1 else 'it does'})")
    if unknown:
        parts.append(f"{unknown} pod{'s' if unknown > 1 else ''} of unknown version")
    if not parts:
        parts.append("every one ships its own privacy manifest")
    return text + summary + "; ".join(parts) + "\n"
