"""``scan``: the required-reason APIs a project tree really uses, grouped by the bundle that carries
them.

Run before a build. It reads the app's sources, ``Pods/`` (source pods, vendored ``.framework``,
``.xcframework`` device slices and ``.a`` files), Swift package checkouts and artifacts and
Carthage builds; sources go through ``sourcescan``, binaries through ``macho`` and the catalogue
(``apis``). Uses are grouped by the bundle App Store Connect will read:

- each dynamic framework (its binary is a Mach-O dylib) is a bundle of its own, covered by its
  own PrivacyInfo.xcprivacy and by the app's;
- everything else (the app's sources, source pods, package checkouts, static libraries and
  static frameworks) is linked into the app's executable and counts for the app.

The app's declarations are those of the manifest the merge would produce (``app_manifest``):
its file plus the TRTC-family templates from the configuration or the lockfiles. The
comparison itself is ``usage.compare``, shared with ``audit``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Set, Tuple

from trtc_privacy import discover
from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.files import SKIP_DIRS
from trtc_privacy.lint.engine import MANIFEST_NAME, excluded, kind_for_path
from trtc_privacy.manifest.model import Manifest, from_document
from trtc_privacy.manifest.reader import Document, parse, read_bytes
from trtc_privacy.merge import lockfiles as L
from trtc_privacy.selection import Selection
from trtc_privacy.usage import devpods
from trtc_privacy.usage import xcframework as X
from trtc_privacy.usage.uses import BundleUsage, Use, compare

if TYPE_CHECKING:
    from trtc_privacy.config import Config
    from trtc_privacy.usage.macho import Image

_Add = Callable[[List[str], str], None]  # add a path to one of _Found's lists, once

APP = "the app"
#: Folders below a root that the generic walk skips (SKIP_DIRS) but that hold what the app links:
#: Carthage's products and SwiftPM's checkouts and binary artifacts.
DEPENDENCY_DIRS = (("Carthage", "Build"), (".build", "checkouts"), (".build", "artifacts"),
                   ("SourcePackages", "checkouts"), ("SourcePackages", "artifacts"))
#: Never entered: built or resource bundles and folders that hold no code.
_NO_CODE_SUFFIXES = (".app", ".appex", ".dSYM", ".xcassets", ".xcodeproj", ".xcworkspace",
                     ".bundle", ".lproj", ".storyboardc", ".momd", ".playground")
#: (parent, folder) pairs never entered: CocoaPods' header symlinks (the sources are read where
#: they live) and Carthage's checkouts (what ships is the framework built in Carthage/Build).
_NOT_CODE_OF_APP = frozenset({("Pods", "Headers"), ("Carthage", "Checkouts")})
#: Never entered by the walk (besides SKIP_DIRS, node_modules among them): Flutter's links to
#: every plugin; the plugins the app builds are the development pods Podfile.lock names.
_ONLY_WHEN_NAMED = frozenset({".symlinks"})
_PRUNE = SKIP_DIRS | _ONLY_WHEN_NAMED
_BINARY_LIMIT = 2 << 30


@dataclass
class ScanResult:
    diagnostics: List[Diagnostic]
    bundles: List[BundleUsage]
    files: int  # source files and binaries read
    notes: List[str] = field(default_factory=list)
    bad_input: bool = False  # a binary could not be read (exit 2 after reporting the rest)

    def to_json(self) -> List[Dict[str, object]]:
        return [b.to_json() for b in self.bundles]


# -- the app's manifest: the one place that knows how the merge result is made -------------------


def app_manifest(cfg: "Config", app_path: Optional[str], root: str,
                 notes: Optional[List[str]] = None, lockfiles: Optional[List[str]] = None
                 ) -> Tuple[Manifest, Optional[Document]]:
    """What the app's manifest will declare: its file merged with the TRTC-family templates
    (``sdks``/``lockfiles`` from the configuration, else the lockfiles found at ``root``); and
    the app's file as read (None when there is none), for the places of its declarations.

    Computed by the merge's own reading and folding (nothing is linted, rendered or written),
    so scan and merge cannot disagree.
    """
    from trtc_privacy.merge import pipeline
    from trtc_privacy.merge.lockfiles import project_lockfiles

    found = [] if (cfg.sdks or cfg.lockfiles or cfg.manifests) else project_lockfiles(root)
    target = app_path or os.path.join(root, MANIFEST_NAME)
    inputs = pipeline.read(cfg, pipeline.Options(
        app_manifest=target, lockfiles=found, usage_path="scan", need_sources=False,
        merging=False))
    if notes is not None:
        notes.extend(inputs.notes)  # lockfile findings are merge's and lint's to report
    if lockfiles is not None:  # what was read, and what says which pods the app links
        lockfiles.extend(inputs.lockfiles)
    if not inputs.sources and inputs.app_document is None:
        return Manifest(label=APP), None
    return pipeline.target(inputs), inputs.app_document


def _declared(m: Manifest) -> Dict[str, Tuple[Optional[int], Optional[int]]]:
    return {a.category: (None, None) for a in m.api_types or [] if a.category}


def _reasons(m: Manifest) -> Dict[str, Tuple[str, ...]]:
    """Each category with every reason the manifest gives for it (repeated entries joined)."""
    out: Dict[str, Tuple[str, ...]] = {}
    for a in m.api_types or []:
        out[a.category] = tuple(dict.fromkeys(out.get(a.category, ()) + tuple(a.reasons)))
    return out


def _declared_in_file(path: str) -> Tuple[Optional[Dict[str, Tuple[Optional[int], Optional[int]]]],
                                          Optional[str]]:
    """A framework manifest's categories with their positions, or (None, error) when unreadable."""
    try:
        doc = parse(read_bytes(path), path)
        return _declared_in(doc), None
    except InputError as exc:
        return None, exc.diagnostic.message


