"""Check a built artifact the way App Store Connect will: every manifest, executable and SDK.

``audit(path)`` opens the artifact (``artifact.py``: nothing extracted, everything bounded),
finds its bundles (``bundles.py``), and makes each finding once, where it arises:

- every manifest is linted with the existing rules, as an app's or an SDK's by where it sits;
- each executable (and each static library: an xcframework's ``libX.a``, or a loose ``.a``) is
  read with the Mach-O reader and its uses of required-reason APIs compared with the manifests
  that cover it (``usage.compare``, shared with ``scan``): ITMS-91053. Which slices count is
  ``usage.xcframework``'s rule: the app's platform (what its executable is built for; without
  an app, the configuration's ``platform``), device slices as findings, the simulator's as
  notes, another platform's not read;
- frameworks on Apple's list of commonly used SDKs without their own manifest: ITMS-91061;
- ``Signatures/*.signature`` receipts that say a listed SDK is unsigned: ITMS-91065.

Paths in findings are relative to the app, as App Store Connect names files in its emails, so
the text format's grouping by path groups them by bundle. Pure apart from reading the artifact.
"""

from __future__ import annotations

import plistlib
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Set, Tuple

from trtc_privacy.diagnostics import Diagnostic, InputError, Severity
from trtc_privacy.manifest.model import Manifest as Declared
from trtc_privacy.usage import xcframework as X
from trtc_privacy.usage.artifact import LIMITS, Limits, Tree, open_artifact
from trtc_privacy.usage.bundles import Bundle, BundleManifest, Layout, walk

if TYPE_CHECKING:
    from trtc_privacy.config import Config
    from trtc_privacy.usage.macho import Image
    from trtc_privacy.usage.uses import BundleUsage, Use

#: Executables are read whole into memory (from a zip) or mapped (from disk), up to this size.
MAX_EXECUTABLE = 1 << 30
MAX_RECEIPT = 1 << 20


@dataclass
class Read:
    """One manifest as read: its declarations (None when it does not parse)."""

    manifest: BundleManifest
    declared: Optional[Declared]

    @property
    def categories(self) -> Set[str]:
        d = self.declared
        return {a.category for a in (d.api_types or [])} if d is not None else set()


@dataclass
class BundleView:
    """A bundle with what its manifests declare and what its executable was found to use."""

    bundle: Bundle
    reads: List[Read] = field(default_factory=list)
    uses: List["Use"] = field(default_factory=list)
    platforms: Set[str] = field(default_factory=set)
    archs: List[str] = field(default_factory=list)
    encrypted: bool = False
    read_executable: bool = False
    #: the executable's images, until the app's platform says which count (then released)
    images: List["Image"] = field(default_factory=list)
    simulator: bool = False  # what counts of it is a simulator's: its findings are notes
    counted: bool = True  # False: built for another platform than the app's, not compared

    @property
    def own(self) -> List[Read]:
        return [r for r in self.reads if r.manifest.role == "own"]

    @property
    def resources(self) -> List[Read]:
        return [r for r in self.reads if r.manifest.role == "resource"]

    @property
    def platform(self) -> str:
        """What its executable is built for, as far as required-reason rules care: a macOS
        layout or a macOS/Catalyst slice makes it a Mac bundle."""
        from trtc_privacy.usage.uses import NOT_REQUIRED_ON

        mac = sorted(self.platforms & NOT_REQUIRED_ON)
        if mac:
            return mac[0]
        if self.bundle.layout == "macos":
            return "macos"
        return "ios-simulator" if self.simulator else "ios"

    @property
    def resource_declared(self) -> Dict[str, Tuple[str, ...]]:
        """Category -> the manifests of its resource bundles that declare it, in order."""
        out: Dict[str, List[str]] = {}
        for r in self.resources:
            for c in sorted(r.categories):
                out.setdefault(c, []).append(r.manifest.shown)
        return {c: tuple(paths) for c, paths in out.items()}


