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
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from trtc_privacy.diagnostics import Diagnostic, Severity
from trtc_privacy.lockfiles import COCOAPODS, Entry, find_lockfiles, normalise_url, read_lockfile
from trtc_privacy.resources import vendor_index
from trtc_privacy.vendors import Package, Product, products

OK, BELOW, UNKNOWN = "ok", "below-minimum", "unknown-version"
_RANK = {"sdk": 0, "kit": 0, "engine": 1}  # a product's own pod before the engine under it


@dataclass(frozen=True)
class Pitfall:
    """A version range in which a pod packages its manifest wrongly (from the index)."""

    id: str
    pods: Tuple[str, ...]
    managers: Tuple[str, ...]
    ranges: Tuple[Dict[str, str], ...]
    except_versions: Tuple[str, ...]
    fixed_in: Tuple[str, ...]
    severity: Severity
    message: str
    hint: str
    source: str
    evidence: str

    def applies(self, entry: Entry, product: Product, version: str) -> bool:
        if entry.name.lower() not in (p.lower() for p in self.pods):
            return False
        if self.managers and entry.manager not in self.managers:
            return False
        v = product.version(version)
        if any(product.version(x) == v for x in self.except_versions):
            return False
        return any(_in_range(product, v, r) for r in self.ranges)


def _in_range(product: Product, v, r: Dict[str, str]) -> bool:
    if "from" in r and v < product.version(r["from"]):
        return False
    if "through" in r and v > product.version(r["through"]):
        return False
    if "before" in r and v >= product.version(r["before"]):
        return False
    return True


@lru_cache(maxsize=None)
def pitfalls() -> Tuple[Pitfall, ...]:
    return tuple(Pitfall(
        id=p["id"], pods=tuple(p["pods"]), managers=tuple(p.get("managers", ())),
        ranges=tuple(p["versions"]), except_versions=tuple(p.get("except_versions", ())),
        fixed_in=tuple(p.get("fixed_in", ())), severity=Severity(p.get("severity", "warning")),
        message=p["message"], hint=p.get("hint", ""), source=p.get("source", ""),
        evidence=p.get("evidence", ""),
    ) for p in vendor_index().get("pitfalls", ()))


@dataclass
class Row:
    """One product reached through one pod or package of one lockfile."""

    product: Product
    package: Package
    entry: Entry
    status: str
    version: Optional[str]  # None when the lockfile's version cannot be trusted
    pitfalls: List[Pitfall] = field(default_factory=list)
    carried_by: Optional["Row"] = None  # the engine row that brings this kit's manifest

    def as_dict(self) -> dict:
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

    @property
    def below_minimum(self) -> bool:
        return any(r.status == BELOW for r in self.rows)

    def as_dict(self) -> dict:
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


def rows_for(entries: List[Entry]) -> List[Row]:
    """The TRTC-family rows of one lockfile's entries; every other pod is ignored."""
    pods, urls = _lookup()
    matched: List[Tuple[Entry, List[Tuple[Product, Package]]]] = []
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


def _row(prod: Product, pkg: Package, e: Entry) -> Row:
    if e.external or not e.version:
        return Row(prod, pkg, e, UNKNOWN, None)
    try:
        v = prod.version(e.version)
    except ValueError:
        return Row(prod, pkg, e, UNKNOWN, None)
    status = BELOW if v < prod.version(pkg.minimum_version) else OK
    row = Row(prod, pkg, e, status, e.version)
    if status == OK:
        row.pitfalls = [p for p in pitfalls() if p.applies(e, prod, e.version)]
    return row


def diagnostics_for(rows: List[Row]) -> List[Diagnostic]:
    """Below-minimum errors, unknown-version warnings (notes when another pod covers the
    product), and pitfall warnings, each at the lockfile line that names the pod."""
    out = []
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
            out.append(Diagnostic(
                e.path, e.line, None, "below-minimum", Severity.ERROR,
                f"{e.label} {e.version} bundles no privacy manifest{former}: {prod.name} ships "
                f"one{via} from {pkg.pod} {pkg.minimum_version}",
                hint=f"declare what the SDK collects and the APIs it uses in the app's "
                f"PrivacyInfo.xcprivacy (`trtc-privacy merge APP_MANIFEST --lockfile {e.path}` "
                f"adds them), or upgrade to {pkg.pod} {pkg.minimum_version} or later"))
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


def check(paths: Optional[List[str]] = None) -> VersionReport:
    """Read the lockfiles named or found under ``paths`` (default: the current directory)."""
    files = find_lockfiles(list(paths or []))
    rows: List[Row] = []
    for f in files:
        rows += rows_for(read_lockfile(f).entries)
    return VersionReport(rows, diagnostics_for(rows), files)


def _preferred(rows: List[Row]) -> Row:
    """The row whose version stands for the product: a known version first, then the SDK or
    kit (the product's own version scheme) before an engine, then the first written."""
    return min(rows, key=lambda r: (r.version is None, _RANK.get(r.package.role, 2), r.entry.line))


def specs_from_lockfiles(paths: List[str]) -> Tuple[List[str], List[Diagnostic], List[str]]:
    """``PRODUCT[@VERSION]`` specs for ``vendors.select``, the warnings to print, and notes that say
    which template was chosen for which pod.

    One spec per product and lockfile, in the index's product order. Its version is that of the
    product's own pod (SDK or kit); an engine's version belongs to another version line, so a
    product reached only through its engine gets the newest template. Nothing here fails a
    merge: an SDK below its minimum is a warning (``select`` gives it for a versioned spec, this
    function for the others), since merging its declarations is the remedy.
    """
    from trtc_privacy.vendors import select

    report = check(paths)
    groups: Dict[Tuple[str, str], List[Row]] = {}
    for r in report.rows:
        groups.setdefault((r.product.id, r.entry.path), []).append(r)
    order = {p.id: i for i, p in enumerate(products())}
    specs: List[str] = []
    notes: List[str] = []
    versioned = set()
    for key in sorted(groups, key=lambda k: (order[k[0]], report.files.index(k[1]))):
        r = _preferred(groups[key])
        own = r.version is not None and r.package.role != "engine" and r.carried_by is None
        spec = f"{r.product.id}@{r.version}" if own else r.product.id
        if own:
            versioned.add(key)
        sel = select(spec, f"{r.entry.path}:{r.entry.line}")
        shown = r.version or "(version unknown)"
        notes.append(f"{r.entry.path}:{r.entry.line}: {r.entry.label} {shown} -> "
                     f"{r.product.id} template {sel.template.version}")
        if spec not in specs:
            specs.append(spec)
    by_line = {(r.entry.path, r.entry.line, r.product.id): r for r in report.rows}
    diags = []
    for d in report.diagnostics:
        if d.rule == "below-minimum" and d.severity is Severity.ERROR:
            pids = {pid for (path, line, pid) in by_line if (path, line) == (d.path, d.line)}
            if all((pid, d.path) in versioned for pid in pids):
                continue  # select() warns about this one
            d = d.with_severity(Severity.WARNING)
        diags.append(d)
    return specs, diags, notes


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
