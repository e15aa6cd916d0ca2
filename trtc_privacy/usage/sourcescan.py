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

import os
import re
import stat as statmod
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Pattern, Set, Tuple

from trtc_privacy.knowledge.apis import ApiForm, catalogue
from trtc_privacy.usage.uses import Evidence, Use

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
    entry: ApiForm

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

#: One pattern per language finds where each comment or literal starts and, for most kinds,
#: where it ends (the engine, in C, scans the text). Cost stays linear in the text whatever its
#: shape: no alternative is tried again from a later character of a candidate it refused (the
#: raw-string ``R"`` wants no identifier before it, ``(?<![\w$])``; a directive's line is checked
#: in Python, once), and no alternative repeats a group per character, which the engine pays for
#: with memory (a 28 MB string literal cost 1.7 GB): ordinary string literals are matched by
#: their opening quote only, and their end is found by ``_string_end`` in bounded steps.
_SWIFT_TOKEN = re.compile(
    r'//[^\n]*'
    r'|/\*.*?(?:\*/|\Z)'
    r'|(?<!#)(?P<rh>#+)"""(?:.*?)(?:"""(?P=rh)|\Z)'  # raw multi-line #"""..."""#
    r'|(?<!#)(?P<sh>#+)"(?:.*?)(?:"(?P=sh)|$)'  # raw #"..."# (one line); (?<!#): a long run
    # of # is tried from its start only, not from each of its characters (quadratic)
    r'|(?P<ml>""")'  # multi-line: its end is _string_end's
    r'|"', re.S | re.M)  # one line: its end is _string_end's
_C_TOKEN = re.compile(
    r'//[^\n]*'
    r'|/\*.*?(?:\*/|\Z)'
    r'|"'  # its end is _string_end's
    r"|'(?:[^'\\\n]|\\.){1,8}'"
    r'|(?<![\w$])R"(?P<d>[^()\\\s"]{0,16})\((?:.*?)(?:\)(?P=d)"|\Z)'  # C++ raw R"d(...)d"
    r'|#[ \t]*(?:include|import)\b', re.S | re.M)  # a directive only at a line's start
_BLOCK_EDGE = re.compile(r"/\*|\*/")
#: The body of a one-line literal (runs of plain characters, escapes) and of a multi-line one
#: (the same, and quotes that do not close it), at most _STEP items a match: the engine keeps a
#: little state per item of a repeated group, so a match must not span a whole huge literal.
_STEP = 4096
_LINE_BODY = re.compile(r'(?:[^"\\\n]+|\\.){0,%d}' % _STEP, re.S)
_MULTI_BODY = re.compile(r'(?:[^\\"]+|\\.|"(?!"")){0,%d}' % _STEP, re.S)


def _string_end(text: str, at: int, multi: bool) -> int:
    """Where the literal whose body starts at ``at`` ends: after its closing quote (three for a
    multi-line one); a one-line literal left open ends before its line break, a multi-line one
    at the end of the text; -1 when it cannot end (a lone backslash ends the text). This is
    what the old whole-literal patterns matched (a quote, then plain characters or escapes,
    then the close), found a bounded step at a time."""
    body = _MULTI_BODY if multi else _LINE_BODY
    n = len(text)
    p = at
    while True:
        p = body.match(text, p).end()  # type: ignore[union-attr]  # {0,N}: always matches
        if p >= n:
            return n
        c = text[p]
        if c == "\\" and p + 1 >= n:
            return -1
        if multi:
            if text.startswith('"""', p):
                return p + 3
        elif c == '"':
            return p + 1
        elif c == "\n":
            return p
        # else the step's item limit stopped it: go on from there


class _Spaces(Dict[int, str]):
    """``str.translate`` table: every character a space but the line break."""

    def __missing__(self, key: int) -> str:
        return " "


_TO_SPACES = _Spaces({10: "\n"})


def _blank(seg: str) -> str:
    if "\n" not in seg:
        return " " * len(seg)
    return seg.translate(_TO_SPACES)


