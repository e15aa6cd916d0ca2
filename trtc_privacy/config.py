"""Project configuration: ``[tool.trtc-privacy]`` in pyproject.toml, or ``.trtc-privacy.toml``.

Found from the current directory upwards; paths in it are relative to the file's directory.
Command-line options override it. A malformed file is an InputError naming the file and key.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from trtc_privacy.diagnostics import InputError, input_error
from trtc_privacy.files import FileKind, read_limited

CONFIG_NAMES = (".trtc-privacy.toml", "pyproject.toml")

_LIST_KEYS = ("sdks", "lockfiles", "manifests", "select", "ignore", "exclude")
_STR_KEYS = ("app-manifest", "kind", "xcode-write", "xcode-fail-on", "platform")
_TABLE_KEYS = ("severity",)
#: A configuration is a few hundred bytes; a pyproject.toml rarely passes 20 kB.
CONFIG_FILE = FileKind("configuration file", "a .trtc-privacy.toml or pyproject.toml file",
                       1024 * 1024, rule="bad-config", missing="configuration file not found")


class Config:
    """A loaded configuration: the file's values, or the defaults where it has none."""

    def __init__(self, path: Optional[str] = None, root: str = ".",
                 app_manifest: Optional[str] = None, sdks: Optional[List[str]] = None,
                 lockfiles: Optional[List[str]] = None, manifests: Optional[List[str]] = None,
                 select: Optional[List[str]] = None, ignore: Optional[List[str]] = None,
                 exclude: Optional[List[str]] = None, severity: Optional[Dict[str, str]] = None,
                 kind: str = "auto", xcode_write: str = "product", xcode_fail_on: str = "always",
                 raw: Optional[Dict[str, Any]] = None, platform: str = "") -> None:
        self.path = path  # the file it came from (None: defaults)
        self.root = root  # the directory paths are relative to
        self.app_manifest = app_manifest
        self.sdks: List[str] = [] if sdks is None else sdks
        self.lockfiles: List[str] = [] if lockfiles is None else lockfiles
        self.manifests: List[str] = [] if manifests is None else manifests
        self.select: List[str] = [] if select is None else select
        self.ignore: List[str] = [] if ignore is None else ignore
        self.exclude: List[str] = [] if exclude is None else exclude
        self.severity: Dict[str, str] = {} if severity is None else severity
        self.kind = kind
        self.xcode_write = xcode_write  # "product" (the built app) or "source" (in place)
        self.xcode_fail_on = xcode_fail_on  # "always", "release" or "never"
        #: the app's platform (usage.xcframework.TARGETS); "" when not set: iOS, or what a built
        #: app's executable says (docs/scan.md, "Which slices count")
        self.platform = platform
        self.raw: Dict[str, Any] = {} if raw is None else raw

    def resolve(self, p: str) -> str:
        """A path from the file, as seen from the current directory.

        Relative to it when the file lies below it (as users write paths and read messages),
        absolute otherwise.
        """
        full = p if os.path.isabs(p) else os.path.normpath(os.path.join(self.root, p))
        try:
            rel = os.path.relpath(full)
        except ValueError:  # another drive (Windows)
            return full
        return full if rel == ".." or rel.startswith(".." + os.sep) else rel

    @property
    def shown_path(self) -> Optional[str]:
        """The file as the user would type it from here: relative below the current directory."""
        if self.path is None:
            return None
        rel = os.path.relpath(self.path)
        return self.path if rel.startswith("..") else rel

    def line_of(self, key: str) -> Optional[int]:
        """The line the key is written on, for messages about its value."""
        return _line_of(self.path, key) if self.path else None


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib  # novermin (guarded by the version check)
    else:  # pragma: no cover - exercised on Python 3.9/3.10
        import tomli as tomllib
    return tomllib


