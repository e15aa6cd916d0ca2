"""Readers for the lockfiles that say which SDKs an app resolves: Podfile.lock and Package.resolved.

They know the file formats, not the TRTC family: every pod or package comes back with the line
it was written on, and ``trtc_privacy.merge.versions`` decides which of them matter. A file that is not
what it claims to be is an ``InputError`` at ``PATH:LINE`` (exit 2).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Collection, Dict, List, Optional, Tuple

from trtc_privacy import discover
from trtc_privacy.diagnostics import input_error
from trtc_privacy.files import DEPENDENCY_DIRS, SKIP_DIRS, FileKind, read_limited

PODFILE_LOCK = "Podfile.lock"
PACKAGE_RESOLVED = "Package.resolved"
COCOAPODS, SWIFTPM = "cocoapods", "swiftpm"
#: Package.resolved formats after 1 that keep ``pins`` at the top with ``location`` URLs (SwiftPM
#: 5.6 wrote 2, 5.9 writes 3); an unknown one is refused rather than guessed at.
PACKAGE_RESOLVED_FORMATS = (2, 3)
#: The largest real lockfiles are a few hundred kilobytes; this bound leaves ample room.
LOCKFILE = FileKind("lockfile", "a Podfile.lock or Package.resolved file", 16 * 1024 * 1024)

#: Directories a search never enters: build products, caches, checkouts of dependencies.
_PRUNE = SKIP_DIRS | DEPENDENCY_DIRS


@dataclass
class Resolved:
    """One resolved pod (all its subspecs together) or SwiftPM package, and where it was written."""

    path: str
    line: int
    name: str  # root pod name, or the repository name of a SwiftPM package
    version: Optional[str]  # as written; None when a package is pinned by branch or revision
    manager: str  # COCOAPODS or SWIFTPM
    subspecs: List[str] = field(default_factory=list)
    external: str = ""  # e.g. ":path ../call/": the version is whatever that podspec says
    url: str = ""  # SwiftPM repository URL
    #: the root pods this pod's PODS entries require (a Podfile.lock's dependency edges)
    requires: List[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``Pod``, ``Pod/Sub`` or ``Pod/{A,B}``: the pod as the lockfile names it."""
        if not self.subspecs:
            return self.name
        if len(self.subspecs) == 1:
            return f"{self.name}/{self.subspecs[0]}"
        return f"{self.name}/{{{','.join(self.subspecs)}}}"


@dataclass
class Lockfile:
    path: str
    manager: str
    entries: List[Resolved]
    format_version: Optional[int] = None  # Package.resolved's "version"


# ---------------------------------------------------------------------------------------------
# where lockfiles live: the one place that knows (the search below, scan's look at a project's
# top folder and the Xcode phase's guess all ask here)

#: SwiftPM writes Package.resolved beside the package's manifest.
PACKAGE_SWIFT = "Package.swift"
LOCKFILE_NAMES = (PODFILE_LOCK, PACKAGE_RESOLVED)
#: Xcode keeps a workspace's resolved packages in ``<workspace>/xcshareddata/swiftpm/``; every
#: project holds a workspace of its own, ``project.xcworkspace``.
XCODE_SWIFTPM = ("xcshareddata", "swiftpm")
PROJECT_WORKSPACE = "project.xcworkspace"
XCODE_CONTAINERS = (".xcworkspace", ".xcodeproj")


def workspace_resolved(workspace: str) -> str:
    """Where Xcode keeps the Package.resolved of a workspace."""
    return os.path.join(workspace, *XCODE_SWIFTPM, PACKAGE_RESOLVED)


def project_resolved(project: str) -> str:
    """Where Xcode keeps the Package.resolved of a project (in its own workspace)."""
    return workspace_resolved(os.path.join(project, PROJECT_WORKSPACE))


def lockfiles_in(folder: str, names: Collection[str]) -> List[str]:
    """The lockfiles among the ``names`` in ``folder``: a Podfile.lock wherever it is, a
    Package.resolved beside a Package.swift or where Xcode keeps it."""
    found = []
    if PODFILE_LOCK in names:
        found.append(os.path.join(folder, PODFILE_LOCK))
    if PACKAGE_RESOLVED in names and (
            PACKAGE_SWIFT in names
            or folder.replace(os.sep, "/").endswith("/".join(XCODE_SWIFTPM))):
        found.append(os.path.join(folder, PACKAGE_RESOLVED))
    return found


