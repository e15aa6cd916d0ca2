"""Find required-reason API uses in Swift, Objective-C, C and C++ source files.

Comments and string literals are blanked first (replaced by spaces, newlines kept), so every
position in the blanked text is the position in the file. Then one regular expression per kind
of spelling (see ``apis.SOURCE_MATCHES``) is run over it:

- ``call``: a C function only where it is called: ``stat(`` but not ``struct stat``, not a
  method ``x.stat(`` or ``p->stat(``, not ``my_lstat(``, not a declaration ``int stat(...)``;
- ``name``: a distinctive identifier anywhere (``NSUserDefaults``, ``mach_absolute_time``);
- ``implicit``, ``property``, ``message``, ``attribute``: generic names only in the context
  that makes them the API (``[.creationDate]``, ``ProcessInfo.processInfo.systemUptime``,
  ``[doc fileModificationDate]``, ``@AppStorage``).

A comment containing ``trtc-privacy: ignore`` silences the lines it is on. Every hit has a
1-based line and a column counted in characters. Cost is linear in the file size: the lexer
jumps from one interesting character to the next with compiled patterns, and files are bounded.
"""

from __future__ import annotations

import bisect
import os
import re
import stat as statmod
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Pattern, Set, Tuple

from trtc_privacy.apis import Entry, catalogue
from trtc_privacy.usage import Evidence, Use

SWIFT = (".swift",)
C_FAMILY = (".m", ".mm", ".h", ".c", ".cc", ".cpp", ".hpp", ".hh", ".cxx")
SOURCE_SUFFIXES = SWIFT + C_FAMILY
#: Larger files are skipped with a note: generated amalgamations (sqlite3.c is ~9 MB) still fit.
MAX_SOURCE_BYTES = 32 << 20
IGNORE_MARK = "trtc-privacy: ignore"

#: Words after which ``name(`` is still a call; after any other identifier it is a declaration
#: (``int stat(const char *, struct stat *);``, ``func stat(``).
_CALL_AFTER = frozenset({"return", "else", "do", "case", "try", "await", "throw", "in", "if",
                         "while", "guard", "switch", "sizeof", "not", "and", "or", "yield",
                         "co_await", "co_return", "defer", "repeat", "then"})


class SourceReadError(Exception):
    """A source file that is not read: not a regular file, too large, or unreadable."""


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    column: int
    text: str  # the spelling that matched
    entry: Entry

    def uses(self) -> List[Use]:
        return [Use(c, Evidence(self.path, self.line, self.column, symbol=self.text))
                for c in self.entry.categories]


# -- reading -----------------------------------------------------------------------------------


