"""Findings about the run itself rather than a manifest: the command line, the configuration,
files that cannot be read or written. Each stops the run with exit 2 (``internal`` is a bug);
they are registered so that ``explain`` and SARIF know every id the tool prints.
"""

from __future__ import annotations

from trtc_privacy.lint.rules.base import parse_rule

USAGE = parse_rule(
    "usage", "error",
    "the command line asks for something that cannot be done (an unknown option value, product, "
    "rule or format)",
    """An option value that is not one of those the command accepts, an unknown product or rule
    name, or a missing input: an error; the run does nothing and exits 2, naming the option.""",
    "see `trtc-privacy COMMAND --help`", scope="cli")

BAD_INPUT = parse_rule(
    "bad-input", "error",
    "an input file that cannot be used as what it was given for",
    """Anything a user can hand the tool that it cannot read as the kind of file expected is
    refused as an error (exit 2) with a message naming the file and, where there is one, the
    line.""",
    "check the path names the file you meant", scope="cli")

BAD_CONFIG = parse_rule(
    "bad-config", "error",
    "the configuration file (.trtc-privacy.toml or [tool.trtc-privacy]) is malformed",
    """Invalid TOML, an unknown key, a value of the wrong type, an unknown rule name in
    select, ignore or [severity], or a severity other than error, warning, note or off: each
    is reported at its line with the key and what was expected, and the run exits 2 (a typo
    would otherwise silently change what is checked).""",
    "fix the key at this line; `trtc-privacy init --write-config` writes a commented example",
    scope="cli")

UNREADABLE = parse_rule(
    "unreadable", "error",
    "a path that does not exist, is not a regular file, or cannot be read",
    """A missing file, a directory where a file is expected, a FIFO or device, or a file the
    user may not read: an error; the run stops with exit 2 and nothing is written.""",
    "check the path and its permissions", scope="cli")

UNWRITABLE = parse_rule(
    "unwritable", "error",
    "the file to write, or its folder, cannot be written",
    """A read-only file or folder, a missing folder, or a full disk: nothing is written (the old
    file stays whole; writes are atomic); an error, exit 2.""",
    "fix the permissions or free space, or write elsewhere with -o", scope="cli")

EXISTS = parse_rule(
    "exists", "error",
    "`init` would replace a file that already exists",
    """init writes new files only; replacing the app's manifest would lose its declarations, so
    an existing file is an error (exit 2) unless --force says to replace it.""",
    "pass --force to replace it, or fold SDKs into it with `trtc-privacy merge`", scope="cli")

INTERNAL = parse_rule(
    "internal", "error",
    "a bug in trtc-privacy (the run stopped before writing anything)",
    """The merge result is re-read and compared with what was meant before anything is written;
    a difference, or any unexpected exception, is a bug in the tool, never the user's input: an
    error that exits 3 (an exception) or 2 (a refused write) and writes nothing.""",
    "please report it with the command and input files (TRTC_PRIVACY_DEBUG=1 shows details)",
    scope="cli")

RULES = (USAGE, BAD_INPUT, BAD_CONFIG, UNREADABLE, UNWRITABLE, EXISTS, INTERNAL)