def project_lockfiles(root: str) -> List[str]:
    """The lockfiles at the top of a project folder: its Podfile.lock and Package.resolved, and
    the Package.resolved of each workspace and project there (in name order)."""
    out = [p for p in (os.path.join(root, n) for n in LOCKFILE_NAMES) if os.path.isfile(p)]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        names = []
    for n in names:
        if n.endswith(XCODE_CONTAINERS):
            inner = [workspace_resolved(os.path.join(root, n)),
                     project_resolved(os.path.join(root, n))]
            out += [p for p in inner if os.path.isfile(p)]
    return out


def find_lockfiles(paths: List[str], notes: Optional[List[str]] = None) -> List[str]:
    """Every lockfile named or found under the given paths (default: the current directory).

    In a directory: ``Podfile.lock`` anywhere, and ``Package.resolved`` where Xcode keeps it
    (``*.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/``, ``*.xcworkspace/xcshareddata/
    swiftpm/``) or beside a ``Package.swift``. Build folders and ``Pods/`` are not entered, nor
    are links to folders; a link leading out of the folder searched is not read (``discover.LIST``)
    and ``notes`` says so.
    """
    out: List[str] = []
    for p in paths or ["."]:
        if os.path.isdir(p):
            found = _search(p, notes)
            if not found:
                raise input_error(p, "no Podfile.lock or Package.resolved found in this directory",
                                  rule="no-lockfile",
                                  hint="run `pod install` or resolve the Swift packages first, or "
                                  "give the lockfile's path")
            out += found
        elif os.path.lexists(p):
            out.append(p)
        else:
            raise input_error(p, "no such file or directory", rule="unreadable")
    return list(dict.fromkeys(os.path.normpath(p) for p in out))


_SEARCHED_NAMES = frozenset(LOCKFILE_NAMES + (PACKAGE_SWIFT,))


def _search(root: str, notes: Optional[List[str]] = None) -> List[str]:
    found = []
    for folder in discover.walk(root, discover.LIST, keep=_SEARCHED_NAMES.__contains__,
                                prune=_PRUNE, on_outside=discover.noted(root, notes)):
        found += lockfiles_in(folder.path, {e.name for e in folder if not e.is_dir})
    return found


def read_lockfile(path: str) -> Lockfile:
    """Read one lockfile, telling the two formats apart by their content."""
    data = read_limited(path, LOCKFILE)
    if b"\x00" in data:
        raise input_error(path, "binary data: not a Podfile.lock or Package.resolved", line=1,
                          rule="malformed-lockfile")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise input_error(path, "not UTF-8 text", line=line, rule="malformed-lockfile") from None
    if text.lstrip().startswith("{") or path.endswith(".resolved"):
        return parse_package_resolved(text, path)
    return parse_podfile_lock(text, path)


# ---------------------------------------------------------------------------------------------
# Podfile.lock: a YAML subset CocoaPods always writes the same way, read line by line so that
# every pod keeps its line number.

_SECTION = re.compile(r"([A-Z][A-Z ]*[A-Z]):(?:[ \t]+(\S.*))?")
_ITEM = re.compile(r"( *)- (.+?)(:?)")
_KEY = re.compile(r"( *)(\"[^\"]*\"|'[^']*'|[^\s\"'#][^:]*?):(?:[ \t]+(\S.*))?")
_POD = re.compile(r"([^\s()/]+)((?:/[^\s()/]+)*)(?:\s+\(([^()]*)\))?")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+\-]*")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s


