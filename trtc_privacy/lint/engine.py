"""Run the lint rules over manifests: one document, one file, paths and directories, merges.

Pure apart from reading the files it is given: returns Diagnostics, prints nothing. Parse
failures from the one reader become diagnostics under their rule name; only a path that cannot
be read at all raises InputError (exit 2).
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Optional, Pattern, Sequence, Set, Tuple

from trtc_privacy import discover as folders
from trtc_privacy.diagnostics import Diagnostic, InputError, input_error
from trtc_privacy.files import SKIP_DIRS
from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, LineIndex, read_document
from trtc_privacy.selection import Selection

if TYPE_CHECKING:  # configuration is loaded by the caller; only its type is named here
    from trtc_privacy.config import Config
    from trtc_privacy.lint.rules.base import Finding, Rule, Visit

KINDS = ("app", "sdk", "auto")
MANIFEST_NAME = C.MANIFEST_NAME
_SDK_SUFFIXES = (".framework", ".xcframework", ".bundle")


# -- one document ------------------------------------------------------------------------------


def lint_document(doc: Document, kind: str = "app", cfg: Optional[Config] = None, *,
                  check_name: bool = False) -> List[Diagnostic]:
    """Every finding of the enabled rules in a parsed document, sorted by place.

    ``kind`` is "app" or "sdk" (sdk-only-reason applies to apps only); ``check_name`` also
    checks the file name, which only makes sense for a file the user named.
    """
    return _lint_document(doc, kind, Selection.from_config(cfg), check_name)


def lint_sdk(doc: Document, sel: Selection, table: "Dispatch") -> List[Diagnostic]:
    """``lint_document`` of an SDK's manifest, for callers that lint many with one selection
    (``table`` is ``dispatch(sel)``)."""
    return _lint_document(doc, "sdk", sel, False, table)


def _lint_document(doc: Document, kind: str, sel: Selection, check_name: bool,
                   table: Optional[Dispatch] = None) -> List[Diagnostic]:
    if kind not in ("app", "sdk"):
        kind = kind_for_path(doc.path) if kind == "auto" else "app"
    found = walk(doc, kind, table if table is not None else dispatch(sel), check_name)
    if not found:
        return []
    return [d for d, _ in diagnose(doc, found, sel)]


def diagnose(doc: Document, found: Sequence[Tuple["Rule", "Finding"]], sel: Selection
             ) -> List[Tuple[Diagnostic, "Finding"]]:
    """The diagnostics of a walk's findings, at their configured severity, sorted by place,
    each with the finding it came from (what ``--fix`` reads)."""
    lines: Optional[LineIndex] = None
    out: List[Tuple[Diagnostic, Finding]] = []
    for r, f in found:  # positions are computed here, for findings only
        if f.offset is not None and not doc.binary:
            lines = lines or LineIndex(doc.text)
            at: Tuple[Optional[int], Optional[int]] = lines.locate(f.offset)
        else:
            at = doc.position(f.element)
        line, col = at
        d = Diagnostic(doc.path, line, col, r.name, r.severity, f.message, f.hint or r.hint,
                       r.primary_itms)
        stamped = sel.stamp(d)
        if stamped is not None:
            out.append((stamped, f))
    return sorted(out, key=_place)


def _place(item: Tuple[Diagnostic, "Finding"]) -> Tuple[object, ...]:
    return item[0].sort_key()


Dispatch = Dict[str, List[Tuple["Rule", "Visit"]]]
_DISPATCH: Dict[Tuple[FrozenSet[str], FrozenSet[str], FrozenSet[str]], Dispatch] = {}


def dispatch(sel: Selection) -> Dispatch:
    """Node kind -> the checks of the enabled rules that look at it (registry order).

    Built once per selection, so the engine never asks whether a rule is on while walking.
    """
    off = frozenset(k for k, v in sel.severity.items() if v == "off")
    key = (frozenset(sel.select), frozenset(sel.ignore), off)
    got = _DISPATCH.get(key)
    if got is None:
        from trtc_privacy.lint.rules import lint_rules
        from trtc_privacy.lint.rules.base import NODES

        got = {node: [] for node in NODES}
        for r in lint_rules():
            if r.visits and sel.enabled(r.name):
                for node, fns in r.visits.items():
                    got[node] += [(r, fn) for fn in fns]
        _DISPATCH[key] = got
    return got


def walk(doc: Document, kind: str, table: Dispatch, check_name: bool = False
         ) -> List[Tuple["Rule", "Finding"]]:
    """The one walk: visit each node of the document once, calling the checks registered for it.

    Kinds of node nobody checks are not visited at all. Checks return () or a list when clean
    or not (a generator also works); the loops are written out because they run for every node
    of every file.
    """
    from trtc_privacy.lint.rules.base import Context

    ctx = Context(doc, kind, check_name)
    view = ctx.view
    found: List[Tuple[Rule, Finding]] = []
    extend = found.extend

    for r, fn in table["document"]:
        got = fn(ctx, None)
        if got:
            extend([(r, f) for f in got])
    checks = table["top_pair"]
    if checks:
        for pair in view.top_pairs():
            for r, fn in checks:
                got = fn(ctx, pair)
                if got:
                    extend([(r, f) for f in got])
    for key, entry_node, item_node in ((C.API_TYPES, "api_entry", "reason"),
                                       (C.DATA_TYPES, "data_entry", "purpose")):
        checks, items = table[entry_node], table[item_node]
        if not (checks or items):
            continue
        for e in view.facts(key):
            for r, fn in checks:
                got = fn(ctx, e)
                if got:
                    extend([(r, f) for f in got])
            if items:
                ident, el = e.ident, e.el
                for text, string in e.items:
                    item = (ident, text, string, el)
                    for r, fn in items:
                        got = fn(ctx, item)
                        if got:
                            extend([(r, f) for f in got])
    checks = table["domain"]
    if checks:
        for domain in view.domains():
            for r, fn in checks:
                got = fn(ctx, domain)
                if got:
                    extend([(r, f) for f in got])
    checks = table["dict"]
    if checks and view.top is not None:
        for d in view.top.iter("dict"):
            for r, fn in checks:
                got = fn(ctx, d)
                if got:
                    extend([(r, f) for f in got])
    return found


def _parse_diagnostic(exc: InputError, sel: Selection) -> Optional[Diagnostic]:
    from trtc_privacy.lint.rules import get

    d = exc.diagnostic
    r = get(d.rule)
    if r is not None:
        d = Diagnostic(d.path, d.line, d.column, d.rule, r.severity, d.message,
                       d.hint or r.hint, r.primary_itms)
    return sel.stamp(d)


# -- files and directories ---------------------------------------------------------------------


def kind_for_path(path: str) -> str:
    """"sdk" for a file inside a .framework, .xcframework, .bundle, Pods/ or a Swift package's
    sources (a Sources/ folder beside a Package.swift), else "app"."""
    full = os.path.abspath(path)
    parts = full.split(os.sep)
    for i, part in enumerate(parts[:-1]):
        if part.endswith(_SDK_SUFFIXES) or part == "Pods":
            return "sdk"
        if part == "checkouts" and i > 0 and parts[i - 1] in (".build", "SourcePackages"):
            return "sdk"
        if part == "Sources" and os.path.isfile(os.sep.join(parts[:i] + ["Package.swift"])):
            return "sdk"
    return "app"


def lint_file(path: str, kind: str = "auto", cfg: Optional[Config] = None) -> List[Diagnostic]:
    """Lint one file. A file that does not parse gives one diagnostic; an unreadable path raises."""
    return _lint_file(path, kind, Selection.from_config(cfg))


def _lint_file(path: str, kind: str, sel: Selection,
               table: Optional[Dispatch] = None) -> List[Diagnostic]:
    k = kind if kind in ("app", "sdk") else kind_for_path(path)
    try:
        doc = read_document(path)
    except InputError as exc:
        if exc.diagnostic.rule == "unreadable":
            raise
        return unparsed(path, exc, sel)
    return _lint_document(doc, k, sel, True, table)


def unparsed(path: str, exc: InputError, sel: Selection) -> List[Diagnostic]:
    """The findings of a file that does not parse: why, and its name if it is not the one."""
    out = [d for d in [_parse_diagnostic(exc, sel)] if d is not None]
    out += _name_check(path, sel)
    return sorted(out, key=lambda d: d.sort_key())


def lint_bytes(data: bytes, label: str, kind: str = "sdk", cfg: Optional[Config] = None
               ) -> Tuple[Optional[Document], List[Diagnostic]]:
    """Lint a manifest read from somewhere other than a file (a member of an .ipa), named
    ``label``; returns the Document (None if it does not parse) and the findings."""
    from trtc_privacy.manifest.reader import parse

    try:
        doc = parse(data, label)
    except InputError as exc:
        d = _parse_diagnostic(exc, Selection.from_config(cfg))
        return None, [d] if d is not None else []
    return doc, lint_document(doc, kind, cfg)


def _name_check(path: str, sel: Selection) -> List[Diagnostic]:
    from trtc_privacy.lint.rules import get

    r = get("wrong-file-name")
    name = os.path.basename(path)
    if r is None or name == MANIFEST_NAME:
        return []
    d = sel.stamp(Diagnostic(path, None, None, r.name, r.severity,
                             f"file name \"{name}\" is not {MANIFEST_NAME}", r.hint))
    return [d] if d is not None else []


class LintResult:
    """The findings of a whole run, and the files it linted."""

    def __init__(self, diagnostics: List[Diagnostic], files: List[str],
                 unreadable: Optional[List[str]] = None) -> None:
        self.diagnostics = diagnostics
        self.files = files
        #: paths that could not be read at all (each also a diagnostic): the run exits 2
        self.unreadable: List[str] = [] if unreadable is None else unreadable


def discover(paths: Sequence[str], cfg: Optional[Config] = None,
             notes: Optional[List[str]] = None) -> List[str]:
    """The manifest files named by ``paths``: files as given, directories searched.

    The search finds files named PrivacyInfo.xcprivacy (any case), skips SKIP_DIRS, follows
    symbolic links that stay inside the folder searched but never enters the same directory
    twice (no loops); links leading out of it are left out (``notes`` says which).
    Configured ``exclude`` patterns drop files either way. A file reached twice (named twice,
    or through a link) is listed once.
    """
    return [path for path, _ in discover_keyed(paths, cfg, notes=notes)]


def discover_keyed(paths: Sequence[str], cfg: Optional[Config] = None,
                   seen: Optional[Set[str]] = None, real: Optional["_RealPaths"] = None,
                   notes: Optional[List[str]] = None) -> List[Tuple[str, str]]:
    """``discover``, with each file's real path (its identity); ``seen`` carries the real paths
    already listed across calls, ``real`` the folders already resolved. Real paths are derived
    as the search goes (a folder's, plus the name), so only symbolic links are resolved whole."""
    found: List[Tuple[str, str]] = []
    real = real or _RealPaths()
    for p in paths:
        try:
            mode: Optional[int] = os.lstat(p).st_mode
        except (OSError, ValueError):
            mode = None
        if mode is not None and stat.S_ISREG(mode):  # the usual case: one system call
            head, name = os.path.split(p)
            found.append((p, os.path.join(real.of_dir(head or os.curdir), name)))
        elif os.path.isdir(p):
            found += _walk(p, real, notes)
        elif mode is not None:
            found.append((p, real.of_file(p)))
        else:
            raise input_error(p, "file not found", rule="unreadable",
                              hint="check the path; a directory is searched for "
                              "PrivacyInfo.xcprivacy files")
    seen = set() if seen is None else seen
    out = []
    for f, key in found:
        if key in seen or excluded(f, cfg):
            continue
        seen.add(key)
        out.append((f, key))
    return out


class _RealPaths:
    """Real paths of files, resolving each folder once instead of every file's whole path."""

    def __init__(self) -> None:
        self.dirs: Dict[str, str] = {}

    def of_dir(self, path: str) -> str:
        """A folder's real path: its parent's (cached) plus its name, unless it is a link."""
        got = self.dirs.get(path)
        if got is None:
            parent, name = os.path.split(path)
            if not parent or name in ("", ".", "..") or parent == path:
                got = os.path.realpath(path)
            else:
                try:
                    link = stat.S_ISLNK(os.lstat(path).st_mode)
                except OSError:
                    link = True  # let realpath decide what a missing folder resolves to
                got = os.path.realpath(path) if link else os.path.join(self.of_dir(parent), name)
            self.dirs[path] = got
        return got

    def of_file(self, path: str) -> str:
        if os.path.islink(path):
            return os.path.realpath(path)
        head, name = os.path.split(path)
        return os.path.join(self.of_dir(head or os.curdir), name)


def _walk(top: str, real: _RealPaths, notes: Optional[List[str]] = None
          ) -> List[Tuple[str, str]]:
    """(path, real path) of each manifest under ``top``, depth-first in sorted order, following
    links that stay inside ``top`` (each folder once). A link's real path is resolved only where
    a link is; every other real path is its folder's plus its name."""
    out: List[Tuple[str, str]] = []
    for folder in folders.walk(top, folders.STAY, keep=_is_manifest, prune=SKIP_DIRS,
                                top_real=real.of_dir(top),
                                on_outside=folders.noted(top, notes)):
        root, root_real = folder.path, folder.real
        for entry, is_dir, is_link, _ in folder:
            if not is_dir:
                path = os.path.join(root, entry)
                out.append((os.path.normpath(path), os.path.realpath(path) if is_link
                            else os.path.join(root_real, entry)))
    return out


def _is_manifest(name: str) -> bool:
    """PrivacyInfo.xcprivacy in any letter case."""
    return name.lower() == _MANIFEST_LOWER


_MANIFEST_LOWER = MANIFEST_NAME.lower()


def excluded(path: str, cfg: Optional[Config]) -> bool:
    """Whether the configuration's ``exclude`` patterns drop ``path`` (a file or a folder)."""
    if cfg is None or not cfg.exclude:
        return False
    matcher = _exclude_matcher(cfg.exclude)
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(cfg.root)).replace(os.sep, "/")
    parts = rel.split("/")
    return any(matcher.match("/".join(parts[: i + 1])) for i in range(len(parts)))