@dataclass
class AuditResult:
    source: str
    kind: str
    diagnostics: List[Diagnostic]
    views: List[BundleView]
    manifests: int  # how many manifests were linted
    signatures: Optional[str]
    notes: List[str] = field(default_factory=list)  # what was not read, and why (stderr)

    def to_json(self) -> Dict[str, Any]:
        """The per-bundle privacy picture, JSON-ready (``audit --format json`` adds it)."""
        return {"path": self.source, "kind": self.kind, "signatures": self.signatures,
                "bundles": [_bundle_row(v) for v in self.views]}


def audit(path: str, cfg: Optional["Config"] = None, limits: Limits = LIMITS,
          linted: FrozenSet[str] = frozenset()) -> AuditResult:
    """Every finding about the artifact at ``path``; InputError (exit 2) for a refused one.

    ``linted`` names manifests (as shown, e.g. ``PrivacyInfo.xcprivacy``) whose lint findings
    the caller already has - the Xcode phase's merge result - so they are read, not re-linted.
    """
    from trtc_privacy.selection import Selection

    sel = Selection.from_config(cfg)
    configured = cfg.platform if cfg is not None else ""
    with open_artifact(path, limits) as tree:
        layout = walk(tree, configured or X.DEFAULT_TARGET)
        diags: List[Diagnostic] = []
        views = [BundleView(b) for b in layout.bundles]
        n = 0
        for v in views:
            for m in v.bundle.manifests:
                read, found = _lint(tree, m, cfg)
                v.reads.append(read)
                diags += [] if m.shown in linted else found
                n += 1
        for m in layout.stray:
            _, found = _lint(tree, m, cfg)
            diags += found
            n += 1
        for v in views:
            diags += _executable(tree, v)
        notes = _count_slices(tree, layout, views, configured)
        diags += _compare_all(layout, views)
        diags += _listed_sdks(layout, views)
        diags += _signatures(tree, layout, views)
        kind, sigs = tree.kind, layout.signatures
        simulators = tuple(_slice_prefix(tree, v.bundle.path) for v in views
                           if v.simulator and v.bundle.role == X.SIMULATOR)
    stamped = [s for s in (sel.stamp(d) for d in diags) if s is not None]
    stamped = [_simulator_note(d) if d.path.startswith(simulators) else d for d in stamped] \
        if simulators else stamped
    return AuditResult(path, kind, sorted(stamped, key=lambda d: d.sort_key()), views, n, sigs,
                       notes)


# -- manifests --------------------------------------------------------------------------------


def _lint(tree: Tree, m: BundleManifest, cfg: Optional["Config"]) -> Tuple[Read, List[Diagnostic]]:
    from trtc_privacy.lint.engine import lint_bytes
    from trtc_privacy.manifest.model import from_document
    from trtc_privacy.manifest.reader import MAX_BYTES

    data = tree.read(m.path, MAX_BYTES)
    doc, found = lint_bytes(data, m.shown, m.kind, cfg)
    declared: Optional[Declared] = None
    if doc is not None:
        try:
            declared = from_document(doc)
        except InputError:
            declared = None  # a value of the wrong type: lint has said where
    return Read(m, declared), found


# -- executables ------------------------------------------------------------------------------


def _executable(tree: Tree, v: BundleView) -> List[Diagnostic]:
    from trtc_privacy.usage import macho

    b = v.bundle
    if b.executable is None:
        return []
    local = tree.local_path(b.executable)
    try:
        if local is not None:
            images = macho.read_file(local, MAX_EXECUTABLE)
        else:
            with tree.mapped(b.executable, MAX_EXECUTABLE) as data:
                images = macho.read(data, b.executable_shown)
    except macho.MachOError as exc:
        from trtc_privacy.diagnostics import input_error

        raise input_error(f"{tree.source}: {b.executable_shown}", f"not a readable Mach-O "
                          f"binary: {exc}", rule="bad-binary",
                          hint="rebuild or re-export the app; `file PATH` says what it is"
                          ) from None
    v.read_executable = True
    v.images = images
    v.platforms = {i.platform for i in images if i.platform}
    v.archs = sorted({i.arch for i in images})
    out: List[Diagnostic] = []
    if any(i.encrypted for i in images):
        v.encrypted = True
        out.append(_diag("binary-encrypted", b.executable_shown,
                         "the executable is encrypted (FairPlay, cryptid 1): its imports were "
                         "read, its selectors could not be, so uses may be missing"))
    return out


# -- which slices count: the app's platform -----------------------------------------------------


