"""Every executable bundle in an artifact, with its executable, version and manifests.

A built app is a tree of bundles: the app, its ``Frameworks/*.framework``, its ``PlugIns/*.appex``
(each with frameworks of its own), and on macOS the same under ``Contents/`` with frameworks in
``Versions/A``. Each bundle's executable is named by ``CFBundleExecutable`` in its Info.plist; its
privacy manifest sits at the bundle root (``Contents/Resources`` or ``Versions/A/Resources`` on
macOS). Resource bundles (``*.bundle``) carry manifests too, which App Store Connect validates but,
by every report we have, does not count for an executable. ``dSYMs/`` and ``Symbols/`` hold debug
copies of the same code and are skipped.

Paths are shown the way App Store Connect names files in its emails: relative to the app
(``Frameworks/TXFFmpeg.framework/TXFFmpeg``).

An .xcframework's slices (``usage.xcframework`` says which count for the app's platform) hold
frameworks or static libraries; a static library (a slice's ``libX.a``, or a loose one) is a
``library`` bundle whose "executable" is the archive itself and whose manifest sits beside it
in the slice: its code reaches the app's executable.
"""

from __future__ import annotations

import plistlib
import posixpath
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from trtc_privacy.usage import xcframework as X
from trtc_privacy.usage.artifact import Tree

MANIFEST_NAME = "PrivacyInfo.xcprivacy"
#: An Info.plist is a few kilobytes; anything larger is refused unread.
MAX_INFO_PLIST = 1 << 20
#: Real apps embed tens of frameworks, a few hundred at most.
MAX_BUNDLES = 2_000
#: Folders inside a bundle that hold executable bundles, by layout.
_NESTED = {
    "ios": ("Frameworks", "PlugIns", "Extensions", "AppClips", "Watch", "SystemExtensions"),
    "macos": ("Contents/Frameworks", "Contents/PlugIns", "Contents/Extensions",
              "Contents/XPCServices", "Contents/Library/LoginItems",
              "Contents/Library/SystemExtensions", "Contents/Helpers"),
}
_EXEC_SUFFIXES = (".app", ".appex", ".framework", ".xpc", ".systemextension")
_SKIP_TOP = ("dSYMs", "Symbols", "SwiftSupport", "BCSymbolMaps", "MessagesApplicationSupport",
             "WatchKitSupport", "WatchKitSupport2")
_ARCHIVES = (".ipa", ".zip", ".xcarchive.zip", ".tar", ".tgz", ".gz", ".7z", ".rar")


@dataclass
class BundleManifest:
    """A PrivacyInfo.xcprivacy in the artifact and what it is to the bundle that holds it."""

    path: str  # tree path
    shown: str  # as App Store Connect would name it
    role: str  # "own" (covers the executable), "resource" (in a *.bundle), "stray" (elsewhere)
    kind: str  # lint as "app" or "sdk"


@dataclass
class Bundle:
    """One executable bundle (or a resource bundle's parent's view of it)."""

    path: str  # tree path of the bundle folder
    shown: str  # e.g. "Frameworks/TXFFmpeg.framework"
    kind: str  # "app", "appex", "framework", "xpc", ..., or "library" (a static archive)
    name: str  # "TXFFmpeg"
    layout: str  # "ios" or "macos"
    executable: Optional[str] = None  # tree path of the executable file, if present
    executable_shown: str = ""
    version: Optional[str] = None  # CFBundleShortVersionString
    identifier: Optional[str] = None  # CFBundleIdentifier
    parent: Optional[str] = None  # tree path of the containing executable bundle
    manifests: List[BundleManifest] = field(default_factory=list)
    manifest_dir: str = ""  # tree path of the folder its own manifest belongs in
    manifest_shown: str = ""  # where its own manifest is (or would be), as shown
    problems: List[str] = field(default_factory=list)  # what could not be read, in words
    #: an xcframework slice's role for the app's platform (usage.xcframework); "" for a bundle
    #: that is no slice, whose images say
    role: str = ""

    @property
    def is_app(self) -> bool:
        """App-like bundles carry an app's manifest (SDK-only reasons are wrong there)."""
        return self.kind in ("app", "appex", "xpc", "systemextension")