def read_source(path: str, max_bytes: int = MAX_SOURCE_BYTES) -> str:
    """The file's text (UTF-8, undecodable bytes replaced), refusing anything but a regular file.

    Opened without blocking and checked with fstat on the open descriptor, so a FIFO or device
    named ``x.swift`` is refused instead of hanging the run.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SourceReadError(f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    try:
        st = os.fstat(fd)
        if not statmod.S_ISREG(st.st_mode):
            raise SourceReadError("not a regular file (a FIFO, socket or device); skipped")
        if st.st_size > max_bytes:
            raise SourceReadError(f"file is {st.st_size:,} bytes, over the {max_bytes:,}-byte "
                                  "limit for source files; skipped")
        chunks = []
        left = max_bytes + 1
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
    except OSError as exc:
        raise SourceReadError(f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise SourceReadError(f"file grew past the {max_bytes:,}-byte limit while read; skipped")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


# -- blanking comments and strings -------------------------------------------------------------

_SWIFT_START = re.compile(r'//|/\*|#+"|"')
_C_START = re.compile(r'//|/\*|\bR"[^()\\\s"]{0,16}\(|"|\'|^[ \t]*#[ \t]*(?:include|import)\b',
                      re.M)
_BLOCK_EDGE = re.compile(r"/\*|\*/")
_DQ = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_CHAR = re.compile(r"'(?:[^'\\\n]|\\.){1,8}'")
_NOT_NL = re.compile(r"[^\n]")


def _blank(seg: str) -> str:
    return _NOT_NL.sub(" ", seg)


def blank(text: str, swift: bool) -> Tuple[str, Set[int]]:
    """``text`` with comments and string literals replaced by spaces (newlines kept), and the
    offsets of the starts of comments that carry the ignore mark.

    Swift: nested ``/* */``, raw strings ``#"..."#`` (any number of ``#``), multi-line
    ``\"\"\"`` strings. C family: char literals, C++ raw strings ``R"x(...)x"``, and the operand
    of ``#include``/``#import`` (a header name is not a use). An unterminated literal ends at the
    end of its line, an unterminated comment at the end of the file.
    """
    start_re = _SWIFT_START if swift else _C_START
    out: List[str] = []
    ignored: List[Tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = start_re.search(text, pos)
        if m is None:
            break
        s = m.start()
        tok = m.group()
        end = _literal_end(text, s, tok, swift)
        if end is None:  # not a literal after all (a lone ' in C, a digit separator)
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        seg = text[s:end]
        if tok.startswith("/") and IGNORE_MARK in seg:
            ignored.append((s, end))
        out.append(text[pos:s])
        if tok.lstrip().startswith("#") and not swift:  # keep the directive, blank its operand
            out.append(tok + _blank(seg[len(tok):]))
        else:
            out.append(_blank(seg))
        pos = end
    out.append(text[pos:])
    marks: Set[int] = set()
    for a, b in ignored:
        marks.add(a)
        marks.add(b - 1 if b > a else a)
    return "".join(out), marks


def _line_end(text: str, at: int) -> int:
    e = text.find("\n", at)
    return len(text) if e < 0 else e


def _literal_end(text: str, s: int, tok: str, swift: bool) -> Optional[int]:
    if tok == "//":
        return _line_end(text, s)
    if tok == "/*":
        if not swift:
            e = text.find("*/", s + 2)
            return len(text) if e < 0 else e + 2
        depth = 0
        pos = s
        while True:  # Swift block comments nest
            m = _BLOCK_EDGE.search(text, pos)
            if m is None:
                return len(text)
            depth += 1 if m.group() == "/*" else -1
            pos = m.end()
            if depth == 0:
                return pos
    if tok.startswith("R\""):  # C++ raw string R"delim( ... )delim"
        delim = tok[2:-1]
        e = text.find(")" + delim + "\"", s + len(tok))
        return len(text) if e < 0 else e + len(delim) + 2
    if tok == "'":
        if s > 0 and text[s - 1].isalnum():  # C++14 digit separator 1'000
            return None
        m = _CHAR.match(text, s)
        return m.end() if m else None
    if tok.lstrip().startswith("#") and not swift:  # #include <...> / #import "..."
        return _line_end(text, s)
    hashes = len(tok) - 1 if tok.startswith("#") else 0  # Swift raw string: #"  ##"
    q = s + hashes
    if text.startswith('"""', q):
        close = '"""' + "#" * hashes
        pos = q + 3
        while True:
            e = text.find(close, pos)
            if e < 0:
                return len(text)
            if hashes or not _escaped(text, e):
                return e + len(close)
            pos = e + 1
    if hashes:
        close = '"' + "#" * hashes
        e = text.find(close, q + 1)
        le = _line_end(text, q)
        return le if e < 0 or e > le else e + len(close)
    m = _DQ.match(text, q)
    return m.end() if m else _line_end(text, q)


def _escaped(text: str, at: int) -> bool:
    k = at - 1
    while k >= 0 and text[k] == "\\":
        k -= 1
    return (at - 1 - k) % 2 == 1


# -- matching ----------------------------------------------------------------------------------

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_PREV_WORD = re.compile(r"(" + _ID + r")\s*$")


