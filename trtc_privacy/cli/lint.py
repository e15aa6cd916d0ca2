"""``trtc-privacy lint``: check manifests against Apple's rules, in the format CI or Xcode reads."""

# No ``from __future__ import annotations``: typer reads the commands' annotations on every run,
# and each one written as a string costs a compile (typing.get_type_hints).

from typing import Any, List, Optional

import typer

from trtc_privacy.cli.options import config_option, format_option, ignore_option, select_option


def lint(
    paths: List[str] = typer.Argument(..., metavar="PATH...",
                                      help="Manifest files, or directories to search for "
                                      "PrivacyInfo.xcprivacy files."),
    format: Optional[str] = format_option(),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too."),
    select: List[str] = select_option(),
    ignore: List[str] = ignore_option(),
    kind: Optional[str] = typer.Option(
        None, "--kind", metavar="app|sdk|auto",
        help="Lint as an app's or an SDK's manifest; auto (default) treats files inside "
        ".framework, .xcframework, .bundle, Pods/ or a Swift package's Sources/ as SDK's."),
    fix: bool = typer.Option(False, "--fix", help="Apply fixes that cannot change meaning "
                             "(duplicates, near-miss spellings, empty <dict/> entries)."),
    config: Optional[str] = config_option(),
) -> int:
    """Check PrivacyInfo.xcprivacy files against Apple's rules, with line and column."""
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.console import Sink, note
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.cli.options import apply_rule_options, chosen_format
    from trtc_privacy.diagnostics import Severity, input_error
    from trtc_privacy.formatters import stream
    from trtc_privacy.lint.engine import KINDS, LintRun

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        apply_rule_options(cfg, select, ignore)
        k = kind or cfg.kind
        if k not in KINDS:
            raise input_error("--kind", f"unknown kind \"{k}\"", rule="usage",
                              hint="expected app, sdk or auto")
        run = LintRun(paths, k, cfg)
        if fix:
            _fix(run)
        # findings stream to the formatter as each file finishes: memory stays flat
        for text in run.notes:
            note(text)
        total = stream(run.batches(), fmt, Sink(fmt), files=lambda: len(run.files))
        if not run.files and not run.unreadable:
            # a mistyped path in CI must not pass as "no problems": bad input, exit 2
            raise input_error(", ".join(paths), "no PrivacyInfo.xcprivacy found here, so nothing "
                              "was linted", rule="bad-input",
                              hint="check the path (and the configuration's exclude); lint takes "
                              "manifest files, or folders holding PrivacyInfo.xcprivacy files")
        # an unreadable path is reported among the findings; the others were linted
        return exit_code([Severity(s) for s, n in total.items() if n], strict,
                         bad_input=bool(run.unreadable))


def _fix(run: Any) -> None:
    """Fix every file the run found, then report what was fixed and what was not (stderr);
    the run then prints each file's findings without linting it again."""
    from trtc_privacy.cli.console import line
    from trtc_privacy.lint.fix import fix_run

    n_fixed, n_files = 0, 0
    for out in fix_run(run):
        for f in out.fixed:
            line(f"{f.location()}: fixed: {f.description} [{f.rule}]", err=True)
        for d, why in out.not_fixed:
            line(f"{d.location()}: not fixed: {d.message} [{d.rule}] ({why})", err=True)
        n_fixed += len(out.fixed)
        n_files += 1 if out.written else 0
    if n_fixed:
        line(f"fixed {n_fixed} problem{'' if n_fixed == 1 else 's'} in {n_files} "
             f"file{'' if n_files == 1 else 's'}", err=True)
    else:
        line("nothing to fix", err=True)
