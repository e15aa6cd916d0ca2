"""Development pods and local Swift packages: code the app builds from folders its project names.

React Native, Capacitor, NativeScript and Flutter apps resolve their native modules as CocoaPods
development pods: ``Podfile.lock`` names each under ``EXTERNAL SOURCES`` with ``:path:``,
relative to the lockfile's folder, and its files stay where that path leads
(``../node_modules/react-native-background-fetch``, ``.symlinks/plugins/X/ios``). Swift packages
can be local too: ``Package.resolved`` pins a local git checkout (``"kind":
"localSourceControl"``), and an Xcode 15+ project names a local package
(``XCLocalSwiftPackageReference``, ``relativePath`` from the project's folder).

``scan`` walks each folder named so, and only those: ``node_modules`` and Flutter's
``.symlinks`` are otherwise never entered. ``Owners`` then says which pod or package a file
belongs to, so a use found there names it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Dict, List, NamedTuple, Tuple

from trtc_privacy.diagnostics import InputError

#: An Xcode project file is a few megabytes at most; a larger one is not read for packages.
MAX_PROJECT = 32 << 20
_LOCAL_PACKAGE = re.compile(r"\{([^{}]*\bisa\s*=\s*XCLocalSwiftPackageReference\s*;[^{}]*)\}")
_RELATIVE_PATH = re.compile(r"\brelativePath\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^;\s]+)\s*;")


class Local(NamedTuple):
    """One development pod or local package and the folder it is built from."""

    label: str  # "pod RNBackgroundFetch", "package MyKit": how evidence names it
    path: str  # the folder, joined with the naming file's folder (as the user sees it)
    named_at: str  # "ios/Podfile.lock:12": where the lockfile or project names it


def in_podfile_lock(path: str) -> Tuple[List[Local], List[str]]:
    """The ``:path:`` pods a Podfile.lock names, and notes (a lockfile that cannot be read)."""
    from trtc_privacy.merge.lockfiles import read_lockfile

    try:
        lock = read_lockfile(path)
    except InputError as exc:
        return [], [f"{exc.diagnostic.location()}: {exc.diagnostic.message}; its development "
                    "pods are not followed"]
    base = os.path.dirname(path)
    out = []
    for e in lock.entries:
        kind, _, where = e.external.partition(" ")
        if kind == ":path" and where:
            out.append(Local(f"pod {e.name}", _joined(base, where), f"{path}:{e.line}"))
    return out, []


def in_package_resolved(path: str) -> Tuple[List[Local], List[str]]:
    """The local git checkouts a Package.resolved pins (``localSourceControl``)."""
    from trtc_privacy.files import read_limited
    from trtc_privacy.merge.lockfiles import LOCKFILE

    try:
        data = json.loads(read_limited(path, LOCKFILE).decode("utf-8-sig"))
    except (InputError, ValueError) as exc:
        why = exc.diagnostic.message if isinstance(exc, InputError) else "not valid JSON"
        return [], [f"{path}: {why}; its local packages are not followed"]
    pins = data.get("pins") if isinstance(data, dict) else None
    if pins is None and isinstance(data, dict) and isinstance(data.get("object"), dict):
        pins = data["object"].get("pins")
    out = []
    for pin in pins if isinstance(pins, list) else []:
        if not isinstance(pin, dict) or pin.get("kind") != "localSourceControl":
            continue
        where = pin.get("location")
        if isinstance(where, str) and where:
            where = where[len("file://"):] if where.startswith("file://") else where
            name = pin.get("identity") if isinstance(pin.get("identity"), str) else \
                os.path.basename(where.rstrip("/"))
            out.append(Local(f"package {name}", _joined(os.path.dirname(path), where), path))
    return out, []


def in_xcode_project(project: str) -> Tuple[List[Local], List[str]]:
    """The local packages an ``.xcodeproj`` names (``XCLocalSwiftPackageReference``), their
    paths relative to the folder holding the project."""
    from trtc_privacy.files import FileKind, read_limited

    pbxproj = os.path.join(project, "project.pbxproj")
    if not os.path.isfile(pbxproj):
        return [], []
    try:
        text = read_limited(pbxproj, FileKind("project.pbxproj", "an Xcode project file",
                                              MAX_PROJECT)).decode("utf-8", "replace")
    except InputError as exc:
        return [], [f"{pbxproj}: {exc.diagnostic.message}; its local packages are not followed"]
    out = []
    for block in _LOCAL_PACKAGE.finditer(text):
        m = _RELATIVE_PATH.search(block.group(1))
        if m is None:
            continue
        rel = m.group(1)
        if rel.startswith('"'):
            rel = re.sub(r"\\(.)", r"\1", rel[1:-1])
        line = text.count("\n", 0, block.start()) + 1
        out.append(Local(f"package {os.path.basename(rel.rstrip('/')) or rel}",
                         _joined(os.path.dirname(project), rel), f"{pbxproj}:{line}"))
    return out, []


def _joined(base: str, where: str) -> str:
    return os.path.normpath(os.path.join(base, where)) if base else os.path.normpath(where)


class Owners:
    """Which development pod or local package a file belongs to: the innermost named folder
    holding it. The folders the lockfiles and projects sit in are the app's own, so a pod
    whose path holds the project (``:path: ../``, a library's example app) does not claim the
    app's files."""

    def __init__(self) -> None:
        self._roots: Dict[str, str] = {}  # real path -> label ("" for the app's folders)

    def __bool__(self) -> bool:
        return any(self._roots.values())

    def add(self, folder: str, label: str) -> None:
        self._roots.setdefault(os.path.realpath(folder), label)

    def app(self, folder: str) -> None:
        self._roots[os.path.realpath(folder)] = ""

    def of(self, path: str) -> str:
        """The label of the innermost named folder holding ``path`` ("" when none does)."""
        if not self:
            return ""
        cur = os.path.realpath(path)
        while True:
            if cur in self._roots:
                return self._roots[cur]
            parent = os.path.dirname(cur)
            if parent == cur:
                return ""
            cur = parent
