"""``trtc-privacy xcode``: the one-line Xcode Run Script build phase."""

from __future__ import annotations

from typing import Optional

import typer


def xcode(
    filelist: Optional[str] = typer.Option(
        None, "--filelist", metavar="inputs|outputs",
        help="Print the phase's Input or Output File List (.xcfilelist lines) and exit; works "
        "outside Xcode, from the project directory."),
    write: Optional[str] = typer.Option(
        None, "--write", metavar="product|source",
        help="Write the merged manifest into the built product (default) or the source file in "
        "place; default: xcode-write from the configuration."),
    fail_on: Optional[str] = typer.Option(
        None, "--fail-on", metavar="always|release|never",
        help="Which builds fail on errors (others show them as warnings); default: xcode-fail-on "
        "from the configuration, else always."),
    app_manifest: Optional[str] = typer.Option(
        None, "--app-manifest", metavar="PATH",
        help="The app's PrivacyInfo.xcprivacy; default: app-manifest from the configuration, a "
        "declared input, or the one next to Info.plist."),
    config: Optional[str] = typer.Option(
        None, "--config", "-c", metavar="FILE",
        help="Configuration file (default: a declared input, else found upwards from SRCROOT)."),
    audit: bool = typer.Option(
        False, "--audit",
        help="After the merge, audit the built product ($TARGET_BUILD_DIR/$WRAPPER_NAME) as App "
        "Store Connect will (ITMS-91053/61/65); run the phase after Embed Frameworks."),
) -> None:
    """Merge the SDKs' manifests in an Xcode build phase; report in Xcode's issue format."""
    import os

    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.exits import EXIT_USAGE, exit_code
    from trtc_privacy.merge import build_phase as X

    env = X.BuildEnv.from_environ(os.environ)
    if filelist is not None:
        if filelist not in ("inputs", "outputs"):
            console.line(f"--filelist: expected inputs or outputs, found {filelist!r}", err=True)
            raise typer.Exit(EXIT_USAGE)
        phase = X.make_phase(env, config, write, fail_on, app_manifest, need_product=False)
        for line in X.filelist(phase, filelist):
            console.line(line)
        return
    if not env.in_xcode:
        console.line("error: trtc-privacy xcode: SRCROOT is not set; this command runs as an "
                     "Xcode Run Script build phase", err=True)
        console.line("  hint: outside Xcode use `trtc-privacy merge` (or `--filelist inputs` "
                     "here to print the phase's input file list)", err=True)
        raise typer.Exit(EXIT_USAGE)
    result = X.run(env, config, write, fail_on, app_manifest)
    console.use_format("xcode")  # Xcode reads every line for issues
    for line in X.lines(result):
        console.issue(line, err=True)
    if result.plan is not None:
        for note in result.plan.notes:
            console.line(f"trtc-privacy: {note}")
    if result.summary:
        console.line(f"trtc-privacy: {result.summary}")
    # the phase keeps errors only when this build fails on them (xcode-fail-on)
    shown, bad = [d.severity for d in result.diagnostics], result.bad_input
    if audit:
        done = result.plan
        lines, found, unreadable = X.audit_product(os.environ, done.fails() if done else True,
                                                   done.output if done else None)
        for line in lines:
            console.issue(line, err=True)
        shown, bad = shown + [d.severity for d in found], bad or unreadable
    raise typer.Exit(exit_code(shown, bad_input=bad))
