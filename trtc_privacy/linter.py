"""Run the lint rules over manifests: one document, one file, paths and directories, merges.

Pure apart from reading the files it is given: returns Diagnostics, prints nothing. Parse
failures from the one reader become diagnostics under their rule name; only a path that cannot
be read at all raises InputError (exit 2).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, List, Optional, Sequence, Set, Tuple

from trtc_privacy import catalog as C
from trtc_privacy.diagnostics import Diagnostic, InputError, input_error
from trtc_privacy.files import SKIP_DIRS
from trtc_privacy.plist import Document, LineIndex, read_document
from trtc_privacy.selection import Selection

if TYPE_CHECKING:  # configuration is loaded by the caller; only its type is named here
    from trtc_privacy.config import Config

KINDS = ("app", "sdk", "auto")
MANIFEST_NAME = C.MANIFEST_NAME
_SDK_SUFFIXES = (".framework", ".xcframework", ".bundle")


# -- which rules, at which severity --------------------------------------------------------------


def check_rule_names(names: Iterable[str], where: str) -> None:
    """Refuse unknown rule names (a typo would silently turn a rule off): InputError, exit 2."""
    from trtc_privacy.rules import get, suggest

    for n in names:
        if get(n) is None:
            raise input_error(where, f"unknown rule \"{n}\"", rule="usage", hint=suggest(n))


# -- one document ------------------------------------------------------------------------------


def lint_document(doc: Document, kind: str = "app", cfg: Optional[Config] = None, *,
                  check_name: bool = False) -> List[Diagnostic]:
    """Every finding of the enabled rules in a parsed document, sorted by place.

    ``kind`` is "app" or "sdk" (sdk-only-reason applies to apps only); ``check_name`` also
    checks the file name, which only makes sense for a file the user named.
    """
    from trtc_privacy.rules import Context, all_rules

    if kind not in ("app", "sdk"):
        kind = kind_for_path(doc.path) if kind == "auto" else "app"
    sel = Selection.from_config(cfg)
    ctx = Context(doc, kind, check_name)
    lines: Optional[LineIndex] = None
    out: List[Diagnostic] = []
    for r in all_rules():
        if r.check is None or not sel.enabled(r.name):
            continue
        for f in r.check(ctx):
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
                out.append(stamped)
    return sorted(out, key=lambda d: d.sort_key())


def _parse_diagnostic(exc: InputError, sel: Selection) -> Optional[Diagnostic]:
    from trtc_privacy.rules import get

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
    sel = Selection.from_config(cfg)
    k = kind if kind in ("app", "sdk") else kind_for_path(path)
    try:
        doc = read_document(path)
    except InputError as exc:
        if exc.diagnostic.rule == "unreadable":
            raise
        out = [d for d in [_parse_diagnostic(exc, sel)] if d is not None]
        out += _name_check(path, sel)
        return sorted(out, key=lambda d: d.sort_key())
    return lint_document(doc, k, cfg, check_name=True)


def lint_bytes(data: bytes, label: str, kind: str = "sdk", cfg: Optional[Config] = None
               ) -> Tuple[Optional[Document], List[Diagnostic]]:
    """Lint a manifest read from somewhere other than a file (a member of an .ipa), named
    ``label``; returns the Document (None if it does not parse) and the findings."""
    from trtc_privacy.plist import parse

    try:
        doc = parse(data, label)
    except InputError as exc:
        d = _parse_diagnostic(exc, Selection.from_config(cfg))
        return None, [d] if d is not None else []
    return doc, lint_document(doc, kind, cfg)


def _name_check(path: str, sel: Selection) -> List[Diagnostic]:
    from trtc_privacy.rules import get

    r = get("wrong-file-name")
    name = os.path.basename(path)
    if r is None or name == MANIFEST_NAME:
        return []
    d = sel.stamp(Diagnostic(path, None, None, r.name, r.severity,
                             f"file name \"{name}\" is not {MANIFEST_NAME}", r.hint))
    return [d] if d is not None else []


@dataclass
class LintResult:
    diagnostics: List[Diagnostic]
    files: List[str]


def discover(paths: Sequence[str], cfg: Optional[Config] = None) -> List[str]:
    """The manifest files named by ``paths``: files as given, directories searched.

    The search finds files named PrivacyInfo.xcprivacy (any case), skips SKIP_DIRS, follows
    symbolic links to directories but never enters the same directory twice (no loops).
    Configured ``exclude`` patterns drop files either way.
    """
    found: List[str] = []
    for p in paths:
        if os.path.isdir(p):
            found += _walk(p)
        elif os.path.lexists(p):
            found.append(p)
        else:
            raise input_error(p, "file not found", rule="unreadable",
                              hint="check the path; a directory is searched for "
                              "PrivacyInfo.xcprivacy files")
    seen: Set[str] = set()
    out = []
    for f in found:
        key = os.path.realpath(f)
        if key in seen or excluded(f, cfg):
            continue
        seen.add(key)
        out.append(f)
    return out


def _walk(top: str) -> List[str]:
    out: List[str] = []
    visited: Set[Tuple[int, int]] = set()
    for root, dirs, files in os.walk(top, followlinks=True):
        try:
            st = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in visited:
            dirs[:] = []
            continue
        visited.add(ident)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for f in sorted(files):
            if f.lower() == MANIFEST_NAME.lower():
                out.append(os.path.normpath(os.path.join(root, f)))
    return out


def excluded(path: str, cfg: Optional[Config]) -> bool:
    """Whether the configuration's ``exclude`` patterns drop ``path`` (a file or a folder)."""
    if cfg is None or not cfg.exclude:
        return False
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(cfg.root)).replace(os.sep, "/")
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pat in cfg.exclude:
        pat = pat.rstrip("/")
        if any(fnmatch.fnmatchcase(p, pat) for p in prefixes):
            return True
    return False


def lint_paths(paths: Sequence[str], kind: str = "auto",
               cfg: Optional[Config] = None) -> LintResult:
    """Lint every manifest under ``paths``; raises InputError for a path that does not exist."""
    files = discover(paths, cfg)
    diags: List[Diagnostic] = []
    for f in files:
        diags += lint_file(f, kind, cfg)
    return LintResult(sorted(diags, key=lambda d: d.sort_key()), files)
