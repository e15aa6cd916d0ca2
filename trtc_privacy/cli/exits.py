"""The exit codes, and the one policy that turns what a command showed into 0, 1 or 2.

0 fine; 1 findings (an error, or with ``--strict`` a warning) or something out of date; 2 bad
input or usage; 3 a bug; 130 interrupted; 141 the output's reader went away (``| head``: the
code a shell gives a program that SIGPIPE ended). ``main`` owns 3, 130 and 141; the commands decide the rest
here, so ``--strict`` and "out of date" mean the same thing everywhere. Nothing is imported at
module level: ``main`` reads the codes before its guard against Ctrl-C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from trtc_privacy.diagnostics import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_PIPE_CLOSED = 141

#: Every code the tool can exit with, and what it means (docs/formats.md lists them; a test
#: keeps the two in step).
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FINDINGS: "findings, or something out of date",
    EXIT_USAGE: "bad input or usage",
    EXIT_BUG: "an internal error",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_PIPE_CLOSED: "the output's reader closed the pipe",
}


def exit_code(shown: Iterable[Severity] = (), strict: bool = False, out_of_date: bool = False,
              bad_input: bool = False) -> int:
    """The exit code of a command that showed findings of these severities.

    ``bad_input``: an input could not be read (the others were still checked): 2. Else 1 when
    an error was shown, a warning too under ``strict``, or ``out_of_date`` (a file or an SDK is
    not what it should be); else 0.
    """
    from trtc_privacy.diagnostics import Severity  # not at module level: main imports this first

    if bad_input:
        return EXIT_USAGE
    worst = set(shown)
    if out_of_date or Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        return EXIT_FINDINGS
    return EXIT_OK