class _Excludes:
    """The ``exclude`` patterns as one matcher, made once per configuration (60,000 patterns,
    each matched by fnmatch on its own, made a 10-file lint take 20 s: fnmatch's cache of
    compiled patterns holds 32,768). Plain names are a set; patterns with wildcards are grouped
    by the plain text before their first wildcard, each group one regular expression compiled
    when a path first starts with that text, so a path is tried against few patterns and the
    cost of building the matcher is one pass over the patterns. Repeated patterns count once."""

    def __init__(self, patterns: Sequence[str]) -> None:
        import fnmatch

        self.literal: Set[str] = set()
        self.groups: Dict[str, Dict[str, None]] = {}  # plain head -> translated patterns
        self.compiled: Dict[str, Pattern[str]] = {}
        for pat in patterns:
            pat = pat.rstrip("/")
            cut = min((pat.find(c) for c in "*?[" if c in pat), default=-1)
            if cut < 0:
                self.literal.add(pat)
            else:
                self.groups.setdefault(pat[:cut], {})[fnmatch.translate(pat)] = None
        self.heads = sorted({len(h) for h in self.groups})

    def match(self, name: str) -> bool:
        if name in self.literal:
            return True
        for n in self.heads:
            if n > len(name):
                break
            head = name[:n]
            group = self.groups.get(head)
            if group is None:
                continue
            rx = self.compiled.get(head)
            if rx is None:
                import re

                rx = self.compiled[head] = re.compile("|".join(group))
            if rx.match(name):
                return True
        return False