def _count_slices(tree: Tree, layout: Layout, views: List[BundleView], configured: str
                  ) -> List[str]:
    """Decide, bundle by bundle, which of its images count (``usage.xcframework``'s rule) and
    find its uses in those; return notes for what is not read.

    The app's platform is what the app's own executable (the app or extension holding the
    bundle) is built for; without one (a framework, an xcframework or a static library audited
    on its own) the configuration's ``platform``, else iOS for an xcframework, else what the
    binary itself is built for. An xcframework's slice counts whole, as its Info.plist says (a
    simulator slice as notes); elsewhere device images count, a bundle with none counts its
    simulator images, as notes, and one built only for another platform is not read.
    """
    from trtc_privacy.knowledge import apis

    by_path = {v.bundle.path: v for v in views}
    notes = [f"{_slice_prefix(tree, lib)[:-1]}: a slice for another platform than "
             f"{X.TARGET_NAMES[configured or X.DEFAULT_TARGET]}, the app's (set `platform` in "
             "the configuration to audit it); not read" for lib in layout.other_slices]
    targets = {v.bundle.path: _target(v, by_path, configured, tree.kind) for v in views}
    for v in views:
        images, v.images = v.images, []
        if not v.read_executable:
            continue
        target = targets[v.bundle.path]
        roles = [X.image_role(i.platform, target) for i in images]
        counted = [i for i, r in zip(images, roles) if r == X.DEVICE]
        if v.bundle.role:  # an xcframework's slice: its Info.plist said
            counted, v.simulator = images, v.bundle.role == X.SIMULATOR
        elif images and not counted:
            counted = [i for i, r in zip(images, roles) if r == X.SIMULATOR]
            v.simulator = bool(counted)
            if not counted:
                v.counted = False
                built = ", ".join(sorted({i.platform or "?" for i in images}))
                notes.append(f"{v.bundle.executable_shown}: built for {built}, not for "
                             f"{X.TARGET_NAMES[target]}, the app's platform; not read")
                continue
        if len(counted) != len(images):
            v.platforms = {i.platform for i in counted if i.platform}
            v.archs = sorted({i.arch for i in counted})
        v.uses = apis.uses_in_images(counted, v.bundle.executable_shown)
    return notes


def _target(v: BundleView, by_path: Dict[str, BundleView], configured: str, kind: str) -> str:
    """The platform of the app this bundle is part of (see ``_count_slices``)."""
    app = _app_of(v, by_path)
    for view in ([app] if app is not None else []) + ([] if configured else [v]):
        if view is v and kind == "xcframework":
            break
        for image in view.images:
            target = X.target_of(image.platform)
            if target is not None:
                return target
    return configured or X.DEFAULT_TARGET


def _slice_prefix(tree: Tree, path: str) -> str:
    """How findings in the xcframework slice holding ``path`` begin: ``X.xcframework/ios-.../``."""
    name = posixpath.basename(tree.source.rstrip("/\\"))
    return f"{name}/{path.split('/', 1)[0]}/"


def _simulator_note(d: Diagnostic) -> Diagnostic:
    """A finding in a simulator slice, which never reaches the App Store: a note at most."""
    from trtc_privacy.usage.uses import SIMULATOR_NOTE

    if d.severity is Severity.NOTE:
        return d
    return d.replace(severity=Severity.NOTE, itms="", message=d.message + SIMULATOR_NOTE)


# -- ITMS-91053: uses against the manifests that cover them ------------------------------------


def _compare_all(layout: Layout, views: List[BundleView]) -> List[Diagnostic]:
    """``usage.compare`` once per app-like bundle (the app, each extension) with the frameworks
    it embeds: an extension's own manifest covers it as the app's covers the app."""
    from trtc_privacy.usage import uses as usage

    by_path = {v.bundle.path: v for v in views}
    groups: Dict[Optional[str], List[BundleView]] = {}
    for v in views:
        if v.read_executable and v.counted:
            app = _app_of(v, by_path)
            groups.setdefault(app.bundle.path if app is not None else None, []).append(v)
    out: List[Diagnostic] = []
    for members in groups.values():
        out += usage.compare([_shared(v) for v in members])
    return out