def _declared_in(doc: Document) -> Dict[str, Tuple[Optional[int], Optional[int]]]:
    """A manifest's categories with the position of the first entry declaring each."""
    out: Dict[str, Tuple[Optional[int], Optional[int]]] = {}
    for a in from_document(doc).api_types or []:
        if a.category and a.category not in out:
            out[a.category] = doc.position(a.element) if a.element is not None else (None, None)
    return out


# -- finding what to read ----------------------------------------------------------------------


@dataclass
class _Found:
    sources: List[str] = field(default_factory=list)
    archives: List[str] = field(default_factory=list)  # .a files: linked into the app
    frameworks: List[str] = field(default_factory=list)  # .framework directories
    app_manifests: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    #: what names development pods or local packages: (kind, file, the app's folder it is in)
    namers: List[Tuple[str, str, str]] = field(default_factory=list)
    owners: devpods.Owners = field(default_factory=devpods.Owners)
    complete: bool = True  # False: a development pod or package named is not there
    target: str = X.DEFAULT_TARGET  # the app's platform: which slices and images count


def find_inputs(paths: Sequence[str], cfg: Optional["Config"] = None) -> _Found:
    """Everything ``scan`` reads under ``paths`` (files as given, directories walked, without
    SKIP_DIRS and the configuration's ``exclude`` patterns)."""
    from trtc_privacy.usage.sourcescan import is_source

    found = _Found(target=(cfg.platform if cfg is not None else "") or X.DEFAULT_TARGET)
    visited: Set[int] = set()
    seen_files: Set[str] = set()

    def add(kind: List[str], p: str) -> None:
        key = os.path.realpath(p)
        if key not in seen_files and not excluded(p, cfg):
            seen_files.add(key)
            kind.append(os.path.normpath(p))

    for p in paths:
        if os.path.isdir(p):
            if p.endswith(".xcframework"):
                _xcframework(p, found, add)
            elif p.endswith(".framework"):
                add(found.frameworks, p)
            else:
                _walk(p, found, add, visited, cfg, p, own=True)
                for parts in DEPENDENCY_DIRS:
                    dep = os.path.join(p, *parts)
                    if os.path.isdir(dep) and not excluded(dep, cfg):
                        _walk(dep, found, add, visited, cfg, p, own=True, namers=False)
        elif os.path.lexists(p):
            if p.endswith(".a"):
                add(found.archives, p)
            elif is_source(p):
                add(found.sources, p)
            elif os.path.basename(p) == MANIFEST_NAME:
                add(found.app_manifests, p)
            else:
                found.notes.append(f"{p}: not a source file, .a, .framework or .xcframework; "
                                   "skipped")
        else:
            raise input_error(p, "file or directory not found", rule="unreadable",
                              hint="give the project's folder, or run scan inside it")
    if cfg is not None:  # lockfiles the configuration names name development pods too
        for lock in cfg.lockfiles:
            full = cfg.resolve(lock)
            if os.path.basename(full) in (L.PODFILE_LOCK, L.PACKAGE_RESOLVED):
                _namer(found, "lockfile", full, os.path.dirname(full))
    _follow_local(found, add, visited, cfg)
    return found