def find(start: Optional[str] = None) -> Optional[str]:
    """The nearest configuration file from ``start`` upwards (pyproject only with our table)."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        dotfile = os.path.join(d, CONFIG_NAMES[0])
        if os.path.lexists(dotfile) and not os.path.isdir(dotfile):  # a FIFO: refused, not skipped
            return dotfile
        py = os.path.join(d, CONFIG_NAMES[1])
        if os.path.isfile(py) and has_table(py):
            return py
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def has_table(path: str) -> bool:
    """Whether a pyproject.toml holds a [tool.trtc-privacy] table (cheap text check)."""
    try:
        return b"[tool.trtc-privacy" in read_limited(path, CONFIG_FILE)
    except InputError:
        return False


def load(path: Optional[str] = None, start: Optional[str] = None) -> Config:
    """Load the given file, or the nearest one; defaults when there is none."""
    if path is None:
        path = find(start)
        if path is None:
            return Config()
    raw = read_limited(path, CONFIG_FILE)
    try:
        if raw.startswith(b"\xef\xbb\xbf"):  # editors on Windows write one; TOML allows none
            raw = raw[3:]
        data = _toml().loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise input_error(path, "not UTF-8 text", rule="bad-config",
                          hint="save the configuration as UTF-8") from None
    except Exception as exc:  # tomllib.TOMLDecodeError: "... (at line 3, column 7)"
        import re

        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        if "(at end of document)" in msg:
            line, col = _end_of(raw)
        msg = re.sub(r" [(]at (line|end of document).*", "", msg)
        raise input_error(path, f"invalid TOML: {msg}", line, col,
                          rule="bad-config", hint="fix the TOML syntax at this place") from None
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("trtc-privacy", {})
        prefix = "tool.trtc-privacy"
    else:
        table = data
        prefix = ""
    return _validate(table, path, prefix)


def _end_of(raw: bytes) -> Tuple[int, int]:
    """Line and column just past the last character: where tomllib's "(at end of document)"
    is (an unclosed array or string), so that error has a place like every other."""
    lines = raw.decode("utf-8", "replace").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return len(lines), len(lines[-1]) + 1


def _validate(table: Any, path: str, prefix: str) -> Config:
    """The configuration in ``table``, or one InputError naming every problem in it (each at
    its line), so a person fixes the file in one go (docs/configuration.md shows two)."""
    def where(key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    problems: List[InputError] = []

    def bad(key: str, expected: str) -> None:
        problems.append(input_error(
            path, f"configuration key \"{where(key)}\": expected {expected}, "
            f"found {type(table[key]).__name__} {table[key]!r}",
            line=_line_of(path, key), rule="bad-config"))

    if not isinstance(table, dict):
        raise input_error(path, f"\"{prefix}\" must be a table", rule="bad-config")
    known = set(_LIST_KEYS) | set(_STR_KEYS) | set(_TABLE_KEYS)
    for key in table:
        if key not in known:
            problems.append(input_error(path, f"unknown configuration key \"{where(key)}\"",
                                        line=_line_of(path, key), rule="bad-config",
                                        hint="known keys: " + ", ".join(sorted(known))))
    cfg = Config(path=path, root=os.path.dirname(os.path.abspath(path)), raw=dict(table))
    for key in _LIST_KEYS:
        if key in table:
            v = table[key]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                bad(key, "a list of strings, such as [\"a\", \"b\"]")
            else:
                # a repeated entry counts once (140,000 copies of one SDK took 8 s, 140,000 lines)
                setattr(cfg, key.replace("-", "_"), list(dict.fromkeys(v)))
    for key in _STR_KEYS:
        if key in table:
            if not isinstance(table[key], str):
                bad(key, "a string")
            else:
                setattr(cfg, key.replace("-", "_"), table[key])
    choices = {"kind": ("app", "sdk", "auto"), "xcode-write": ("product", "source"),
               "xcode-fail-on": ("always", "release", "never"),
               "platform": ("ios", "visionos", "macos", "maccatalyst", "tvos", "watchos")}
    for key, allowed in choices.items():
        if key in table and isinstance(table[key], str) and table[key] not in allowed:
            problems.append(input_error(
                path, f"configuration key \"{where(key)}\": expected one of "
                f"{', '.join(allowed)}, found {table[key]!r}",
                line=_line_of(path, key), rule="bad-config"))
    if "severity" in table:
        sev = table["severity"]
        if not isinstance(sev, dict):
            bad("severity", "a table of rule = \"error\" | \"warning\" | \"note\" | \"off\"")
            sev = {}
        for rule, v in sev.items():
            if not isinstance(v, str) or v not in _SEVERITIES:
                shown = repr(v) if isinstance(v, str) else f"{type(v).__name__} {v!r}"
                problems.append(input_error(
                    path, f"configuration key \"{where('severity')}.{rule}\": "
                    f"expected one of {', '.join(_SEVERITIES)}, found {shown}",
                    line=_line_in_table(path, "severity", rule), rule="bad-config"))
        cfg.severity = {k: v for k, v in sev.items() if v in _SEVERITIES}
    problems += _check_rule_names(cfg, path, where)
    if problems:
        problems.sort(key=lambda e: e.diagnostic.line or 0)
        raise InputError.of(problems)
    cfg.app_manifest = table.get("app-manifest")
    return cfg


_SEVERITIES = ("error", "warning", "note", "off")


def _check_rule_names(cfg: Config, path: str, where: Callable[[str], str]) -> List[InputError]:
    """A misspelt rule name would silently do nothing: one problem per such name, at its line."""
    if not (cfg.select or cfg.ignore or cfg.severity):
        return []
    from trtc_privacy.lint.rules import check_names

    def in_list(key: str) -> Callable[[str], Tuple[str, Optional[int]]]:
        return lambda name: (f"configuration key \"{where(key)}\": ", _line_of(path, key))

    def in_severity(name: str) -> Tuple[str, Optional[int]]:
        return (f"configuration key \"{where('severity')}.{name}\": ",
                _line_in_table(path, "severity", name))

    problems: List[InputError] = []
    for names, context in ((cfg.select, in_list("select")), (cfg.ignore, in_list("ignore")),
                           (list(cfg.severity), in_severity)):
        for name in names:
            try:
                check_names([name], path, "bad-config", context)
            except InputError as exc:
                problems.append(exc)
    return problems


def _line_in_table(path: str, table: str, key: str) -> Optional[int]:
    """The line of ``key = ...`` inside ``[table]`` (or ``[tool.trtc-privacy.table]``), or of
    ``table.key = ...`` / an inline table naming it."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    inside = False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("["):
            name = s.strip("[] ")
            inside = name in (table, f"tool.trtc-privacy.{table}")
            continue
        k = s.split("=", 1)[0].strip().strip("\"'")
        if inside and "=" in s and k == key:
            return n
        if "=" in s and (k in (f"{table}.{key}", f"{table}.\"{key}\"") or
                         (k == table and key in s.split("=", 1)[1])):
            return n
    return _line_of(path, table)


def _line_of(path: str, key: str) -> Optional[int]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                s = line.lstrip()
                if s.startswith(key) and s[len(key):].lstrip().startswith("="):
                    return n
    except OSError:
        pass
    return None