def _shared(v: BundleView) -> "BundleUsage":
    """The bundle as the shared comparison sees it; findings are placed at its executable."""
    from trtc_privacy.usage.uses import BundleUsage

    b = v.bundle
    declared: Optional[Dict[str, Tuple[Optional[int], Optional[int]]]] = None
    if v.own:
        declared = {c: (None, None) for r in v.own for c in sorted(r.categories)}
    name = "the app" if b.kind == "app" and b.parent is None else (
        posixpath.basename(b.path) or posixpath.basename(b.shown))
    return BundleUsage(name, b.executable_shown, b.is_app, list(v.uses), declared,
                    manifest=v.own[0].manifest.shown if v.own else b.manifest_shown,
                    location=b.executable_shown, resource_declared=v.resource_declared,
                    platform=v.platform, complete=not v.encrypted, reasons=_reasons(v.own))


def _reasons(reads: List[Read]) -> Dict[str, Tuple[str, ...]]:
    """Each category with every reason the bundle's own manifests give for it."""
    out: Dict[str, Tuple[str, ...]] = {}
    for r in reads:
        for a in (r.declared.api_types or []) if r.declared is not None else []:
            out[a.category] = tuple(dict.fromkeys(out.get(a.category, ()) + tuple(a.reasons)))
    return out


def _app_of(v: BundleView, by_path: Dict[str, BundleView]) -> Optional[BundleView]:
    """The nearest app-like bundle holding this one (itself if it is one)."""
    cur: Optional[BundleView] = v
    while cur is not None:
        if cur.bundle.is_app:
            return cur
        cur = by_path.get(cur.bundle.parent) if cur.bundle.parent is not None else None
    return None


# -- ITMS-91061: listed SDKs without their own manifest -----------------------------------------


def _listed_sdks(layout: Layout, views: List[BundleView]) -> List[Diagnostic]:
    from trtc_privacy.knowledge.listed_sdks import listed

    out: List[Diagnostic] = []
    root_manifest = next((m for m in layout.stray if "/" not in m.path), None) \
        if layout.tree.kind == "xcframework" else None
    for v in views:
        b = v.bundle
        sdk = listed(b.name) if b.kind == "framework" else None
        if sdk is None or v.own:
            continue
        version = f" {b.version}" if b.version else ""
        named = f"\"{sdk.reported_as}\"" + ("" if sdk.reported_as == b.name else
                                            f" (as App Store Connect names {b.name})")
        hint = "update the SDK to a version that ships PrivacyInfo.xcprivacy inside its framework"
        if v.resources:
            hint += (f"; the manifest in {v.resources[0].manifest.shown} is in a resource "
                     "bundle, which does not count for the framework")
        if root_manifest is not None:
            hint += (f"; {root_manifest.shown} sits at the .xcframework's root, which is not "
                     "copied into the app")
        guessed = " (matched by a renamed package name, a guess)" if sdk.guessed else ""
        out.append(_diag("sdk-without-manifest", b.shown,
                         f"{b.name}{version} is {named} on Apple's list of commonly used SDKs "
                         f"and carries no privacy manifest{guessed}", hint=hint))
    return out


# -- ITMS-91065: signature receipts -------------------------------------------------------------


def _signatures(tree: Tree, layout: Layout, views: List[BundleView]) -> List[Diagnostic]:
    from trtc_privacy.knowledge.listed_sdks import listed

    if tree.kind in ("framework", "xcframework"):
        return []  # not an app: there are no receipts to read
    frameworks = {v.bundle.name.lower(): v.bundle for v in views if v.bundle.kind == "framework"}
    listed_here = [b for b in frameworks.values() if listed(b.name) is not None]
    if layout.signatures is None:
        if not listed_here:
            return []
        names = ", ".join(sorted(b.name for b in listed_here))
        return [_diag("signatures-unknown", tree.source,
                      f"no Signatures/ folder, so whether {names} "
                      f"{'is' if len(listed_here) == 1 else 'are'} signed cannot be told "
                      "(development and ad-hoc exports leave it out)")]
    out: List[Diagnostic] = []
    for name in tree.children(layout.signatures):
        rel = posixpath.join(layout.signatures, name)
        if not name.endswith(".signature") or not tree.is_file(rel):
            continue
        library, platform = _receipt_name(name)
        sdk = listed(library)
        if sdk is None:
            continue
        signed = _receipt_signed(tree, rel)
        if signed is not False:
            continue
        b = frameworks.get(library.lower())
        where = b.shown if b is not None else rel
        on = f" for {platform}" if platform else ""
        out.append(_diag("sdk-signature-missing", where,
                         f"{library}.xcframework{on} is on Apple's list of commonly used SDKs "
                         "and its signature receipt says it is not signed",
                         evidence=(f"{rel}: signed = false",)))
    return out