def _namer(found: _Found, kind: str, path: str, app_folder: str) -> None:
    entry = (kind, os.path.normpath(path), app_folder)
    if (os.path.isdir if kind == "project" else os.path.isfile)(path) and \
            entry not in found.namers:
        found.namers.append(entry)


def _follow_local(found: _Found, add: _Add, visited: Set[int], cfg: Optional["Config"]) -> None:
    """Walk the development pods and local packages the lockfiles and projects found name
    (``usage.devpods``), each folder as named and nothing around it; remember whose each is."""
    named: List[devpods.Local] = []
    for kind, path, app_folder in found.namers:
        found.owners.app(app_folder)
        if kind == "project":
            got, notes = devpods.in_xcode_project(path)
        elif os.path.basename(path) == L.PACKAGE_RESOLVED:
            got, notes = devpods.in_package_resolved(path)
        else:
            got, notes = devpods.in_podfile_lock(path)
        named += got
        found.notes += notes
    for local in named:
        real = os.path.realpath(local.path)
        if real == os.path.dirname(real):  # "/" would be the whole file system
            found.notes.append(f"{local.named_at}: {local.label} is at {local.path}, the file "
                               "system's root; not read")
            found.complete = False
            continue
        if not os.path.isdir(local.path):
            found.notes.append(f"{local.named_at}: {local.label} is at {local.path}, which is not "
                               "there (install the dependencies first); not read")
            found.complete = False
            continue
        found.owners.add(local.path, local.label)
        if not (cfg is not None and cfg.exclude and excluded(local.path, cfg)):
            _walk(local.path, found, add, visited, cfg, local.path, own=False, namers=False)


def _walk(top: str, found: _Found, add: _Add, visited: Set[int],
          cfg: Optional["Config"], tree: str, own: bool, namers: bool = True) -> None:
    """Search a folder, following links that stay inside ``tree`` (the project named, or the
    development pod's folder a lockfile names) and entering each folder once (the walk's
    ``visited`` is shared by the walks of one scan); a link leading out of it is noted, not
    followed. ``own``: the app's folders, where its manifest is looked for (a development pod's
    folder is searched for code only); ``namers``: where what names development pods and local
    packages is looked for (the folders given, not the dependencies' checkouts)."""
    namers = own and namers
    from trtc_privacy.usage.sourcescan import is_source

    def read_by_name(name: str) -> bool:  # the files kept: sources, libraries, manifests
        return is_source(name) or name.endswith(".a") or name == MANIFEST_NAME or (
            namers and name in _NAMERS)

    for folder in discover.walk(top, discover.STAY, keep=read_by_name, prune=_PRUNE,
                                seen=visited, on_outside=discover.noted(top, found.notes),
                                tree=tree):
        root = folder.path
        parent = os.path.basename(os.path.normpath(root))
        enter = []
        for e in folder.enter:
            d = e.name
            full = os.path.join(root, d)
            if namers and d.endswith(L.XCODE_CONTAINERS):  # not entered, but they name packages
                _containers(found, full, root)
            if d.endswith(_NO_CODE_SUFFIXES) or (parent, d) in _NOT_CODE_OF_APP:
                continue
            if cfg is not None and cfg.exclude and excluded(full, cfg):
                continue
            if d.endswith(".xcframework"):
                _xcframework(full, found, add)
            elif d.endswith(".framework"):
                add(found.frameworks, full)
            else:
                enter.append(e)
        folder.enter = enter
        names = set()
        for e in folder:
            if e.is_dir:
                continue
            f = e.name
            full = os.path.join(root, f)
            if is_source(f):
                add(found.sources, full)
            elif f.endswith(".a"):
                add(found.archives, full)
            elif f == MANIFEST_NAME:
                if own and kind_for_path(full) == "app":
                    add(found.app_manifests, full)
            else:
                names.add(f)
        for lock in L.lockfiles_in(root, names) if namers else []:
            _namer(found, "lockfile", lock, root)