def _alt(words: List[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=None)
def _patterns() -> Tuple[Tuple[Pattern[str], Dict[str, Entry], str], ...]:
    """(compiled pattern, spelling -> entry, match kind); each pattern's group "w" is the word."""
    by_kind: Dict[str, List[Entry]] = {}
    for e in catalogue().source:
        by_kind.setdefault(e.kind, []).append(e)
    out = []
    for kind, entries in by_kind.items():
        table = {e.form: e for e in entries}
        words = _alt(list(table))
        if kind == "call":
            pat = r"(?<![\w$])(?<!->)(?P<w>" + words + r")\s*\("
            out.append((re.compile(pat), table, kind))
        elif kind == "name":
            out.append((re.compile(r"(?<![\w$])(?P<w>" + words + r")(?![\w$])"), table, kind))
        elif kind == "attribute":
            out.append((re.compile(r"@\s*(?P<w>" + words + r")(?![\w$])"), table, kind))
        elif kind == "message":
            pat = (r"(?:\.\s*(?P<w>" + words + r")(?![\w$])"
                   r"|(?<=[\w\])])\s+(?P<w2>" + words + r")\s*\])")
            out.append((re.compile(pat), table, kind))
        else:  # implicit / property: one pattern per spelling, with its own receivers
            for e in entries:
                ctx = _alt(list(e.context))
                w = re.escape(e.form)
                if kind == "implicit":
                    pat = (r"(?:(?<![\w$])(?:" + ctx + r")\s*\.\s*|[\[,]\s*\.)(?P<w>" + w
                           + r")(?![\w$])") if ctx else r"[\[,]\s*\.(?P<w>" + w + r")(?![\w$])"
                else:
                    pat = (r"(?<![\w$])(?:" + ctx + r")\s*\]?\s*\.?\s*(?P<w>" + w
                           + r")(?![\w$])")
                out.append((re.compile(pat), {e.form: e}, kind))
    return tuple(out)


def scan_text(text: str, path: str, swift: Optional[bool] = None) -> List[Hit]:
    """Every hit in one file's text, sorted by position; ``swift`` defaults from the suffix."""
    if swift is None:
        swift = path.endswith(SWIFT)
    code, marks = blank(text, swift)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    quiet = {bisect.bisect_right(starts, off) for off in marks}

    hits: List[Hit] = []
    for pat, table, kind in _patterns():
        for m in pat.finditer(code):
            group = "w" if m.group("w") is not None else "w2"
            word = m.group(group)
            at = m.start(group)
            if kind == "call" and (_method(code, at) or _declared(code, at)):
                continue
            line = bisect.bisect_right(starts, at)
            if line in quiet:
                continue
            hits.append(Hit(path, line, at - starts[line - 1] + 1, word, table[word]))
    hits.sort(key=lambda h: (h.line, h.column, h.text))
    return hits


#: ``Darwin.stat(...)`` is the C function named through its module, not a method.
_C_MODULES = frozenset({"Darwin", "Glibc", "Musl", "Foundation", "ucrt"})
_DOT_BEFORE = re.compile(r"(?:(" + _ID + r")\s*)?\.\s*$")


def _method(code: str, at: int) -> bool:
    """Whether ``name(`` at ``at`` is a method call ``x.name(`` (C module prefixes excepted)."""
    m = _DOT_BEFORE.search(code, max(0, at - 64), at)
    return m is not None and m.group(1) not in _C_MODULES


def _declared(code: str, at: int) -> bool:
    """Whether ``name(`` at ``at`` follows a type or keyword that makes it a declaration."""
    m = _PREV_WORD.search(code, max(0, at - 64), at)
    return m is not None and m.group(1) not in _CALL_AFTER


def scan_file(path: str, max_bytes: int = MAX_SOURCE_BYTES) -> List[Hit]:
    """Read (safely) and scan one source file; raises SourceReadError when it is not read."""
    return scan_text(read_source(path, max_bytes), path)


def is_source(name: str) -> bool:
    return name.endswith(SOURCE_SUFFIXES)