#: The last configuration's patterns and their matcher (the same list object is asked about
#: for every path of a run; hashing 60,000 patterns per path would cost what matching did).
_last: List[Tuple[List[str], int, _Excludes]] = []


def _exclude_matcher(patterns: List[str]) -> _Excludes:
    if _last and _last[0][0] is patterns and _last[0][1] == len(patterns):
        return _last[0][2]
    made = _Excludes(patterns)
    _last[:] = [(patterns, len(patterns), made)]
    return made


class LintRun:
    """Lint every manifest under ``paths``, one file at a time (``batches``), so that output can
    stream as files finish and memory stays flat however many files there are.

    Files are linted in the order of their paths, so the batches concatenated are exactly the
    whole run's diagnostics sorted by place. A path that does not exist or cannot be read is
    reported as a finding of its own (rule ``unreadable``) and the others are still linted;
    ``unreadable`` lists them once the batches are consumed, so that the command exits 2.
    """

    def __init__(self, paths: Sequence[str], kind: str = "auto",
                 cfg: Optional[Config] = None) -> None:
        self.kind, self.cfg = kind, cfg
        self.files: List[str] = []
        self.unreadable: List[str] = []
        #: what the search left out and why (links leading out of a folder searched)
        self.notes: List[str] = []
        #: findings already made for a file, by path (``fix.fix_run``): not linted again
        self.done: Dict[str, List[Diagnostic]] = {}
        self._missing: List[Diagnostic] = []
        seen: Set[str] = set()  # a file named twice, or found under two paths, is linted once
        real = _RealPaths()
        for p in paths:
            try:
                self.files += [f for f, _ in discover_keyed([p], cfg, seen, real, self.notes)]
            except InputError as exc:
                self._missing.append(exc.diagnostic)
                self.unreadable.append(p)

    def batches(self) -> Iterator[List[Diagnostic]]:
        """Each file's diagnostics, sorted, files in path order."""
        import heapq

        sel = Selection.from_config(self.cfg)
        table = dispatch(sel)  # built once for the run, not per file
        # path order without a pair per file: the files sorted, the missing paths merged in
        # (a file before a missing path of the same name, as a stable sort of both put them)
        missing = sorted(((d.path, d) for d in self._missing), key=_first_of_pair)
        files: Iterator[Tuple[str, Optional[Diagnostic]]] = (
            (f, None) for f in sorted(self.files))
        for path, gone in heapq.merge(files, iter(missing), key=_first_of_pair):
            if gone is not None:
                yield [gone]
                continue
            done = self.done.pop(path, None)
            if done is not None:
                yield done
                continue
            try:
                yield _lint_file(path, self.kind, sel, table)
            except InputError as exc:
                self.unreadable.append(path)
                yield [exc.diagnostic]


def _first_of_pair(item: Tuple[str, Optional[Diagnostic]]) -> str:
    return item[0]


def lint_paths(paths: Sequence[str], kind: str = "auto",
               cfg: Optional[Config] = None) -> LintResult:
    """Lint every manifest under ``paths`` at once (``LintRun`` streams the same findings)."""
    run = LintRun(paths, kind, cfg)
    diags = [d for batch in run.batches() for d in batch]
    return LintResult(sorted(diags, key=lambda d: d.sort_key()), run.files, run.unreadable)