#: The files that name development pods and local packages (``usage.devpods``).
_NAMERS = frozenset({L.PODFILE_LOCK, L.PACKAGE_RESOLVED, L.PACKAGE_SWIFT})


def _containers(found: _Found, container: str, folder: str) -> None:
    """An .xcodeproj or .xcworkspace: its Package.resolved and (a project) its local packages."""
    for resolved in (L.workspace_resolved(container), L.project_resolved(container)):
        _namer(found, "lockfile", resolved, folder)
    if container.endswith(".xcodeproj"):
        _namer(found, "project", container, folder)


def device_slices(xcf: str, target: str = X.DEFAULT_TARGET) -> List[Tuple[str, List[str]]]:
    """The slices of an .xcframework that ship to the App Store in an app for ``target``
    (``usage.xcframework`` says which), each with the libraries read in it: the one its
    Info.plist lists, else every .framework and .a in the folder."""
    libs = X.listed(_info_plist(xcf), target)
    if libs:
        out: Dict[str, List[str]] = {}
        for lib in sorted(libs, key=lambda lib: (lib.ident, lib.path)):
            if lib.ships:
                out.setdefault(os.path.join(xcf, lib.ident), []).append(
                    os.path.join(xcf, lib.ident, lib.path))
        return list(out.items())
    try:
        names = sorted(n for n in os.listdir(xcf) if os.path.isdir(os.path.join(xcf, n)))
    except OSError:
        return []
    found = []
    for n in names:
        if X.ships(n, target=target):
            s = os.path.join(xcf, n)
            try:
                entries = sorted(os.listdir(s))
            except OSError:
                entries = []
            found.append((s, [os.path.join(s, e) for e in entries
                              if e.endswith((".framework", ".a"))]))
    return found


def _info_plist(xcf: str) -> object:
    """An xcframework's Info.plist as data, or None when it is absent or unreadable."""
    from trtc_privacy.files import FileKind, read_limited

    try:
        data = read_limited(os.path.join(xcf, X.INFO_PLIST),
                            FileKind("Info.plist", "an xcframework's Info.plist", X.MAX_INFO_PLIST))
    except InputError:
        return None
    return X.parse_info(data)


def _xcframework(xcf: str, found: _Found, add: _Add) -> None:
    slices = device_slices(xcf, found.target)
    if not slices:
        found.notes.append(f"{xcf}: no {X.TARGET_NAMES[found.target]} device slice "
                           f"({X.TARGET_FOLDERS[found.target]}); not read")
    for full in (lib for _, libs in slices for lib in libs):
        if full.endswith(".framework") and os.path.isdir(full):
            add(found.frameworks, full)
        elif full.endswith(".a") and os.path.isfile(full):
            add(found.archives, full)


def framework_binary(fw: str) -> Optional[str]:
    """The executable of a .framework: ``X.framework/X`` (iOS) or ``Versions/A/X`` (macOS)."""
    name = os.path.basename(fw.rstrip(os.sep))[: -len(".framework")]
    for cand in (os.path.join(fw, name), os.path.join(fw, "Versions", "Current", name),
                 os.path.join(fw, "Versions", "A", name)):
        if os.path.isfile(cand):
            return cand
    return None


def framework_manifest(fw: str) -> str:
    """Where the framework's manifest is (or would be): beside the binary, or in Resources/."""
    for cand in (os.path.join(fw, MANIFEST_NAME),
                 os.path.join(fw, "Versions", "A", "Resources", MANIFEST_NAME),
                 os.path.join(fw, "Resources", MANIFEST_NAME)):
        if os.path.isfile(cand):
            return cand
    return os.path.join(fw, MANIFEST_NAME)


# -- the scan ----------------------------------------------------------------------------------


def default_paths(cfg: "Config") -> List[str]:
    """The configured project (the configuration file's folder), else the current directory."""
    if cfg.path:
        return [cfg.resolve(".")]
    return ["."]