@dataclass
class Layout:
    """What the walker found: the bundles (outermost first) and where the artifact keeps extras."""

    tree: Tree
    bundles: List[Bundle]
    app_root: str  # tree path the shown names are relative to ("" for a bare framework)
    signatures: Optional[str]  # tree path of Signatures/, if the artifact has one
    platform: str  # "ios" or "macos"
    stray: List[BundleManifest] = field(default_factory=list)  # manifests in no bundle
    #: an xcframework's slices built for another platform than the app's: not read
    other_slices: List[str] = field(default_factory=list)


def walk(tree: Tree, target: str = X.DEFAULT_TARGET) -> Layout:
    """Find the bundles of an opened artifact; InputError (exit 2) when none or too many.
    ``target``: the app's platform, which says which of an xcframework's slices count."""
    roles: Dict[str, str] = {}
    other: List[str] = []
    if tree.kind == "xcframework":
        roots, app_root = _xcframework_slices(tree, target, roles, other), ""
    else:
        roots, app_root = _roots(tree)
    signatures = next((p for p in ("Signatures", "Products/Signatures") if tree.is_dir(p)), None)
    bundles: List[Bundle] = []
    stack: List[Tuple[str, Optional[str]]] = [(r, None) for r in reversed(roots)]
    while stack:
        path, parent = stack.pop()
        b = _library(tree, path) if path.endswith(".a") or tree.kind == "library" else \
            _bundle(tree, path, parent, app_root)
        b.role = roles.get(path, "")
        bundles.append(b)
        if len(bundles) > MAX_BUNDLES:
            raise tree.error(path, f"the artifact holds more than {MAX_BUNDLES:,} executable "
                             "bundles; refusing to read further",
                             hint="an app embeds tens of frameworks; check this is the artifact "
                             "Xcode exported")
        nested = []
        for folder in _NESTED[b.layout]:
            base = _join(path, folder)
            if b.layout == "macos" and b.kind == "framework":
                base = _join(_framework_root(tree, path), folder.replace("Contents/", ""))
            for name in tree.children(base):
                child = _join(base, name)
                if name.endswith(_EXEC_SUFFIXES) and tree.is_dir(child) \
                        and not tree.is_link(child):
                    nested.append(child)
        stack.extend((c, path) for c in reversed(nested))
    layout = Layout(tree, bundles, app_root, signatures, bundles[0].layout if bundles else "ios",
                    other_slices=other)
    _assign_manifests(layout)
    return layout


def _join(a: str, b: str) -> str:
    return posixpath.join(a, b) if a and b else (a or b)


def _roots(tree: Tree) -> Tuple[List[str], str]:
    """The outermost bundles and the folder that App Store Connect's names are relative to."""
    if tree.kind == "ipa":
        apps = [_join("Payload", n) for n in tree.children("Payload") if n.endswith(".app")]
        where = "Payload/"
    elif tree.kind == "xcarchive":
        base = "Products/Applications"
        apps = [_join(base, n) for n in tree.children(base) if n.endswith(".app")]
        where = "Products/Applications/"
    elif tree.kind == "library":  # a loose static archive: the one file
        return tree.children(""), ""
    else:  # a bundle given directly: names are relative to it (the app) or include it
        return [""], ""
    if not apps:
        nested = [e.path for e in tree.files() if e.path.lower().endswith(_ARCHIVES)]
        if nested:
            raise tree.error(nested[0], "the artifact holds an archive but no app: an archive "
                             "inside an archive is not read",
                             hint="unpack the outer archive yourself and audit what is inside")
        raise tree.error(where.rstrip("/"), f"no .app found in {where}",
                         hint="an .ipa holds Payload/NAME.app, an .xcarchive "
                         "Products/Applications/NAME.app")
    if len(apps) > 1:
        return apps, ""
    return apps, apps[0]


