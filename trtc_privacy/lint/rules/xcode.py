"""Findings of the Xcode Run Script build phase (``trtc-privacy xcode``), made where the phase is
planned; registered so that ``explain``, SARIF and the configuration know them."""

from __future__ import annotations

from trtc_privacy.lint.rules.base import parse_rule

UNDECLARED_INPUT = parse_rule(
    "xcode-undeclared-input", "error",
    "under user script sandboxing, the phase reads a file it does not declare as an input",
    """With ENABLE_USER_SCRIPT_SANDBOXING Xcode lets a Run Script phase read only its declared
    inputs; reading anything else fails the build with "Sandbox: deny file-read-data". The
    phase refuses before reading, naming the file: an error.""",
    "add the lines of `trtc-privacy xcode --filelist inputs` to the phase's Input File List",
    scope="xcode")

UNDECLARED_OUTPUT = parse_rule(
    "xcode-undeclared-output", "error",
    "under user script sandboxing, the phase writes a file it does not declare as an output",
    """A sandboxed phase may write only its declared outputs, and Xcode orders phases by them:
    an undeclared output is an error, refused before anything is written.""",
    "add the lines of `trtc-privacy xcode --filelist outputs` to the phase's Output File List",
    scope="xcode")

NOTHING_TO_MERGE = parse_rule(
    "nothing-to-merge", "warning",
    "the phase found no SDKs to merge (no sdks configured, no lockfile found)",
    """Without configured SDKs and without a Podfile.lock or Package.resolved the phase copies
    the app's manifest as it is; this is a warning because it usually means the lockfile was not
    declared as an input of the phase.""",
    "set sdks or lockfiles in .trtc-privacy.toml, or declare the lockfile as an input of the "
    "phase", scope="xcode")

RULES = (UNDECLARED_INPUT, UNDECLARED_OUTPUT, NOTHING_TO_MERGE)