def scan(paths: Sequence[str], cfg: "Config", selection: Optional[Selection] = None
         ) -> ScanResult:
    """Read everything under ``paths``, group uses by bundle and compare with the manifests."""
    from trtc_privacy.knowledge.apis import uses_in_images
    from trtc_privacy.usage.sourcescan import SourceReadError, scan_file

    found = find_inputs(paths, cfg)
    notes = list(found.notes)
    diags: List[Diagnostic] = []
    bad = False
    files = 0
    app_uses: List[Use] = []
    # everything linked into the app was read (see usage.Bundle.complete)
    app_complete = found.complete
    owner = found.owners.of

    for src in found.sources:
        try:
            hits = scan_file(src)
        except SourceReadError as exc:
            notes.append(f"{src}: {exc}")
            app_complete = False
            continue
        files += 1
        origin = owner(src)
        for h in hits:
            app_uses += _attributed(h.uses(), origin)

    def read_binary(path: str) -> Optional[List["Image"]]:
        """Its images, or None when unreadable (bad-binary; whatever links it is incomplete)."""
        nonlocal bad, files, app_complete
        from trtc_privacy.usage import macho  # only when there is a binary to read

        files += 1  # checked, readable or not (as lint counts an unreadable path)
        try:
            images = macho.read_file(path, max_bytes=_BINARY_LIMIT)
        except (macho.MachOError, OSError) as exc:
            bad = True
            msg = str(exc) if isinstance(exc, macho.MachOError) else \
                f"cannot read: {(exc.strerror or str(exc)).lower()}"
            diags.append(_bad_binary(path, msg))
            app_complete = False  # an archive, or a framework that may be static
            return None
        counted = _counted(images, path, found.target, notes)
        if any(img.encrypted for img in counted):
            notes.append(f"{path}: encrypted (FairPlay): its selectors cannot be read, so uses "
                         "may be missing")
        return counted

    for a in found.archives:
        images = read_binary(a)
        if images:
            app_uses += _attributed(uses_in_images(images, a), owner(a))
            app_complete = app_complete and not any(img.encrypted for img in images)

    frameworks: Dict[str, BundleUsage] = {}
    for fw in found.frameworks:
        binary = framework_binary(fw)
        if binary is None:
            notes.append(f"{fw}: no executable inside; not read")
            continue
        images = read_binary(binary)
        if not images:
            continue
        uses = _attributed(uses_in_images(images, binary), owner(fw))
        complete = not any(img.encrypted for img in images)
        if not any(img.filetype == "dylib" for img in images):
            app_uses += uses  # a static framework is linked into the app
            app_complete = app_complete and complete
            continue
        name = os.path.basename(fw.rstrip(os.sep))
        asc = f"Frameworks/{name}/{name[: -len('.framework')]}"
        if asc in frameworks:  # the same framework from two places (e.g. Pods and Carthage)
            frameworks[asc].uses += uses
            frameworks[asc].complete = frameworks[asc].complete and complete
            continue
        manifest = framework_manifest(fw)
        declared: Optional[Dict[str, Tuple[Optional[int], Optional[int]]]] = None
        if os.path.isfile(manifest):
            files += 1
            declared, error = _declared_in_file(manifest)
            if error is not None:
                notes.append(f"{manifest}: {error}; `trtc-privacy lint` says more (read as "
                             "declaring nothing)")
                declared = {}
        frameworks[asc] = BundleUsage(name, asc, False, uses, declared, manifest,
                                 manifest if declared is not None else binary,
                                 platform=found.target, complete=complete)

    app_path = _app_manifest_path(cfg, found, notes)
    root = paths[0] if paths and os.path.isdir(paths[0]) else "."
    lockfiles: List[str] = []
    merged, app_doc = app_manifest(cfg, app_path, root, notes, lockfiles)
    files += len(lockfiles) + (1 if app_path and os.path.isfile(app_path) else 0)
    unread = _unread_of_app(paths, cfg, app_path, lockfiles)
    if unread:
        notes.append(unread)
        app_complete = False
    declared_app = _declared(merged)
    if app_doc is not None and app_path and os.path.isfile(app_path):  # read once, by the merge
        for c, pos in _declared_in(app_doc).items():
            if c in declared_app:
                declared_app[c] = pos
    has_manifest = bool(app_path and os.path.isfile(app_path)) or merged.api_types is not None
    app = BundleUsage(APP, "the app's executable", True, app_uses,
                 declared_app if has_manifest else None, app_path or "",
                 app_path or (paths[0] if paths else "."), platform=found.target,
                 complete=app_complete, reasons=_reasons(merged))
    bundles = [app] + [frameworks[k] for k in sorted(frameworks)]
    diags += compare(bundles, selection)
    return ScanResult(sorted(diags, key=lambda d: d.sort_key()), bundles, files, notes, bad)