def _xcframework_slices(tree: Tree, target: str = X.DEFAULT_TARGET,
                        roles: Optional[Dict[str, str]] = None,
                        other: Optional[List[str]] = None) -> List[str]:
    """The framework or static library in each slice the xcframework's Info.plist lists (else
    every one found), by the rule ``scan`` shares (``usage.xcframework``): the device slices of
    the app's platform and its simulator's (whose findings are notes) are read; the slices of
    other platforms go to ``other``, unread. ``roles`` receives each library's role."""
    found: List[Tuple[str, str]] = []  # (library, role)
    for lib in X.listed(_plist(tree, X.INFO_PLIST), target):
        p = _join(lib.ident, lib.path)
        if (p.endswith(".framework") and tree.is_dir(p)) or (p.endswith(".a") and
                                                            tree.is_file(p)):
            found.append((p, lib.role))
    if not found:
        for slice_ in tree.children(""):
            for name in tree.children(slice_):
                p = _join(slice_, name)
                if (name.endswith(".framework") and tree.is_dir(p)) or (
                        name.endswith(".a") and tree.is_file(p)):
                    found.append((p, X.slice_role(slice_, target=target)))
    if not found:
        raise tree.error("Info.plist", "the xcframework lists no framework or static library "
                         "slice", hint="an xcframework's Info.plist lists its slices "
                         "(AvailableLibraries); rebuild it with `xcodebuild -create-xcframework`")
    out = [p for p, r in found if r != X.OTHER]
    if other is not None:
        other += [p for p, r in found if r == X.OTHER]
    if roles is not None:
        roles.update(found)
    return out


def _library(tree: Tree, path: str) -> Bundle:
    """A static archive: its code reaches the app's executable; its manifest, if any, sits
    beside it (in an xcframework's slice)."""
    folder = posixpath.dirname(path)
    name = posixpath.basename(path)
    b = Bundle(path, _shown(tree, path, "") or name, "library", name[:-len(".a")], "ios",
               manifest_dir=folder)
    b.manifest_shown = _shown(tree, _join(folder, MANIFEST_NAME), "")
    b.executable, b.executable_shown = path, b.shown
    return b


def _framework_root(tree: Tree, path: str) -> str:
    """Where a macOS framework's contents live: Versions/Current (or A), else the folder."""
    for v in ("Versions/Current", "Versions/A"):
        p = _join(path, v)
        if tree.is_dir(p):
            return tree.real(p) or p
    versions = [n for n in tree.children(_join(path, "Versions")) if n != "Current"]
    if versions:
        return _join(path, _join("Versions", versions[0]))
    return path


def _layout_of(tree: Tree, path: str, kind: str) -> str:
    """A macOS framework keeps its Info.plist in ``Resources/``: under ``Versions/A``, or, where
    npm flattened the links away, in the framework's own ``Resources/``."""
    if kind == "framework":
        flattened = tree.is_file(_join(path, "Resources/Info.plist")) and \
            not tree.is_file(_join(path, "Info.plist"))
        return "macos" if tree.is_dir(_join(path, "Versions")) or flattened else "ios"
    return "macos" if tree.is_dir(_join(path, "Contents")) else "ios"


def _bundle(tree: Tree, path: str, parent: Optional[str], app_root: str) -> Bundle:
    base = posixpath.basename(path) or posixpath.basename(tree.source.rstrip("/\\"))
    stem, _, suffix = base.rpartition(".")
    kind = suffix if stem else "app"
    stem = stem or base
    layout = _layout_of(tree, path, kind)
    if layout == "macos" and kind == "framework":
        content = _framework_root(tree, path)
        info_path, exe_dir = _join(content, "Resources/Info.plist"), content
        own_dir = _join(content, "Resources")
    elif layout == "macos":
        info_path, exe_dir = _join(path, "Contents/Info.plist"), _join(path, "Contents/MacOS")
        own_dir = _join(path, "Contents/Resources")
    else:
        info_path, exe_dir = _join(path, "Info.plist"), path
        own_dir = path
    b = Bundle(path, _shown(tree, path, app_root) or base, kind, stem, layout, parent=parent,
               manifest_dir=own_dir)
    b.manifest_shown = _shown(tree, _join(own_dir, MANIFEST_NAME), app_root)
    info = _plist(tree, info_path, b.problems)
    exe_name = info.get("CFBundleExecutable") if isinstance(info, dict) else None
    if not isinstance(exe_name, str) or not exe_name or "/" in exe_name:
        exe_name = stem
    for key, attr in (("CFBundleShortVersionString", "version"), ("CFBundleIdentifier",
                                                                  "identifier")):
        value = info.get(key) if isinstance(info, dict) else None
        if isinstance(value, str):
            setattr(b, attr, value)
    exe = _join(exe_dir, exe_name)
    if tree.is_file(exe):
        b.executable = exe
        shown_exe = exe if layout != "macos" or kind != "framework" else _join(
            _framework_root(tree, path), exe_name)
        b.executable_shown = _shown(tree, shown_exe, app_root) or exe_name
    return b