def blank(text: str, swift: bool) -> Tuple[str, Set[int]]:
    """``text`` with comments and string literals replaced by spaces (newlines kept), and the
    offsets of the starts and ends of comments that carry the ignore mark.

    Swift: nested ``/* */``, raw strings ``#"..."#`` (any number of ``#``), multi-line
    ``\"\"\"`` strings. C family: char literals, C++ raw strings ``R"x(...)x"``, and the operand
    of ``#include``/``#import`` (a header name is not a use). An unterminated literal ends at the
    end of its line (a multi-line one at the end of the file), an unterminated comment at the
    end of the file.
    """
    import io

    token = _SWIFT_TOKEN if swift else _C_TOKEN
    out = io.StringIO()  # one growing buffer: no list of pieces (a piece per literal) is held
    marks: Set[int] = set()
    pos = 0
    n = len(text)
    blank_line = True  # text[start of pos's line:pos] is only whitespace
    while pos < n:
        m = token.search(text, pos)
        if m is None:
            break
        s, e = m.span()
        first = text[s]
        if first == '"' and m.lastgroup in (None, "ml"):  # an ordinary literal: find its end
            e = _string_end(text, s + 3, True) if m.lastgroup == "ml" else -1
            if e < 0:  # not a multi-line literal after all: a one-line one from the same quote
                e = _string_end(text, s + 1, False)
            if e < 0:  # no literal can start here (the text ends in a lone backslash)
                out.write(text[pos:s + 1])
                pos, blank_line = s + 1, False
                continue
        elif first == "#" and not swift:
            nl = text.rfind("\n", pos, s)
            before = text[nl + 1:s] if nl >= 0 else text[pos:s]
            if before.strip() or (nl < 0 and not blank_line):
                out.write(text[pos:s + 1])  # not at a line's start: not a directive
                pos, blank_line = s + 1, False
                continue
            e = text.find("\n", s)
            e = n if e < 0 else e
        if first == "/":
            if swift and text[s + 1] == "*" and "/*" in text[s + 2:e]:
                e = _nested_end(text, s)
            if IGNORE_MARK in text[s:e]:
                marks.add(s)
                marks.add(max(s, e - 1))
        out.write(text[pos:s])
        if first == "#" and not swift:  # keep the directive, blank its operand
            k = s + 1
            while text[k] in " \t":
                k += 1
            k += 7 if text.startswith("include", k) else 6
            out.write(text[s:k] + _blank(text[k:e]))
        else:
            out.write(_blank(text[s:e]))
        pos, blank_line = e, False
    out.write(text[pos:])
    return out.getvalue(), marks


def _nested_end(text: str, s: int) -> int:
    """The end of the Swift block comment at ``s``, counting nested ``/* */`` pairs."""
    depth = 0
    pos = s
    while True:
        m = _BLOCK_EDGE.search(text, pos)
        if m is None:
            return len(text)
        depth += 1 if m.group() == "/*" else -1
        pos = m.end()
        if depth == 0:
            return pos


# -- matching ----------------------------------------------------------------------------------
#
# One pass of one pattern finds every catalogue spelling as a whole word (a plain alternation of
# literals, which the regular-expression engine scans for quickly); the rare candidates are then
# checked against the context their kind requires, looking a bounded window back or ahead.

_WINDOW = 64
_CALL_PAREN = re.compile(r"\s*\(")
_AT_BEFORE = re.compile(r"@\s*$")
_DOT_ONLY = re.compile(r"\.\s*$")
_MESSAGE_BEFORE = re.compile(r"[\w\])]\s+$")
_MESSAGE_AFTER = re.compile(r"\s*\]")
_IMPLICIT_BEFORE = re.compile(r"[\[,]\s*\.\s*$")
#: ``Darwin.stat(...)`` is the C function named through its module, not a method.
_C_MODULES = frozenset({"Darwin", "Glibc", "Musl", "Foundation", "ucrt"})