def _receipt_name(name: str) -> Tuple[str, str]:
    """``Alamofire.xcframework-ios.signature`` -> ("Alamofire", "ios")."""
    stem = name[:-len(".signature")]
    lib, sep, platform = stem.partition(".xcframework-")
    if not sep:
        lib = stem[:-len(".xcframework")] if stem.endswith(".xcframework") else stem
    return lib, platform


def _receipt_signed(tree: Tree, rel: str) -> Optional[bool]:
    """The receipt's ``signed`` value; None when it cannot be read (said as bad-artifact)."""
    if tree.size(rel) > MAX_RECEIPT:
        raise tree.error(rel, f"a signature receipt larger than {MAX_RECEIPT:,} bytes")
    try:
        value = plistlib.loads(tree.read(rel, MAX_RECEIPT))
    except InputError:
        raise
    except Exception as exc:
        raise tree.error(rel, f"the signature receipt is not a readable property list "
                         f"({type(exc).__name__})") from None
    signed = value.get("signed") if isinstance(value, dict) else None
    return signed if isinstance(signed, bool) else None


# -- helpers ------------------------------------------------------------------------------------


def _diag(rule: str, path: str, message: str, hint: str = "",
          evidence: Tuple[str, ...] = ()) -> Diagnostic:
    from trtc_privacy.lint.rules import get

    r = get(rule)
    assert r is not None, rule
    return Diagnostic(path, None, None, r.name, r.severity, message, hint or r.hint,
                      r.primary_itms, evidence)


def _bundle_row(v: BundleView) -> Dict[str, Any]:
    b = v.bundle
    used: Dict[str, List[str]] = {}
    for u in v.uses:
        used.setdefault(u.category, [])
        if u.evidence.symbol not in used[u.category]:
            used[u.category].append(u.evidence.symbol)
    declared: Dict[str, List[str]] = {}
    data_types: List[Dict[str, Any]] = []
    tracking = False
    domains: List[str] = []
    for r in v.own:
        d = r.declared
        if d is None:
            continue
        for a in d.api_types or []:
            declared.setdefault(a.category, [])
            declared[a.category] += [x for x in a.reasons if x not in declared[a.category]]
        for dt in d.data_types or []:
            data_types.append({"type": dt.type, "linked": bool(dt.linked),
                               "tracking": bool(dt.tracking), "purposes": list(dt.purposes)})
        tracking = tracking or bool(d.tracking)
        domains += [x for x in d.domains or [] if x not in domains]
    resource: Dict[str, List[str]] = {}
    for c, paths in v.resource_declared.items():
        resource[c] = list(paths)
    return {
        "bundle": b.shown,
        "kind": b.kind,
        "name": b.name,
        "layout": b.layout,
        "executable": b.executable_shown or None,
        "version": b.version,
        "identifier": b.identifier,
        "architectures": v.archs,
        "platforms": sorted(v.platforms),
        "encrypted": v.encrypted,
        "manifests": [{"path": r.manifest.shown, "role": r.manifest.role,
                       "kind": r.manifest.kind} for r in v.reads],
        "categories_used": {c: used[c] for c in sorted(used)},
        "categories_declared": {c: declared[c] for c in sorted(declared)},
        "categories_declared_in_resource_bundles": resource,
        "data_types": data_types,
        "tracking": tracking,
        "tracking_domains": domains,
        "listed_sdk": _listed_name(b),
    }


def _listed_name(b: Bundle) -> Optional[str]:
    from trtc_privacy.knowledge.listed_sdks import listed

    sdk = listed(b.name) if b.kind == "framework" else None
    return sdk.name if sdk is not None else None