def parse_podfile_lock(text: str, path: str) -> Lockfile:
    """The pods a Podfile.lock resolves: ``PODS`` entries merged per root pod, with subspecs,
    and the ``EXTERNAL SOURCES`` each came from (a local ``:path`` pod's version is a placeholder).
    """
    entries: Dict[str, Resolved] = {}
    external: Dict[str, str] = {}
    section: Optional[str] = None
    seen_sections = set()
    ext_pod: Optional[str] = None
    in_top_item = False
    current: Optional[Resolved] = None  # the pod whose requirements follow

    def bad(lineno: int, message: str, hint: str = "") -> Exception:
        return input_error(path, message, line=lineno, rule="malformed-lockfile",
                           hint=hint or "regenerate it with `pod install`")

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(_CONFLICT):
            raise bad(lineno, "unresolved merge conflict marker",
                      hint="resolve the conflict (or delete Podfile.lock) and run `pod install`")
        indent = len(line) - len(line.lstrip(" "))
        if line[indent:indent + 1] == "\t":
            raise bad(lineno, "tab in indentation: Podfile.lock is YAML, indented with spaces")
        if indent == 0:
            m = _SECTION.fullmatch(line)
            if not m:
                raise bad(lineno, f"expected a section such as \"PODS:\", found \"{_short(line)}\"")
            section = m.group(1)
            if section in seen_sections:
                raise bad(lineno, f"section {section} appears twice")
            seen_sections.add(section)
            ext_pod = None
            continue
        if section is None:
            raise bad(lineno, "indented line before the first section")
        if section == "PODS":
            m = _ITEM.fullmatch(line)
            if not m or len(m.group(1)) not in (2, 4) or (len(m.group(1)) == 4 and not in_top_item):
                raise bad(lineno, f"expected \"  - POD (VERSION)\" in PODS, "
                          f"found \"{_short(line)}\"")
            pod = _POD.fullmatch(_unquote(m.group(2)))
            if not pod:
                raise bad(lineno, f"\"{_short(m.group(2))}\" is not a pod name with a version")
            if len(m.group(1)) == 4:  # a requirement of the pod above; it resolves nothing
                if m.group(3):
                    raise bad(lineno, "a requirement line cannot have requirements of its own")
                if current is not None and pod.group(1) != current.name \
                        and pod.group(1) not in current.requires:
                    current.requires.append(pod.group(1))
                continue
            version = pod.group(3)
            if version is None or not _VERSION.fullmatch(version.strip()):
                raise bad(lineno, f"\"{_short(m.group(2))}\" in PODS has no resolved version",
                          hint="each PODS entry is written \"NAME (VERSION)\"; regenerate the "
                          "file with `pod install`")
            in_top_item = bool(m.group(3))
            name, sub = pod.group(1), pod.group(2).lstrip("/")
            e = entries.get(name)
            if e is None:
                e = entries[name] = Resolved(path, lineno, name, version.strip(), COCOAPODS)
            elif e.version != version.strip():
                raise bad(lineno, f"{name} is resolved at two versions, {e.version} (line "
                          f"{e.line}) and {version.strip()}")
            if sub and sub not in e.subspecs:
                e.subspecs.append(sub)
            current = e
        elif section == "EXTERNAL SOURCES":
            m = _KEY.fullmatch(line)
            if not m:
                raise bad(lineno, f"expected \"POD:\" or \":path: ...\" in EXTERNAL SOURCES, "
                          f"found \"{_short(line)}\"")
            if len(m.group(1)) == 2 and not m.group(3):
                ext_pod = _unquote(m.group(2))
            elif len(m.group(1)) == 4 and ext_pod is not None and m.group(3):
                key = _unquote(m.group(2))
                if key in (":path", ":podspec", ":git") and ext_pod not in external:
                    external[ext_pod] = f"{key} {_unquote(m.group(3))}"
            else:
                raise bad(lineno, f"unexpected line in EXTERNAL SOURCES: \"{_short(line)}\"")
        elif section == "DEPENDENCIES":
            m = _ITEM.fullmatch(line)
            if not m or len(m.group(1)) != 2:
                raise bad(lineno, f"expected \"  - POD\" in DEPENDENCIES, found \"{_short(line)}\"")
        # other sections (SPEC REPOS, SPEC CHECKSUMS, CHECKOUT OPTIONS, ...) hold nothing we need
    if "PODS" not in seen_sections:
        raise input_error(path, "not a Podfile.lock: it has no PODS section", line=1,
                          rule="malformed-lockfile",
                          hint="give a Podfile.lock written by `pod install`, or a "
                          "Package.resolved")
    for name, e in entries.items():
        e.external = external.get(name, "")
    return Lockfile(path, COCOAPODS, list(entries.values()))


def _short(s: str, n: int = 60) -> str:
    s = s.strip()
    return s if len(s) <= n else s[:n - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Package.resolved: JSON, format 1 ({"object": {"pins": [...]}}) or 2 and 3 ({"pins": [...]}).


#: Where a JSON lockfile too deep for the decoder is said to go too deep (it needs 4).
MAX_JSON_DEPTH = 256
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


def _too_deep(text: str) -> Tuple[int, int]:
    """(line, column) of the bracket that opens level MAX_JSON_DEPTH + 1 of a JSON text, read
    without recursion (strings skipped); (1, 1) if none does."""
    depth, in_string, skip = 0, False, -1
    for m in _JSON_SPECIAL.finditer(text):
        at, c = m.start(), m.group()
        if at == skip:
            continue
        if in_string:
            if c == "\\":
                skip = at + 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, at) + 1
                return line, at - (text.rfind("\n", 0, at) + 1) + 1
        elif c in "]}":
            depth -= 1
    return 1, 1