def _alt(words: List[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class _Matcher:
    words: Tuple[str, ...]  # every spelling, longest first
    entries: Dict[str, Tuple[ApiForm, ...]]  # spelling -> its entries (one kind each)
    contexts: Dict[ApiForm, Pattern[str]]  # implicit / property: "receiver before" patterns
    #: a cheap test for "some spelling may be in this text", on the lower-cased text: the few
    #: shortest substrings that every spelling contains ("creationdate" covers
    #: NSFileCreationDate, creationDateKey, ...), and for each C call ``name\s*(`` (``stat``
    #: alone is in every ``static``)
    anchors: Tuple[str, ...]
    call_anchors: Tuple[Pattern[str], ...]


@lru_cache(maxsize=256)
def _words_pattern(words: Tuple[str, ...]) -> Pattern[str]:
    """A whole-word pattern for the spellings present in one file (most files have none)."""
    return re.compile(r"(?:" + _alt(list(words)) + r")(?![\w$])")


@lru_cache(maxsize=None)
def _matcher() -> _Matcher:
    entries: Dict[str, List[ApiForm]] = {}
    contexts: Dict[ApiForm, Pattern[str]] = {}
    for e in catalogue().source:
        entries.setdefault(e.form, []).append(e)
        if e.kind in ("implicit", "property") and e.context:
            ctx = _alt(list(e.context))
            tail = r"\s*\.\s*$" if e.kind == "implicit" else r"\s*\]?\s*\.?\s*$"
            contexts[e] = re.compile(r"(?<![\w$])(?:" + ctx + r")" + tail)
    words = tuple(sorted(entries, key=lambda w: (-len(w), w)))
    calls = [w for w in words if all(e.kind == "call" for e in entries[w])]
    others = [w for w in words if w not in set(calls)]
    call_anchors = tuple(re.compile(re.escape(w) + r"\s*\(") for w in calls)
    return _Matcher(words, {w: tuple(es) for w, es in entries.items()}, contexts,
                    _cover(others), call_anchors)


def _cover(words: List[str]) -> Tuple[str, ...]:
    """The lower-cased words none of which contains another: testing these finds them all."""
    out: List[str] = []
    for w in sorted({w.lower() for w in words}, key=len):
        if not any(a in w for a in out):
            out.append(w)
    return tuple(out)


def _accepts(e: ApiForm, code: str, at: int, end: int, m: _Matcher) -> bool:
    """Whether the spelling at ``code[at:end]`` is in the context its kind requires."""
    lo = max(0, at - _WINDOW)
    if e.kind == "name":
        return True
    if e.kind == "call":
        return (_CALL_PAREN.match(code, end) is not None and not _method(code, at)
                and not _declared(code, at))
    if e.kind == "attribute":
        return _AT_BEFORE.search(code, lo, at) is not None
    if e.kind == "message":
        if _DOT_ONLY.search(code, lo, at):
            return True
        return (_MESSAGE_BEFORE.search(code, lo, at) is not None
                and _MESSAGE_AFTER.match(code, end) is not None)
    if e.kind == "implicit" and _IMPLICIT_BEFORE.search(code, lo, at):
        return True
    ctx = m.contexts.get(e)
    return ctx is not None and ctx.search(code, lo, at) is not None


def scan_text(text: str, path: str, swift: Optional[bool] = None) -> List[Hit]:
    """Every hit in one file's text, sorted by position; ``swift`` defaults from the suffix."""
    if swift is None:
        swift = path.endswith(SWIFT)
    m = _matcher()
    # A spelling absent from the raw text cannot be in the code: substring tests (fast, in C)
    # leave most files with nothing to blank or match.
    low = text.lower()
    if not (any(a in low for a in m.anchors) or any(c.search(low) for c in m.call_anchors)):
        return []
    present = tuple(w for w in m.words if w in text)
    if not present:
        return []
    code, marks = blank(text, swift)
    found: List[Tuple[int, str, ApiForm]] = []
    for hit in _words_pattern(present).finditer(code):
        at = hit.start()
        if at and (code[at - 1].isalnum() or code[at - 1] in "_$"):
            continue  # the tail of a longer identifier (my_lstat, NSUserDefaults' UserDefaults)
        word = hit.group()
        for e in m.entries[word]:
            if _accepts(e, code, at, hit.end(), m):
                found.append((at, word, e))
                break
    if not found:
        return []
    quiet = {line for line, _ in _places(text, sorted(marks))}
    hits: List[Hit] = []
    for (_at, word, e), (line, column) in zip(found, _places(text, [f[0] for f in found])):
        if line not in quiet:
            hits.append(Hit(path, line, column, word, e))
    hits.sort(key=lambda h: (h.line, h.column, h.text))
    return hits


def _places(text: str, offsets: List[int]) -> Iterator[Tuple[int, int]]:
    """(1-based line, 1-based column in characters) of each offset, given in ascending order:
    one pass over the text, holding no table of line starts (a file of 20 million empty lines
    would make one of 20 million numbers)."""
    line, last, start = 1, 0, 0
    for off in offsets:
        if off > last:
            k = text.count("\n", last, off)
            if k:
                line += k
                start = text.rfind("\n", last, off) + 1
            last = off
        yield line, off - start + 1


def _before(code: str, at: int) -> Tuple[str, str, int]:
    """What precedes ``at``, whitespace skipped: (the character, the identifier ending there or
    "", where that identifier starts). Walks back at most _WINDOW characters."""
    lo = max(0, at - _WINDOW)
    i = at - 1
    while i >= lo and code[i] in " \t\r\n":
        i -= 1
    if i < lo:
        return "", "", at
    j = i
    while j >= lo and (code[j].isalnum() or code[j] in "_$"):
        j -= 1
    return code[i], code[j + 1:i + 1], j + 1


def _method(code: str, at: int) -> bool:
    """Whether ``name(`` at ``at`` is a method call ``x.name(`` or ``p->name(`` (C module
    prefixes such as ``Darwin.`` excepted)."""
    ch, _, _ = _before(code, at)
    if ch == ">":
        k = code.rfind(">", max(0, at - _WINDOW), at)
        return k > 0 and code[k - 1] == "-"
    if ch != ".":
        return False
    dot = code.rfind(".", max(0, at - _WINDOW), at)
    _, word, _ = _before(code, dot)
    return word not in _C_MODULES


def _declared(code: str, at: int) -> bool:
    """Whether ``name(`` at ``at`` follows a type or keyword that makes it a declaration
    (``int stat(``, ``func stat(``) rather than a call (``return stat(``)."""
    _, word, _ = _before(code, at)
    return bool(word) and not word[0].isdigit() and word not in _CALL_AFTER


def scan_file(path: str, max_bytes: int = MAX_SOURCE_BYTES) -> List[Hit]:
    """Read (safely) and scan one source file; raises SourceReadError when it is not read."""
    return scan_text(read_source(path, max_bytes), path)


def is_source(name: str) -> bool:
    return name.endswith(SOURCE_SUFFIXES)