def _attributed(uses: List[Use], origin: str) -> List[Use]:
    """The uses with their evidence naming the development pod or package they came from."""
    if not origin:
        return uses
    from dataclasses import replace

    return [Use(u.category, replace(u.evidence, origin=origin)) for u in uses]


def _counted(images: List["Image"], path: str, target: str, notes: List[str]) -> List["Image"]:
    """The images of one binary that count for an app built for ``target`` (the rule of
    ``usage.xcframework``): its device images. A binary with none is not read, with a note:
    built for the simulator only it never reaches the App Store; built for another platform
    it is not part of the app."""
    roles = [X.image_role(img.platform, target) for img in images]
    device = [img for img, r in zip(images, roles) if r == X.DEVICE]
    if device or not images:
        return device
    archs = ", ".join(dict.fromkeys(img.arch for img in images))
    name = X.TARGET_NAMES[target]
    if X.SIMULATOR in roles:
        notes.append(f"{path}: built for the {name} simulator only ({archs}): it never reaches "
                     "the App Store; not read")
    else:
        built = ", ".join(sorted({img.platform for img in images}))
        notes.append(f"{path}: built for {built} ({archs}), not for {name}, the app's platform "
                     "(`platform` in the configuration); not read")
    return []


def _unread_of_app(paths: Sequence[str], cfg: "Config", app_path: Optional[str],
                   lockfiles: Sequence[str]) -> str:
    """What the app's manifest covers that this scan did not read ('' when it read it all).

    The app's manifest covers the app's own sources and every library linked into it, so a
    declaration nothing uses can only be told when the scan read the whole project (a folder
    holding the configuration's folder, else the app manifest's folder) and the pods the
    lockfiles list are installed; otherwise the note says what was not read."""
    if not app_path:
        return ""
    root = cfg.resolve(".") if cfg.path else os.path.dirname(os.path.abspath(app_path))
    dirs = [os.path.realpath(p) for p in paths if os.path.isdir(p)]
    real = os.path.realpath(root)
    if not any(os.path.commonpath([d, real]) == d for d in dirs):
        return (f"the app's manifest ({app_path}) covers the app's sources and everything "
                f"linked into it, and this scan read only {', '.join(paths)}: a declaration "
                f"nothing here uses is not reported (scan {os.path.relpath(root)} to judge "
                "them)")
    missing = [lf for lf in lockfiles if os.path.basename(lf) == "Podfile.lock"
               and not os.path.isdir(os.path.join(os.path.dirname(lf), "Pods"))]
    if missing:
        return (f"the pods {', '.join(missing)} lists are not installed (no Pods/ folder "
                "beside it), so the libraries they link into the app were not read: a "
                "declaration of the app's that nothing read uses is not reported (run "
                "`pod install` first)")
    return ""


def _app_manifest_path(cfg: "Config", found: _Found, notes: List[str]) -> Optional[str]:
    if cfg.app_manifest:
        return cfg.resolve(cfg.app_manifest)
    if len(found.app_manifests) == 1:
        return found.app_manifests[0]
    if found.app_manifests:
        notes.append("several app manifests found (" + ", ".join(found.app_manifests)
                     + "); set app-manifest in the configuration to say which is the app's")
    return None


def _bad_binary(path: str, message: str) -> Diagnostic:
    """Bad input is never turned off by the selection: the run exits 2 whatever it says."""
    from trtc_privacy.lint.rules import get

    r = get("bad-binary")
    assert r is not None
    return Diagnostic(path, None, None, r.name, Severity.ERROR, message, r.hint, r.primary_itms)