def parse_package_resolved(text: str, path: str) -> Lockfile:
    """The packages a Package.resolved pins, each with the line of its repository URL."""
    try:
        data = json.loads(text)
    except RecursionError:  # nested deeper than the decoder's stack: say where
        deep_line, deep_col = _too_deep(text)
        raise input_error(path, f"not a Package.resolved: nested more than {MAX_JSON_DEPTH} "
                          "levels deep", line=deep_line, column=deep_col, rule="malformed-lockfile",
                          hint="a Package.resolved is 4 levels deep; resolve the packages "
                          "again") from None
    except ValueError as exc:
        lineno, col = getattr(exc, "lineno", 1), getattr(exc, "colno", None)
        msg = getattr(exc, "msg", str(exc))
        raise input_error(path, f"not valid JSON: {msg}", line=lineno, column=col,
                          rule="malformed-lockfile",
                          hint="resolve the packages again in Xcode (File > Packages > Resolve "
                          "Package Versions) or with `swift package resolve`") from None

    def bad(message: str, at: str = "") -> Exception:
        line = _line_of(text, at) if at else 1
        return input_error(path, message, line=line, rule="malformed-lockfile",
                           hint="a Package.resolved is written by Xcode or SwiftPM; resolve the "
                           "packages again")

    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise bad("not a Package.resolved: expected an object with an integer \"version\"")
    fmt = data["version"]
    if fmt == 1:
        obj = data.get("object")
        pins = obj.get("pins") if isinstance(obj, dict) else None
        url_key = "repositoryURL"
    elif fmt in PACKAGE_RESOLVED_FORMATS:
        pins, url_key = data.get("pins"), "location"
    else:
        known = ", ".join(str(v) for v in (1,) + PACKAGE_RESOLVED_FORMATS)
        raise input_error(path, f"unknown Package.resolved format version {fmt} (known: {known})",
                          line=_line_of(text, "\"version\""), rule="malformed-lockfile",
                          hint="a newer Xcode or SwiftPM may have written it; please report the "
                          "file so its format can be read, or give a Podfile.lock")
    if not isinstance(pins, list):
        raise bad(f"Package.resolved version {fmt} has no \"pins\" list")
    entries: List[Resolved] = []
    offset = 0
    for i, pin in enumerate(pins):
        url = pin.get(url_key) if isinstance(pin, dict) else None
        if not isinstance(url, str) or not url:
            raise bad(f"pin {i + 1} has no \"{url_key}\" (format version {fmt})",
                      "\"pins\"" if fmt >= 2 else "\"object\"")
        lineno, offset = _find_key_line(text, url_key, url, offset)
        state = pin.get("state")
        if not isinstance(state, dict):
            raise bad(f"pin {i + 1} ({url}) has no \"state\" object", "\"pins\"")
        version = state.get("version")
        name = _repo_name(url)
        entries.append(Resolved(path, lineno, name, version if isinstance(version, str) and version
                             else None, SWIFTPM, url=url,
                             external="" if version else _pinned_by(state)))
    return Lockfile(path, SWIFTPM, entries, fmt)


def _pinned_by(state: Dict[str, Any]) -> str:
    if state.get("branch"):
        return f"branch {state['branch']}"
    if state.get("revision"):
        return f"revision {str(state['revision'])[:12]}"
    return "no version"


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _find_key_line(text: str, key: str, value: str, start: int) -> Tuple[int, int]:
    """The line of ``"key" : "value"`` at or after ``start``, and where to look for the next."""
    pat = re.compile(r'"%s"\s*:\s*%s' % (re.escape(key), re.escape(json.dumps(value))[:-1]))
    m = pat.search(text, start) or pat.search(text)
    if m is None:  # the URL is escaped some other way (\/); fall back to the key alone
        m = re.compile(r'"%s"' % re.escape(key)).search(text, start)
    if m is None:
        return 1, start
    return text.count("\n", 0, m.start()) + 1, m.end()


def normalise_url(url: str) -> str:
    """``https://github.com/Owner/Repo.git`` or ``git@github.com:owner/repo`` -> the comparable
    ``github.com/owner/repo``."""
    u = url.strip().lower()
    had_scheme = re.match(r"[a-z+]+://", u) is not None
    u = re.sub(r"^[a-z+]+://", "", u)
    u = re.sub(r"^[^@/]+@", "", u)
    if not had_scheme:
        u = u.replace(":", "/", 1)
    u = u.rstrip("/")
    if u.endswith(".git"):
        u = u[:-4]
    return u.rstrip("/")


def _repo_name(url: str) -> str:
    tail = url.strip().rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail[:-4] if tail.endswith(".git") else tail
