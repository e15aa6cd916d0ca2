"""What makes untrusted text inert in each output: the sanitisers the formatters and the one
door out (``cli/console.py``) apply.

Everything the tool prints can hold text someone else wrote: a folder name in a third-party pod,
a ``Package.resolved`` value, an archive member's name, a manifest comment in a diff. Printed
raw, such text steers what reads the output: ESC and OSC sequences (and C1 controls) drive a
terminal, a line break starts a new ``path:1:1: error:`` line in Xcode or a ``::command::`` line
in GitHub Actions, and bytes that are not UTF-8 make JSON invalid. Here:

- ``value``: one field (a path, a message, a piece of evidence) as one line: every control
  character (C0 but the tab, DEL, C1, the Unicode line and paragraph separators) is shown as a
  visible escape (``\\x1b``, ``\\u009b``, ``\\n``), and bytes that are not UTF-8 (which Python
  carries as lone surrogates) as U+FFFD.
- ``lines``: a block whose line breaks are its own (a diff): each line as ``value`` makes it.
- ``json_text``: a JSON document as ``json.dumps`` wrote it, made valid UTF-8 and free of raw
  control characters: lone surrogates become U+FFFD, raw DEL and C1 become ``\\u`` escapes.
- ``github_line``: a line for the GitHub Actions runner that it cannot read as a workflow
  command (``::name::`` at its start, ``##[name]`` anywhere).
- ``Window``: ``::stop-commands::TOKEN`` ... ``::TOKEN::`` around raw human text on stdout in
  GitHub Actions, with a token nobody can guess.

Ordinary text (printable characters, tabs, line breaks between lines) passes unchanged.
"""

from __future__ import annotations

import re
from typing import Match

#: Control characters shown escaped (the tab is harmless everywhere and stays), the Unicode line
#: and paragraph separators, and lone surrogates (bytes that were not UTF-8).
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
#: In a block of lines: the same but its line breaks (a CR just before the LF is a CRLF line end,
#: as in a diff of a CRLF file).
_UNSAFE_IN_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
                             "|\r(?!\n)")
_SHORT = {"\n": "\\n", "\r": "\\r"}
REPLACEMENT = "\ufffd"


def _escape(m: Match[str]) -> str:
    c = m.group()
    o = ord(c)
    if 0xD800 <= o <= 0xDFFF:
        return REPLACEMENT
    if c in _SHORT:
        return _SHORT[c]
    return f"\\x{o:02x}" if o < 0x80 else f"\\u{o:04x}"


def value(s: str) -> str:
    """One field as one line of inert text (see the module's docstring)."""
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def lines(s: str) -> str:
    """A block of lines: its line breaks kept, everything else as ``value`` makes it."""
    return _UNSAFE_IN_LINE.sub(_escape, s) if _UNSAFE_IN_LINE.search(s) else s


_UNSAFE_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def but_breaks(s: str) -> str:
    """As ``value``, but CR and LF stay (for a format that escapes them its own way)."""
    return _UNSAFE_BUT_BREAKS.sub(_escape, s) if _UNSAFE_BUT_BREAKS.search(s) else s


def shown(s: str) -> str:
    """Only the bytes that were not UTF-8 replaced (for text that goes into a file or a hash)."""
    return _SURROGATE.sub(REPLACEMENT, s) if _SURROGATE.search(s) else s


_SURROGATE = re.compile("[\ud800-\udfff]")

# -- JSON ----------------------------------------------------------------------------------------

#: In a JSON text: an escaped backslash (skipped whole, so ``\\\\ud800`` is not read as an
#: escape), a surrogate pair written as escapes (kept), a lone surrogate escape, and the raw
#: characters a JSON string may hold but a terminal or a strict reader should not see.
_JSON_FIX = re.compile(r"\\\\|(\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2})|(\\ud[89a-f][0-9a-f]{2})"
                       "|([\x7f-\x9f\u2028\u2029])|([\ud800-\udfff])")


def _fix_json(m: Match[str]) -> str:
    if m.group(3) is not None:
        return f"\\u{ord(m.group(3)):04x}"
    if m.group(2) is not None:
        return "\\ufffd"
    if m.group(4) is not None:
        return REPLACEMENT
    return m.group()


_JSON_NEEDS = re.compile(r"\\ud[89a-f]|[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def json_text(s: str) -> str:
    """A JSON document made valid UTF-8 with no raw control character (see the docstring);
    the values it holds are unchanged but for bytes that were not UTF-8 (U+FFFD)."""
    return _JSON_FIX.sub(_fix_json, s) if _JSON_NEEDS.search(s) else s


# -- Xcode ---------------------------------------------------------------------------------------

#: What Xcode reads from a build phase's output as an issue: ``path:1:2: error: message`` (the
#: first such place in the line) or ``error: message`` at the line's start.
_ISSUE_AT = re.compile(r": (?=(?:fatal error|error|warning|note): )")
_ISSUE_START = re.compile(r"^(?=(?:fatal error|error|warning): )", re.M)


def xcode_path(path: str) -> str:
    """A path as the start of an Xcode issue line: ``: `` in it (a folder named
    ``x:1:1: note: y`` would make Xcode read a note there) is written ``:\\x20``."""
    shown = value(path)
    return shown.replace(": ", ":\\x20") if ": " in shown else shown


def looks_like_issue(s: str) -> bool:
    return bool(_ISSUE_AT.search(s) or _ISSUE_START.search(s))


def not_an_issue(s: str) -> str:
    """A line of human text that Xcode cannot take for an issue: ``: error: `` inside it is
    written ``:\\x20error: `` and a line starting ``error: `` (or ``warning: ``) gets a
    backslash first. A ``note: `` at the start stays: the tool's own notes are Xcode notes."""
    return _ISSUE_START.sub("\\\\", _ISSUE_AT.sub(":\\\\x20", s))


# -- GitHub Actions ------------------------------------------------------------------------------

_COMMAND_START = re.compile(r"^(\s*):")
_LEGACY = "##["


def github_line(s: str) -> str:
    """One line the runner cannot take for a workflow command: a leading ``::`` (after
    spaces) and any ``##[`` get a backslash (``\\::``, ``#\\#[``); controls as ``value``."""
    s = value(s)
    if _LEGACY in s:
        s = s.replace(_LEGACY, "#\\#[")
    if s.lstrip().startswith("::"):
        s = _COMMAND_START.sub(r"\1\\:", s, count=1)
    return s


class Window:
    """``::stop-commands::TOKEN`` before raw human text and ``::TOKEN::`` after it: the runner
    obeys no command in between, and the random token cannot be written by the text itself."""

    def __init__(self) -> None:
        import secrets  # only hostile text opens a window

        self.token = secrets.token_hex(16)

    def wrap(self, text: str) -> str:
        if not text:
            return text
        end = "" if text.endswith("\n") else "\n"
        return f"::stop-commands::{self.token}\n{text}{end}::{self.token}::\n"
