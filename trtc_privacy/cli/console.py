"""The one door out: every character the program prints to stdout or stderr leaves through here.

What is printed can hold text someone else wrote (a folder name, a lockfile value, an archive
member's name, a manifest line in a diff), so each kind of text is made inert for the output it
goes to (``formatters/inert.py`` says how) before it is written:

- ``line``: one line of human text (a note, an error, a status): control characters shown as
  escapes, a line break inside it too, so it stays one line;
- ``lines``: human text whose line breaks are its own (a diff, a table, a summary block);
- ``findings``: what a formatter rendered for the chosen format (its fields are already inert;
  JSON and SARIF are made valid UTF-8 here);
- ``document``: a JSON, HTML or Markdown document on stdout.

In GitHub Actions (``--format github`` or ``GITHUB_ACTIONS=true``) the runner reads stdout and
stderr for workflow commands, so human text that holds a line it would obey is wrapped between
``::stop-commands::TOKEN`` and ``::TOKEN::`` on stdout (the text stays as it was, a diff still
reads as a diff) and escaped line by line on stderr (a window opened on one stream could hide the
real annotations written on the other). Text that holds no such line is written as it is, so
ordinary output is byte for byte what it always was.

``tests/packaging/test_imports.py`` fails when any other module of the package (the formatters
aside, which only return text or write to the stream they are given by this door) writes to
stdout or stderr itself.
"""

from __future__ import annotations

import os
import sys
from typing import Optional, TextIO

from trtc_privacy.formatters import inert

#: The format of the running command, once it has chosen one (``options.chosen_format``).
_format: Optional[str] = None


def use_format(fmt: Optional[str]) -> None:
    """The format the running command prints in: what the human text around it is made inert
    for."""
    global _format
    _format = fmt


def github_mode(fmt: Optional[str] = None) -> bool:
    """Whether a GitHub Actions runner reads this output for workflow commands."""
    return (fmt or _format) == "github" or os.environ.get("GITHUB_ACTIONS") == "true"


def xcode_mode(fmt: Optional[str] = None) -> bool:
    """Whether Xcode reads this output for issues (``path:1:2: error: ...``)."""
    return (fmt or _format) == "xcode" or bool(os.environ.get("XCODE_VERSION_ACTUAL"))


def _stream(err: bool) -> TextIO:
    return sys.stderr if err else sys.stdout


def _write(stream: TextIO, text: str) -> None:
    """Write, falling back to escapes when the stream's encoding cannot show a character."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        enc = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(enc, "backslashreplace").decode(enc))
    if stream is sys.stderr:
        stream.flush()


def _commands_in(text: str) -> bool:
    """Whether a GitHub runner would read some line of ``text`` as a workflow command."""
    if "##[" in text:
        return True
    return "::" in text and any(ln.lstrip().startswith("::") for ln in text.split("\n"))


def lines(text: str, err: bool = False, fmt: Optional[str] = None) -> None:
    """Human text whose line breaks are its own; each line made inert."""
    if text:
        safe = inert.lines(text)
        if xcode_mode(fmt) and inert.looks_like_issue(safe):
            safe = "\n".join(inert.not_an_issue(ln) for ln in safe.split("\n"))
        _human(safe, err, fmt)


def issue(text: str, err: bool = False, fmt: Optional[str] = None) -> None:
    """One line meant as an issue for Xcode (``path:1:2: error: ...``, ``warning: ...``): its
    fields are the formatter's, inert already; one line whatever it holds."""
    _human(inert.value(text) + "\n", err, fmt)


def _human(safe: str, err: bool, fmt: Optional[str]) -> None:
    """Write inert human text; in GitHub Actions, make the runner's commands in it inert too."""
    if github_mode(fmt) and _commands_in(safe):
        if err:
            safe = "\n".join(inert.github_line(ln) for ln in safe.split("\n"))
        else:
            safe = inert.Window().wrap(safe)
    _write(_stream(err), safe)


def line(text: str, err: bool = False, fmt: Optional[str] = None) -> None:
    """One line of human text (a line break inside it is shown as ``\\n``), ended."""
    lines(inert.value(text) + "\n", err, fmt)


def note(text: str, fmt: Optional[str] = None) -> None:
    """A line for the person at the terminal (stderr): what was chosen, what happened."""
    line(f"note: {text}", err=True, fmt=fmt)


def findings(text: str, fmt: str, err: bool = False) -> None:
    """What a formatter rendered in ``fmt``: GitHub's workflow commands pass as they are (their
    fields are escaped by the formatter); JSON and SARIF are made valid UTF-8; text and Xcode
    lines are human text."""
    if not text:
        return
    if fmt in ("json", "sarif"):
        document(text, err=err)
    elif fmt == "github":
        _write(_stream(err), inert.lines(text))
    elif fmt == "text":  # its fields are inert already; its colours (rich's escapes) stay
        _human(text, err, fmt)
    else:  # xcode: the issues the tool reports, each one line
        _human(inert.lines(text), err, fmt)


def document(text: str, err: bool = False, json: bool = True) -> None:
    """A JSON document (``json``) or an HTML or Markdown one, written whole."""
    if json:
        safe = inert.json_text(text)
        if github_mode() and "##[" in safe:
            safe = safe.replace("##[", "##\\u005b")  # the same JSON value; no legacy command
    else:
        safe = inert.lines(text)
        if github_mode() and _commands_in(safe):
            safe = "\n".join(inert.github_line(ln) for ln in safe.split("\n"))
    _write(_stream(err), safe)


class Sink:
    """A stream for ``formatters.stream`` to write findings to as they come, through this door
    (the lint of many files never holds its whole output)."""

    def __init__(self, fmt: str, err: bool = False) -> None:
        self.fmt = fmt
        self.err = err

    def write(self, text: str) -> int:
        findings(text, self.fmt, self.err)
        return len(text)


def flush() -> bool:
    """Flush stdout; False when its reader has gone away (``| head``): typer then has put its
    own wrapper in place of stdout, and what is buffered has nowhere to go."""
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        return False
    sys.stdout.flush()  # what is still buffered meets a closed pipe here, not at exit
    return True