def _shown(tree: Tree, path: str, app_root: str) -> str:
    real = tree.real(path) or path
    if app_root and (real == app_root or real.startswith(app_root + "/")):
        rel = real[len(app_root) + 1:]
        return rel
    if tree.kind in ("framework", "xcframework") or (tree.kind == "app" and not app_root):
        name = posixpath.basename(tree.source.rstrip("/\\"))
        if tree.kind == "app":
            return real
        return _join(name, real)
    return real


def _plist(tree: Tree, path: str, problems: Optional[List[str]] = None) -> Any:
    """An Info.plist (XML or binary) as Python data, bounded; {} when absent or unreadable.

    Info.plist is Apple's own format, read with plistlib (which refuses XML entities); it is
    never a privacy manifest, so the manifest reader's rules do not apply to it.
    """
    if not tree.is_file(path):
        return {}
    if tree.size(path) > MAX_INFO_PLIST:
        if problems is not None:
            problems.append(f"{path}: larger than {MAX_INFO_PLIST:,} bytes; not read")
        return {}
    data = tree.read(path, MAX_INFO_PLIST)
    try:
        value = plistlib.loads(data)
    except Exception as exc:  # plistlib raises many kinds (and RecursionError) on bad input
        if problems is not None:
            problems.append(f"{path}: not a readable property list ({type(exc).__name__})")
        return {}
    return value if isinstance(value, dict) else {}


def _assign_manifests(layout: Layout) -> None:
    """Give each PrivacyInfo.xcprivacy to the innermost bundle holding it, with its role."""
    tree = layout.tree
    by_path: Dict[str, Bundle] = {b.path: b for b in layout.bundles}
    own_dirs: Dict[str, Bundle] = {b.manifest_dir: b for b in layout.bundles}
    # a static library's folder (its slice) holds its manifest: the library owns that folder
    by_path.update((b.manifest_dir, b) for b in layout.bundles if b.kind == "library")
    unread = {posixpath.dirname(p) for p in layout.other_slices}
    for e in tree.files():
        if posixpath.basename(e.path) != MANIFEST_NAME or _skipped(e.path) or \
                e.path.split("/", 1)[0] in unread:
            continue
        folder = posixpath.dirname(e.path)
        owner = _innermost(folder, by_path)
        shown = _shown(tree, e.path, layout.app_root)
        if owner is None:
            layout.stray.append(BundleManifest(e.path, shown, "stray", "sdk"))
            continue
        if own_dirs.get(folder) is owner:
            role = "own"
        elif any(p.endswith(".bundle") for p in _between(owner.path, folder)):
            role = "resource"
        else:
            role = "stray"
        kind = "app" if owner.is_app and role == "own" else "sdk"
        owner.manifests.append(BundleManifest(e.path, shown, role, kind))


def _skipped(path: str) -> bool:
    return path.split("/", 1)[0] in _SKIP_TOP


def _innermost(folder: str, by_path: Dict[str, Bundle]) -> Optional[Bundle]:
    cur = folder
    while True:
        if cur in by_path:
            return by_path[cur]
        if not cur:
            return None
        cur = posixpath.dirname(cur)


def _between(outer: str, folder: str) -> List[str]:
    rel = folder[len(outer):].strip("/") if outer else folder
    return [p for p in rel.split("/") if p]

